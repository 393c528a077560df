"""Monitoring: drift, data quality, live model quality, ground truth, metrics, formats."""

from __future__ import annotations

import json

import boto3
import jsonschema
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp

from stockpred.capture import capture_record
from stockpred.lambdas.monitor import publish
from stockpred.monitor import (
    baseline_constraints,
    baseline_statistics,
    captured_rows,
    data_quality,
    ks_distance,
    metric_data,
    model_quality,
    robust_distance,
)
from stockpred.outcomes import backfill, ground_truth_line, outcomes_from_closes
from stockpred.records import Prediction
from stockpred.store import SqlitePredictionStore
from tests.monitoring_formats import (
    CAPTURE,
    CONSTRAINT_VIOLATIONS,
    CONSTRAINTS,
    GROUND_TRUTH,
    STATISTICS,
)

FEATURES = ["shifted", "steady"]


def records_from(frame: pd.DataFrame, start: str = "2026-01-02") -> list[dict]:
    days = pd.bdate_range(start, periods=len(frame))
    return [
        capture_record(
            request_body=",".join(str(float(v)) for v in row),
            request_type="text/csv",
            response_body=json.dumps({"predictions": [{"probability": 0.6, "label": 1}]}),
            response_type="application/json",
            ticker="^GSPC",
            target_date=str(day.date()),
            inference_time="2026-01-02T21:00:00Z",
        )
        for row, day in zip(frame.to_numpy(), days, strict=True)
    ]


@pytest.fixture(scope="module")
def baseline():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"shifted": rng.normal(0, 1, 1000), "steady": rng.normal(0, 1, 1000)})
    statistics = baseline_statistics(frame, FEATURES)
    return statistics, baseline_constraints(statistics)


def test_drift_is_reported_for_a_shifted_feature_and_not_for_a_steady_one(baseline):
    statistics, constraints = baseline
    rng = np.random.default_rng(2)
    live = pd.DataFrame({"shifted": rng.normal(1.0, 1, 200), "steady": rng.normal(0, 1, 200)})
    captured, structural = captured_rows(records_from(live), FEATURES)
    drift, violations = data_quality(captured, statistics, constraints)
    assert structural == []
    assert drift["shifted"]["robust_distance"] > 0.1 >= drift["steady"]["robust_distance"]
    assert [(v["feature_name"], v["constraint_check_type"]) for v in violations] == [
        ("shifted", "baseline_drift_check")
    ]
    assert "exceeds threshold 0.1" in violations[0]["description"]


def test_ks_distance_and_the_robust_correction():
    assert ks_distance(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])) == 0.0
    assert ks_distance(np.array([10.0, 11.0]), np.array([1.0, 2.0])) == 1.0
    # 1.8 * sqrt((n + m) / (n m)) with n = 1000, m = 100 is 0.1888.
    assert robust_distance(0.3, 1000, 100) == pytest.approx(0.3 - 0.18879, abs=1e-4)
    assert robust_distance(0.1, 1000, 100) == 0.0


samples = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=60
)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # scipy's p-value on tiny samples
@settings(max_examples=200, deadline=None)
@given(samples, samples)
def test_ks_distance_is_scipys_two_sample_statistic(sample, reference):
    expected = ks_2samp(sample, reference, method="asymp").statistic  # the statistic is exact
    assert ks_distance(np.array(sample), np.array(reference)) == pytest.approx(expected, abs=1e-12)


def test_structural_problems_are_violations(baseline):
    statistics, constraints = baseline
    good = records_from(pd.DataFrame({"shifted": [0.1] * 5, "steady": [0.2] * 5}))
    good[0]["captureData"]["endpointInput"]["data"] = "0.1"
    good[1]["captureData"]["endpointInput"]["data"] = "0.1,0.2,0.3"
    good[2]["captureData"]["endpointInput"]["data"] = "x,0.2"
    captured, structural = captured_rows(good, FEATURES)
    checks = sorted(v["constraint_check_type"] for v in structural)
    assert checks == ["data_type_check", "extra_column_check", "missing_column_check"]
    _, violations = data_quality(captured, statistics, constraints)
    assert ("shifted", "completeness_check") in {
        (v["feature_name"], v["constraint_check_type"]) for v in violations
    }


def test_model_quality_counts_only_resolved_days_beside_the_base_rate():
    frame = pd.DataFrame({"shifted": [0.0] * 4, "steady": [0.0] * 4})
    records = records_from(frame, start="2026-01-05")  # Mon..Thu, every call "up"
    outcomes = {"2026-01-05": "up", "2026-01-06": "down", "2026-01-07": "up"}  # Thu unknown
    quality = model_quality(records, outcomes, last_n=60)
    assert quality["n_resolved"] == 3 and quality["n_up_calls"] == 3
    assert quality["precision"] == pytest.approx(2 / 3) == quality["base_rate"]
    assert (quality["start"], quality["end"]) == ("2026-01-05", "2026-01-07")
    assert model_quality(records, outcomes, last_n=1)["n_resolved"] == 1


