"""Endpoints: put an approved model behind /invocations, and call it.

SageMakerEndpoint (AWS) and LocalEndpoint (a local serving process) side by side. Endpoint
config names are unique per pipeline execution, so every scheduled deploy can create its own;
superseded configs are deleted afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from stockpred.errors import ConfigError, StockpredError
from stockpred.files import read_json, write_json_atomic

ENDPOINT_TYPES = ("serverless", "realtime")
_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


class EndpointError(StockpredError):
    """The endpoint could not be deployed or did not answer."""


def resource_name(*parts: str) -> str:
    """A SageMaker resource name: letters, digits and hyphens, at most 63 characters."""
    name = re.sub(r"[^a-zA-Z0-9-]+", "-", "-".join(parts)).strip("-")
    return re.sub(r"-{2,}", "-", name)[:63].rstrip("-")


def check_endpoint_name(name: str) -> str:
    if not _NAME.match(name):
        raise ConfigError(f"endpoint name {name!r} is not valid: 1-63 letters, digits, hyphens")
    return name


# --------------------------------------------------------------------------- AWS


class SageMakerEndpoint:
    def __init__(
        self,
        sagemaker: Any,
        runtime: Any,
        *,
        role_arn: str | None = None,
        endpoint_type: str = "serverless",
        memory_mb: int = 2048,
        max_concurrency: int = 1,
        instance_type: str = "ml.t2.medium",
    ) -> None:
        if endpoint_type not in ENDPOINT_TYPES:
            raise ConfigError(f"endpoint type {endpoint_type!r}: use serverless or realtime")
        self.sagemaker, self.runtime = sagemaker, runtime
        self.role_arn, self.endpoint_type = role_arn, endpoint_type
        self.memory_mb, self.max_concurrency = memory_mb, max_concurrency
        self.instance_type = instance_type

    def deploy(self, package: dict[str, Any], endpoint_name: str, execution_id: str) -> dict:
        """Model + per-execution endpoint config; create or update the endpoint; clean up."""
        check_endpoint_name(endpoint_name)
        if not self.role_arn:
            raise ConfigError("deploying needs the SageMaker execution role ARN")
        model_version = f"{package['group']}/{package['version']}"
        suffix = f"v{package['version']}-{execution_id}"
        model_name = resource_name(endpoint_name, suffix)
        config_name = resource_name(endpoint_name, suffix)
        self._create_model(model_name, package, model_version)
        self._create_config(config_name, model_name)
        previous = self._current_config(endpoint_name)
        if previous is None:
            self.sagemaker.create_endpoint(
                EndpointName=endpoint_name, EndpointConfigName=config_name
            )
        elif previous != config_name:
            self.sagemaker.update_endpoint(
                EndpointName=endpoint_name, EndpointConfigName=config_name
            )
        self._delete_superseded(endpoint_name, keep={config_name, previous})
        return {
            "endpoint_name": endpoint_name,
            "endpoint_config_name": config_name,
            "model_version": model_version,
        }

    def invoke(self, endpoint_name: str, body: str, content_type: str) -> tuple[str, str]:
        response = self.runtime.invoke_endpoint(
            EndpointName=endpoint_name,
            ContentType=content_type,
            Accept="application/json",
            Body=body.encode(),
        )
        return response["Body"].read().decode(), response.get("ContentType", "application/json")

    def _create_model(self, name: str, package: dict[str, Any], model_version: str) -> None:
        environment = {"STOCKPRED_MODEL_VERSION": model_version}
        if self.endpoint_type == "serverless":
            environment["SAGEMAKER_MODEL_SERVER_WORKERS"] = "1"  # recommended for serverless
        with _already_exists_ok(self.sagemaker):
            self.sagemaker.create_model(
                ModelName=name,
                ExecutionRoleArn=self.role_arn,
                PrimaryContainer={
                    "Image": package["image"],
                    "ModelDataUrl": package["model_data_url"],
                    "Environment": environment,
                },
            )

    def _create_config(self, name: str, model_name: str) -> None:
        variant: dict[str, Any] = {"VariantName": "AllTraffic", "ModelName": model_name}
        if self.endpoint_type == "serverless":
            variant["ServerlessConfig"] = {
                "MemorySizeInMB": self.memory_mb,
                "MaxConcurrency": self.max_concurrency,
            }
        else:
            variant |= {"InstanceType": self.instance_type, "InitialInstanceCount": 1}
        with _already_exists_ok(self.sagemaker):
            self.sagemaker.create_endpoint_config(
                EndpointConfigName=name, ProductionVariants=[variant]
            )

    def _current_config(self, endpoint_name: str) -> str | None:
        try:
            return self.sagemaker.describe_endpoint(EndpointName=endpoint_name)[
                "EndpointConfigName"
            ]
        except self.sagemaker.exceptions.ClientError as error:
            if "Could not find" in str(error) or "ValidationException" in str(error):
                return None
            raise

    def _delete_superseded(self, endpoint_name: str, keep: set[str | None]) -> None:
        paginator = self.sagemaker.get_paginator("list_endpoint_configs")
        for page in paginator.paginate(NameContains=f"{endpoint_name}-v"):
            for config in page.get("EndpointConfigs", []):
                name = config["EndpointConfigName"]
                if name in keep or not name.startswith(f"{endpoint_name}-v"):
                    continue
                description = self.sagemaker.describe_endpoint_config(EndpointConfigName=name)
                self.sagemaker.delete_endpoint_config(EndpointConfigName=name)
                for variant in description.get("ProductionVariants", []):
                    with contextlib.suppress(self.sagemaker.exceptions.ClientError):
                        self.sagemaker.delete_model(ModelName=variant["ModelName"])


@contextlib.contextmanager
def _already_exists_ok(client: Any):
    """Re-running a deploy for the same execution finds its resources already there."""
    try:
        yield
    except client.exceptions.ClientError as error:
        if "already exist" not in str(error).lower():
            raise


# --------------------------------------------------------------------------- local


class LocalEndpoint:
    """A local endpoint: a description file naming the model, and a serving process.

    `stockpred serve --endpoint NAME` keeps a server running (and reloads it on deploy);
    without one, invoke() starts a temporary server for the call.
    """

    def __init__(self, home: Path) -> None:
        self.folder = home / "endpoints"

    def description_file(self, name: str) -> Path:
        return self.folder / f"{check_endpoint_name(name)}.json"

    def server_file(self, name: str) -> Path:
        return self.folder / f"{check_endpoint_name(name)}.server.json"

    def deploy(
        self, *, model_dir: Path, model_version: str, endpoint_name: str, execution_id: str
    ) -> dict:
        config_name = resource_name(endpoint_name, model_version.split("/")[-1], execution_id)
        write_json_atomic(
            self.description_file(endpoint_name),
            {
                "endpoint_name": endpoint_name,
                "endpoint_config_name": config_name,
                "model_version": model_version,
                "model_dir": str(model_dir),
                "updated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
        )
        server = self._running_server(endpoint_name)
        if server is not None:
            os.kill(server["pid"], signal.SIGHUP)  # gunicorn reloads its workers: new model
        return {
            "endpoint_name": endpoint_name,
            "endpoint_config_name": config_name,
            "model_version": model_version,
        }

    def invoke(self, endpoint_name: str, body: str, content_type: str) -> tuple[str, str]:
        if not self.description_file(endpoint_name).is_file():
            raise EndpointError(
                f"local endpoint {endpoint_name!r} does not exist: run the "
                "training pipeline first (it deploys the approved model)"
            )
        server = self._running_server(endpoint_name)
        if server is not None:
            return http_invoke(server["port"], body, content_type)
        with self.temporary_server(endpoint_name) as port:
            return http_invoke(port, body, content_type)

    @contextlib.contextmanager
    def temporary_server(self, endpoint_name: str):
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "stockpred",
                "serve",
                "--endpoint",
                endpoint_name,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_until_healthy(port, process)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def register_server(self, endpoint_name: str, port: int) -> None:
        write_json_atomic(self.server_file(endpoint_name), {"pid": os.getpid(), "port": port})

    def _running_server(self, endpoint_name: str) -> dict | None:
        path = self.server_file(endpoint_name)
        if not path.is_file():
            return None
        server = read_json(path)
        try:
            os.kill(server["pid"], 0)
        except (ProcessLookupError, PermissionError):
            path.unlink(missing_ok=True)  # stale: the server is gone
            return None
        return server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(
    port: int, process: subprocess.Popen | None = None, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            error = process.stderr.read().decode()[-500:] if process.stderr else ""
            raise EndpointError(f"the local serving process exited: {error.strip()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as reply:  # nosec B310
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise EndpointError(
        f"the local serving process on port {port} did not become healthy within {timeout:.0f} s"
    )


def http_invoke(port: int, body: str, content_type: str) -> tuple[str, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/invocations",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": content_type, "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:  # nosec B310
            return reply.read().decode(), reply.headers.get("Content-Type", "application/json")
    except urllib.error.HTTPError as error:
        detail = error.read().decode()[:300]
        raise EndpointError(f"the endpoint answered {error.code}: {detail}") from None


def parse_response(body: str) -> dict[str, Any]:
    """The first prediction of a JSON /invocations response."""
    payload = json.loads(body)
    first = payload["predictions"][0]
    return {
        "probability": float(first["probability"]),
        "direction": first["direction"],
        "threshold": float(payload["threshold"]),
        "model_version": payload["model_version"],
    }
