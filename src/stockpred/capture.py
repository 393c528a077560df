"""Capture records in SageMaker Model Monitor's JSON Lines format.

Key layout: <prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl. The file name and the
time come from the prediction itself, so re-running the same day rewrites the same object with
the same content instead of adding a duplicate.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

CAPTURE_PREFIX = "datacapture"
VARIANT = "AllTraffic"


def inference_id(ticker: str, target_date: str) -> str:
    return f"{ticker}/{target_date}"


def capture_record(
    *,
    request_body: str,
    request_type: str,
    response_body: str,
    response_type: str,
    ticker: str,
    target_date: str,
    inference_time: str,
) -> dict:
    identifier = inference_id(ticker, target_date)
    return {
        "captureData": {
            "endpointInput": {
                "observedContentType": request_type,
                "mode": "INPUT",
                "data": request_body,
                "encoding": _encoding(request_type),
            },
            "endpointOutput": {
                "observedContentType": response_type,
                "mode": "OUTPUT",
                "data": response_body,
                "encoding": _encoding(response_type),
            },
        },
        "eventMetadata": {
            # Deterministic: the same prediction always gets the same event id.
            "eventId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"stockpred:{identifier}")),
            "inferenceId": identifier,
            "inferenceTime": inference_time,
        },
        "eventVersion": "0",
    }


def capture_uri(
    bucket: str, endpoint: str, ticker: str, target_date: str, inference_time: str
) -> str:
    when = dt.datetime.fromisoformat(inference_time.replace("Z", "+00:00")).astimezone(dt.UTC)
    safe_ticker = re.sub(r"[^A-Za-z0-9.=-]", "", ticker) or "ticker"
    return (
        f"s3://{bucket}/{CAPTURE_PREFIX}/{endpoint}/{VARIANT}/"
        f"{when:%Y/%m/%d/%H}/{safe_ticker}-{target_date}.jsonl"
    )


def to_json_line(record: dict) -> bytes:
    return (json.dumps(record, sort_keys=True) + "\n").encode()


def _encoding(content_type: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    return {"text/csv": "CSV", "application/json": "JSON"}.get(kind, "BASE64")
