"""Ground truth: what actually happened on each predicted session, once its close is known.

An outcome is known for a session when both its close and the previous session's close are in
the data. Backfilling fills `actual` only where it is empty and the outcome is known: it never
touches a prediction whose target day has not closed, and running it twice changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from stockpred.records import Prediction

UP, DOWN = "up", "down"


def outcomes_from_closes(closes: Iterable[tuple[str, float]]) -> dict[str, str]:
    """{session: "up"|"down"} from (date, close) pairs in date order: close(d) > close(d-1)."""
    outcomes: dict[str, str] = {}
    previous: float | None = None
    for day, close in closes:
        if previous is not None:
            outcomes[day] = UP if close > previous else DOWN
        previous = close
    return outcomes


class OutcomeStore(Protocol):
    def list(self, ticker: str | None = None) -> list[Prediction]: ...
    def set_actual(self, ticker: str, target_date: str, actual: str) -> bool: ...


def backfill(store: OutcomeStore, ticker: str, outcomes: dict[str, str]) -> list[Prediction]:
    """Fill in `actual` for stored predictions whose outcome is now known; return those filled."""
    filled = []
    for prediction in store.list(ticker):
        if prediction.actual is not None or prediction.target_date not in outcomes:
            continue
        actual = outcomes[prediction.target_date]
        if store.set_actual(prediction.ticker, prediction.target_date, actual):
            filled.append(Prediction.from_dict({**prediction.as_dict(), "actual": actual}))
    return filled


def ground_truth_line(ticker: str, target_date: str, actual: str) -> bytes:
    """Model Monitor's ground-truth record: 1 = the index closed up, 0 = down."""
    record: dict[str, Any] = {
        "groundTruthData": {"data": "1" if actual == UP else "0", "encoding": "CSV"},
        "eventMetadata": {"eventId": f"{ticker}/{target_date}"},
        "eventVersion": "0",
    }
    return (json.dumps(record, sort_keys=True) + "\n").encode()


def record_outcomes(
    objects: Any, store: OutcomeStore, bucket: str, ticker: str, outcomes: dict[str, str]
) -> list[Prediction]:
    """Backfill the store and write one ground-truth record per newly resolved prediction.

    The ground-truth key is derived from the target day, so a rerun rewrites the same object.
    """
    filled = backfill(store, ticker, outcomes)
    for prediction in filled:
        objects.put_bytes(
            ground_truth_uri(bucket, prediction.ticker, prediction.target_date),
            ground_truth_line(prediction.ticker, prediction.target_date, str(prediction.actual)),
        )
    return filled


def ground_truth_uri(bucket: str, ticker: str, target_date: str) -> str:
    year, month, day = target_date.split("-")
    safe_ticker = "".join(c for c in ticker if c.isalnum() or c in ".=-") or "ticker"
    return f"s3://{bucket}/groundtruth/{year}/{month}/{day}/21/{safe_ticker}-{target_date}.jsonl"
