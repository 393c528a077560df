"""Market data sources: Yahoo Finance (yfinance), the bundled snapshot, or any OHLCV CSV.

Every source goes through the same validation; the source actually used travels with the data
so that artifacts and predictions can record it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from stockpred.config import DEFAULT_TICKER, data_source_setting, ticker_setting
from stockpred.errors import DataSourceError, DataValidationError
from stockpred.validate import cut_at_as_of, drop_unclosed_session, validate_prices

log = logging.getLogger(__name__)

SNAPSHOT_TICKER = DEFAULT_TICKER
YAHOO_ATTEMPTS = 3


@dataclass(frozen=True)
class MarketData:
    """Validated daily bars (index Date; Open, High, Low, Close, Volume) and their source."""

    prices: pd.DataFrame
    source: str  # "yahoo", "snapshot" or "csv:<path>"
    ticker: str

    @property
    def first_day(self) -> dt.date:
        return self.prices.index[0].date()

    @property
    def last_day(self) -> dt.date:
        return self.prices.index[-1].date()


def load_market_data(
    source: str | None = None,
    ticker: str | None = None,
    *,
    as_of: dt.date | None = None,
    now: dt.datetime | None = None,
) -> MarketData:
    """Load, validate and cut the bars: unclosed sessions dropped, nothing after `as_of`."""
    source = data_source_setting(source)
    ticker = ticker_setting(ticker)
    now = now or dt.datetime.now(dt.UTC)
    raw, used = _fetch(source, ticker)
    prices = validate_prices(raw, used)
    prices = drop_unclosed_session(prices, now, used)
    if as_of is not None:
        prices = cut_at_as_of(prices, as_of, used)
    return MarketData(prices=prices, source=used, ticker=ticker)


def _fetch(source: str, ticker: str) -> tuple[pd.DataFrame, str]:
    if source.startswith("csv:"):
        path = source.removeprefix("csv:")
        return read_csv(path), f"csv:{path}"
    if source == "snapshot":
        return read_snapshot(ticker), "snapshot"
    if source == "yahoo":
        return download_yahoo(ticker), "yahoo"
    try:
        return download_yahoo(ticker), "yahoo"
    except DataSourceError as error:
        if ticker != SNAPSHOT_TICKER:
            raise
        frame = read_snapshot(ticker)
        log.warning(
            "Yahoo Finance unavailable (%s); using the bundled snapshot, which ends %s",
            error,
            str(frame["Date"].iloc[-1])[:10],
        )
        return frame, "snapshot"


def read_csv(path: str | Path) -> pd.DataFrame:
    """A CSV with Date,Open,High,Low,Close,Volume (other columns are ignored)."""
    try:
        return pd.read_csv(path, dtype={"Date": str})
    except FileNotFoundError:
        raise DataSourceError(f"market data file {path} does not exist") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataValidationError(f"{path}: not a readable CSV ({error})") from None


def read_snapshot(ticker: str = SNAPSHOT_TICKER) -> pd.DataFrame:
    """The bundled ^GSPC daily history, shipped inside the package so no download is needed."""
    if ticker != SNAPSHOT_TICKER:
        raise DataSourceError(f"the bundled snapshot holds {SNAPSHOT_TICKER} only, not {ticker}")
    snapshot = resources.files("stockpred") / "data" / "sp500_daily.csv.gz"
    with resources.as_file(snapshot) as path:
        return pd.read_csv(path, compression="gzip", dtype={"Date": str})


def download_yahoo(
    ticker: str,
    *,
    attempts: int = YAHOO_ATTEMPTS,
    sleep: Callable[[float], None] | None = None,
) -> pd.DataFrame:
    """Full daily history from Yahoo Finance, retried with exponential backoff and jitter."""
    import tenacity
    import yfinance as yf

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=tenacity.wait_exponential_jitter(initial=1, max=30, jitter=1),
        retry=tenacity.retry_if_exception(_is_transient),
        sleep=sleep or time.sleep,
        before_sleep=lambda state: log.warning(
            "Yahoo Finance attempt %d failed (%s); retrying",
            state.attempt_number,
            _brief(state.outcome.exception()) if state.outcome else "?",
        ),
        reraise=True,
    )
    yf.config.debug.hide_exceptions = False  # raise instead of logging and returning nothing
    try:
        return retrying(_download_once, yf, ticker)
    except Exception as error:  # every failure becomes one clear message
        raise DataSourceError(
            f"Yahoo Finance download of {ticker} failed after {attempts} attempt(s): "
            f"{type(error).__name__}: {_brief(error)}"
        ) from error


class EmptyDownloadError(Exception):
    """Yahoo answered with no rows; usually transient (rate limiting shows up this way too)."""


def _download_once(yf, ticker: str) -> pd.DataFrame:
    frame = yf.Ticker(ticker).history(
        period="max", interval="1d", auto_adjust=False, actions=False, timeout=30
    )
    if frame is None or frame.empty:
        raise EmptyDownloadError(f"no rows returned for {ticker}")
    return frame


def _brief(error: BaseException | None) -> str:
    """The first sentence of an error (curl's messages end with a long documentation link)."""
    return str(error).split(" See https://")[0].strip()


def _is_transient(error: BaseException) -> bool:
    """Rate limits, network failures and empty answers are worth another try; the rest is not."""
    from yfinance.exceptions import YFRateLimitError, YFTickerMissingError

    if isinstance(error, YFTickerMissingError):
        return False
    if isinstance(error, YFRateLimitError | EmptyDownloadError | OSError | TimeoutError):
        return True
    # curl_cffi / requests network errors do not share a base class with OSError.
    return "requests" in type(error).__module__ or "curl" in type(error).__module__
