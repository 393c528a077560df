"""No look-ahead: a feature for day t depends only on data up to t's close."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpred.features import TARGET, build_features, feature_names, labelled, latest_row


@pytest.fixture(scope="module")
def full_features(snapshot_prices):
    return build_features(snapshot_prices)


def test_seed_features_are_present(full_features):
    for horizon in (2, 5, 60, 250, 1000):
        assert f"close_ratio_{horizon}" in full_features
        assert f"trend_{horizon}" in full_features
    assert full_features[feature_names()].notna().all().all()


@pytest.mark.parametrize(
    "day",
    [
        "1975-06-02",
        "1987-10-19",
        "2000-03-10",
        "2008-10-15",
        "2020-03-23",
        "2024-12-31",
        "2026-02-27",
    ],
)
def test_features_for_day_t_ignore_everything_after_t(snapshot_prices, full_features, day):
    truncated = build_features(snapshot_prices.loc[:day])
    assert truncated.index[-1] == pd.Timestamp(day)
    pd.testing.assert_series_equal(
        truncated[feature_names()].iloc[-1], full_features[feature_names()].loc[day]
    )


def test_target_is_next_close_above_this_close(snapshot_prices, full_features):
    close = snapshot_prices["Close"]
    sample = full_features.index[[0, 100, 5000, -2]]
    for day in sample:
        position = close.index.get_loc(day)
        expected = float(close.iloc[position + 1] > close.iloc[position])
        assert full_features.loc[day, TARGET] == expected


def test_latest_day_keeps_its_features_and_has_no_target(snapshot_prices, full_features):
    last = latest_row(full_features)
    assert last.index[0] == snapshot_prices.index[-1]
    assert np.isnan(last[TARGET].iloc[0])
    assert last[feature_names()].notna().all().all()
    assert labelled(full_features).index[-1] == snapshot_prices.index[-2]


def test_trend_counts_up_days_in_the_window(snapshot_prices, full_features):
    close = snapshot_prices["Close"].loc[:"2010-06-30"]
    ups = (close.diff() > 0).iloc[-5:].sum()
    assert full_features.loc["2010-06-30", "trend_5"] == ups
    ratio = close.iloc[-1] / close.iloc[-60:].mean()
    assert full_features.loc["2010-06-30", "close_ratio_60"] == pytest.approx(ratio)
