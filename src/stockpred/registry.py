"""Model registry: versions, metrics, approval status and the newest approved model.

LocalModelRegistry keeps versions under STOCKPRED_HOME/registry/<group>/<version>/. It mirrors
a SageMaker model package group: numbered versions, an approval status, metrics attached.
Registering an identical artifact twice returns the existing version (idempotent).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stockpred.config import MODEL_PACKAGE_GROUP
from stockpred.errors import RegistryError
from stockpred.files import artifact_sha256, read_json, write_bytes_atomic, write_json_atomic

if TYPE_CHECKING:
    from stockpred.train import TrainedModel

APPROVED, REJECTED, PENDING = "Approved", "Rejected", "PendingManualApproval"
APPROVAL_STATUSES = (APPROVED, REJECTED, PENDING)
VERSION_FILE = "version.json"


@dataclass(frozen=True)
class ModelVersion:
    group: str
    version: int
    approval_status: str
    created_at: str
    artifact_sha256: str
    metrics: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class LocalModelRegistry:
    def __init__(self, root: Path, group: str = MODEL_PACKAGE_GROUP) -> None:
        self.group = group
        self.root = root / "registry" / group

    def register(
        self,
        artifact_dir: Path,
        *,
        approval_status: str,
        metrics: dict[str, Any],
        description: str = "",
    ) -> ModelVersion:
        """Add a version (or return the existing one holding the same artifact)."""
        if approval_status not in APPROVAL_STATUSES:
            raise RegistryError(
                f"approval status {approval_status!r} is not one of {', '.join(APPROVAL_STATUSES)}"
            )
        checksum = artifact_sha256(artifact_dir)
        with self._lock():
            for existing in self.versions():
                if existing.artifact_sha256 == checksum:
                    return existing
            number = max((v.version for v in self.versions()), default=0) + 1
            entry = ModelVersion(
                group=self.group,
                version=number,
                approval_status=approval_status,
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                artifact_sha256=checksum,
                metrics=metrics,
                description=description,
            )
            self._write_version(artifact_dir, entry)
            return entry

    def versions(self) -> list[ModelVersion]:
        """All versions, newest first."""
        if not self.root.is_dir():
            return []
        entries = [ModelVersion(**read_json(path)) for path in self.root.glob(f"*/{VERSION_FILE}")]
        return sorted(entries, key=lambda v: v.version, reverse=True)

    def newest_approved(self) -> ModelVersion:
        for entry in self.versions():
            if entry.approval_status == APPROVED:
                return entry
        raise RegistryError(
            f"no approved model in the registry {self.root}; run `stockpred train` first"
        )

    def set_approval_status(self, version: int, status: str) -> ModelVersion:
        if status not in APPROVAL_STATUSES:
            raise RegistryError(
                f"approval status {status!r} is not one of {', '.join(APPROVAL_STATUSES)}"
            )
        entry = self.get(version)
        updated = ModelVersion(**{**entry.as_dict(), "approval_status": status})
        write_json_atomic(self.root / str(version) / VERSION_FILE, updated.as_dict())
        return updated

    def get(self, version: int) -> ModelVersion:
        path = self.root / str(version) / VERSION_FILE
        if not path.is_file():
            raise RegistryError(f"model version {version} does not exist in {self.root}")
        return ModelVersion(**read_json(path))

    def attach(self, version: int, name: str, data: bytes) -> None:
        """Keep a file with a version (e.g. its monitoring baseline), outside the artifact."""
        path = self.root / str(version) / name
        if ".." in Path(name).parts:
            raise RegistryError(f"{name!r} is not a file name inside the version folder")
        write_bytes_atomic(path, data)

    def attachment(self, version: int, name: str) -> Path:
        return self.root / str(version) / name

    def artifact_dir(self, version: int) -> Path:
        return self.root / str(version) / "artifact"

    def load(self, entry: ModelVersion) -> TrainedModel:
        """Load a version's model after checking its artifact against the registry's checksum."""
        directory = self.artifact_dir(entry.version)
        actual = artifact_sha256(directory)
        if actual != entry.artifact_sha256:
            raise RegistryError(
                f"model version {entry.version} artifact checksum {actual[:12]} does not match "
                f"the registry's {entry.artifact_sha256[:12]}; refusing to use it"
            )
        from stockpred.train import load_model  # xgboost is only needed where models run

        return load_model(directory)

    def _write_version(self, artifact_dir: Path, entry: ModelVersion) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        shutil.copytree(artifact_dir, staging / "artifact")
        write_json_atomic(staging / VERSION_FILE, entry.as_dict())
        staging.rename(self.root / str(entry.version))  # a version appears whole or not at all

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def model_package_arn(
    group: str, version: int, *, region: str = "us-east-1", account: str = "000000000000"
) -> str:
    """The ARN SageMaker gives a model package version (the local registry uses the same form)."""
    return f"arn:aws:sagemaker:{region}:{account}:model-package/{group}/{version}"


def parse_model_package_arn(arn: str) -> tuple[str, int]:
    """(group, version) from a model package ARN."""
    try:
        group, version = arn.rsplit(":model-package/", 1)[1].split("/")
        return group, int(version)
    except (IndexError, ValueError):
        raise RegistryError(f"{arn!r} is not a model package version ARN") from None


class SageMakerModelRegistry:
    """The AWS side: a SageMaker model package group, through boto3."""

    def __init__(self, client: Any, group: str = MODEL_PACKAGE_GROUP) -> None:
        self.client = client
        self.group = group

    def newest_approved_arn(self) -> str:
        # Sorted DESCENDING by creation time: the default order is ascending (oldest first).
        response = self.client.list_model_packages(
            ModelPackageGroupName=self.group,
            ModelApprovalStatus=APPROVED,
            SortBy="CreationTime",
            SortOrder="Descending",
            MaxResults=1,
        )
        packages = response.get("ModelPackageSummaryList", [])
        if not packages:
            raise RegistryError(f"no approved model in the model package group {self.group}")
        return packages[0]["ModelPackageArn"]

    def describe(self, arn: str) -> dict[str, Any]:
        """Version, approval, container image and model data of a model package."""
        package = self.client.describe_model_package(ModelPackageName=arn)
        container = package["InferenceSpecification"]["Containers"][0]
        data_quality = package.get("ModelMetrics", {}).get("ModelDataQuality", {})
        return {
            "baseline": {
                kind.lower(): data_quality[kind]["S3Uri"]
                for kind in ("Statistics", "Constraints")
                if kind in data_quality
            },
            "arn": arn,
            "group": package.get("ModelPackageGroupName", self.group),
            "version": int(package.get("ModelPackageVersion", parse_model_package_arn(arn)[1])),
            "approval_status": package.get("ModelApprovalStatus"),
            "image": container["Image"],
            "model_data_url": container["ModelDataUrl"],
        }
