"""Market data sources: yfinance (mocked: no network), snapshot, CSV, and the auto fallback."""

from __future__ import annotations

import datetime as dt
import logging
from typing import ClassVar

import pandas as pd
import pytest
import yfinance
from yfinance.exceptions import YFRateLimitError

from stockpred.errors import ConfigError, DataSourceError
from stockpred.ingest import download_yahoo, load_market_data
from tests.conftest import make_bars


def yahoo_frame(bars: pd.DataFrame) -> pd.DataFrame:
    """What Ticker.history(auto_adjust=False, actions=False) returns: tz-aware index."""
    index = pd.DatetimeIndex(pd.to_datetime(bars["Date"]), name="Date").tz_localize(
        "America/New_York"
    )
    frame = bars.drop(columns="Date").set_index(index)
    frame.insert(4, "Adj Close", frame["Close"])
    return frame


class FakeTicker:
    """Stands in for yfinance.Ticker: replays a script of results (frames or exceptions)."""

    script: ClassVar[list] = []
    calls = 0

    def __init__(self, ticker: str) -> None:
        self.ticker = ticker

    def history(self, **kwargs):
        FakeTicker.calls += 1
        outcome = FakeTicker.script.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


@pytest.fixture
def fake_yahoo(monkeypatch):
    FakeTicker.script, FakeTicker.calls = [], 0
    monkeypatch.setattr(yfinance, "Ticker", FakeTicker)
    sleeps: list[float] = []
    monkeypatch.setattr("stockpred.ingest.time.sleep", sleeps.append)
    return sleeps


def test_download_success(fake_yahoo):
    FakeTicker.script = [yahoo_frame(make_bars(20))]
    frame = download_yahoo("^GSPC")
    assert len(frame) == 20 and FakeTicker.calls == 1 and fake_yahoo == []


def test_rate_limit_is_retried_with_backoff_then_succeeds(fake_yahoo):
    FakeTicker.script = [YFRateLimitError(), YFRateLimitError(), yahoo_frame(make_bars(20))]
    frame = download_yahoo("^GSPC", attempts=3)
    assert len(frame) == 20
    assert FakeTicker.calls == 3
    assert len(fake_yahoo) == 2
    # Exponential backoff with jitter: initial 1 s, then about 2 s (plus up to 1 s of jitter).
    assert 1 <= fake_yahoo[0] <= 2 and 2 <= fake_yahoo[1] <= 3


def test_persistent_failure_is_a_clear_error(fake_yahoo):
    FakeTicker.script = [ConnectionError("network unreachable")] * 4
    with pytest.raises(DataSourceError, match=r"failed after 4 attempt.*network unreachable"):
        download_yahoo("^GSPC", attempts=4)
    assert FakeTicker.calls == 4


@pytest.mark.parametrize("error", [TimeoutError("read timed out"), OSError("reset by peer")])
def test_timeouts_and_network_errors_are_retried(fake_yahoo, error):
    FakeTicker.script = [error, yahoo_frame(make_bars(20))]
    assert len(download_yahoo("^GSPC")) == 20
    assert FakeTicker.calls == 2


def test_empty_download_is_retried(fake_yahoo):
    FakeTicker.script = [pd.DataFrame(), yahoo_frame(make_bars(20))]
    assert len(download_yahoo("^GSPC")) == 20


def test_partial_intraday_bar_from_yahoo_is_dropped(fake_yahoo, caplog):
    bars = make_bars(30, start="2026-01-20")
    last = pd.Timestamp(bars["Date"].iloc[-1]).date()
    FakeTicker.script = [yahoo_frame(bars)]
    midday = dt.datetime(last.year, last.month, last.day, 17, 0, tzinfo=dt.UTC)  # 12:00 NY
    with caplog.at_level(logging.WARNING):
        market = load_market_data("yahoo", "^GSPC", now=midday)
    assert market.source == "yahoo"
    assert market.last_day < last
    assert "has not closed yet" in caplog.text


def test_auto_falls_back_to_the_snapshot_with_a_warning(fake_yahoo, caplog):
    FakeTicker.script = [ConnectionError("offline")] * 3
    with caplog.at_level(logging.WARNING):
        market = load_market_data("auto", "^GSPC")
    assert market.source == "snapshot"
    assert market.last_day == dt.date(2026, 3, 2)
    assert "using the bundled snapshot" in caplog.text


def test_auto_does_not_fall_back_for_another_ticker(fake_yahoo):
    FakeTicker.script = [ConnectionError("offline")] * 3
    with pytest.raises(DataSourceError):
        load_market_data("auto", "AAPL")


def test_csv_source_is_recorded_with_its_path(tmp_path):
    path = tmp_path / "bars.csv"
    make_bars(40, start="2024-01-02").to_csv(path, index=False)
    market = load_market_data(f"csv:{path}", "^GSPC")
    assert market.source == f"csv:{path}"
    assert len(market.prices) == 40


def test_missing_csv_is_a_clear_error(tmp_path):
    with pytest.raises(DataSourceError, match="does not exist"):
        load_market_data(f"csv:{tmp_path / 'nope.csv'}", "^GSPC")


@pytest.mark.parametrize("source", ["", "s3://bucket", "csv:", "Yahoo"])
def test_unknown_data_source_is_a_config_error(source):
    with pytest.raises(ConfigError, match="STOCKPRED_DATA_SOURCE"):
        load_market_data(source, "^GSPC")


def test_bad_ticker_is_a_config_error():
    with pytest.raises(ConfigError, match="ticker"):
        load_market_data("snapshot", "../../etc/passwd")
