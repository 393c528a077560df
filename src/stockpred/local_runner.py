"""The local pipeline runner: executes a rendered SageMaker pipeline definition on this machine.

Supported: Parameters and their defaults; Get (Parameters, Execution, Steps.* properties);
Std:Join; Std:JsonGet on property files; DependsOn and data dependencies; Processing and
Training steps (the image's entrypoint as a local process, with SageMaker's /opt/ml layout under
the execution's folder); Condition branches; RegisterModel (local registry); Lambda (the same
handlers as on AWS, with local backends); Fail.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets
import string
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stockpred.errors import ConfigError, StockpredError
from stockpred.files import read_json, write_json_atomic
from stockpred.objectstore import LocalObjectStore
from stockpred.registry import LocalModelRegistry, model_package_arn

# What each image runs: the same as its Dockerfile's ENTRYPOINT.
IMAGE_ENTRYPOINTS = {
    "ingest": ["python", "-m", "stockpred.steps.ingest"],
    "process": ["python", "-m", "stockpred.steps.process"],
    "train": ["python", "-m", "stockpred.steps.train"],
    "infer": ["python", "-m", "stockpred.steps.infer"],
}
LAMBDA_HANDLERS = {
    "deploy": "stockpred.lambdas.deploy",
    "predict": "stockpred.lambdas.predict",
    "monitor": "stockpred.lambdas.monitor",
}
_IMAGE = re.compile(r"stockpred-(ingest|process|train|infer)[:@]")
_TOKEN = re.compile(r"\['([^']+)'\]|\[(\d+)\]|([A-Za-z0-9_]+)")


class PipelineFailed(StockpredError):
    """A step failed; the message is the step's failure reason."""


@dataclass
class StepRecord:
    name: str
    type: str
    status: str = "NotExecuted"  # Executing | Succeeded | Failed | NotExecuted
    started_at: str | None = None
    ended_at: str | None = None
    duration_s: float | None = None
    failure_reason: str | None = None
    log_file: str | None = None
    peak_rss_mb: float | None = None  # the step's container process (local runs)
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class ExecutionRecord:
    execution_id: str
    pipeline: str
    status: str
    parameters: dict[str, Any]
    started_at: str
    ended_at: str | None = None
    duration_s: float | None = None
    failure_reason: str | None = None
    steps: list[StepRecord] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PropertyFileRef:
    step: str
    name: str


