"""The local runner executes the same definitions SageMaker does, end to end on the snapshot."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from stockpred.errors import ConfigError
from stockpred.local_runner import (
    LocalPipelineRunner,
    PipelineFailed,
    PropertyFileRef,
    _Context,
    _evaluate,
    parse_parameters,
)
from stockpred.pipeline_definitions import render


def stockpred(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "STOCKPRED_HOME": str(home), "STOCKPRED_DATA_SOURCE": "snapshot"}
    return subprocess.run(
        [sys.executable, "-m", "stockpred", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_json(home: Path, *args: str) -> dict:
    result = stockpred(home, "pipeline", "run", *args, "--json")
    record = json.loads(result.stdout)
    assert (result.returncode == 0) == (record["status"] == "Succeeded"), result.stderr
    return record


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    training = run_json(home, "training", "--param", "DataSource=snapshot")
    inference = run_json(home, "inference", "--param", "DataSource=snapshot")
    return home, training, inference


def statuses(record: dict) -> dict[str, str]:
    return {s["name"]: s["status"] for s in record["steps"]}


def test_training_pipeline_runs_every_step_and_deploys(ran):
    home, training, _ = ran
    assert training["status"] == "Succeeded", training["failure_reason"]
    assert statuses(training) == {
        "Ingest": "Succeeded",
        "Process": "Succeeded",
        "Train": "Succeeded",
        "Evaluate": "Succeeded",
        "CheckGate": "Succeeded",
        "RegisterModel": "Succeeded",
        "Deploy": "Succeeded",
        "GateFailed": "NotExecuted",
    }
    steps = {s["name"]: s for s in training["steps"]}
    evaluation = steps["Evaluate"]["properties"]["PropertyFiles"]["EvaluationReport"]
    assert evaluation["n_days"] == 1000 and evaluation["gate"]["passed"]
    arn = steps["RegisterModel"]["properties"]["ModelPackageArn"]
    assert arn.endswith(":model-package/stockpred/1")
    model_uri = steps["Train"]["properties"]["ModelArtifacts"]["S3ModelArtifacts"]
    assert model_uri.startswith(
        f"s3://stockpred-local/pipelines/training/{training['execution_id']}/model/"
    )
    endpoint = json.loads((home / "endpoints" / "stockpred.json").read_text())
    assert endpoint["model_version"] == "stockpred/1"
    card = (home / "registry/stockpred/1/model_card.md").read_text()
    assert f"| precision of up calls | {evaluation['precision']:.4f} |" in card
    assert "Promotion gate\nPASSED" in card
    baseline = json.loads((home / "registry/stockpred/1/baseline/statistics.json").read_text())
    assert baseline["dataset"]["item_count"] == 1000  # the validation window
    containers = [s for s in training["steps"] if s["type"] in ("Processing", "Training")]
    assert all(s["peak_rss_mb"] > 20 for s in containers)


def test_inference_pipeline_stores_the_prediction_and_a_capture_record(ran):
    home, _, inference = ran
    assert inference["status"] == "Succeeded", inference["failure_reason"]
    outputs = inference["steps"][-1]["properties"]["OutputParameters"]
    assert outputs["target_date"] == "2026-03-03" and outputs["status"] == "stored"
    listed = json.loads(stockpred(home, "predictions", "list", "--json").stdout)
    assert [(p["as_of"], p["target_date"], p["model_version"]) for p in listed] == [
        ("2026-03-02", "2026-03-03", "stockpred/1")
    ]
    captures = list((home / "s3/stockpred-local/datacapture/stockpred/AllTraffic").rglob("*.jsonl"))
    assert len(captures) == 1
    record = json.loads(captures[0].read_text())
    assert record["eventMetadata"]["inferenceId"] == "^GSPC/2026-03-03"
    assert len(record["captureData"]["endpointInput"]["data"].split(",")) == 10


def test_rerunning_inference_for_the_same_day_leaves_one_prediction(ran):
    home, _, _ = ran
    again = run_json(home, "inference", "--param", "DataSource=snapshot")
    assert again["steps"][-1]["properties"]["OutputParameters"]["status"] == "unchanged"
    with sqlite3.connect(home / "predictions.db") as db:
        assert db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == 1
    captures = list((home / "s3/stockpred-local/datacapture").rglob("*.jsonl"))
    assert len(captures) == 1


def test_past_days_can_be_replayed_with_as_of(ran):
    home, _, _ = ran
    replay = run_json(
        home, "inference", "--param", "DataSource=snapshot", "--param", "AsOf=2026-02-27"
    )
    outputs = replay["steps"][-1]["properties"]["OutputParameters"]
    assert outputs["target_date"] == "2026-03-02"


def test_list_and_describe_show_executions_with_step_timings(ran):
    home, training, inference = ran
    listed = json.loads(stockpred(home, "pipeline", "list", "--json").stdout)
    ids = [e["execution_id"] for e in listed]
    assert training["execution_id"] in ids and inference["execution_id"] in ids
    described = json.loads(
        stockpred(home, "pipeline", "describe", training["execution_id"], "--json").stdout
    )
    ran_steps = [s for s in described["steps"] if s["status"] == "Succeeded"]
    assert all(s["duration_s"] is not None and s["started_at"] for s in ran_steps)
    assert Path(described["steps"][0]["log_file"]).is_file()
    text = stockpred(home, "pipeline", "list").stdout
    assert "training" in text and "inference" in text


def test_a_failed_gate_runs_the_fail_step_and_registers_nothing(tmp_path):
    result = stockpred(
        tmp_path,
        "pipeline",
        "run",
        "training",
        "--param",
        "DataSource=snapshot",
        "--param",
        "MinPrecision=0.99",
        "--param",
        "NumRound=10",
    )
    assert result.returncode == 1
    assert "is below the minimum 0.9900" in result.stdout  # the reason, in the summary
    listed = json.loads(stockpred(tmp_path, "pipeline", "list", "--json").stdout)
    record = json.loads(
        stockpred(tmp_path, "pipeline", "describe", listed[0]["execution_id"], "--json").stdout
    )
    assert record["status"] == "Failed"
    assert statuses(record)["GateFailed"] == "Failed"
    assert statuses(record)["RegisterModel"] == "NotExecuted"
    assert "failed the promotion gate" in record["failure_reason"]
    assert not (tmp_path / "registry").exists()


def test_a_failing_step_stops_the_run_with_its_message(tmp_path):
    record = run_json(
        tmp_path, "training", "--param", "DataSource=snapshot", "--param", "EvalDays=10"
    )
    assert statuses(record)["Process"] == "Failed"
    assert statuses(record)["Train"] == "NotExecuted"
    assert "at least 250 test days" in record["failure_reason"]


def test_inference_without_a_deployed_model_fails_clearly(tmp_path):
    record = run_json(tmp_path, "inference", "--param", "DataSource=snapshot")
    assert record["status"] == "Failed"
    assert "run the training pipeline first" in record["failure_reason"]


def test_parameters_are_checked():
    definition = render("training")
    with pytest.raises(ConfigError, match="unknown pipeline parameter.*Tikcer"):
        parse_parameters(definition, {"Tikcer": "AAPL"})
    values = parse_parameters(definition, {"Ticker": "AAPL"})
    assert values["Ticker"] == "AAPL" and values["EvalDays"] == "1000"
    typed = {"Parameters": [{"Name": "N", "Type": "Integer", "DefaultValue": 1}]}
    with pytest.raises(ConfigError, match="N='x' is not a valid Integer"):
        parse_parameters(typed, {"N": "x"})
    assert parse_parameters(typed, {"N": "5"}) == {"N": 5}
    # SageMaker's StartPipelineExecution refuses empty values; so does the local runner.
    with pytest.raises(ConfigError, match="AsOf cannot be empty"):
        parse_parameters(render("inference"), {"AsOf": ""})


def test_an_empty_container_argument_fails_the_step_as_on_sagemaker(tmp_path):
    """CreateProcessingJob refuses "" in ContainerArguments: the runner must not let it pass."""
    definition = render("inference")
    ingest = definition["Steps"][0]["Arguments"]["AppSpecification"]
    ingest["ContainerArguments"] += ["--start", {"Get": "Parameters.Ticker"}]
    definition["Parameters"][0]["DefaultValue"] = ""  # Ticker: a default no one overrides
    record = LocalPipelineRunner(tmp_path).run("inference", definition, {})
    assert record.status == "Failed"
    assert "empty string in ContainerArguments at index 1" in record.failure_reason


def test_expressions_resolve_like_sagemaker():
    context = _Context("abc123def456", "training", {"Bucket": "b", "Min": 0.5}, "t0")
    context.properties["Process"] = {
        "ProcessingOutputConfig": {"Outputs": {"train": {"S3Output": {"S3Uri": "s3://b/train"}}}}
    }
    context.properties["Evaluate"] = {
        "PropertyFiles": {"Report": {"gate": {"precision": 0.6}, "items": [1, 2]}}
    }
    join = {
        "Std:Join": {
            "On": "/",
            "Values": [
                "s3:/",
                {"Get": "Parameters.Bucket"},
                {"Get": "Execution.PipelineExecutionId"},
            ],
        }
    }
    assert context.resolve(join) == "s3://b/abc123def456"
    get = {"Get": "Steps.Process.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"}
    assert context.resolve(get) == "s3://b/train"
    report = {"Get": "Steps.Evaluate.PropertyFiles.Report"}
    assert context.resolve(report) == PropertyFileRef("Evaluate", "Report")
    json_get = {"Std:JsonGet": {"PropertyFile": report, "Path": "gate.precision"}}
    assert context.resolve(json_get) == 0.6
    assert context.resolve({"Std:JsonGet": {"PropertyFile": report, "Path": "items[1]"}}) == 2
    condition = {
        "Type": "GreaterThanOrEqualTo",
        "LeftValue": json_get,
        "RightValue": {"Get": "Parameters.Min"},
    }
    assert _evaluate(condition, context)
    assert not _evaluate({**condition, "Type": "LessThan"}, context)
    assert _evaluate({"Type": "Not", "Expression": {**condition, "Type": "LessThan"}}, context)
    with pytest.raises(PipelineFailed, match="nothing at gate.recall"):
        context.resolve({"Std:JsonGet": {"PropertyFile": report, "Path": "gate.recall"}})
    with pytest.raises(PipelineFailed, match="step Train has not run"):
        context.resolve({"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"})


def test_consecutive_days_then_monitoring_produce_files_metrics_and_a_report(ran):
    home, _, _ = ran
    for day in ("2026-02-23", "2026-02-24", "2026-02-25"):
        run_json(home, "inference", "--param", "DataSource=snapshot", "--param", f"AsOf={day}")
    record = run_json(
        home, "monitoring", "--param", "DataSource=snapshot", "--param", "AsOf=2026-02-27"
    )
    assert record["status"] == "Succeeded", record["failure_reason"]
    outputs = record["steps"][-1]["properties"]["OutputParameters"]
    run = home / "s3/stockpred-local/monitoring/runs" / record["execution_id"]
    for name in (
        "statistics.json",
        "constraint_violations.json",
        "model_quality.json",
        "metrics.json",
        "summary.json",
    ):
        assert (run / name).is_file(), name
    quality = json.loads((run / "model_quality.json").read_text())
    assert quality["n_resolved"] == 3  # 02-24, 02-25, 02-26 have closed by 02-27
    assert outputs["precision"] == (
        "" if quality["precision"] is None else f"{quality['precision']:.4f}"
    )
    names = {m["MetricName"] for m in json.loads((run / "metrics.json").read_text())}
    assert {
        "constraint_violations",
        "feature_baseline_drift_trend_5",
        "missing_predictions",
    } <= names
    resolved = [
        p
        for p in json.loads(stockpred(home, "predictions", "list", "--json").stdout)
        if p["actual"]
    ]
    assert {p["target_date"] for p in resolved} >= {"2026-02-24", "2026-02-25", "2026-02-26"}
    truth = list((home / "s3/stockpred-local/groundtruth").rglob("*.jsonl"))
    assert len(truth) == len(resolved)
    report = stockpred(home, "monitor", "report")
    assert report.returncode == 0, report.stderr
    page = (home / "reports/monitoring/index.html").read_text()
    assert "drift.png" in page and "precision.png" in page
    assert (home / "reports/monitoring/drift.png").stat().st_size > 10_000


def test_two_inference_runs_for_the_same_day_at_once_leave_one_prediction(ran):
    home, _, _ = ran
    env = {**os.environ, "STOCKPRED_HOME": str(home)}
    command = [
        sys.executable,
        "-m",
        "stockpred",
        "pipeline",
        "run",
        "inference",
        "--param",
        "DataSource=snapshot",
        "--param",
        "AsOf=2026-02-19",
        "--json",
    ]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for _ in range(2)
    ]
    records = [json.loads(run.communicate(timeout=300)[0]) for run in runs]
    assert [r["status"] for r in records] == ["Succeeded"] * 2, [
        r["failure_reason"] for r in records
    ]
    statuses = sorted(r["steps"][-1]["properties"]["OutputParameters"]["status"] for r in records)
    assert statuses == ["stored", "unchanged"]
    with sqlite3.connect(home / "predictions.db") as db:
        count = db.execute("SELECT COUNT(*) FROM predictions WHERE target_date = '2026-02-20'")
        assert count.fetchone()[0] == 1
