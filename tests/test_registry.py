"""Local model registry: versions, approval, newest approved, integrity."""

from __future__ import annotations

import pytest

from stockpred.config import Hyperparameters
from stockpred.errors import RegistryError
from stockpred.features import build_features, feature_names
from stockpred.registry import APPROVED, REJECTED, LocalModelRegistry
from stockpred.train import save_model, train_model
from stockpred.validate import validate_prices
from tests.conftest import make_bars


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """Two different small model artifacts."""
    folders = []
    for seed in (1, 2):
        frame = build_features(
            validate_prices(make_bars(1400, start="2020-01-02", seed=seed), "test")
        )
        model = train_model(
            frame,
            feature_names(),
            Hyperparameters(num_round=5),
            threshold=0.5,
            ticker="^GSPC",
            data_source="test",
        )
        folder = tmp_path_factory.mktemp(f"artifact{seed}")
        save_model(model, folder)
        folders.append(folder)
    return folders


def test_registering_the_same_artifact_twice_returns_the_same_version(tmp_path, artifacts):
    registry = LocalModelRegistry(tmp_path)
    first = registry.register(artifacts[0], approval_status=APPROVED, metrics={"precision": 0.6})
    again = registry.register(artifacts[0], approval_status=APPROVED, metrics={"precision": 0.6})
    assert first == again
    assert len(registry.versions()) == 1


def test_newest_approved_skips_rejected_and_older_versions(tmp_path, artifacts):
    registry = LocalModelRegistry(tmp_path)
    with pytest.raises(RegistryError, match="no approved model"):
        registry.newest_approved()
    v1 = registry.register(artifacts[0], approval_status=APPROVED, metrics={})
    v2 = registry.register(artifacts[1], approval_status=REJECTED, metrics={})
    assert [v.version for v in registry.versions()] == [2, 1]
    assert registry.newest_approved() == v1
    registry.set_approval_status(v2.version, APPROVED)
    assert registry.newest_approved().version == 2


def test_a_tampered_artifact_is_refused(tmp_path, artifacts):
    registry = LocalModelRegistry(tmp_path)
    entry = registry.register(artifacts[0], approval_status=APPROVED, metrics={})
    assert registry.load(entry).features == feature_names()
    model_file = registry.artifact_dir(entry.version) / "model.json"
    model_file.write_text(model_file.read_text().replace('"', '"', 1) + " ")
    with pytest.raises(RegistryError, match=r"checksum .* does not match"):
        registry.load(entry)


def test_unknown_approval_status_is_refused(tmp_path, artifacts):
    with pytest.raises(RegistryError, match="approval status"):
        LocalModelRegistry(tmp_path).register(artifacts[0], approval_status="ok", metrics={})
