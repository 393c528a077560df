"""Helpers for tests against moto (the in-process AWS stand-in)."""

from __future__ import annotations

import threading
from typing import Any

import boto3

REGION = "us-east-1"


class AtomicCalls:
    """A client whose API calls run one at a time.

    DynamoDB applies each conditional write atomically; moto's in-process backend does not when
    threads share it (a condition check and a write can interleave), so two conditional puts
    could both succeed. Serialising the calls gives back the service's guarantee, while the
    threads still race through the product's own check-then-write logic.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name in ("exceptions", "meta") or not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


def create_predictions_table(name: str = "stockpred-predictions") -> str:
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "ticker", "KeyType": "HASH"},
            {"AttributeName": "target_date", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "ticker", "AttributeType": "S"},
            {"AttributeName": "target_date", "AttributeType": "S"},
        ],
    )
    return name


def register_package(
    sagemaker, group: str, status: str, model_data_url: str, baseline_prefix: str | None = None
) -> str:
    metrics = {}
    if baseline_prefix:
        metrics = {
            "ModelMetrics": {
                "ModelDataQuality": {
                    kind: {
                        "ContentType": "application/json",
                        "S3Uri": f"{baseline_prefix}/{kind.lower()}.json",
                    }
                    for kind in ("Statistics", "Constraints")
                }
            }
        }
    return sagemaker.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus=status,
        InferenceSpecification={
            "Containers": [
                {
                    "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/stockpred-infer:abc",
                    "ModelDataUrl": model_data_url,
                }
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
        **metrics,
    )["ModelPackageArn"]
