"""Walk-forward evaluation, metrics and the promotion gate."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from stockpred.config import Hyperparameters
from stockpred.evaluate import apply_gate, summarize, walk_forward
from stockpred.features import build_features, feature_names

FAST = Hyperparameters(num_round=20, max_depth=3)


def run(prices, start, end, step=125):
    frame = build_features(prices)
    return walk_forward(
        frame,
        feature_names(),
        FAST,
        start=dt.date.fromisoformat(start),
        end=dt.date.fromisoformat(end),
        step=step,
        threshold=0.5,
    )


def test_backtest_does_not_depend_on_data_after_the_window(snapshot_prices):
    short = run(snapshot_prices.loc[:"2016-12-30"], "2015-01-01", "2016-12-30")
    long = run(snapshot_prices.loc[:"2021-12-31"], "2015-01-01", "2016-12-30")
    # The last day of the short data has no known outcome, so it is not a test day there.
    common = short.merge(long, on="date", suffixes=("_short", "_long"))
    assert len(common) == len(short) == len(long) - 1
    np.testing.assert_array_equal(common["probability_short"], common["probability_long"])
    np.testing.assert_array_equal(common["predicted_short"], common["predicted_long"])


def test_each_block_is_predicted_by_a_model_fitted_strictly_before_it(snapshot_prices):
    """Changing the future (after a block starts) must not change that block's predictions."""
    prices = snapshot_prices.loc[:"2012-12-31"].copy()
    baseline = run(prices, "2011-01-01", "2012-12-31", step=250)
    tampered = prices.copy()
    tampered.loc["2012-06-01":, "Close"] *= 1.5  # a shock inside the second block
    changed = run(tampered, "2011-01-01", "2012-12-31", step=250)
    first_block = baseline["date"] < "2012-01-01"
    assert first_block.sum() > 200
    np.testing.assert_array_equal(
        baseline.loc[first_block, "probability"], changed.loc[first_block, "probability"]
    )


def test_walk_forward_is_deterministic(snapshot_prices):
    prices = snapshot_prices.loc[:"2005-12-31"]
    first = run(prices, "2005-01-01", "2005-12-30")
    second = run(prices, "2005-01-01", "2005-12-30")
    pd.testing.assert_frame_equal(first, second)


def predictions(predicted, actual):
    return pd.DataFrame(
        {
            "date": [f"2020-01-{i + 1:02d}" for i in range(len(actual))],
            "probability": 0.5,
            "predicted": predicted,
            "actual": actual,
        }
    )


def test_summary_reports_precision_beside_the_base_rate():
    summary = summarize(predictions([1, 1, 1, 0, 0, 1], [1, 0, 1, 0, 1, 1]))
    assert summary["n_up_calls"] == 4
    assert summary["precision"] == pytest.approx(3 / 4)
    assert summary["base_rate"] == pytest.approx(4 / 6)
    assert summary["lift"] == pytest.approx(3 / 4 - 4 / 6)
    assert summary["accuracy"] == pytest.approx(4 / 6)
    assert 0 < summary["p_value"] < 1
    assert summary["n_days"] == 6 and summary["start"] == "2020-01-01"


def test_always_up_model_is_rejected_when_base_rate_matches_its_precision():
    actual = [1] * 55 + [0] * 45  # base rate 0.55 >= min precision 0.5
    metrics = summarize(predictions([1] * 100, actual))
    assert metrics["precision"] == pytest.approx(0.55) == metrics["base_rate"]
    decision = apply_gate(metrics, min_precision=0.5, margin=0.0)
    assert not decision.passed
    assert "does not beat the always-up base rate 0.5500" in decision.reason


def test_gate_passes_a_model_above_base_rate_and_minimum():
    actual = [1, 1, 1, 0] * 25 + [0, 0, 1, 0] * 25  # base rate 0.5
    predicted = [1, 1, 1, 0] * 25 + [0] * 100  # precision 1.0 on 75 calls
    decision = apply_gate(summarize(predictions(predicted, actual)), min_precision=0.5, margin=0.01)
    assert decision.passed, decision.reason


def test_gate_applies_the_minimum_precision_and_the_margin():
    metrics = {"precision": 0.52, "base_rate": 0.50, "n_up_calls": 300}
    assert not apply_gate(metrics, min_precision=0.55, margin=0.0).passed
    assert not apply_gate(metrics, min_precision=0.5, margin=0.03).passed
    assert apply_gate(metrics, min_precision=0.5, margin=0.01).passed


def test_gate_rejects_a_model_that_makes_no_up_calls():
    metrics = summarize(predictions([0] * 10, [1] * 5 + [0] * 5))
    assert metrics["precision"] is None
    decision = apply_gate(metrics, min_precision=0.5, margin=0.0)
    assert not decision.passed and "no up calls" in decision.reason
