"""The `stockpred` command line. Errors reach the user as one sentence on stderr, not a traceback.

Exit codes: 0 success, 1 error, 2 usage error, 3 the model failed the promotion gate.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from stockpred.config import (
    EvaluationSettings,
    Hyperparameters,
    stockpred_home,
    ticker_setting,
)
from stockpred.errors import ConfigError, StockpredError

GATE_FAILED_EXIT = 3

app = typer.Typer(
    help="S&P 500 next-day direction prediction.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
predictions_app = typer.Typer(help="Stored predictions.", no_args_is_help=True)
app.add_typer(predictions_app, name="predictions")
monitor_app = typer.Typer(help="Model monitoring.", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")
pipeline_app = typer.Typer(
    help="SageMaker pipeline definitions, run locally.", no_args_is_help=True
)
app.add_typer(pipeline_app, name="pipeline")

OptionalDate = dt.datetime | None


def _date_option(help_text: str, *names: str) -> Any:
    return typer.Option(*names, formats=["%Y-%m-%d"], help=help_text)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="CSV with Date,Open,High,Low,Close,Volume "
        "(default: STOCKPRED_DATA_SOURCE, auto = Yahoo then the bundled snapshot).",
    ),
]
TickerOption = Annotated[str | None, typer.Option(help="Yahoo ticker (default ^GSPC).")]
HyperparameterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--hp",
        help="XGBoost hyperparameter NAME=VALUE (repeatable), "
        "e.g. --hp max_depth=3 --hp num_round=200.",
    ),
]


def _load(data: Path | None, ticker: str | None, as_of: dt.date | None = None):
    from stockpred.ingest import load_market_data

    source = f"csv:{data}" if data is not None else None
    return load_market_data(source, ticker_setting(ticker), as_of=as_of)


def _settings(hp: list[str] | None, **values: Any) -> EvaluationSettings:
    pairs = {}
    for item in hp or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--hp {item!r} is not NAME=VALUE")
        pairs[name.strip()] = value.strip()
    given = {k: v for k, v in values.items() if v is not None}
    return EvaluationSettings(hyperparameters=Hyperparameters.from_strings(pairs), **given)


def _print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, sort_keys=True, default=str))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


@app.command()
def train(
    data: DataOption = None,
    end: Annotated[OptionalDate, _date_option("Last day of data used (YYYY-MM-DD).")] = None,
    ticker: TickerOption = None,
    eval_days: Annotated[int | None, typer.Option(help="Walk-forward test days (>= 250).")] = None,
    refit_every: Annotated[int | None, typer.Option(help="Refit every N test days.")] = None,
    threshold: Annotated[float | None, typer.Option(help="Up-call probability cut-off.")] = None,
    min_precision: Annotated[float | None, typer.Option(help="Gate: minimum precision.")] = None,
    margin: Annotated[
        float | None, typer.Option(help="Gate: required margin over the base rate.")
    ] = None,
    hp: HyperparameterOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Train, evaluate walk-forward, apply the gate and register the model."""
    from stockpred.registry import LocalModelRegistry
    from stockpred.workflows import train_and_register

    settings = _settings(
        hp,
        eval_days=eval_days,
        refit_every=refit_every,
        threshold=threshold,
        min_precision=min_precision,
        margin=margin,
    )
    market = _load(data, ticker, end.date() if end else None)
    result = train_and_register(market, settings, LocalModelRegistry(stockpred_home()))
    evaluation = result.evaluation
    if as_json:
        _print_json(
            {
                **evaluation,
                "model_version": f"{result.version.group}/{result.version.version}",
                "approval_status": result.version.approval_status,
            }
        )
    else:
        typer.echo(
            f"Data: {market.ticker} {market.first_day}..{market.last_day} "
            f"({len(market.prices)} sessions, source: {market.source})\n"
            f"Walk-forward {evaluation['start']}..{evaluation['end']} ({evaluation['n_days']} "
            f"days, refit every {evaluation['refit_every']}): precision "
            f"{_pct(evaluation['precision'])} on {evaluation['n_up_calls']} up calls vs "
            f"always-up base rate {_pct(evaluation['base_rate'])} (p-value "
            f"{_pct(evaluation['p_value'])}); accuracy {_pct(evaluation['accuracy'])}\n"
            f"Gate: {'PASSED' if result.approved else 'FAILED'}: {evaluation['gate']['reason']}\n"
            f"Registered: model {result.version.group}/{result.version.version} "
            f"({result.version.approval_status})"
        )
    if not result.approved:
        typer.echo("The model failed the gate: no prediction will be made with it.", err=True)
        raise typer.Exit(GATE_FAILED_EXIT)