def test_outputs_follow_model_monitors_formats(baseline):
    statistics, constraints = baseline
    jsonschema.validate(statistics, STATISTICS)
    assert (
        len(statistics["features"][0]["numerical_statistics"]["distribution"]["kll"]["buckets"])
        == 10
    )
    jsonschema.validate(constraints, CONSTRAINTS)
    live = pd.DataFrame({"shifted": np.full(50, 3.0), "steady": np.zeros(50)})
    records = records_from(live)
    for record in records:
        jsonschema.validate(record, CAPTURE)
    _, violations = data_quality(captured_rows(records, FEATURES)[0], statistics, constraints)
    jsonschema.validate({"violations": violations}, CONSTRAINT_VIOLATIONS)
    jsonschema.validate(json.loads(ground_truth_line("^GSPC", "2026-01-05", "up")), GROUND_TRUTH)


def test_outcomes_from_closes():
    closes = [
        ("2026-01-02", 100.0),
        ("2026-01-05", 101.0),
        ("2026-01-06", 101.0),
        ("2026-01-07", 99.0),
    ]
    assert outcomes_from_closes(closes) == {
        "2026-01-05": "up",
        "2026-01-06": "down",
        "2026-01-07": "down",
    }


def prediction(target_date: str) -> Prediction:
    return Prediction(
        ticker="^GSPC",
        target_date=target_date,
        as_of="2026-01-02",
        probability=0.6,
        direction="up",
        threshold=0.5,
        model_version="m/1",
        data_source="snapshot",
        created_at="2026-01-02T21:00:00+00:00",
    )


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return SqlitePredictionStore(tmp_path / "p.db")
    from stockpred.store import DynamoDBPredictionStore
    from tests.aws import create_predictions_table

    request.getfixturevalue("aws")
    return DynamoDBPredictionStore(create_predictions_table(), boto3.client("dynamodb"))


def test_backfill_is_idempotent_and_never_touches_unknown_outcomes(store):
    for day in ("2026-01-05", "2026-01-06", "2026-01-07"):
        store.put(prediction(day))
    outcomes = {"2026-01-05": "up", "2026-01-06": "down"}  # 01-07 has not closed yet
    filled = backfill(store, "^GSPC", outcomes)
    assert sorted((p.target_date, p.actual) for p in filled) == [
        ("2026-01-05", "up"),
        ("2026-01-06", "down"),
    ]
    assert store.get("^GSPC", "2026-01-07").actual is None
    assert backfill(store, "^GSPC", outcomes) == []  # nothing left to do
    # A (wrong) later outcome never overwrites a recorded one.
    assert backfill(store, "^GSPC", {"2026-01-05": "down"}) == []
    assert store.get("^GSPC", "2026-01-05").actual == "up"
    assert store.put(prediction("2026-01-05")) == "unchanged"  # a rerun is still idempotent


def test_metrics_reach_cloudwatch_with_model_monitors_names_and_dimensions(aws, baseline):
    statistics, constraints = baseline
    live = pd.DataFrame({"shifted": np.full(50, 3.0), "steady": np.zeros(50)})
    captured, _ = captured_rows(records_from(live), FEATURES)
    drift, violations = data_quality(captured, statistics, constraints)
    quality = {"precision": 0.55, "base_rate": 0.5, "accuracy": 0.52, "n_up_calls": 40}
    metrics = metric_data(
        endpoint="stockpred",
        schedule="stockpred-monitoring",
        timestamp="2026-03-02T23:00:00+00:00",
        quality=quality,
        drift=drift,
        violations=violations,
        missing_predictions=0,
    )
    cloudwatch = boto3.client("cloudwatch")
    publish(cloudwatch, metrics)
    listed = cloudwatch.list_metrics(Namespace="aws/sagemaker/Endpoints/data-metrics")["Metrics"]
    names = {m["MetricName"] for m in listed}
    assert {
        "feature_baseline_drift_shifted",
        "feature_baseline_drift_steady",
        "feature_non_null_shifted",
        "constraint_violations",
    } <= names
    assert all(
        sorted((d["Name"], d["Value"]) for d in m["Dimensions"])
        == [("Endpoint", "stockpred"), ("MonitoringSchedule", "stockpred-monitoring")]
        for m in listed
    )
    model = {
        m["MetricName"]
        for m in cloudwatch.list_metrics(Namespace="aws/sagemaker/Endpoints/model-metrics")[
            "Metrics"
        ]
    }
    assert {
        "precision",
        "base_rate",
        "precision_minus_base_rate",
        "accuracy",
        "missing_predictions",
    } <= model
