"""The Lambda handlers on their AWS backends, against moto (S3, DynamoDB, SageMaker)."""

from __future__ import annotations

import json

import boto3
import pytest

from stockpred.endpoint import SageMakerEndpoint, http_invoke, wait_until_healthy
from stockpred.errors import ConfigError, PredictionConflictError, RegistryError
from stockpred.features import feature_names
from stockpred.lambdas import deploy, predict
from stockpred.registry import SageMakerModelRegistry
from tests.aws import create_predictions_table, register_package
from tests.conftest import model_server, save_small_model

GROUP = "stockpred"


@pytest.fixture
def sagemaker(aws, monkeypatch):
    monkeypatch.setenv("STOCKPRED_BACKEND", "aws")
    monkeypatch.setenv("STOCKPRED_SAGEMAKER_ROLE_ARN", "arn:aws:iam::123456789012:role/sm")
    client = boto3.client("sagemaker")
    client.create_model_package_group(ModelPackageGroupName=GROUP)
    return client


def test_newest_approved_is_the_most_recent_not_the_first(sagemaker):
    first = register_package(sagemaker, GROUP, "Approved", "s3://b/m1.tar.gz")
    second = register_package(sagemaker, GROUP, "Approved", "s3://b/m2.tar.gz")
    register_package(sagemaker, GROUP, "Rejected", "s3://b/m3.tar.gz")
    registry = SageMakerModelRegistry(sagemaker, GROUP)
    assert registry.newest_approved_arn() == second != first
    described = registry.describe(second)
    assert described["version"] == 2 and described["model_data_url"] == "s3://b/m2.tar.gz"


def test_deploy_creates_model_serverless_config_and_endpoint(sagemaker, monkeypatch):
    monkeypatch.setenv("STOCKPRED_BUCKET", "stockpred-data")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="stockpred-data")
    for name in ("statistics", "constraints"):
        s3.put_object(
            Bucket="stockpred-data",
            Key=f"pipelines/training/e1/baseline/{name}.json",
            Body=b'{"version": 0}',
        )
    arn = register_package(
        sagemaker,
        GROUP,
        "Approved",
        "s3://b/m1.tar.gz",
        baseline_prefix="s3://stockpred-data/pipelines/training/e1/baseline",
    )
    result = deploy.handler(
        {"model_package_arn": arn, "endpoint_name": "stockpred", "execution_id": "exec00000001"}
    )
    assert result == {
        "endpoint_name": "stockpred",
        "endpoint_config_name": "stockpred-v1-exec00000001",
        "model_version": "stockpred/1",
    }
    config = sagemaker.describe_endpoint_config(EndpointConfigName="stockpred-v1-exec00000001")
    variant = config["ProductionVariants"][0]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 1}
    model = sagemaker.describe_model(ModelName=variant["ModelName"])
    assert model["PrimaryContainer"]["ModelDataUrl"] == "s3://b/m1.tar.gz"
    assert model["PrimaryContainer"]["Environment"]["STOCKPRED_MODEL_VERSION"] == "stockpred/1"
    endpoint = sagemaker.describe_endpoint(EndpointName="stockpred")
    assert endpoint["EndpointConfigName"] == "stockpred-v1-exec00000001"
    published = s3.list_objects_v2(Bucket="stockpred-data", Prefix="monitoring/baseline/")
    assert sorted(o["Key"] for o in published["Contents"]) == [
        "monitoring/baseline/stockpred/constraints.json",
        "monitoring/baseline/stockpred/statistics.json",
    ]
    # Re-running the same execution's deploy is harmless.
    assert (
        deploy.handler(
            {"model_package_arn": arn, "endpoint_name": "stockpred", "execution_id": "exec00000001"}
        )
        == result
    )


