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
    typer.echo(
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


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    # yfinance logs every failed request; the retry loop reports them once, in plain words.
    logging.getLogger("yfinance").setLevel(logging.CRITICAL)
    try:
        app()
    except StockpredError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)
