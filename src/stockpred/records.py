"""The prediction record: plain data, no heavy imports (the AWS Lambdas use it too)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


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