def new_execution_id() -> str:
    """Twelve lowercase letters and digits, like SageMaker's pipeline execution ids."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(12))


def parse_parameters(definition: dict, overrides: dict[str, str]) -> dict[str, Any]:
    """Defaults overridden by Name=Value pairs, converted to the declared types."""
    declared = {p["Name"]: p for p in definition.get("Parameters", [])}
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise ConfigError(
            f"unknown pipeline parameter(s) {', '.join(unknown)}; known: "
            f"{', '.join(sorted(declared))}"
        )
    empty = sorted(name for name, value in overrides.items() if value == "")
    if empty:  # StartPipelineExecution refuses them too: "required minimum: 1"
        raise ConfigError(f"pipeline parameter(s) {', '.join(empty)} cannot be empty on SageMaker")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in overrides:
            values[name] = _convert(name, spec.get("Type", "String"), overrides[name])
        elif "DefaultValue" in spec:
            values[name] = spec["DefaultValue"]
        else:
            raise ConfigError(f"pipeline parameter {name} has no default: pass --param {name}=...")
    return values


def _convert(name: str, kind: str, raw: str) -> Any:
    try:
        if kind == "Integer":
            return int(raw)
        if kind == "Float":
            return float(raw)
        if kind == "Boolean":
            if raw.lower() not in ("true", "false"):
                raise ValueError
            return raw.lower() == "true"
        return raw
    except ValueError:
        raise ConfigError(f"pipeline parameter {name}={raw!r} is not a valid {kind}") from None


class LocalPipelineRunner:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.store = LocalObjectStore(home / "s3")
        self.executions = home / "pipelines" / "executions"

    # ------------------------------------------------------------------ execution

    def run(
        self, pipeline: str, definition: dict, overrides: dict[str, str], *, echo=None
    ) -> ExecutionRecord:
        execution_id = new_execution_id()
        parameters = parse_parameters(definition, overrides)
        steps, branch_of = _flatten(definition["Steps"])
        record = ExecutionRecord(execution_id, pipeline, "Executing", parameters, _now())
        record.steps = [StepRecord(s["Name"], s["Type"]) for s in steps]
        self._folder(execution_id).mkdir(parents=True, exist_ok=True)
        context = _Context(execution_id, pipeline, parameters, record.started_at)
        context.echo = echo or (lambda _message: None)
        started = time.monotonic()
        self._save(record)
        try:
            self._execute(steps, branch_of, record, context, context.echo)
            record.status = "Succeeded"
        except PipelineFailed as failure:
            record.status, record.failure_reason = "Failed", str(failure)
        record.ended_at, record.duration_s = _now(), round(time.monotonic() - started, 3)
        self._save(record)
        return record

    def _execute(
        self,
        steps: list[dict],
        branch_of: dict[str, tuple[str, bool]],
        record: ExecutionRecord,
        context: _Context,
        echo,
    ) -> None:
        by_name = {s.name: s for s in record.steps}
        dependencies = {s["Name"]: _dependencies(s, branch_of) for s in steps}
        pending = [s["Name"] for s in steps]
        while pending:
            ready = [
                n
                for n in pending
                if all(
                    by_name[d].status in ("Succeeded", "NotExecuted") and d not in pending
                    for d in dependencies[n]
                )
            ]
            if not ready:
                raise PipelineFailed(f"steps {', '.join(pending)} wait on each other")
            name = ready[0]
            pending.remove(name)
            step, step_record = next(s for s in steps if s["Name"] == name), by_name[name]
            if not self._should_run(name, dependencies[name], branch_of, by_name):
                continue  # stays NotExecuted
            self._run_step(step, step_record, context, echo)

    @staticmethod
    def _should_run(
        name: str,
        dependencies: set[str],
        branch_of: dict[str, tuple[str, bool]],
        by_name: dict[str, StepRecord],
    ) -> bool:
        if any(by_name[d].status != "Succeeded" for d in dependencies):
            return False
        if name in branch_of:
            condition, outcome = branch_of[name]
            return by_name[condition].properties.get("Outcome") == outcome
        return True

    def _run_step(self, step: dict, step_record: StepRecord, context: _Context, echo) -> None:
        step_record.status, step_record.started_at = "Executing", _now()
        started = time.monotonic()
        try:
            runner = getattr(self, f"_step_{step['Type'].lower()}", None)
            if runner is None:
                raise PipelineFailed(f"step type {step['Type']} is not supported locally")
            step_record.properties = runner(step, context, step_record) or {}
            step_record.status = "Succeeded"
        except (PipelineFailed, StockpredError) as failure:
            step_record.status, step_record.failure_reason = "Failed", str(failure)
        except Exception as failure:  # a handler's unexpected error fails the step, not us
            step_record.status = "Failed"
            step_record.failure_reason = f"{type(failure).__name__}: {failure}"
        step_record.ended_at = _now()
        step_record.duration_s = round(time.monotonic() - started, 3)
        context.properties[step["Name"]] = step_record.properties
        echo(f"{step['Name']}: {step_record.status} ({step_record.duration_s:.1f} s)")
        if step_record.status == "Failed":
            raise PipelineFailed(f"step {step['Name']} failed: {step_record.failure_reason}")

    # ------------------------------------------------------------------ step types

    def _step_processing(self, step: dict, context: _Context, record: StepRecord) -> dict:
        args = context.resolve(step["Arguments"])
        root = self._opt_ml(context, step["Name"])
        for item in args.get("ProcessingInputs", []):
            source = item["S3Input"]
            self.store.download_prefix(source["S3Uri"], _local(root, source["LocalPath"]))
        outputs = args.get("ProcessingOutputConfig", {}).get("Outputs", [])
        for item in outputs:
            _local(root, item["S3Output"]["LocalPath"]).mkdir(parents=True, exist_ok=True)
        write_json_atomic(root / "config" / "processingjobconfig.json", args)
        app = args["AppSpecification"]
        _check_container_strings(app)
        command = _command(
            app["ImageUri"], app.get("ContainerEntrypoint"), app.get("ContainerArguments", [])
        )
        self._container(command, root, args, context, step["Name"], record, "message")
        properties: dict[str, Any] = {
            "ProcessingJobStatus": "Completed",
            "ProcessingOutputConfig": {"Outputs": {}},
        }
        for item in outputs:
            uri = item["S3Output"]["S3Uri"]
            self.store.upload_folder(_local(root, item["S3Output"]["LocalPath"]), uri)
            properties["ProcessingOutputConfig"]["Outputs"][item["OutputName"]] = {
                "OutputName": item["OutputName"],
                "S3Output": {"S3Uri": uri},
            }
        properties["PropertyFiles"] = self._property_files(step, outputs, root)
        return properties

    def _step_training(self, step: dict, context: _Context, record: StepRecord) -> dict:
        args = context.resolve(step["Arguments"])
        root = self._opt_ml(context, step["Name"])
        hyperparameters = args.get("HyperParameters", {})
        not_strings = [k for k, v in hyperparameters.items() if not isinstance(v, str)]
        if not_strings:
            raise PipelineFailed(f"hyperparameters must be strings: {', '.join(not_strings)}")
        config = root / "input" / "config"
        write_json_atomic(config / "hyperparameters.json", hyperparameters)
        write_json_atomic(
            config / "resourceconfig.json", {"current_host": "algo-1", "hosts": ["algo-1"]}
        )
        channels = {}
        for channel in args.get("InputDataConfig", []):
            name = channel["ChannelName"]
            source = channel["DataSource"]["S3DataSource"]
            self.store.download_prefix(source["S3Uri"], root / "input" / "data" / name)
            channels[name] = {
                "ContentType": channel.get("ContentType", ""),
                "TrainingInputMode": "File",
                "S3DistributionType": source.get("S3DataDistributionType", ""),
            }
        write_json_atomic(config / "inputdataconfig.json", channels)
        (root / "model").mkdir(parents=True, exist_ok=True)
        image = args["AlgorithmSpecification"]["TrainingImage"]
        command = _command(image, None, ["train"])
        self._container(command, root, args, context, step["Name"], record, "failure")
        job_name = f"pipelines-{context.execution_id}-{step['Name']}"
        model_uri = f"{args['OutputDataConfig']['S3OutputPath']}/{job_name}/output/model.tar.gz"
        target = self.store.path(model_uri)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(target, "w:gz") as archive:
            for path in sorted((root / "model").iterdir()):
                archive.add(path, arcname=path.name)
        return {
            "TrainingJobName": job_name,
            "TrainingJobStatus": "Completed",
            "ModelArtifacts": {"S3ModelArtifacts": model_uri},
        }

    def _step_condition(self, step: dict, context: _Context, record: StepRecord) -> dict:
        outcome = all(_evaluate(c, context) for c in step["Arguments"]["Conditions"])
        return {"Outcome": outcome}

    def _step_registermodel(self, step: dict, context: _Context, record: StepRecord) -> dict:
        args = context.resolve(step["Arguments"])
        group = args["ModelPackageGroupName"]
        container = args["InferenceSpecification"]["Containers"][0]
        statistics = args.get("ModelMetrics", {}).get("ModelQuality", {}).get("Statistics", {})
        metrics = json.loads(self.store.get_bytes(statistics["S3Uri"])) if statistics else {}
        data_quality = args.get("ModelMetrics", {}).get("ModelDataQuality", {})
        registry = LocalModelRegistry(self.home, group)
        with tempfile.TemporaryDirectory() as scratch:
            artifact = Path(scratch) / "artifact"
            with tarfile.open(self.store.path(container["ModelDataUrl"])) as archive:
                archive.extractall(artifact, filter="data")
            version = registry.register(
                artifact,
                approval_status=args.get("ModelApprovalStatus", "PendingManualApproval"),
                metrics=metrics,
                description=args.get("ModelPackageDescription", ""),
            )
        if statistics:  # the model card the Evaluate step wrote beside evaluation.json
            card = statistics["S3Uri"].rsplit("/", 1)[0] + "/model_card.md"
            if self.store.exists(card):
                registry.attach(version.version, "model_card.md", self.store.get_bytes(card))
        for kind in ("Statistics", "Constraints"):  # the monitoring baseline, with the version
            if kind in data_quality:
                registry.attach(
                    version.version,
                    f"baseline/{kind.lower()}.json",
                    self.store.get_bytes(data_quality[kind]["S3Uri"]),
                )
        return {
            "ModelPackageArn": model_package_arn(group, version.version),
            "ModelApprovalStatus": version.approval_status,
        }

    def _step_lambda(self, step: dict, context: _Context, record: StepRecord) -> dict:
        function = step["FunctionArn"].rsplit(":", 1)[-1]
        kind = next((k for k in LAMBDA_HANDLERS if function.endswith(f"-{k}")), None)
        if kind is None:
            raise PipelineFailed(f"no local handler for Lambda function {function}")
        module = __import__(LAMBDA_HANDLERS[kind], fromlist=["handler"])
        event = context.resolve(step.get("Arguments", {}))
        with _environment({"STOCKPRED_BACKEND": "local", "STOCKPRED_HOME": str(self.home)}):
            result = module.handler(event, None)
        outputs = {}
        for spec in step.get("OutputParameters", []):
            name = spec["OutputName"]
            if name not in result:
                raise PipelineFailed(f"Lambda {function} did not return output {name}")
            outputs[name] = _convert(name, spec.get("OutputType", "String"), str(result[name]))
        return {"OutputParameters": outputs}

    def _step_fail(self, step: dict, context: _Context, record: StepRecord) -> dict:
        message = context.resolve(step.get("Arguments", {}).get("ErrorMessage", "Fail step"))
        raise PipelineFailed(str(message))

    # ------------------------------------------------------------------ helpers

    def _container(
        self,
        command: list[str],
        root: Path,
        args: dict,
        context: _Context,
        step_name: str,
        record: StepRecord,
        failure_file: str,
    ) -> None:
        log_file = self._folder(context.execution_id) / "logs" / f"{step_name}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        record.log_file = str(log_file)
        environment = {
            **os.environ,
            **{k: str(v) for k, v in args.get("Environment", {}).items()},
            "STOCKPRED_OPT_ML": str(root),
            "STOCKPRED_HOME": str(self.home),
        }
        timeout = args.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", 86_400)
        with log_file.open("w") as log:
            returncode, record.peak_rss_mb = run_measured(command, log, environment, timeout)
        if returncode is None:
            raise PipelineFailed(f"stopped after MaxRuntimeInSeconds={timeout}")
        for line in log_file.read_text(errors="replace").splitlines():
            if " WARNING " in line:  # surface warnings (e.g. a data source fallback)
                context.echo(f"{step_name}: warning: {line.split(' WARNING ', 1)[1]}")
        if returncode != 0:
            failure = root / "output" / failure_file
            reason = failure.read_text().strip() if failure.is_file() else _tail(log_file)
            raise PipelineFailed(f"{reason} (exit code {returncode}; log {log_file})")

    def _property_files(self, step: dict, outputs: list[dict], root: Path) -> dict:
        local_paths = {o["OutputName"]: o["S3Output"]["LocalPath"] for o in outputs}
        files = {}
        for spec in step.get("PropertyFiles", []):
            path = _local(root, local_paths[spec["OutputName"]]) / spec["FilePath"]
            if not path.is_file():
                raise PipelineFailed(f"property file {spec['FilePath']} was not written")
            files[spec["PropertyFileName"]] = json.loads(path.read_text())
        return files

    def _opt_ml(self, context: _Context, step_name: str) -> Path:
        return self._folder(context.execution_id) / "steps" / step_name / "opt_ml"

    def _folder(self, execution_id: str) -> Path:
        return self.executions / execution_id

    def _save(self, record: ExecutionRecord) -> None:
        write_json_atomic(self._folder(record.execution_id) / "execution.json", record.as_dict())

    # ------------------------------------------------------------------ history

    def list(self) -> list[dict[str, Any]]:
        """Recorded executions, newest first."""
        if not self.executions.is_dir():
            return []
        records = [read_json(p) for p in self.executions.glob("*/execution.json")]
        return sorted(records, key=lambda r: r["started_at"], reverse=True)

    def describe(self, execution_id: str) -> dict[str, Any]:
        path = self._folder(execution_id) / "execution.json"
        if not re.fullmatch(r"[a-z0-9]{12}", execution_id) or not path.is_file():
            raise ConfigError(f"no pipeline execution {execution_id!r} under {self.executions}")
        return read_json(path)


class _Context:
    """What Get expressions can see: parameters, the execution, finished steps' properties."""

    def __init__(
        self, execution_id: str, pipeline: str, parameters: dict[str, Any], started_at: str
    ) -> None:
        self.execution_id, self.pipeline = execution_id, pipeline
        self.parameters, self.started_at = parameters, started_at
        self.properties: dict[str, dict[str, Any]] = {}
        self.echo: Any = lambda _message: None

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Get"}:
            return self.get(value["Get"])
        if set(value) == {"Std:Join"}:
            join = value["Std:Join"]
            return join.get("On", "").join(str(self.resolve(v)) for v in join["Values"])
        if set(value) == {"Std:JsonGet"}:
            return self.json_get(value["Std:JsonGet"])
        return {k: self.resolve(v) for k, v in value.items()}

    def get(self, path: str) -> Any:
        head, _, rest = path.partition(".")
        if head == "Parameters":
            if rest not in self.parameters:
                raise PipelineFailed(f"unknown parameter in Get {path}")
            return self.parameters[rest]
        if head == "Execution":
            execution = {
                "PipelineExecutionId": self.execution_id,
                "PipelineExecutionArn": f"arn:aws:sagemaker:local:000000000000:pipeline/"
                f"{self.pipeline}/execution/{self.execution_id}",
                "StartDateTime": self.started_at,
                "CurrentDateTime": _now(),
            }
            if rest not in execution:
                raise PipelineFailed(f"unknown execution variable in Get {path}")
            return execution[rest]
        if head == "Steps":
            step, _, attribute = rest.partition(".")
            if step not in self.properties:
                raise PipelineFailed(f"Get {path}: step {step} has not run")
            if attribute.startswith("PropertyFiles."):
                return PropertyFileRef(step, attribute.removeprefix("PropertyFiles."))
            return _walk(self.properties[step], attribute, path)
        raise PipelineFailed(f"cannot resolve Get {path}")

    def json_get(self, spec: dict) -> Any:
        reference = self.resolve(spec["PropertyFile"])
        if not isinstance(reference, PropertyFileRef):
            raise PipelineFailed("Std:JsonGet needs a PropertyFile reference")
        document = self.properties[reference.step].get("PropertyFiles", {}).get(reference.name)
        if document is None:
            raise PipelineFailed(f"step {reference.step} has no property file {reference.name}")
        return _walk(document, spec["Path"], f"{reference.name}:{spec['Path']}")


