"""Deploy handler: put a registered, approved model version behind the endpoint.

Event: {"model_package_arn", "endpoint_name", "execution_id"}
Returns: {"endpoint_name", "endpoint_config_name", "model_version"}
The model's monitoring baseline is copied to s3://<bucket>/monitoring/baseline/<endpoint>/.
AWS settings (environment): STOCKPRED_BUCKET, STOCKPRED_SAGEMAKER_ROLE_ARN, STOCKPRED_ENDPOINT_TYPE
(serverless | realtime), STOCKPRED_SERVERLESS_MEMORY_MB, STOCKPRED_SERVERLESS_MAX_CONCURRENCY,
STOCKPRED_INSTANCE_TYPE.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from stockpred import backends
from stockpred.config import stockpred_home
from stockpred.endpoint import LocalEndpoint, SageMakerEndpoint, check_endpoint_name
from stockpred.errors import ConfigError, RegistryError
from stockpred.registry import (
    APPROVED,
    LocalModelRegistry,
    SageMakerModelRegistry,
    parse_model_package_arn,
)

log = logging.getLogger(__name__)
_EXECUTION_ID = re.compile(r"^[A-Za-z0-9-]{1,40}$")


def handler(event: dict[str, Any], context: Any = None) -> dict[str, str]:
    arn, endpoint_name, execution_id = _validated(event)
    group, version = parse_model_package_arn(arn)
    objects = backends.object_store()
    if backends.backend() == "aws":
        package = SageMakerModelRegistry(backends.aws_client("sagemaker"), group).describe(arn)
        _require_approved(arn, package["approval_status"])
        result = _sagemaker_endpoint().deploy(package, endpoint_name, execution_id)
        baseline = {name: objects.get_bytes(uri) for name, uri in package["baseline"].items()}
    else:
        registry = LocalModelRegistry(stockpred_home(), group)
        entry = registry.get(version)
        _require_approved(arn, entry.approval_status)
        registry.load(entry)  # refuses an artifact whose checksum does not match
        result = LocalEndpoint(stockpred_home()).deploy(
            model_dir=registry.artifact_dir(version),
            model_version=f"{group}/{version}",
            endpoint_name=endpoint_name,
            execution_id=execution_id,
        )
        baseline = {
            name: registry.attachment(version, f"baseline/{name}.json").read_bytes()
            for name in ("statistics", "constraints")
            if registry.attachment(version, f"baseline/{name}.json").is_file()
        }
    publish_baseline(objects, endpoint_name, baseline)
    log.info(
        "deployed %s to %s (%s)",
        result["model_version"],
        endpoint_name,
        result["endpoint_config_name"],
    )
    return result


def publish_baseline(objects: Any, endpoint_name: str, baseline: dict[str, bytes]) -> None:
    """The deployed model's baseline, where the monitoring pipeline reads it."""
    if not baseline:
        log.warning("the model package has no monitoring baseline; drift is not checked")
        return
    prefix = f"s3://{backends.capture_bucket()}/monitoring/baseline/{endpoint_name}"
    for name, data in baseline.items():
        objects.put_bytes(f"{prefix}/{name}.json", data)


def _validated(event: dict[str, Any]) -> tuple[str, str, str]:
    missing = [
        k
        for k in ("model_package_arn", "endpoint_name", "execution_id")
        if not isinstance(event.get(k), str) or not event[k]
    ]
    if missing:
        raise ConfigError(f"deploy event is missing {', '.join(missing)}")
    if not _EXECUTION_ID.match(event["execution_id"]):
        raise ConfigError(f"execution_id {event['execution_id']!r} is not valid")
    return (
        event["model_package_arn"],
        check_endpoint_name(event["endpoint_name"]),
        event["execution_id"],
    )


def _require_approved(arn: str, status: str | None) -> None:
    if status != APPROVED:
        raise RegistryError(f"{arn} is {status}, not {APPROVED}: refusing to deploy it")


def _sagemaker_endpoint() -> SageMakerEndpoint:
    return SageMakerEndpoint(
        backends.aws_client("sagemaker"),
        backends.aws_client("sagemaker-runtime"),
        role_arn=backends.required_env("STOCKPRED_SAGEMAKER_ROLE_ARN"),
        endpoint_type=os.environ.get("STOCKPRED_ENDPOINT_TYPE", "serverless"),
        memory_mb=int(os.environ.get("STOCKPRED_SERVERLESS_MEMORY_MB", "2048")),
        max_concurrency=int(os.environ.get("STOCKPRED_SERVERLESS_MAX_CONCURRENCY", "1")),
        instance_type=os.environ.get("STOCKPRED_INSTANCE_TYPE", "ml.t2.medium"),
    )
