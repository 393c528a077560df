"""Validation of daily OHLCV bars at the edge: every problem is named by its date or row.

Input: a frame with a Date column (or DatetimeIndex) and Open, High, Low, Close, Volume.
Output: a clean frame indexed by a sorted, unique, tz-naive DatetimeIndex named "Date".
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd

from stockpred import market_calendar
from stockpred.errors import DataValidationError

log = logging.getLogger(__name__)

PRICE_COLUMNS = ("Open", "High", "Low", "Close")
COLUMNS = (*PRICE_COLUMNS, "Volume")


def validate_prices(raw: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Check and normalise daily bars; raise DataValidationError naming the first bad row."""
    if raw is None or len(raw) == 0:
        raise DataValidationError(f"{origin}: no rows of market data")
    frame = _with_date_column(raw, origin)
    missing = [c for c in ("Date", *COLUMNS) if c not in frame.columns]
    if missing:
        raise DataValidationError(f"{origin}: missing column(s) {', '.join(missing)}")
    frame = frame.loc[:, ["Date", *COLUMNS]].copy()
    frame["Date"] = _parse_dates(frame["Date"], origin)
    for column in COLUMNS:
        frame[column] = _parse_numbers(frame, column, origin)
    frame = _deduplicate(frame, origin)
    frame = _sort(frame, origin)
    _check_values(frame, origin)
    return frame.set_index("Date")


def _with_date_column(raw: pd.DataFrame, origin: str) -> pd.DataFrame:
    frame = raw.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    if "Date" not in frame.columns and isinstance(frame.index, pd.DatetimeIndex):
        frame = frame.rename_axis("Date").reset_index()
    return frame


def _parse_dates(dates: pd.Series, origin: str) -> pd.Series:
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        # Yahoo stamps daily bars at midnight exchange time: the calendar day is the session.
        return dates.dt.tz_localize(None).dt.normalize()
    parsed = pd.to_datetime(dates, errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise DataValidationError(f"{origin}: row {row + 1}: unparsable date {dates.iloc[row]!r}")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    if (parsed != parsed.dt.normalize()).any():
        row = int((parsed != parsed.dt.normalize()).to_numpy().argmax())
        raise DataValidationError(
            f"{origin}: row {row + 1}: {dates.iloc[row]!r} has a time of day; daily bars expected"
        )
    return parsed


def _parse_numbers(frame: pd.DataFrame, column: str, origin: str) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise DataValidationError(
            f"{origin}: {_day(frame, row)}: {column} {frame[column].iloc[row]!r} is not a number"
        )
    return values.astype("float64")


def _deduplicate(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Identical repeated rows are dropped; the same date with different values is an error."""
    repeated = frame.duplicated(subset="Date", keep=False)
    if not repeated.any():
        return frame
    distinct = frame[repeated].drop_duplicates()
    conflicting = distinct[distinct.duplicated(subset="Date", keep=False)]
    if len(conflicting):
        day = conflicting["Date"].iloc[0].date()
        raise DataValidationError(
            f"{origin}: {day} appears more than once with different values; fix the source"
        )
    n_dropped = int(frame.duplicated().sum())
    log.warning("%s: dropped %d exact duplicate row(s)", origin, n_dropped)
    return frame.drop_duplicates().reset_index(drop=True)


def _sort(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    if frame["Date"].is_monotonic_increasing:
        return frame
    log.warning("%s: rows were not in date order; sorted them", origin)
    return frame.sort_values("Date", kind="stable").reset_index(drop=True)


def _check_values(frame: pd.DataFrame, origin: str) -> None:
    for column in PRICE_COLUMNS:
        _fail_on(frame, frame[column].isna(), origin, f"{column} is missing")
        _fail_on(frame, ~np.isfinite(frame[column]), origin, f"{column} is not finite")
        _fail_on(frame, frame[column] <= 0, origin, f"{column} is not positive")
    _fail_on(frame, frame["Volume"].isna(), origin, "Volume is missing")
    _fail_on(frame, frame["Volume"] < 0, origin, "Volume is negative")
    _fail_on(frame, frame["Low"] > frame["High"], origin, "Low is above High")
    for column in ("Open", "Close"):
        outside = (frame[column] > frame["High"]) | (frame[column] < frame["Low"])
        _fail_on(frame, outside, origin, f"{column} is outside the Low..High range")


def _fail_on(frame: pd.DataFrame, bad: pd.Series, origin: str, problem: str) -> None:
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise DataValidationError(f"{origin}: {_day(frame, row)}: {problem}")


def _day(frame: pd.DataFrame, row: int) -> str:
    value = frame["Date"].iloc[row]
    return str(value.date()) if isinstance(value, pd.Timestamp) else f"row {row + 1}"


def drop_unclosed_session(prices: pd.DataFrame, now: dt.datetime, origin: str) -> pd.DataFrame:
    """Drop a last bar whose NYSE session has not closed yet at `now` (a partial intraday bar)."""
    last_day = prices.index[-1].date()
    if market_calendar.session_has_closed(last_day, now):
        return prices
    log.warning("%s: dropped the bar for %s: its session has not closed yet", origin, last_day)
    trimmed = prices.iloc[:-1]
    if trimmed.empty:
        raise DataValidationError(f"{origin}: no completed session in the data")
    return trimmed


def cut_at_as_of(prices: pd.DataFrame, as_of: dt.date, origin: str) -> pd.DataFrame:
    """Keep bars up to `as_of`; the data must reach the last session on or before it."""
    needed = market_calendar.session_on_or_before(as_of)
    last_day = prices.index[-1].date()
    if last_day < needed:
        raise DataValidationError(
            f"{origin}: data ends at {last_day}, before the requested as-of session {needed}"
        )
    return prices.loc[: pd.Timestamp(as_of)]
