"""Choose the local or AWS implementation of each interface from the environment.

STOCKPRED_BACKEND            local (default) | aws
STOCKPRED_BUCKET             bucket for captured requests (local: a folder under STOCKPRED_HOME)
STOCKPRED_PREDICTIONS_TABLE  DynamoDB table of predictions (aws)
"""

from __future__ import annotations

import os
from typing import Any

from stockpred.config import stockpred_home
from stockpred.errors import ConfigError
from stockpred.objectstore import LocalObjectStore, S3ObjectStore
from stockpred.store import DynamoDBPredictionStore, SqlitePredictionStore

BACKENDS = ("local", "aws")
LOCAL_BUCKET = "stockpred-local"


def backend() -> str:
    value = os.environ.get("STOCKPRED_BACKEND", "local")
    if value not in BACKENDS:
        raise ConfigError(f"STOCKPRED_BACKEND={value!r}: use local or aws")
    return value


def required_env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"environment variable {name} is not set")
    return value


def aws_client(service: str) -> Any:
    """A boto3 client that retries throttling and 5xx with backoff (standard mode)."""
    import boto3
    from botocore.config import Config

    return boto3.client(service, config=Config(retries={"max_attempts": 8, "mode": "standard"}))


def object_store() -> LocalObjectStore | S3ObjectStore:
    if backend() == "aws":
        return S3ObjectStore(aws_client("s3"))
    return LocalObjectStore(stockpred_home() / "s3")


def prediction_store() -> SqlitePredictionStore | DynamoDBPredictionStore:
    if backend() == "aws":
        return DynamoDBPredictionStore(
            required_env("STOCKPRED_PREDICTIONS_TABLE"), aws_client("dynamodb")
        )
    return SqlitePredictionStore(stockpred_home() / "predictions.db")


def capture_bucket() -> str:
    if backend() == "aws":
        return required_env("STOCKPRED_BUCKET")
    return os.environ.get("STOCKPRED_BUCKET", LOCAL_BUCKET)