def _walk(document: Any, path: str, label: str) -> Any:
    current = document
    for key, index, name in _TOKEN.findall(path):
        try:
            current = current[int(index)] if index else current[key or name]
        except (KeyError, IndexError, TypeError):
            raise PipelineFailed(f"{label}: nothing at {path}") from None
    return current


def _evaluate(condition: dict, context: _Context) -> bool:
    kind = condition["Type"]
    if kind == "Not":
        return not _evaluate(condition["Expression"], context)
    if kind == "Or":
        return any(_evaluate(c, context) for c in condition["Conditions"])
    if kind == "In":
        return context.resolve(condition["QueryValue"]) in context.resolve(condition["Values"])
    left, right = context.resolve(condition["LeftValue"]), context.resolve(condition["RightValue"])
    if kind == "Equals":
        return left == right
    if kind == "NotEquals":
        return left != right
    if left is None or right is None:
        return False  # a missing number never passes a comparison
    comparisons = {
        "GreaterThan": left > right,
        "GreaterThanOrEqualTo": left >= right,
        "LessThan": left < right,
        "LessThanOrEqualTo": left <= right,
    }
    if kind not in comparisons:
        raise PipelineFailed(f"condition type {kind} is not supported")
    return comparisons[kind]


def _flatten(steps: list[dict]) -> tuple[list[dict], dict[str, tuple[str, bool]]]:
    """All steps in order, and for each branch step: (its condition, the outcome it needs)."""
    flat: list[dict] = []
    branch_of: dict[str, tuple[str, bool]] = {}
    for step in steps:
        flat.append(step)
        if step["Type"] == "Condition":
            for outcome, key in ((True, "IfSteps"), (False, "ElseSteps")):
                for child in step["Arguments"].get(key, []):
                    branch_of[child["Name"]] = (step["Name"], outcome)
                    flat.append(child)
    return flat, branch_of


