"""The backtest report: walk-forward results of the model beside its baselines, as HTML + PNGs.

Every recipe is run through the same walk-forward protocol over the same days, in one process.
Nothing here is tuned on the report's window: the probability cut-off curves describe the
trade-off, they do not choose the cut-off.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from stockpred.baselines import Recipe, recipes
from stockpred.config import EvaluationSettings
from stockpred.evaluate import summarize, walk_forward
from stockpred.features import build_features, labelled
from stockpred.ingest import MarketData
from stockpred.train import fit_booster

CUTOFFS = np.round(np.arange(0.40, 0.701, 0.01), 2)


def run_recipes(
    market: MarketData, start: dt.date, end: dt.date, step: int, selected: list[Recipe]
) -> dict[str, dict[str, Any]]:
    """Per-day predictions, summary and wall time of each recipe."""
    frame = build_features(market.prices)
    results = {}
    for recipe in selected:
        started = time.perf_counter()
        days = walk_forward(
            frame,
            recipe.features,
            None,
            start=start,
            end=end,
            step=step,
            threshold=recipe.threshold,
            fitter=recipe.fitter,
        )
        results[recipe.name] = {
            "recipe": recipe,
            "days": days,
            "summary": summarize(days),
            "seconds": time.perf_counter() - started,
        }
    return results


def next_day_returns(market: MarketData, dates: pd.Series) -> np.ndarray:
    """close(t+1)/close(t) - 1 for each test day t: the return a call on day t earns."""
    close = market.prices["Close"]
    forward = close.shift(-1) / close - 1
    return forward.loc[pd.to_datetime(dates)].to_numpy()


def equity(position: np.ndarray, returns: np.ndarray, cost: float) -> np.ndarray:
    """Growth of 1 when long on `position` days; `cost` (fraction) paid on every change."""
    changes = np.abs(np.diff(np.concatenate([[0], position])))
    return np.cumprod(1 + position * returns - changes * cost)


def by_year(days: pd.DataFrame) -> pd.DataFrame:
    frame = days.assign(year=days["date"].str[:4])
    rows = []
    for year, group in frame.groupby("year"):
        calls = group["predicted"] == 1
        rows.append(
            {
                "year": int(year),
                "n_days": len(group),
                "up_calls": int(calls.sum()),
                "precision": group.loc[calls, "actual"].mean() if calls.any() else np.nan,
                "base_rate": group["actual"].mean(),
            }
        )
    return pd.DataFrame(rows)


def calibration(days: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    quantile = pd.qcut(days["probability"], bins, duplicates="drop")
    grouped = days.groupby(quantile, observed=True)
    return pd.DataFrame(
        {
            "predicted": grouped["probability"].mean(),
            "observed": grouped["actual"].mean(),
            "n": grouped.size(),
        }
    ).reset_index(drop=True)


def precision_coverage(days: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for cutoff in CUTOFFS:
        calls = days["probability"] > cutoff
        rows.append(
            {
                "cutoff": float(cutoff),
                "coverage": float(calls.mean()),
                "precision": float(days.loc[calls, "actual"].mean()) if calls.any() else np.nan,
                "up_calls": int(calls.sum()),
            }
        )
    return pd.DataFrame(rows)


def feature_importance(
    market: MarketData, end: dt.date, recipe: Recipe, settings: EvaluationSettings
) -> pd.Series:
    """Gain importance of the model fitted on every labelled day up to `end`."""
    rows = labelled(build_features(market.prices))
    booster = fit_booster(rows.loc[: pd.Timestamp(end)], recipe.features, settings.hyperparameters)
    gain = booster.get_score(importance_type="gain")
    return pd.Series({f: gain.get(f, 0.0) for f in recipe.features}).sort_values()


def write_backtest_report(
    market: MarketData,
    out: Path,
    *,
    start: dt.date,
    end: dt.date,
    step: int = 250,
    cost: float = 0.0005,
    settings: EvaluationSettings | None = None,
) -> Path:
    settings = settings or EvaluationSettings()
    out.mkdir(parents=True, exist_ok=True)
    results = run_recipes(market, start, end, step, recipes(settings))
    model = results["model"]
    days = model["days"]
    returns = next_day_returns(market, days["date"])
    curves = {
        "buy and hold": np.cumprod(1 + returns),
        "model, no cost": equity(days["predicted"].to_numpy(), returns, 0.0),
        f"model, {cost * 1e4:.0f} bp per trade": equity(
            days["predicted"].to_numpy(), returns, cost
        ),
    }
    for name in ("seed", "dataquest"):
        curves[f"{name}, no cost"] = equity(
            results[name]["days"]["predicted"].to_numpy(), returns, 0.0
        )
    yearly = {name: by_year(r["days"]) for name, r in results.items()}
    importance = feature_importance(market, end, model["recipe"], settings)
    confusion = pd.crosstab(days["actual"], days["predicted"]).reindex(
        index=[0, 1], columns=[0, 1], fill_value=0
    )
    _plots(out, days, curves, yearly, importance, confusion)
    days.to_csv(out / "days.csv", index=False, float_format="%.6f")
    payload = {
        "window": {
            "start": str(start),
            "end": str(end),
            "step": step,
            "data_source": market.source,
        },
        "cost_per_trade": cost,
        "recipes": {
            name: {
                "description": r["recipe"].description,
                **r["summary"],
                "seconds": round(r["seconds"], 2),
                "final_equity": float(equity(r["days"]["predicted"].to_numpy(), returns, 0.0)[-1]),
            }
            for name, r in results.items()
        },
        "buy_and_hold_final_equity": float(curves["buy and hold"][-1]),
        "model_final_equity_with_cost": float(curves[list(curves)[2]][-1]),
        "confusion_matrix": {
            "actual_down": confusion.loc[0].tolist(),
            "actual_up": confusion.loc[1].tolist(),
        },
    }
    (out / "results.json").write_text(json.dumps(payload, indent=2, default=_plain))
    page = REPORT.render(
        payload=payload,
        yearly=yearly["model"].to_dict("records"),
        baselines_yearly={k: v.set_index("year") for k, v in yearly.items()},
        calibration=calibration(days).to_dict("records"),
        cost=cost,
    )
    (out / "index.html").write_text(page)
    return out / "index.html"


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)


def _plots(
    out: Path,
    days: pd.DataFrame,
    curves: dict[str, np.ndarray],
    yearly: dict[str, pd.DataFrame],
    importance: pd.Series,
    confusion: pd.DataFrame,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dates = pd.to_datetime(days["date"])
    figure, axis = plt.subplots(figsize=(9, 4))
    for name, curve in curves.items():
        axis.plot(dates, curve, label=name, linewidth=1.2)
    axis.set_yscale("log")
    axis.set_ylabel("growth of 1 (log scale)")
    axis.legend(fontsize="small")
    _save(figure, axis, out / "equity.png")

    figure, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    width = 0.2
    years = yearly["model"]["year"].to_numpy()
    for offset, name in enumerate(["model", "seed", "dataquest"]):
        axes[0].bar(years + (offset - 1) * width, yearly[name]["precision"], width, label=name)
        axes[1].bar(years + (offset - 1) * width, yearly[name]["up_calls"], width, label=name)
    axes[0].plot(
        years,
        yearly["model"]["base_rate"],
        "k_",
        markersize=14,
        mew=2,
        label="base rate (always up)",
    )
    axes[0].set_ylim(0.3, 0.75)
    axes[0].set_ylabel("precision of up calls")
    axes[0].legend(fontsize="small", ncol=4)
    axes[1].set_ylabel("up calls")
    _save(figure, axes[1], out / "by_year.png")

    cal = calibration(days)
    curve = precision_coverage(days)
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].plot([0.3, 0.8], [0.3, 0.8], ":", color="grey")
    axes[0].plot(cal["predicted"], cal["observed"], "o-")
    axes[0].set_xlabel("mean predicted P(up) (deciles)")
    axes[0].set_ylabel("observed up rate")
    axes[1].plot(curve["coverage"], curve["precision"], "o-", markersize=3)
    axes[1].axhline(days["actual"].mean(), color="k", linestyle="--", label="base rate")
    axes[1].set_xlabel("coverage (share of days called up)")
    axes[1].set_ylabel("precision")
    axes[1].legend(fontsize="small")
    _save(figure, axes[1], out / "calibration.png")

    figure, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    axes[0].barh(importance.index, importance.to_numpy())
    axes[0].set_xlabel("gain")
    axes[1].imshow(confusion.to_numpy(), cmap="Blues")
    for (i, j), value in np.ndenumerate(confusion.to_numpy()):
        axes[1].text(j, i, str(value), ha="center", va="center")
    axes[1].set_xticks([0, 1], ["down", "up"])
    axes[1].set_yticks([0, 1], ["down", "up"])
    axes[1].set_xlabel("predicted")
    axes[1].set_ylabel("actual")
    _save(figure, axes[0], out / "importance_confusion.png")


def _save(figure: Any, axis: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


REPORT = jinja2.Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>stockpred backtest</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1000px; color: #222 }
 table { border-collapse: collapse; margin: 1rem 0 } td, th { border: 1px solid #ccc;
 padding: .3rem .6rem; text-align: right } th { background: #f4f4f4 } td:first-child,
 th:first-child { text-align: left } img { max-width: 100% }
</style></head><body>
{% set w = payload.window %}
<h1>Walk-forward backtest {{ w.start }} .. {{ w.end }}</h1>
<p>Data: {{ w.data_source }}. Refit every {{ w.step }} trading days; each block is predicted by a
model trained only on days before it. Every recipe sees the same days, in the same run.</p>
<table><tr><th>recipe</th><th>precision</th><th>up calls</th><th>base rate</th><th>lift</th>
<th>p-value</th><th>accuracy</th><th>growth of 1 (no cost)</th><th>fit+predict s</th></tr>
{% for name, r in payload.recipes.items() %}<tr><td><b>{{ name }}</b>: {{ r.description }}</td>
<td>{{ '%.4f'|format(r.precision) if r.precision is not none else 'n/a' }}</td>
<td>{{ r.n_up_calls }}</td><td>{{ '%.4f'|format(r.base_rate) }}</td>
<td>{{ '%+.4f'|format(r.lift) if r.lift is not none else 'n/a' }}</td>
<td>{{ '%.3f'|format(r.p_value) if r.p_value is not none else 'n/a' }}</td>
<td>{{ '%.4f'|format(r.accuracy) }}</td><td>{{ '%.2f'|format(r.final_equity) }}</td>
<td>{{ r.seconds }}</td></tr>{% endfor %}</table>
<p>p-value: one-sided binomial test of the up calls' precision against the base rate of the
same days. Buy and hold grew 1 to {{ '%.2f'|format(payload.buy_and_hold_final_equity) }};
the model with {{ '%.0f'|format(cost * 1e4) }} bp per trade to
{{ '%.2f'|format(payload.model_final_equity_with_cost) }}.</p>
<h2>Equity: long the index on predicted-up days, cash otherwise</h2>
<img src="equity.png" alt="equity curves">
<h2>Precision by year beside the base rate; up calls by year</h2>
<img src="by_year.png" alt="precision and up calls by year">
<table><tr><th>year</th><th>days</th><th>model up calls</th><th>model precision</th>
<th>base rate</th><th>seed precision</th><th>dataquest precision</th></tr>
{% for row in yearly %}<tr><td>{{ row.year }}</td><td>{{ row.n_days }}</td>
<td>{{ row.up_calls }}</td>
<td>{{ '%.3f'|format(row.precision) }}</td><td>{{ '%.3f'|format(row.base_rate) }}</td>
<td>{{ '%.3f'|format(baselines_yearly['seed'].loc[row.year].precision) }}</td>
<td>{{ '%.3f'|format(baselines_yearly['dataquest'].loc[row.year].precision) }}</td></tr>
{% endfor %}</table>
<h2>Calibration and the precision / coverage trade-off (model)</h2>
<p>Descriptive only: the cut-off is not chosen on this window.</p>
<img src="calibration.png" alt="calibration and precision-coverage">
<h2>Feature importance and confusion matrix (model)</h2>
<img src="importance_confusion.png" alt="feature importance and confusion matrix">
</body></html>
""")