def test_each_deploy_gets_its_own_config_and_old_ones_are_deleted(sagemaker, monkeypatch):
    updates: list[str] = []

    # moto does not implement UpdateEndpoint: the harness records the call and keeps the
    # endpoint's current config itself (a gap of the emulator, not of the product).
    current: dict[str, str] = {}

    def update_endpoint(self, *, EndpointName, EndpointConfigName):
        updates.append(EndpointConfigName)
        current[EndpointName] = EndpointConfigName

    original_current = SageMakerEndpoint._current_config

    def current_config(self, name):
        return current.get(name) or original_current(self, name)

    monkeypatch.setattr(SageMakerEndpoint, "_current_config", current_config)
    real_client = deploy.backends.aws_client

    def client(service):
        made = real_client(service)
        if service == "sagemaker":
            made.update_endpoint = update_endpoint.__get__(made)
        return made

    monkeypatch.setattr(deploy.backends, "aws_client", client)
    names = []
    for number, execution in enumerate(["exec00000001", "exec00000002", "exec00000003"], 1):
        arn = register_package(sagemaker, GROUP, "Approved", f"s3://b/m{number}.tar.gz")
        names.append(
            deploy.handler(
                {"model_package_arn": arn, "endpoint_name": "stockpred", "execution_id": execution}
            )["endpoint_config_name"]
        )
    assert len(set(names)) == 3
    assert updates == names[1:]
    remaining = {
        c["EndpointConfigName"] for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]
    }
    assert remaining == {names[1], names[2]}  # the one in use until the update ends, the new one


def test_deploy_refuses_a_model_that_is_not_approved(sagemaker):
    arn = register_package(sagemaker, GROUP, "Rejected", "s3://b/m1.tar.gz")
    with pytest.raises(RegistryError, match="is Rejected, not Approved"):
        deploy.handler(
            {"model_package_arn": arn, "endpoint_name": "stockpred", "execution_id": "exec00000001"}
        )


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"model_package_arn": "x", "endpoint_name": "bad name!", "execution_id": "e"},
        {"model_package_arn": "arn", "endpoint_name": "ok", "execution_id": "../../x"},
    ],
)
def test_deploy_validates_its_event(sagemaker, event):
    with pytest.raises(ConfigError):
        deploy.handler(event)


@pytest.fixture(scope="module")
def project_server(tmp_path_factory, snapshot_prices):
    """The project's own server: moto's invoke_endpoint only returns canned bodies."""
    folder = save_small_model(tmp_path_factory.mktemp("model"), snapshot_prices.loc[:"2015-12-31"])
    with model_server(folder, env={"STOCKPRED_MODEL_VERSION": "stockpred/4"}) as (port, process):
        wait_until_healthy(port, process)
        yield port


@pytest.fixture
def inference_inputs(aws, monkeypatch, project_server):
    monkeypatch.setenv("STOCKPRED_BACKEND", "aws")
    monkeypatch.setenv("STOCKPRED_BUCKET", "stockpred-data")
    monkeypatch.setenv("STOCKPRED_PREDICTIONS_TABLE", create_predictions_table())
    monkeypatch.setattr(
        SageMakerEndpoint,
        "invoke",
        lambda self, name, body, kind: http_invoke(project_server, body, kind),
    )
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="stockpred-data")
    prefix = "pipelines/inference/exec00000001/inference"
    s3.put_object(
        Bucket="stockpred-data",
        Key=f"{prefix}/inference.csv",
        Body=b"1.001,1.0,0.998,3.0,1.02,33.0,1.05,140.0,1.2,530.0\n",
    )
    s3.put_object(
        Bucket="stockpred-data",
        Key=f"{prefix}/inference.json",
        Body=json.dumps(
            {
                "ticker": "^GSPC",
                "as_of": "2026-03-02",
                "target_date": "2026-03-03",
                "data_source": "yahoo",
                "features": feature_names(),
            }
        ).encode(),
    )
    return {
        "inference_uri": f"s3://stockpred-data/{prefix}",
        "endpoint_name": "stockpred",
        "execution_id": "exec00000001",
    }