@app.command()
def backtest(
    data: DataOption = None,
    start: Annotated[OptionalDate, _date_option("First test day (YYYY-MM-DD).")] = None,
    end: Annotated[OptionalDate, _date_option("Last test day (YYYY-MM-DD).")] = None,
    step: Annotated[int, typer.Option(help="Refit every N test days (250 = yearly).")] = 250,
    ticker: TickerOption = None,
    threshold: Annotated[float | None, typer.Option(help="Up-call probability cut-off.")] = None,
    hp: HyperparameterOption = None,
    out: Annotated[Path | None, typer.Option(help="Write per-day predictions to this CSV.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Walk-forward backtest: train strictly before each block of STEP test days."""
    from stockpred.workflows import backtest as run_backtest

    if start is None or end is None:
        raise ConfigError("--start and --end are required (YYYY-MM-DD)")
    if step < 1:
        raise ConfigError(f"--step {step} must be at least 1")
    settings = _settings(hp, threshold=threshold)
    market = _load(data, ticker)
    predictions, summary = run_backtest(
        market, settings, start=start.date(), end=end.date(), step=step
    )
    if out is not None:
        predictions.to_csv(out, index=False, float_format="%.6f")
    summary = {
        **summary,
        "step": step,
        "threshold": settings.threshold,
        "data_source": market.source,
    }
    if as_json:
        _print_json(summary)
        return
    typer.echo(
        f"Walk-forward {summary['start']}..{summary['end']} ({summary['n_days']} days, refit "
        f"every {step}): precision {_pct(summary['precision'])} on {summary['n_up_calls']} up "
        f"calls vs always-up base rate {_pct(summary['base_rate'])} (lift "
        f"{_pct(summary['lift'])}, p-value {_pct(summary['p_value'])}); accuracy "
        f"{_pct(summary['accuracy'])}"
    )


@app.command()
def predict(
    data: DataOption = None,
    as_of: Annotated[
        OptionalDate,
        _date_option("Predict from the close of this day (default: the last close).", "--as-of"),
    ] = None,
    ticker: TickerOption = None,
    force: Annotated[
        bool,
        typer.Option(
            help="Replace a different stored prediction for the "
            "same day (the old one is kept in history)."
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Predict the next NYSE session with the newest approved model and store the prediction."""
    from stockpred.registry import LocalModelRegistry
    from stockpred.store import SqlitePredictionStore
    from stockpred.workflows import predict_next_session

    home = stockpred_home()
    market = _load(data, ticker, as_of.date() if as_of else None)
    prediction, status = predict_next_session(
        market,
        LocalModelRegistry(home),
        SqlitePredictionStore(home / "predictions.db"),
        force=force,
    )
    if as_json:
        _print_json({**prediction.as_dict(), "status": status})
        return
    typer.echo(_describe_prediction(prediction, status))


def _describe_prediction(prediction: Any, status: str) -> str:
    return (
        f"Prediction for {prediction.ticker} on {prediction.target_date} (from the close of "
        f"{prediction.as_of}): {prediction.direction.upper()}, probability "
        f"{prediction.probability:.4f} (threshold {prediction.threshold}), model "
        f"{prediction.model_version}, data: {prediction.data_source} [{status}]"
    )


@predictions_app.command("list")
def predictions_list(
    ticker: TickerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The stored predictions, newest first."""
    from stockpred.store import SqlitePredictionStore

    path = stockpred_home() / "predictions.db"
    records = SqlitePredictionStore(path).list(ticker) if path.exists() else []
    if as_json:
        _print_json([r.as_dict() for r in records])
        return
    if not records:
        typer.echo("No predictions stored yet.")
    for r in records:
        outcome = f", actual {r.actual}" if r.actual else ""
        typer.echo(
            f"{r.target_date} {r.ticker} {r.direction:<4} p={r.probability:.4f} "
            f"(as of {r.as_of}, model {r.model_version}, {r.data_source}{outcome})"
        )


PipelineName = Annotated[str, typer.Argument(help="training, inference or monitoring")]


@pipeline_app.command("render")
def pipeline_render(name: PipelineName) -> None:
    """Print the definition JSON, rendered with the local values (Terraform renders the same
    template with ARNs, image URIs and the bucket)."""
    from stockpred.pipeline_definitions import local_values, render_text

    typer.echo(render_text(name, local_values()), nl=False)


@pipeline_app.command("run")
def pipeline_run(
    name: PipelineName,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="Pipeline parameter Name=Value (repeatable), e.g. --param AsOf=2026-01-05",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Execute a pipeline definition locally, step by step, as SageMaker would."""
    from stockpred.local_runner import LocalPipelineRunner
    from stockpred.pipeline_definitions import render

    overrides = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--param {item!r} is not Name=Value")
        overrides[key] = value
    runner = LocalPipelineRunner(stockpred_home())
    echo = None if as_json else (lambda message: typer.echo(f"  {message}", err=True))
    if echo:
        echo(f"{name} pipeline (local runner)")
    record = runner.run(name, render(name), overrides, echo=echo)
    if as_json:
        _print_json(record.as_dict())
    else:
        _print_execution_summary(record.as_dict(), steps_table=False)
    if record.status != "Succeeded":
        raise typer.Exit(1)


def _print_execution_summary(execution: dict[str, Any], *, steps_table: bool = True) -> None:
    typer.echo(
        f"Execution {execution['execution_id']} of the {execution['pipeline']} pipeline: "
        f"{execution['status']} in {execution['duration_s']:.1f} s"
    )
    for step in execution["steps"] if steps_table else []:
        timing = f"{step['duration_s']:.1f} s" if step["duration_s"] is not None else "-"
        typer.echo(f"  {step['name']:<14} {step['type']:<13} {step['status']:<12} {timing}")
    for step in execution["steps"]:
        report = step["properties"].get("PropertyFiles", {}).get("EvaluationReport")
        if report:
            _print_evaluation(report)
        outputs = step["properties"].get("OutputParameters")
        if outputs and "target_date" in outputs:
            _print_stored_prediction(execution["parameters"]["Ticker"], outputs)
        elif outputs:
            typer.echo(f"{step['name']}: " + ", ".join(f"{k}={v}" for k, v in outputs.items()))
    if execution["failure_reason"]:
        typer.echo(f"Failure: {execution['failure_reason']}", err=True)


def _print_stored_prediction(ticker: str, outputs: dict[str, Any]) -> None:
    from stockpred.store import SqlitePredictionStore

    stored = SqlitePredictionStore(stockpred_home() / "predictions.db").get(
        ticker, outputs["target_date"]
    )
    if stored is not None:
        typer.echo(_describe_prediction(stored, outputs["status"]))


def _print_evaluation(evaluation: dict[str, Any]) -> None:
    gate = evaluation["gate"]
    typer.echo(
        f"Data: {evaluation['ticker']} {evaluation.get('data_start', '?')}.."
        f"{evaluation.get('data_end', '?')} (source: {evaluation['data_source']})\n"
        f"Walk-forward {evaluation['start']}..{evaluation['end']} ({evaluation['n_days']} "
        f"days, refit every {evaluation['refit_every']}): precision "
        f"{_pct(evaluation['precision'])} on {evaluation['n_up_calls']} up calls vs always-up "
        f"base rate {_pct(evaluation['base_rate'])} (p-value {_pct(evaluation['p_value'])}); "
        f"accuracy {_pct(evaluation['accuracy'])}\n"
        f"Gate: {'PASSED' if gate['passed'] else 'FAILED'}: {gate['reason']}"
    )


@pipeline_app.command("list")
def pipeline_list(as_json: JsonFlag = False) -> None:
    """Recorded local executions, newest first."""
    from stockpred.local_runner import LocalPipelineRunner

    executions = LocalPipelineRunner(stockpred_home()).list()
    if as_json:
        _print_json(executions)
        return
    if not executions:
        typer.echo("No pipeline executions yet.")
    for e in executions:
        steps = ", ".join(
            f"{s['name']} {s['duration_s']:.1f}s"
            if s["duration_s"] is not None
            else f"{s['name']} -"
            for s in e["steps"]
        )
        duration = f"{e['duration_s']:.1f} s" if e["duration_s"] is not None else "-"
        typer.echo(
            f"{e['execution_id']}  {e['pipeline']:<9} {e['status']:<10} "
            f"{e['started_at'][:19]}  {duration:>8}  [{steps}]"
        )


@pipeline_app.command("describe")
def pipeline_describe(execution_id: str, as_json: JsonFlag = False) -> None:
    """One execution: parameters, per-step status, timings, failure reason and log files."""
    from stockpred.local_runner import LocalPipelineRunner

    execution = LocalPipelineRunner(stockpred_home()).describe(execution_id)
    if as_json:
        _print_json(execution)
        return
    _print_execution_summary(execution)
    typer.echo("Parameters: " + ", ".join(f"{k}={v!r}" for k, v in execution["parameters"].items()))
    for step in execution["steps"]:
        if step["log_file"]:
            typer.echo(f"  log {step['name']}: {step['log_file']}")


@app.command()
def serve(
    model_dir: Annotated[
        Path | None, typer.Option(help="Model folder (model.json, metadata.json).")
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            help="Serve a local endpoint: the model the "
            "training pipeline deployed; reloads on "
            "deploy."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8080,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: one per CPU).")
    ] = None,
) -> None:
    """Run the model server (GET /ping, POST /invocations) in the foreground."""
    from stockpred.endpoint import LocalEndpoint
    from stockpred.serve import run_server

    if (model_dir is None) == (endpoint is None):
        raise ConfigError("give exactly one of --model-dir or --endpoint")
    endpoint_file = None
    if endpoint is not None:
        local = LocalEndpoint(stockpred_home())
        endpoint_file = local.description_file(endpoint)
        if not endpoint_file.is_file():
            raise ConfigError(
                f"local endpoint {endpoint!r} does not exist: run the training pipeline first"
            )
        local.register_server(endpoint, port)
    run_server(
        model_dir=model_dir, endpoint_file=endpoint_file, host=host, port=port, workers=workers
    )


@app.command()
def report(
    data: DataOption = None,
    start: Annotated[OptionalDate, _date_option("First test day (default 2000-01-01).")] = None,
    end: Annotated[OptionalDate, _date_option("Last test day (default 2024-12-31).")] = None,
    step: Annotated[int, typer.Option(help="Refit every N test days (250 = yearly).")] = 250,
    cost: Annotated[
        float, typer.Option(help="Cost per trade, as a fraction (0.0005 = 5 bp).")
    ] = 0.0005,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder of the report (default: STOCKPRED_HOME/reports/backtest)."),
    ] = None,
    ticker: TickerOption = None,
) -> None:
    """Backtest report: the model beside always-up, the seed's and the Dataquest recipes."""
    import datetime as dt

    from stockpred.backtest_report import write_backtest_report
    from stockpred.registry import LocalModelRegistry

    if step < 1 or not 0 <= cost < 0.1:
        raise ConfigError("--step must be at least 1 and --cost between 0 and 0.1")
    home = stockpred_home()
    folder = out or home / "reports" / "backtest"
    page = write_backtest_report(
        _load(data, ticker),
        folder,
        start=start.date() if start else dt.date(2000, 1, 1),
        end=end.date() if end else dt.date(2024, 12, 31),
        step=step,
        cost=cost,
    )
    typer.echo(f"Backtest report: {page}")
    registry = LocalModelRegistry(home)
    try:
        card = registry.attachment(registry.newest_approved().version, "model_card.md")
    except StockpredError:
        card = None
    if card is not None and card.is_file():
        (folder / "model_card.md").write_bytes(card.read_bytes())
        typer.echo(f"Model card of the newest approved model: {folder / 'model_card.md'}")


@monitor_app.command("report")
def monitor_report(
    out: Annotated[
        Path | None,
        typer.Option(help="Folder of the report (default: STOCKPRED_HOME/reports/monitoring)."),
    ] = None,
    bucket: Annotated[str, typer.Option(help="Bucket whose monitoring/runs are read.")] = (
        "stockpred-local"
    ),
) -> None:
    """Write the monitoring report (HTML with plots) from the monitoring pipeline's runs."""
    from stockpred.monitor_report import write_report

    home = stockpred_home()
    page = write_report(
        home / "s3" / bucket / "monitoring" / "runs", out or home / "reports" / "monitoring"
    )
    typer.echo(f"Monitoring report: {page}")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    # yfinance logs every failed request; the retry loop reports them once, in plain words.
    logging.getLogger("yfinance").setLevel(logging.CRITICAL)
    try:
        app()
    except StockpredError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)
