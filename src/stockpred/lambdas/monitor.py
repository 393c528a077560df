"""Monitoring handler: publish the monitor's metrics and record the known outcomes.

Event: {"report_uri" (the Monitor step's report output), "endpoint_name"}
Returns: {"violations", "precision", "base_rate", "outcomes_filled"}
AWS: metrics go to CloudWatch (PutMetricData); locally they stay in the report's metrics.json.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from stockpred import backends
from stockpred.endpoint import check_endpoint_name
from stockpred.errors import ConfigError
from stockpred.outcomes import record_outcomes

log = logging.getLogger(__name__)
BATCH = 20  # PutMetricData takes at most 1000 values; small batches keep requests small


def handler(event: dict[str, Any], context: Any = None) -> dict[str, str]:
    report_uri = _validated(event)
    objects = backends.object_store()
    metrics = json.loads(objects.get_bytes(f"{report_uri}/metrics.json"))
    outcomes = json.loads(objects.get_bytes(f"{report_uri}/outcomes.json"))
    summary = json.loads(objects.get_bytes(f"{report_uri}/summary.json"))
    if backends.backend() == "aws":
        publish(backends.aws_client("cloudwatch"), metrics)
    filled = record_outcomes(
        objects,
        backends.prediction_store(),
        backends.capture_bucket(),
        outcomes["ticker"],
        outcomes["outcomes"],
    )
    quality = summary["model_quality"]
    log.info("published %d metrics; %d outcomes filled", len(metrics), len(filled))
    return {
        "violations": str(summary["violations"]),
        "precision": "" if quality["precision"] is None else f"{quality['precision']:.4f}",
        "base_rate": "" if quality["base_rate"] is None else f"{quality['base_rate']:.4f}",
        "outcomes_filled": str(len(filled)),
    }


def publish(cloudwatch: Any, metrics: list[dict[str, Any]]) -> None:
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for metric in metrics:
        datum = {k: v for k, v in metric.items() if k != "Namespace"}
        datum["Timestamp"] = dt.datetime.fromisoformat(metric["Timestamp"])
        by_namespace.setdefault(metric["Namespace"], []).append(datum)
    for namespace, data in by_namespace.items():
        for start in range(0, len(data), BATCH):
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + BATCH])


def _validated(event: dict[str, Any]) -> str:
    uri = event.get("report_uri")
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise ConfigError(f"report_uri {uri!r} is not an s3:// URI")
    check_endpoint_name(str(event.get("endpoint_name", "")))
    return uri.rstrip("/")
