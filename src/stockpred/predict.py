"""Next-day prediction: the latest row's features -> probability -> a self-describing record."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

import pandas as pd

from stockpred import market_calendar


@dataclass(frozen=True)
class Prediction:
    """What was predicted, for which day, from which close, by which model and data."""

    ticker: str
    target_date: str  # the NYSE session being predicted
    as_of: str  # the session whose close the features end at
    probability: float
    direction: str  # "up" or "down"
    threshold: float
    model_version: str
    data_source: str
    created_at: str
    actual: str | None = None  # "up"/"down" once the target day's close is known

    # Fields that define the prediction itself; created_at and actual are bookkeeping.
    IDENTITY = (
        "ticker",
        "target_date",
        "as_of",
        "probability",
        "direction",
        "threshold",
        "model_version",
        "data_source",
    )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def differences(self, other: Prediction) -> list[str]:
        return [
            f"{name}: {getattr(other, name)!r} -> {getattr(self, name)!r}"
            for name in self.IDENTITY
            if getattr(self, name) != getattr(other, name)
        ]

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Prediction:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


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
