"""Market data validation at the edge: every bad input names its row or date."""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pytest

from stockpred.errors import DataValidationError
from stockpred.validate import cut_at_as_of, drop_unclosed_session, validate_prices
from tests.conftest import make_bars


def test_clean_bars_pass_and_are_indexed_by_date():
    prices = validate_prices(make_bars(10), "test")
    assert list(prices.columns) == ["Open", "High", "Low", "Close", "Volume"]
    assert prices.index.name == "Date"
    assert prices.index.is_monotonic_increasing and prices.index.is_unique


def test_empty_data_is_an_error():
    with pytest.raises(DataValidationError, match="no rows"):
        validate_prices(make_bars(0), "test")


def test_missing_column_is_named():
    with pytest.raises(DataValidationError, match=r"missing column.*Close"):
        validate_prices(make_bars(5).drop(columns="Close"), "test")


def test_unparsable_date_names_the_row():
    bars = make_bars(5)
    bars.loc[3, "Date"] = "2020-13-45"
    with pytest.raises(DataValidationError, match=r"row 4: unparsable date '2020-13-45'"):
        validate_prices(bars, "test")


def test_unsorted_dates_are_sorted_with_a_warning(caplog):
    bars = make_bars(6).iloc[[0, 2, 1, 3, 5, 4]]
    with caplog.at_level(logging.WARNING):
        prices = validate_prices(bars, "test")
    assert prices.index.is_monotonic_increasing
    assert "not in date order" in caplog.text


def test_identical_duplicates_are_dropped(caplog):
    bars = make_bars(5)
    doubled = bars.iloc[[0, 1, 2, 2, 3, 4]]
    with caplog.at_level(logging.WARNING):
        prices = validate_prices(doubled, "test")
    assert len(prices) == 5
    assert "duplicate" in caplog.text


def test_conflicting_duplicates_are_an_error_naming_the_date():
    bars = make_bars(5)
    conflicting = bars.iloc[[0, 1, 2, 2, 3, 4]].reset_index(drop=True)
    conflicting.loc[3, "Close"] = conflicting.loc[3, "Close"] * 1.0001
    conflicting.loc[3, "High"] = conflicting.loc[3, "High"] * 1.01
    day = bars.loc[2, "Date"]
    with pytest.raises(DataValidationError, match=f"{day} appears more than once"):
        validate_prices(conflicting, "test")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (np.nan, "Close is missing"),
        (0.0, "Close is not positive"),
        (-5.0, "Close is not positive"),
        (np.inf, "Close is not finite"),
        ("abc", "Close 'abc' is not a number"),
    ],
)
def test_bad_close_names_the_date(value, problem):
    bars = make_bars(5).astype({"Close": object})
    bars.loc[2, "Close"] = value
    with pytest.raises(DataValidationError, match=f"{bars.loc[2, 'Date']}: {problem}"):
        validate_prices(bars, "test")


def test_low_above_high_names_the_date():
    bars = make_bars(5)
    bars.loc[1, "Low"] = bars.loc[1, "High"] + 1
    with pytest.raises(DataValidationError, match=f"{bars.loc[1, 'Date']}: Low is above High"):
        validate_prices(bars, "test")


def test_close_outside_the_range_is_an_error():
    bars = make_bars(5)
    bars.loc[4, "Close"] = bars.loc[4, "High"] * 1.5
    with pytest.raises(DataValidationError, match=r"Close is outside the Low..High range"):
        validate_prices(bars, "test")


def test_intraday_timestamps_are_rejected():
    bars = make_bars(3)
    bars.loc[1, "Date"] = "2020-01-03 14:30"
    with pytest.raises(DataValidationError, match="time of day"):
        validate_prices(bars, "test")


def test_bar_of_an_open_session_is_dropped(caplog):
    prices = validate_prices(make_bars(5, start="2026-02-24"), "test")
    last = prices.index[-1].date()
    during_session = dt.datetime(last.year, last.month, last.day, 16, 0, tzinfo=dt.UTC)
    with caplog.at_level(logging.WARNING):
        trimmed = drop_unclosed_session(prices, during_session, "test")
    assert trimmed.index[-1].date() < last
    assert "has not closed yet" in caplog.text
    after_close = dt.datetime(last.year, last.month, last.day, 21, 5, tzinfo=dt.UTC)
    assert drop_unclosed_session(prices, after_close, "test").index[-1].date() == last


def test_data_ending_before_the_as_of_session_is_an_error():
    prices = validate_prices(make_bars(5, start="2026-02-23"), "test")  # ends 2026-02-27 (Fri)
    with pytest.raises(DataValidationError, match=r"ends at 2026-02-27, before.*2026-03-02"):
        cut_at_as_of(prices, dt.date(2026, 3, 2), "test")
    # A weekend as-of date needs only the Friday session.
    assert cut_at_as_of(prices, dt.date(2026, 3, 1), "test").index[-1].date() == dt.date(
        2026, 2, 27
    )
    assert cut_at_as_of(prices, dt.date(2026, 2, 25), "test").index[-1].date() == dt.date(
        2026, 2, 25
    )


def test_bundled_snapshot_is_valid(snapshot_prices):
    assert snapshot_prices.index[0].date() == dt.date(1927, 12, 30)
    assert snapshot_prices.index[-1].date() == dt.date(2026, 3, 2)
    assert len(snapshot_prices) == 24_657
    # Reference closes from the data's README.
    assert snapshot_prices.loc["2008-10-15", "Close"] == pytest.approx(907.84)
    assert snapshot_prices.loc["2024-12-31", "Close"] == pytest.approx(5881.63)
