"""AWS faults: throttling and 5xx answers are retried with backoff by every AWS client the
product uses; when they never stop, the error comes through instead of a silent loss."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pytest
from botocore.awsrequest import AWSResponse

from stockpred import backends
from stockpred.objectstore import S3ObjectStore
from stockpred.records import Prediction
from stockpred.registry import SageMakerModelRegistry
from stockpred.store import DynamoDBPredictionStore
from tests.aws import create_predictions_table, register_package


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_kwargs):
        yield self.data


def inject_failures(client, count: int, status: int, body: bytes = b"") -> list[str]:
    """The next `count` requests of `client` get `status` before reaching moto."""
    seen: list[str] = []

    def before_send(request, **_kwargs):
        seen.append(request.url)
        if len(seen) <= count:
            return AWSResponse(request.url, status, {"x-amzn-requestid": "fault"}, _Body(body))
        return None

    client.meta.events.register_first("before-send", before_send)  # ahead of moto
    return seen


THROTTLED = (
    b'{"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",'
    b' "message": "Rate exceeded"}'
)


@pytest.fixture
def fast_backoff(monkeypatch):
    """Keep botocore's backoff schedule but not its sleeping (the attempts are what we count)."""
    monkeypatch.setattr("time.sleep", lambda _seconds: None)


def prediction() -> Prediction:
    return Prediction(
        ticker="^GSPC",
        target_date="2026-03-03",
        as_of="2026-03-02",
        probability=0.53,
        direction="up",
        threshold=0.5,
        model_version="m/1",
        data_source="yahoo",
        created_at="2026-03-02T21:30:00+00:00",
    )


def test_s3_5xx_is_retried(aws, fast_backoff):
    boto3.client("s3").create_bucket(Bucket="stockpred-faults")
    client = backends.aws_client("s3")
    attempts = inject_failures(client, 3, 503)
    S3ObjectStore(client).put_bytes("s3://stockpred-faults/key", b"data")
    assert len(attempts) == 4
    assert (
        boto3.client("s3").get_object(Bucket="stockpred-faults", Key="key")["Body"].read()
        == b"data"
    )


def test_dynamodb_throttling_is_retried_and_the_write_lands_once(aws, fast_backoff):
    """The emulator also commits the attempts whose answer is replaced by the fault: exactly a
    lost response after a committed write. The retried conditional put then finds the same
    prediction already there, and the store says "unchanged": one record, nothing lost."""
    table = create_predictions_table()
    client = backends.aws_client("dynamodb")
    attempts = inject_failures(client, 3, 400, THROTTLED)
    store = DynamoDBPredictionStore(table, client)
    assert store.put(prediction()) in ("stored", "unchanged")
    assert len(attempts) >= 4  # three throttled attempts, then the write (and a read)
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    assert len(items) == 1 and items[0]["probability"]["N"] == "0.53"


def test_sagemaker_5xx_is_retried(aws, fast_backoff):
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_model_package_group(ModelPackageGroupName="g")
    register_package(sagemaker, "g", "Approved", "s3://b/m.tar.gz")
    client = backends.aws_client("sagemaker")
    attempts = inject_failures(client, 2, 500, b'{"__type": "InternalFailure"}')
    assert SageMakerModelRegistry(client, "g").newest_approved_arn().endswith("/g/1")
    assert len(attempts) == 3


def test_persistent_throttling_surfaces_as_an_error(aws, fast_backoff):
    table = create_predictions_table()
    client = backends.aws_client("dynamodb")
    attempts = inject_failures(client, 100, 400, THROTTLED)
    with pytest.raises(
        botocore.exceptions.ClientError, match=r"ThrottlingException.*reached max retries"
    ):
        DynamoDBPredictionStore(table, client).put(prediction())
    assert len(attempts) >= 8  # the configured max_attempts
