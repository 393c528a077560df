"""Next-day prediction: the latest row's features -> probability -> a self-describing record."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from stockpred import market_calendar
from stockpred.records import Prediction


def make_prediction(
    probability: float,
    *,
    ticker: str,
    as_of: dt.date,
    threshold: float,
    model_version: str,
    data_source: str,
    now: dt.datetime | None = None,
) -> Prediction:
    """Build the record for the session after `as_of` (weekends and holidays skipped)."""
    created = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    return Prediction(
        ticker=ticker,
        target_date=str(market_calendar.next_session(as_of)),
        as_of=str(as_of),
        probability=round(float(probability), 6),
        direction="up" if probability > threshold else "down",
        threshold=threshold,
        model_version=model_version,
        data_source=data_source,
        created_at=created,
    )


def latest_features(frame: pd.DataFrame) -> tuple[dt.date, pd.DataFrame]:
    """The last day with features (its target is unknown): the row inference predicts from."""
    row = frame.iloc[[-1]]
    return row.index[0].date(), row
