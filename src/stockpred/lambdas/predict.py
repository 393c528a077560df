"""Inference handler: invoke the endpoint with the latest row, store and capture the prediction.

Event: {"inference_uri" (the Process step's inference output), "endpoint_name", "execution_id"}
Returns: {"target_date", "direction", "probability", "status"}; status is stored, unchanged
(the same prediction was already stored: a rerun), or no_session (a scheduled run on a market
holiday: nothing predicted); a conflicting prediction is an error.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from stockpred import backends
from stockpred.capture import capture_record, capture_uri, to_json_line
from stockpred.config import stockpred_home
from stockpred.endpoint import LocalEndpoint, SageMakerEndpoint, check_endpoint_name, parse_response
from stockpred.errors import ConfigError
from stockpred.outcomes import record_outcomes
from stockpred.records import Prediction

log = logging.getLogger(__name__)
CSV = "text/csv"


def handler(event: dict[str, Any], context: Any = None) -> dict[str, str]:
    inference_uri, endpoint_name = _validated(event)
    objects = backends.object_store()
    context_info = json.loads(objects.get_bytes(f"{inference_uri}/inference.json"))
    store = backends.prediction_store()
    if objects.exists(f"{inference_uri}/outcomes.json"):  # every ingestion resolves past days
        known = json.loads(objects.get_bytes(f"{inference_uri}/outcomes.json"))
        record_outcomes(
            objects, store, backends.capture_bucket(), known["ticker"], known["outcomes"]
        )
    if context_info.get("no_session"):
        log.info(
            "%s: no NYSE session on %s, nothing predicted",
            context_info["ticker"],
            context_info["date"],
        )
        return {"target_date": "", "direction": "", "probability": "", "status": "no_session"}
    features_csv = objects.get_bytes(f"{inference_uri}/inference.csv").decode()
    response_body, response_type = _endpoint().invoke(endpoint_name, features_csv, CSV)
    result = parse_response(response_body)
    prediction = Prediction(
        ticker=context_info["ticker"],
        target_date=context_info["target_date"],
        as_of=context_info["as_of"],
        probability=round(result["probability"], 6),
        direction=result["direction"],
        threshold=result["threshold"],
        model_version=str(result["model_version"]),
        data_source=context_info["data_source"],
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    status = store.put(prediction)
    stored = store.get(prediction.ticker, prediction.target_date) or prediction
    record = capture_record(
        request_body=features_csv,
        request_type=CSV,
        response_body=response_body,
        response_type=response_type,
        ticker=stored.ticker,
        target_date=stored.target_date,
        inference_time=stored.created_at,
    )
    objects.put_bytes(
        capture_uri(
            backends.capture_bucket(),
            endpoint_name,
            stored.ticker,
            stored.target_date,
            stored.created_at,
        ),
        to_json_line(record),
    )
    log.info(
        "%s %s: %s (p=%.4f) [%s]",
        stored.ticker,
        stored.target_date,
        stored.direction,
        stored.probability,
        status,
    )
    return {
        "target_date": stored.target_date,
        "direction": stored.direction,
        "probability": f"{stored.probability:.6f}",
        "status": status,
    }


def _validated(event: dict[str, Any]) -> tuple[str, str]:
    missing = [
        k
        for k in ("inference_uri", "endpoint_name")
        if not isinstance(event.get(k), str) or not event[k]
    ]
    if missing:
        raise ConfigError(f"predict event is missing {', '.join(missing)}")
    if not event["inference_uri"].startswith("s3://"):
        raise ConfigError(f"inference_uri {event['inference_uri']!r} is not an s3:// URI")
    return event["inference_uri"].rstrip("/"), check_endpoint_name(event["endpoint_name"])


def _endpoint() -> LocalEndpoint | SageMakerEndpoint:
    if backends.backend() == "aws":
        return SageMakerEndpoint(
            backends.aws_client("sagemaker"), backends.aws_client("sagemaker-runtime")
        )
    return LocalEndpoint(stockpred_home())