def _dependencies(step: dict, branch_of: dict[str, tuple[str, bool]]) -> set[str]:
    found = set(step.get("DependsOn", []))
    text = json.dumps({k: v for k, v in step.items() if k not in ("Name",)})
    found |= set(re.findall(r'"Steps\.([A-Za-z0-9_-]+)\.', text))
    if step["Name"] in branch_of:
        found.add(branch_of[step["Name"]][0])
    if step["Type"] == "Condition":  # its branches depend on it, not the other way round
        for key in ("IfSteps", "ElseSteps"):
            found -= {child["Name"] for child in step["Arguments"].get(key, [])}
        found |= set(
            re.findall(r'"Steps\.([A-Za-z0-9_-]+)\.', json.dumps(step["Arguments"]["Conditions"]))
        )
    found.discard(step["Name"])
    return found


def run_measured(
    command: list[str], log: Any, environment: dict[str, str], timeout: float
) -> tuple[int | None, float]:
    """Run a step's process; return (exit code or None on timeout, its peak RSS in MB)."""
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, round(usage.ru_maxrss / 1024, 1)  # KiB on Linux
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            return None, 0.0
        time.sleep(0.02)


def _check_container_strings(app: dict) -> None:
    """CreateProcessingJob refuses empty strings in the entrypoint or the arguments."""
    for field_name in ("ContainerEntrypoint", "ContainerArguments"):
        for index, value in enumerate(app.get(field_name) or []):
            if value is None or str(value) == "":
                raise PipelineFailed(
                    f"Found null or empty string in {field_name} at index {index}. "
                    "ContainerArguments and ContainerEntrypoint may not contain null or empty "
                    "strings (as SageMaker would refuse)"
                )


def _command(image: str, entrypoint: list[str] | None, arguments: list[str]) -> list[str]:
    if entrypoint:
        base = list(entrypoint)
    else:
        match = _IMAGE.search(image)
        if match is None:
            raise PipelineFailed(f"no local entrypoint for image {image}")
        base = list(IMAGE_ENTRYPOINTS[match.group(1)])
    if base and base[0] in ("python", "python3"):
        base[0] = sys.executable
    return [*base, *(str(a) for a in arguments)]


def _local(root: Path, container_path: str) -> Path:
    prefix = "/opt/ml/"
    if not container_path.startswith(prefix):
        raise PipelineFailed(f"container path {container_path} is not under /opt/ml")
    relative = Path(container_path.removeprefix(prefix))
    if ".." in relative.parts:
        raise PipelineFailed(f"container path {container_path} leaves /opt/ml")
    return root / relative


def _tail(path: Path, lines: int = 5) -> str:
    text = path.read_text(errors="replace").strip().splitlines()
    return " | ".join(text[-lines:]) or "no output"


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
