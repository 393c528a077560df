"""Prediction store: idempotent writes, no silent overwrite."""

from __future__ import annotations

import threading
from dataclasses import replace

import boto3
import pytest

from stockpred.errors import PredictionConflictError
from stockpred.records import Prediction
from stockpred.store import (
    REPLACED,
    STORED,
    UNCHANGED,
    DynamoDBPredictionStore,
    SqlitePredictionStore,
)
from tests.aws import AtomicCalls, create_predictions_table


def a_prediction(**changes) -> Prediction:
    base = Prediction(
        ticker="^GSPC",
        target_date="2026-03-03",
        as_of="2026-03-02",
        probability=0.5271,
        direction="up",
        threshold=0.5,
        model_version="stockpred/1",
        data_source="snapshot",
        created_at="2026-03-02T21:30:00+00:00",
    )
    return replace(base, **changes)


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request, tmp_path):
    """Both implementations must keep the same contract."""
    if request.param == "sqlite":
        return SqlitePredictionStore(tmp_path / "predictions.db")
    request.getfixturevalue("aws")
    client = AtomicCalls(boto3.client("dynamodb"))  # DynamoDB's atomic writes, under threads
    return DynamoDBPredictionStore(create_predictions_table(), client)


def test_writing_the_same_prediction_twice_leaves_one_record(store):
    assert store.put(a_prediction()) == STORED
    # A rerun later the same evening: only the bookkeeping timestamp differs.
    assert store.put(a_prediction(created_at="2026-03-02T22:00:00+00:00")) == UNCHANGED
    records = store.list()
    assert len(records) == 1
    assert records[0].created_at == "2026-03-02T21:30:00+00:00"


def test_a_different_prediction_for_the_same_day_is_refused(store):
    store.put(a_prediction())
    with pytest.raises(PredictionConflictError, match=r"probability: 0.5271 -> 0.4.*--force"):
        store.put(a_prediction(probability=0.4, direction="down"))
    assert store.get("^GSPC", "2026-03-03") == a_prediction()


def test_forced_replacement_keeps_the_old_prediction_in_history(store):
    store.put(a_prediction())
    new = a_prediction(probability=0.4, direction="down", model_version="stockpred/2")
    assert store.put(new, force=True) == REPLACED
    assert store.get("^GSPC", "2026-03-03") == new
    assert store.history("^GSPC", "2026-03-03") == [a_prediction()]


def test_list_is_newest_first_and_filters_by_ticker(store):
    store.put(a_prediction(target_date="2026-03-02", as_of="2026-02-27"))
    store.put(a_prediction())
    store.put(a_prediction(ticker="^NDX"))
    assert [p.target_date for p in store.list("^GSPC")] == ["2026-03-03", "2026-03-02"]
    assert len(store.list()) == 3


def test_concurrent_writers_of_the_same_day_leave_one_record(store):
    results: list[str] = []
    barrier = threading.Barrier(8)

    def write() -> None:
        barrier.wait()
        results.append(store.put(a_prediction()))

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [STORED] + [UNCHANGED] * 7
    assert len(store.list()) == 1
