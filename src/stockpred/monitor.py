"""Model monitoring in SageMaker Model Monitor's file formats (pure functions).

- baseline: statistics.json and constraints.json of the features the model was validated on;
- data quality: completeness, missing/extra columns, non-numeric values, and per-feature drift
  of the captured inputs against the baseline (Kolmogorov-Smirnov distance with Model Monitor's
  "Robust" small-sample correction, threshold from constraints.json);
- model quality: precision, accuracy and number of up calls over the last resolved predictions,
  beside the always-up base rate of the same days;
- metrics: PutMetricData-shaped records under Model Monitor's namespaces.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

DATA_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
MODEL_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"
SKETCH_POINTS = 512  # baseline quantiles kept in the KLL sketch field
DEFAULT_THRESHOLD = 0.1


# --------------------------------------------------------------------------- baseline


def baseline_statistics(frame: pd.DataFrame, features: list[str]) -> dict[str, Any]:
    """statistics.json of a features frame (ten histogram buckets, quantiles as the sketch)."""
    return {
        "version": 0,
        "dataset": {"item_count": len(frame)},
        "features": [_feature_statistics(frame[name], name) for name in features],
    }


def _feature_statistics(column: pd.Series, name: str) -> dict[str, Any]:
    values = column.dropna().to_numpy(dtype="float64")
    counts, edges = np.histogram(values, bins=10)
    quantiles = np.quantile(values, np.linspace(0, 1, SKETCH_POINTS)) if len(values) else []
    return {
        "name": name,
        "inferred_type": "Fractional",
        "numerical_statistics": {
            "common": {"num_present": len(values), "num_missing": int(column.isna().sum())},
            "mean": float(values.mean()) if len(values) else None,
            "sum": float(values.sum()),
            "std_dev": float(values.std()) if len(values) else None,
            "min": float(values.min()) if len(values) else None,
            "max": float(values.max()) if len(values) else None,
            "distribution": {
                "kll": {
                    "buckets": [
                        {"lower_bound": float(lo), "upper_bound": float(hi), "count": float(n)}
                        for lo, hi, n in zip(edges[:-1], edges[1:], counts, strict=True)
                    ],
                    "sketch": {
                        "parameters": {"c": 0.64, "k": 2048.0},
                        "data": [[float(q) for q in quantiles]],
                    },
                }
            },
        },
    }


def baseline_constraints(
    statistics: dict[str, Any], threshold: float = DEFAULT_THRESHOLD
) -> dict[str, Any]:
    features = []
    for feature in statistics["features"]:
        numbers = feature["numerical_statistics"]
        present, missing = numbers["common"]["num_present"], numbers["common"]["num_missing"]
        features.append(
            {
                "name": feature["name"],
                "inferred_type": "Fractional",
                "completeness": present / (present + missing) if present + missing else 0.0,
                "num_constraints": {
                    "is_non_negative": bool(numbers["min"] is not None and numbers["min"] >= 0)
                },
            }
        )
    return {
        "version": 0,
        "features": features,
        "monitoring_config": {
            "evaluate_constraints": "Enabled",
            "emit_metrics": "Enabled",
            "datatype_check_threshold": 0.1,
            "domain_content_threshold": 0.1,
            "distribution_constraints": {
                "perform_comparison": "Enabled",
                "comparison_threshold": threshold,
                "comparison_method": "Robust",
            },
        },
    }


# --------------------------------------------------------------------------- captured data


def captured_rows(
    records: list[dict[str, Any]], features: list[str]
) -> tuple[pd.DataFrame, list[dict]]:
    """The captured feature rows (one per record, CSV input) and the structural violations."""
    rows, violations = [], []
    wrong_width = non_numeric = 0
    for record in records:
        cells = record["captureData"]["endpointInput"]["data"].strip().split(",")
        if len(cells) != len(features):
            wrong_width += 1
            direction = "missing" if len(cells) < len(features) else "extra"
            violations.append(
                _violation(
                    "-",
                    f"{direction}_column_check",
                    f"{record['eventMetadata']['inferenceId']}: {len(cells)} columns, "
                    f"expected {len(features)}",
                )
            )
            continue
        try:
            rows.append([float(cell) for cell in cells])
        except ValueError:
            non_numeric += 1
            rows.append([_number_or_nan(cell) for cell in cells])
    if records and non_numeric / len(records) > 0.1:
        violations.append(
            _violation(
                "-", "data_type_check", f"{non_numeric} of {len(records)} records hold non-numbers"
            )
        )
    frame = pd.DataFrame(rows, columns=features, dtype="float64")
    return frame, violations


def _number_or_nan(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


def ks_distance(sample: np.ndarray, reference: np.ndarray) -> float:
    """Largest gap between the two empirical CDFs (the two-sample Kolmogorov-Smirnov statistic)."""
    a, b = np.sort(sample), np.sort(reference)
    points = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, points, side="right") / len(a)
    cdf_b = np.searchsorted(b, points, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def robust_distance(distance: float, n: int, m: int) -> float:
    """Model Monitor's Robust comparison: subtract the small-sample term 1.8*sqrt((n+m)/(n*m))."""
    return max(0.0, distance - 1.8 * math.sqrt((n + m) / (n * m)))


