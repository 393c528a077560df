"""Candidate 2 of docs/model.md: choose the recipe and cut-off per block, from the past only.

For each block of 250 test days, every configuration of a small grid (seed or extended
features, seed or regularised XGBoost, cut-off 0.50 / 0.53 / 0.56) is scored on the walk-forward
predictions of the previous INNER blocks -- out-of-sample predictions, each made by a model
trained before its own block -- and the block is predicted with the configuration whose
precision beats the base rate of those days by the largest one-sided z-score, among those that
called at least MIN_SHARE of the days up (else the seed's recipe at 0.5). Nothing about the
block itself, or anything after it, takes part in the choice.

usage: python scripts/nested_selection.py dev|report [INNER] [MIN_SHARE]
  dev    = 1980-01-01..1999-12-31 (where the protocol was chosen: INNER 8, MIN_SHARE 0.2)
  report = 2000-01-01..2024-12-31 (run once, after the choice)
"""

from __future__ import annotations

import datetime as dt
import math
import sys

import numpy as np
import pandas as pd

from stockpred.baselines import CANDIDATE_HYPERPARAMETERS, SEED_HYPERPARAMETERS
from stockpred.evaluate import summarize, walk_forward
from stockpred.features import build_features, candidate_feature_names, labelled, seed_feature_names
from stockpred.ingest import read_snapshot
from stockpred.validate import validate_prices

WINDOWS = {"dev": ("1980-01-01", "1999-12-31"), "report": ("2000-01-01", "2024-12-31")}
STEP = 250
CUTOFFS = (0.50, 0.53, 0.56)
CONFIGS = {
    "seed": (seed_feature_names(), SEED_HYPERPARAMETERS),
    "seed_regularised": (seed_feature_names(), CANDIDATE_HYPERPARAMETERS),
    "extended": (candidate_feature_names(), SEED_HYPERPARAMETERS),
    "extended_regularised": (candidate_feature_names(), CANDIDATE_HYPERPARAMETERS),
}
DEFAULT = ("seed", 0.50)


def z_score(probability: np.ndarray, actual: np.ndarray, cutoff: float, min_calls: float) -> float:
    """One-sided z of the up calls' precision against the base rate of the same days."""
    calls = probability > cutoff
    n, base = int(calls.sum()), float(actual.mean())
    if n < min_calls or not 0 < base < 1:
        return -math.inf
    return (float(actual[calls].mean()) - base) / math.sqrt(base * (1 - base) / n)


def nested(start: str, end: str, inner: int, min_share: float) -> tuple[pd.DataFrame, list]:
    frame = build_features(validate_prices(read_snapshot(), "snapshot"))
    rows = labelled(frame)
    first = rows.index.searchsorted(pd.Timestamp(start))
    early = rows.index[first - STEP * inner].date()  # the inner blocks of the first block
    days = {
        name: walk_forward(
            frame,
            features,
            hp,
            start=early,
            end=dt.date.fromisoformat(end),
            step=STEP,
            threshold=0.5,
        ).set_index("date")
        for name, (features, hp) in CONFIGS.items()
    }
    dates = days["seed"].index
    parts, choices = [], []
    for block in range(inner, math.ceil(len(dates) / STEP)):
        past = dates[(block - inner) * STEP : block * STEP]
        scores = {
            (name, cutoff): z_score(
                days[name].loc[past, "probability"].to_numpy(),
                days[name].loc[past, "actual"].to_numpy(),
                cutoff,
                min_share * len(past),
            )
            for name in CONFIGS
            for cutoff in CUTOFFS
        }
        best = max(scores, key=scores.get)
        choice = best if scores[best] > -math.inf else DEFAULT
        current = dates[block * STEP : (block + 1) * STEP]
        chosen = days[choice[0]].loc[current]
        parts.append(
            pd.DataFrame(
                {
                    "date": current,
                    "probability": chosen["probability"].to_numpy(),
                    "predicted": (chosen["probability"].to_numpy() > choice[1]).astype(int),
                    "actual": chosen["actual"].to_numpy(),
                }
            )
        )
        choices.append((str(current[0]), *choice))
    return pd.concat(parts, ignore_index=True), choices


def main(argv: list[str]) -> int:
    window = argv[0] if argv else "dev"
    inner = int(argv[1]) if len(argv) > 1 else 8
    min_share = float(argv[2]) if len(argv) > 2 else 0.2
    start, end = WINDOWS[window]
    predictions, choices = nested(start, end, inner, min_share)
    metrics = summarize(predictions)
    print(
        f"nested selection {metrics['start']}..{metrics['end']}: precision "
        f"{metrics['precision']:.4f} on {metrics['n_up_calls']} up calls, base rate "
        f"{metrics['base_rate']:.4f}, p-value {metrics['p_value']:.3f}"
    )
    for first_day, name, cutoff in choices:
        print(f"  block from {first_day}: {name} at {cutoff:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
