"""Leakage-free features and the next-day target (pure functions).

A feature for day t uses closes up to and including day t only. The target of day t is
close(t+1) > close(t), so the most recent day has features but no target: it is the row
inference predicts from.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from stockpred.config import FEATURE_HORIZONS

TARGET = "target"


# Features of the candidate model (chosen on 1980-1999 only; not adopted, docs/model.md):
# recent log returns, volatility and its regime, and the distance from the one-year high.
EXTRA_FEATURES = ("ret_1", "ret_5", "ret_20", "vol_20", "vol_ratio", "dist_high_250")


def seed_feature_names(horizons: tuple[int, ...] = FEATURE_HORIZONS) -> list[str]:
    """The seed's features: close / rolling mean, and the count of up days, per horizon."""
    names = []
    for horizon in horizons:
        names += [f"close_ratio_{horizon}", f"trend_{horizon}"]
    return names


def feature_names() -> list[str]:
    """The features the production model uses, in the order the endpoint expects them."""
    return seed_feature_names()


def candidate_feature_names() -> list[str]:
    return [*seed_feature_names(), *EXTRA_FEATURES]


def build_features(
    prices: pd.DataFrame, horizons: tuple[int, ...] = FEATURE_HORIZONS
) -> pd.DataFrame:
    """Features for every day with a full look-back window, plus the target (NaN when unknown)."""
    close = prices["Close"]
    # up(t) = close(t) > close(t-1): known at day t's close. NaN on the first day.
    up = (close > close.shift(1)).astype("float64").where(close.shift(1).notna())
    columns: dict[str, pd.Series] = {}
    for horizon in horizons:
        columns[f"close_ratio_{horizon}"] = close / close.rolling(horizon).mean()
        columns[f"trend_{horizon}"] = up.rolling(horizon).sum()
    log_close = np.log(close)
    daily = log_close.diff()
    columns["ret_1"] = daily
    columns["ret_5"] = log_close.diff(5)
    columns["ret_20"] = log_close.diff(20)
    columns["vol_20"] = daily.rolling(20).std()
    columns["vol_ratio"] = columns["vol_20"] / daily.rolling(250).std()
    columns["dist_high_250"] = close / close.rolling(250).max()
    frame = pd.DataFrame(columns, index=prices.index)
    next_close = close.shift(-1)
    frame[TARGET] = (next_close > close).astype("float64").where(next_close.notna())
    return frame.dropna(subset=list(columns))


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose next-day outcome is known (usable for training and evaluation)."""
    return frame[frame[TARGET].notna()]


def latest_row(frame: pd.DataFrame) -> pd.DataFrame:
    """The most recent day's features: what inference predicts the next session from."""
    return frame.iloc[[-1]]


def frame_sha256(frame: pd.DataFrame) -> str:
    """A stable fingerprint of a frame's index and values (to tie a model to its data)."""
    digest = hashlib.sha256()
    digest.update("\n".join(frame.index.strftime("%Y-%m-%d")).encode())
    digest.update(frame.to_numpy(dtype="float64").tobytes())
    digest.update(",".join(map(str, frame.columns)).encode())
    return digest.hexdigest()


def read_features_csv(path) -> pd.DataFrame:
    """A features CSV written by the process step, indexed by date again."""
    frame = pd.read_csv(path, index_col="Date", parse_dates=["Date"])
    missing = [c for c in feature_names() if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing feature column(s) {', '.join(missing)}")
    return frame
