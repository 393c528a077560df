"""The `stockpred` command end to end, as a user runs it (offline, bundled snapshot)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_bars


def stockpred(home: Path, *args: str, source: str = "snapshot") -> subprocess.CompletedProcess:
    env = {**os.environ, "STOCKPRED_HOME": str(home), "STOCKPRED_DATA_SOURCE": source}
    return subprocess.run(
        [sys.executable, "-m", "stockpred", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def trained_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    result = stockpred(home, "train", "--json")
    assert result.returncode == 0, result.stderr
    return home, json.loads(result.stdout)


def test_train_reports_the_evaluation_and_registers(trained_home):
    _, evaluation = trained_home
    for key in (
        "precision",
        "n_up_calls",
        "accuracy",
        "base_rate",
        "lift",
        "p_value",
        "n_days",
        "start",
        "end",
        "gate",
        "model_version",
        "approval_status",
    ):
        assert key in evaluation
    assert evaluation["n_days"] == 1000
    assert evaluation["data_source"] == "snapshot"
    assert evaluation["data_end"] == "2026-03-02"
    assert evaluation["gate"]["passed"] == (evaluation["approval_status"] == "Approved")


def test_training_again_on_the_same_data_gives_the_same_model(trained_home):
    home, evaluation = trained_home
    again = json.loads(stockpred(home, "train", "--json").stdout)
    assert again["model_version"] == evaluation["model_version"]  # identical artifact


def test_predict_targets_the_session_after_the_last_close(trained_home):
    home, evaluation = trained_home
    # The default model passes the gate on the bundled snapshot; if that changes, this fails.
    assert evaluation["approval_status"] == "Approved", evaluation["gate"]["reason"]
    result = stockpred(home, "predict", "--json")
    assert result.returncode == 0, result.stderr
    prediction = json.loads(result.stdout)
    assert prediction["as_of"] == "2026-03-02"
    assert prediction["target_date"] == "2026-03-03"
    assert prediction["direction"] in ("up", "down")
    assert prediction["data_source"] == "snapshot"
    assert prediction["model_version"] == evaluation["model_version"]
    assert (prediction["probability"] > prediction["threshold"]) == (
        prediction["direction"] == "up"
    )
    # Friday 2026-02-27 -> Monday 2026-03-02: weekends are skipped.
    friday = json.loads(stockpred(home, "predict", "--as-of", "2026-02-28", "--json").stdout)
    assert (friday["as_of"], friday["target_date"]) == ("2026-02-27", "2026-03-02")
    rerun = json.loads(stockpred(home, "predict", "--json").stdout)
    assert rerun["status"] == "unchanged"
    listed = json.loads(stockpred(home, "predictions", "list", "--json").stdout)
    assert [p["target_date"] for p in listed] == ["2026-03-03", "2026-03-02"]


def test_backtest_writes_per_day_predictions(tmp_path):
    out = tmp_path / "days.csv"
    result = stockpred(
        tmp_path,
        "backtest",
        "--start",
        "2019-01-01",
        "--end",
        "2019-12-31",
        "--step",
        "125",
        "--hp",
        "num_round=20",
        "--json",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    for key in (
        "precision",
        "n_up_calls",
        "accuracy",
        "base_rate",
        "lift",
        "p_value",
        "n_days",
        "start",
        "end",
    ):
        assert key in summary
    assert summary["n_days"] == 252
    lines = out.read_text().splitlines()
    assert lines[0] == "date,probability,predicted,actual"
    assert len(lines) == 253


def test_gate_failure_registers_rejected_and_predict_refuses(tmp_path):
    result = stockpred(tmp_path, "train", "--min-precision", "0.99")
    assert result.returncode == 3
    assert "Gate: FAILED" in result.stdout and "below the minimum 0.9900" in result.stdout
    refused = stockpred(tmp_path, "predict")
    assert refused.returncode == 1
    assert refused.stderr.strip().startswith("error: no approved model")
    assert "Traceback" not in refused.stderr


def test_bad_csv_is_one_clear_sentence_on_stderr(tmp_path):
    bars = make_bars(10)
    bars.loc[5, "Low"] = bars.loc[5, "High"] * 2
    path = tmp_path / "bad.csv"
    bars.to_csv(path, index=False)
    result = stockpred(tmp_path, "train", "--data", str(path))
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: csv:{path}: {bars.loc[5, 'Date']}: Low is above High"


def test_invalid_settings_are_refused(tmp_path):
    result = stockpred(tmp_path, "train", "--eval-days", "100")
    assert result.returncode == 1 and "at least 250 test days" in result.stderr
    result = stockpred(tmp_path, "train", "--hp", "max_depth=deep")
    assert result.returncode == 1 and "max_depth='deep' is not a valid int" in result.stderr
    result = stockpred(tmp_path, "predict", source="ftp://somewhere")
    assert result.returncode == 1 and "STOCKPRED_DATA_SOURCE" in result.stderr


@pytest.mark.parametrize(
    "command", [[], ["train"], ["backtest"], ["predict"], ["predictions", "list"]]
)
def test_every_command_has_help(tmp_path, command):
    result = stockpred(tmp_path, *command, "--help")
    assert result.returncode == 0 and "Usage" in result.stdout