def data_quality(
    captured: pd.DataFrame, statistics: dict[str, Any], constraints: dict[str, Any]
) -> tuple[dict[str, Any], list[dict]]:
    """Per-feature completeness and drift; the violations of the constraints."""
    threshold = constraints["monitoring_config"]["distribution_constraints"]["comparison_threshold"]
    n_baseline = statistics["dataset"]["item_count"]
    by_name = {f["name"]: f for f in statistics["features"]}
    constraint_by_name = {f["name"]: f for f in constraints["features"]}
    results, violations = {}, []
    for name in by_name:
        values = captured[name].dropna().to_numpy() if name in captured else np.array([])
        completeness = len(values) / len(captured) if len(captured) else 0.0
        entry: dict[str, Any] = {"completeness": completeness, "n": len(values)}
        expected = constraint_by_name[name]["completeness"]
        if len(captured) and completeness < expected:
            violations.append(
                _violation(
                    name,
                    "completeness_check",
                    f"completeness {completeness:.4f} is below the baseline's {expected:.4f}",
                )
            )
        if len(values):
            reference = np.asarray(
                by_name[name]["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"][0]
            )
            distance = ks_distance(values, reference)
            corrected = robust_distance(distance, n_baseline, len(values))
            entry |= {"distance": distance, "robust_distance": corrected}
            if corrected > threshold:
                violations.append(
                    _violation(
                        name,
                        "baseline_drift_check",
                        f"Baseline drift distance {corrected:.4f} exceeds threshold {threshold}",
                    )
                )
        results[name] = entry
    return results, violations


def _violation(feature: str, check: str, description: str) -> dict[str, str]:
    return {"feature_name": feature, "constraint_check_type": check, "description": description}


# --------------------------------------------------------------------------- model quality


def model_quality(
    records: list[dict[str, Any]], outcomes: dict[str, str], last_n: int
) -> dict[str, Any]:
    """Precision and accuracy over the last `last_n` resolved predictions, beside the base rate."""
    resolved = []
    for record in records:
        target_date = record["eventMetadata"]["inferenceId"].rsplit("/", 1)[-1]
        if target_date not in outcomes:
            continue  # not closed yet: no outcome
        response = json.loads(record["captureData"]["endpointOutput"]["data"])
        label = int(response["predictions"][0]["label"])
        resolved.append((target_date, label, int(outcomes[target_date] == "up")))
    resolved = sorted(resolved)[-last_n:]
    predicted = np.array([r[1] for r in resolved], dtype=int)
    actual = np.array([r[2] for r in resolved], dtype=int)
    calls = int(predicted.sum())
    return {
        "n_resolved": len(resolved),
        "n_up_calls": calls,
        "precision": float((predicted & actual).sum() / calls) if calls else None,
        "accuracy": float((predicted == actual).mean()) if len(resolved) else None,
        "base_rate": float(actual.mean()) if len(resolved) else None,
        "start": resolved[0][0] if resolved else None,
        "end": resolved[-1][0] if resolved else None,
    }


# --------------------------------------------------------------------------- metrics


def metric_data(
    *,
    endpoint: str,
    schedule: str,
    timestamp: str,
    quality: dict[str, Any],
    drift: dict[str, Any],
    violations: list[dict],
    missing_predictions: int,
) -> list[dict[str, Any]]:
    """PutMetricData-shaped records: {Namespace, MetricName, Dimensions, Value, Timestamp}."""
    dimensions = [
        {"Name": "Endpoint", "Value": endpoint},
        {"Name": "MonitoringSchedule", "Value": schedule},
    ]

    def metric(namespace: str, name: str, value: float) -> dict[str, Any]:
        return {
            "Namespace": namespace,
            "MetricName": name,
            "Dimensions": dimensions,
            "Value": float(value),
            "Timestamp": timestamp,
            "Unit": "None",
        }

    records = [metric(DATA_NAMESPACE, "constraint_violations", len(violations))]
    for feature, entry in drift.items():
        records.append(metric(DATA_NAMESPACE, f"feature_non_null_{feature}", entry["completeness"]))
        if "robust_distance" in entry:
            records.append(
                metric(
                    DATA_NAMESPACE, f"feature_baseline_drift_{feature}", entry["robust_distance"]
                )
            )
    records.append(metric(MODEL_NAMESPACE, "missing_predictions", missing_predictions))
    if quality["precision"] is not None:
        records += [
            metric(MODEL_NAMESPACE, "precision", quality["precision"]),
            metric(MODEL_NAMESPACE, "base_rate", quality["base_rate"]),
            metric(
                MODEL_NAMESPACE,
                "precision_minus_base_rate",
                quality["precision"] - quality["base_rate"],
            ),
        ]
    if quality["accuracy"] is not None:
        records += [
            metric(MODEL_NAMESPACE, "accuracy", quality["accuracy"]),
            metric(MODEL_NAMESPACE, "up_calls", quality["n_up_calls"]),
        ]
    return records
