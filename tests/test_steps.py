"""Each image's entrypoint run against a temporary /opt/ml tree, as SageMaker runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from stockpred.features import feature_names


def run_step(module: str, opt_ml: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "STOCKPRED_OPT_ML": str(opt_ml)}
    return subprocess.run(
        [sys.executable, "-m", f"stockpred.steps.{module}", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """ingest -> process -> train -> evaluate, each in its own /opt/ml, outputs handed on."""
    base = tmp_path_factory.mktemp("opt")
    ingest = base / "ingest"
    result = run_step(
        "ingest",
        ingest,
        "--ticker",
        "^GSPC",
        "--source",
        "snapshot",
        "--start",
        "earliest",
        "--as-of",
        "2025-12-31",
    )
    assert result.returncode == 0, result.stderr
    process = base / "process"
    shutil.copytree(ingest / "processing/output/raw", process / "processing/input/raw")
    result = run_step("process", process, "--eval-days", "300")
    assert result.returncode == 0, result.stderr
    train = base / "train"
    shutil.copytree(process / "processing/output/train", train / "input/data/train")
    (train / "input/config").mkdir(parents=True)
    (train / "input/config/hyperparameters.json").write_text(
        json.dumps({"max_depth": "3", "eta": "0.1", "num_round": "20", "threshold": "0.5"})
    )
    result = run_step("train", train, "train")
    assert result.returncode == 0, result.stderr
    evaluate = base / "evaluate"
    for name in ("train", "validation"):
        shutil.copytree(
            process / f"processing/output/{name}", evaluate / f"processing/input/{name}"
        )
    result = run_step(
        "train",
        evaluate,
        "evaluate",
        "--refit-every",
        "150",
        "--num-round",
        "20",
        "--max-depth",
        "3",
    )
    assert result.returncode == 0, result.stderr
    return {"ingest": ingest, "process": process, "train": train, "evaluate": evaluate}


def test_ingest_writes_validated_bars_and_provenance(chain):
    raw = chain["ingest"] / "processing/output/raw"
    provenance = json.loads((raw / "ingest.json").read_text())
    assert provenance["data_source"] == "snapshot"
    assert provenance["first_day"] == "1927-12-30"  # earliest: all the history there is
    assert provenance["last_day"] == "2025-12-31"  # cut at the as-of session
    prices = pd.read_csv(raw / "prices.csv")
    assert list(prices.columns) == ["Date", "Open", "High", "Low", "Close", "Volume"]
    assert len(prices) == provenance["rows"]


def test_process_writes_train_validation_and_the_latest_row(chain):
    out = chain["process"] / "processing/output"
    train = pd.read_csv(out / "train/train.csv")
    validation = pd.read_csv(out / "validation/validation.csv")
    assert len(validation) == 300
    assert validation["Date"].iloc[-1] == train["Date"].iloc[-1] == "2025-12-30"
    inference = json.loads((out / "inference/inference.json").read_text())
    assert inference["as_of"] == "2025-12-31"
    assert inference["target_date"] == "2026-01-02"  # New Year's Day is a holiday
    row = (out / "inference/inference.csv").read_text().strip().split(",")
    assert len(row) == len(feature_names())


def test_train_writes_the_model_folder(chain):
    model = chain["train"] / "model"
    metadata = json.loads((model / "metadata.json").read_text())
    assert (model / "model.json").is_file()
    assert metadata["hyperparameters"]["num_round"] == "20"
    assert metadata["threshold"] == 0.5
    assert metadata["train_end"] == "2025-12-30"
    assert metadata["data_source"] == "snapshot"


def test_evaluate_writes_the_property_file(chain):
    out = chain["evaluate"] / "processing/output/evaluation"
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert evaluation["n_days"] == 300
    assert evaluation["gate"]["precision_to_beat"] == pytest.approx(
        evaluation["base_rate"] + evaluation["gate"]["margin"]
    )
    assert len(pd.read_csv(out / "walk_forward.csv")) == 300


def test_processing_failure_is_written_to_output_message(tmp_path):
    result = run_step("ingest", tmp_path, "--source", "snapshot", "--as-of", "2030-13-01")
    assert result.returncode != 0
    message = (tmp_path / "output/message").read_text()
    assert message == "'2030-13-01' is not a date (YYYY-MM-DD) or 'latest'"


def test_training_failure_is_written_to_output_failure(tmp_path):
    (tmp_path / "input/config").mkdir(parents=True)
    (tmp_path / "input/config/hyperparameters.json").write_text(
        json.dumps({"max_depth": "very", "threshold": "0.5"})
    )
    result = run_step("train", tmp_path, "train")
    assert result.returncode != 0
    assert "max_depth='very' is not a valid int" in (tmp_path / "output/failure").read_text()


def test_process_refuses_a_too_short_evaluation_window(chain, tmp_path):
    shutil.copytree(chain["ingest"] / "processing/output/raw", tmp_path / "processing/input/raw")
    result = run_step("process", tmp_path, "--eval-days", "100")
    assert result.returncode != 0
    assert "at least 250 test days" in (tmp_path / "output/message").read_text()


@pytest.mark.parametrize(
    ("today", "session"),
    [
        ("2026-01-19", False),  # Martin Luther King Day
        ("2026-01-17", False),  # a Saturday
        ("2025-12-31", True),
    ],
)
def test_scheduled_run_on_a_day_without_a_session_predicts_nothing(chain, tmp_path, today, session):
    shutil.copytree(chain["ingest"] / "processing/output/raw", tmp_path / "processing/input/raw")
    result = run_step(
        "process", tmp_path, "--inference-only", "--require-session-today", "true", "--today", today
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "processing/output/inference"
    inference = json.loads((out / "inference.json").read_text())
    assert inference.get("no_session", False) is not session
    assert (out / "inference.csv").exists() is session


def test_scheduled_run_refuses_stale_data(chain, tmp_path):
    """Data ending 2025-12-31 on a scheduled run of 2026-01-02: never predict the wrong day."""
    shutil.copytree(chain["ingest"] / "processing/output/raw", tmp_path / "processing/input/raw")
    result = run_step(
        "process",
        tmp_path,
        "--inference-only",
        "--require-session-today",
        "true",
        "--today",
        "2026-01-02",
    )
    assert result.returncode != 0
    message = (tmp_path / "output/message").read_text()
    assert "stale data: the latest bar is 2025-12-31 but today's session 2026-01-02" in message
    assert not (tmp_path / "processing/output/inference/inference.csv").exists()
