"""The pipeline definition templates under terraform/pipelines/, rendered like Terraform does.

Terraform's templatefile() and this module substitute the same plain ${name} placeholders, so
SageMaker and the local runner execute one and the same definition.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from stockpred.config import MODEL_PACKAGE_GROUP, data_source_setting
from stockpred.errors import ConfigError

PIPELINES = ("training", "inference", "monitoring")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Values that go into JSON strings must not be able to break out of them.
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9:/._\-@^=+]*$")

LOCAL_ACCOUNT = "000000000000"
LOCAL_REGION = "us-east-1"


def templates_dir() -> Path:
    """terraform/pipelines in this checkout, or STOCKPRED_PIPELINES_DIR."""
    configured = os.environ.get("STOCKPRED_PIPELINES_DIR")
    directory = (
        Path(configured) if configured else Path(__file__).parents[2] / "terraform" / "pipelines"
    )
    if not directory.is_dir():
        raise ConfigError(
            f"pipeline templates not found in {directory}; set STOCKPRED_PIPELINES_DIR to the "
            "repository's terraform/pipelines folder"
        )
    return directory


def local_values() -> dict[str, str]:
    """What the local runner substitutes where Terraform puts ARNs, image URIs and the bucket.

    The DataSource parameter's default is STOCKPRED_DATA_SOURCE (auto when unset), so the
    environment setting holds for pipeline runs as for the other commands.
    """
    prefix = f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function"
    return {
        "bucket": "stockpred-local",
        "role_arn": f"arn:aws:iam::{LOCAL_ACCOUNT}:role/stockpred-local-sagemaker",
        "ingest_image": "stockpred-ingest:local",
        "process_image": "stockpred-process:local",
        "train_image": "stockpred-train:local",
        "infer_image": "stockpred-infer:local",
        "model_package_group": MODEL_PACKAGE_GROUP,
        "deploy_function_arn": f"{prefix}:stockpred-deploy",
        "predict_function_arn": f"{prefix}:stockpred-predict",
        "monitor_function_arn": f"{prefix}:stockpred-monitor",
        "endpoint_name": "stockpred",
        "data_source": data_source_setting(),
        "processing_instance_type": "ml.t3.medium",
        "training_instance_type": "ml.m5.large",
    }


def render_text(name: str, values: dict[str, str]) -> str:
    """The definition text exactly as Terraform's templatefile() renders it."""
    if name not in PIPELINES:
        raise ConfigError(f"unknown pipeline {name!r}: use one of {', '.join(PIPELINES)}")
    template = (templates_dir() / f"{name}.json.tftpl").read_text()
    missing = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise ConfigError(f"{name} pipeline template needs values for: {', '.join(missing)}")
    unsafe = [k for k, v in values.items() if not _SAFE_VALUE.match(v)]
    if unsafe:
        raise ConfigError(f"template values with unsafe characters: {', '.join(sorted(unsafe))}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def render(name: str, values: dict[str, str] | None = None) -> dict[str, Any]:
    return json.loads(render_text(name, values if values is not None else local_values()))