def test_predict_stores_in_dynamodb_and_captures(inference_inputs):
    result = predict.handler(inference_inputs)
    assert result["target_date"] == "2026-03-03" and result["status"] == "stored"
    item = boto3.client("dynamodb").get_item(
        TableName="stockpred-predictions",
        Key={"ticker": {"S": "^GSPC"}, "target_date": {"S": "2026-03-03"}},
    )["Item"]
    assert item["as_of"]["S"] == "2026-03-02"
    assert item["model_version"]["S"] == "stockpred/4"
    assert item["data_source"]["S"] == "yahoo"
    assert float(item["probability"]["N"]) == pytest.approx(float(result["probability"]))
    keys = [
        o["Key"]
        for o in boto3.client("s3").list_objects_v2(Bucket="stockpred-data", Prefix="datacapture/")[
            "Contents"
        ]
    ]
    assert len(keys) == 1 and keys[0].startswith("datacapture/stockpred/AllTraffic/")
    body = boto3.client("s3").get_object(Bucket="stockpred-data", Key=keys[0])["Body"].read()
    capture = json.loads(body)
    assert capture["eventMetadata"]["inferenceId"] == "^GSPC/2026-03-03"
    assert capture["captureData"]["endpointInput"]["encoding"] == "CSV"


def test_predict_twice_for_the_same_day_leaves_one_item(inference_inputs):
    predict.handler(inference_inputs)
    assert predict.handler(inference_inputs)["status"] == "unchanged"
    items = boto3.client("dynamodb").scan(TableName="stockpred-predictions")["Items"]
    assert len(items) == 1
    captures = boto3.client("s3").list_objects_v2(Bucket="stockpred-data", Prefix="datacapture/")[
        "Contents"
    ]
    assert len(captures) == 1


def test_predict_refuses_to_overwrite_a_different_prediction(inference_inputs):
    predict.handler(inference_inputs)
    table = "stockpred-predictions"
    boto3.client("dynamodb").update_item(
        TableName=table,
        Key={"ticker": {"S": "^GSPC"}, "target_date": {"S": "2026-03-03"}},
        UpdateExpression="SET model_version = :v",
        ExpressionAttributeValues={":v": {"S": "stockpred/3"}},
    )
    with pytest.raises(PredictionConflictError, match="model_version"):
        predict.handler(inference_inputs)


def test_predict_validates_its_event(aws):
    with pytest.raises(ConfigError, match="missing inference_uri"):
        predict.handler({"endpoint_name": "stockpred"})
    with pytest.raises(ConfigError, match="not an s3:// URI"):
        predict.handler({"inference_uri": "/etc/passwd", "endpoint_name": "stockpred"})


def test_predict_on_a_day_without_a_session_stores_nothing(inference_inputs):
    prefix = inference_inputs["inference_uri"].removeprefix("s3://stockpred-data/")
    boto3.client("s3").put_object(
        Bucket="stockpred-data",
        Key=f"{prefix}/inference.json",
        Body=json.dumps(
            {"ticker": "^GSPC", "data_source": "yahoo", "no_session": True, "date": "2026-01-19"}
        ).encode(),
    )
    result = predict.handler(inference_inputs)
    assert result["status"] == "no_session" and result["target_date"] == ""
    assert boto3.client("dynamodb").scan(TableName="stockpred-predictions")["Items"] == []


def test_predict_resolves_past_predictions_from_the_latest_data(inference_inputs):
    predict.handler(inference_inputs)  # stores the prediction for 2026-03-03
    prefix = inference_inputs["inference_uri"].removeprefix("s3://stockpred-data/")
    s3 = boto3.client("s3")
    s3.put_object(
        Bucket="stockpred-data",
        Key=f"{prefix}/outcomes.json",
        Body=json.dumps(
            {"ticker": "^GSPC", "outcomes": {"2026-03-02": "up", "2026-03-03": "down"}}
        ).encode(),
    )
    predict.handler(inference_inputs)
    item = boto3.client("dynamodb").get_item(
        TableName="stockpred-predictions",
        Key={"ticker": {"S": "^GSPC"}, "target_date": {"S": "2026-03-03"}},
    )["Item"]
    assert item["actual"]["S"] == "down"
    truth = s3.list_objects_v2(Bucket="stockpred-data", Prefix="groundtruth/")["Contents"]
    assert [o["Key"] for o in truth] == ["groundtruth/2026/03/03/21/GSPC-2026-03-03.jsonl"]
