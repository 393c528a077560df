"""The backtest report: every recipe on the same days, the equity arithmetic, the files."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from stockpred.backtest_report import by_year, equity, precision_coverage, write_backtest_report
from stockpred.ingest import load_market_data


def test_equity_is_long_on_up_calls_and_pays_cost_on_each_change():
    returns = np.array([0.01, -0.02, 0.03, 0.01])
    position = np.array([1, 0, 1, 1])
    assert equity(position, returns, 0.0)[-1] == pytest.approx(1.01 * 1.03 * 1.01)
    # Entries on day 0 and day 2, one exit on day 1: three changes.
    with_cost = (1.01 - 0.001) * (1 - 0.001) * (1.03 - 0.001) * 1.01
    assert equity(position, returns, 0.001)[-1] == pytest.approx(with_cost)


def test_by_year_and_precision_coverage():
    days = pd.DataFrame(
        {
            "date": ["2020-01-02", "2020-06-01", "2021-01-04", "2021-02-01"],
            "probability": [0.7, 0.4, 0.6, 0.55],
            "predicted": [1, 0, 1, 1],
            "actual": [1, 1, 0, 1],
        }
    )
    yearly = by_year(days).set_index("year")
    assert yearly.loc[2020, "precision"] == 1.0 and yearly.loc[2020, "base_rate"] == 1.0
    assert yearly.loc[2021, "up_calls"] == 2 and yearly.loc[2021, "precision"] == 0.5
    curve = precision_coverage(days).set_index("cutoff")
    assert curve.loc[0.5, "coverage"] == 0.75 and curve.loc[0.65, "up_calls"] == 1


def test_report_compares_the_model_with_every_baseline_on_the_same_days(tmp_path):
    market = load_market_data("snapshot", "^GSPC")
    page = write_backtest_report(
        market, tmp_path, start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31), step=250
    )
    results = json.loads((tmp_path / "results.json").read_text())
    recipes = results["recipes"]
    assert list(recipes) == ["model", "candidate", "always-up", "seed", "dataquest"]
    assert {r["n_days"] for r in recipes.values()} == {252}
    assert len({r["base_rate"] for r in recipes.values()}) == 1
    always = recipes["always-up"]
    assert always["precision"] == always["base_rate"] and always["n_up_calls"] == 252
    # The production settings are the seed's recipe today: identical results.
    assert recipes["model"]["precision"] == recipes["seed"]["precision"]
    html = page.read_text()
    for image in ("equity.png", "by_year.png", "calibration.png", "importance_confusion.png"):
        assert image in html and (tmp_path / image).stat().st_size > 5_000
    assert len(pd.read_csv(tmp_path / "days.csv")) == 252
