"""Walk-forward evaluation and the promotion gate.

Each test block is predicted by a model fitted only on rows dated strictly before the block.
Precision is always reported beside the always-up base rate of the same days: a model that
does not beat it is no better than no model.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from stockpred.config import EvaluationSettings, Hyperparameters
from stockpred.errors import DataValidationError
from stockpred.features import TARGET, labelled
from stockpred.train import fit_booster

MIN_TRAIN_ROWS = 250


Predictor = Callable[[pd.DataFrame], np.ndarray]
Fitter = Callable[[pd.DataFrame], Predictor]


def xgboost_fitter(features: list[str], hp: Hyperparameters) -> Fitter:
    """Fit XGBoost on the history; return a function giving P(up) for new rows."""
    import xgboost as xgb

    def fit(history: pd.DataFrame) -> Predictor:
        booster = fit_booster(history, features, hp)
        return lambda rows: booster.predict(
            xgb.DMatrix(rows[features].to_numpy(), feature_names=features)
        )

    return fit


def walk_forward(
    frame: pd.DataFrame,
    features: list[str],
    hp: Hyperparameters,
    *,
    start: dt.date,
    end: dt.date,
    step: int,
    threshold: float,
    fitter: Fitter | None = None,
) -> pd.DataFrame:
    """Per-day out-of-sample predictions for labelled days in [start, end].

    Blocks of `step` test days are counted from `start`, so a block never depends on how far
    the data extends beyond `end`. Each block is predicted by a model fitted only on labelled
    days before it (XGBoost with `hp`, or `fitter`). Returns date, probability, predicted,
    actual.
    """
    fit = fitter or xgboost_fitter(features, hp)
    rows = labelled(frame)
    in_window = (rows.index >= pd.Timestamp(start)) & (rows.index <= pd.Timestamp(end))
    test = rows[in_window]
    if test.empty:
        raise DataValidationError(f"no labelled days between {start} and {end}")
    parts = []
    for offset in range(0, len(test), step):
        block = test.iloc[offset : offset + step]
        history = rows[rows.index < block.index[0]]
        if len(history) < MIN_TRAIN_ROWS:
            raise DataValidationError(
                f"only {len(history)} labelled days before {block.index[0].date()}; "
                f"at least {MIN_TRAIN_ROWS} are needed to train"
            )
        parts.append(pd.Series(fit(history)(block), index=block.index))
    probability = pd.concat(parts)
    return pd.DataFrame(
        {
            "date": test.index.strftime("%Y-%m-%d"),
            "probability": probability.to_numpy(),
            "predicted": (probability.to_numpy() > threshold).astype(int),
            "actual": test[TARGET].to_numpy().astype(int),
        }
    )


def summarize(predictions: pd.DataFrame) -> dict[str, Any]:
    """Precision, calls, accuracy, base rate, lift and p-value of per-day predictions."""
    predicted = predictions["predicted"].to_numpy().astype(bool)
    actual = predictions["actual"].to_numpy().astype(bool)
    n_days = len(predictions)
    n_up_calls = int(predicted.sum())
    n_correct_up = int((predicted & actual).sum())
    base_rate = float(actual.mean())
    precision = n_correct_up / n_up_calls if n_up_calls else None
    return {
        "precision": precision,
        "n_up_calls": n_up_calls,
        "n_correct_up_calls": n_correct_up,
        "accuracy": float((predicted == actual).mean()),
        "base_rate": base_rate,
        "lift": None if precision is None else precision - base_rate,
        "p_value": _p_value(n_correct_up, n_up_calls, base_rate),
        "n_days": n_days,
        "start": str(predictions["date"].iloc[0]),
        "end": str(predictions["date"].iloc[-1]),
    }


def _p_value(successes: int, trials: int, base_rate: float) -> float | None:
    """One-sided binomial test: is precision above the base rate by more than luck?"""
    if trials == 0 or not 0 < base_rate < 1:
        return None
    return float(binomtest(successes, trials, base_rate, alternative="greater").pvalue)


@dataclass(frozen=True)
class GateDecision:
    passed: bool
    reason: str
    min_precision: float
    margin: float
    precision: float  # 0.0 when the model made no up calls
    precision_to_beat: float  # the window's base rate + margin: precision must exceed it

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def apply_gate(metrics: dict[str, Any], *, min_precision: float, margin: float) -> GateDecision:
    """Pass only if precision >= min_precision AND precision > base rate + margin."""
    precision, base_rate = metrics["precision"], metrics["base_rate"]
    to_beat = base_rate + margin

    def decide(passed: bool, reason: str) -> GateDecision:
        return GateDecision(passed, reason, min_precision, margin, precision or 0.0, to_beat)

    if precision is None or (isinstance(precision, float) and math.isnan(precision)):
        return decide(False, "the model made no up calls in the evaluation window")
    summary = f"precision {precision:.4f} on {metrics['n_up_calls']} up calls"
    if precision < min_precision:
        return decide(False, f"{summary} is below the minimum {min_precision:.4f}")
    if not precision > to_beat:
        return decide(
            False,
            f"{summary} does not beat the always-up base rate {base_rate:.4f}"
            + (f" by more than {margin:.4f}" if margin else ""),
        )
    return decide(
        True,
        f"{summary} beats the base rate {base_rate:.4f} and the minimum {min_precision:.4f}",
    )


def evaluation_report(
    frame: pd.DataFrame,
    features: list[str],
    settings: EvaluationSettings,
    *,
    start: dt.date,
    end: dt.date,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Walk-forward over [start, end]: per-day predictions, metrics, and the gate decision."""
    predictions = walk_forward(
        frame,
        features,
        settings.hyperparameters,
        start=start,
        end=end,
        step=settings.refit_every,
        threshold=settings.threshold,
    )
    metrics = summarize(predictions)
    gate = apply_gate(metrics, min_precision=settings.min_precision, margin=settings.margin)
    report = {
        **metrics,
        "threshold": settings.threshold,
        "refit_every": settings.refit_every,
        "hyperparameters": settings.hyperparameters.as_strings(),
        "gate": gate.as_dict(),
    }
    return predictions, report


def evaluation_window(frame: pd.DataFrame, eval_days: int) -> tuple[dt.date, dt.date]:
    """The most recent `eval_days` labelled days."""
    rows = labelled(frame)
    if len(rows) < eval_days + MIN_TRAIN_ROWS:
        raise DataValidationError(
            f"{len(rows)} labelled days are not enough for a {eval_days}-day evaluation "
            f"window after {MIN_TRAIN_ROWS} training days"
        )
    window = rows.index[-eval_days:]
    return window[0].date(), window[-1].date()
