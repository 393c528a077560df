"""NYSE trading sessions (exchange_calendars XNYS): next session, closed sessions.

Weekends and holidays are not missing data; a bar dated today is only usable after today's close.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import exchange_calendars as xcals
import pandas as pd

from stockpred.errors import DataValidationError

# Far enough back for any as-of date a user replays; the library extends one year ahead.
CALENDAR_START = "1990-01-01"


@lru_cache(maxsize=1)
def nyse() -> xcals.ExchangeCalendar:
    return xcals.get_calendar("XNYS", start=CALENDAR_START)


def _in_range(day: dt.date) -> pd.Timestamp:
    calendar = nyse()
    stamp = pd.Timestamp(day)
    if not calendar.first_session <= stamp <= calendar.last_session:
        raise DataValidationError(
            f"{day} is outside the NYSE calendar's range "
            f"({calendar.first_session.date()}..{calendar.last_session.date()})"
        )
    return stamp


def is_session(day: dt.date) -> bool:
    return bool(nyse().is_session(_in_range(day)))


def next_session(day: dt.date) -> dt.date:
    """The first NYSE session strictly after `day` (the day a prediction is for)."""
    stamp = _in_range(day)
    calendar = nyse()
    if calendar.is_session(stamp):
        return calendar.next_session(stamp).date()
    return calendar.date_to_session(stamp, direction="next").date()


def session_on_or_before(day: dt.date) -> dt.date:
    """The last NYSE session on or before `day`."""
    return nyse().date_to_session(_in_range(day), direction="previous").date()


def session_has_closed(day: dt.date, now: dt.datetime) -> bool:
    """True once the session of `day` has closed (early closes included) at instant `now`."""
    if not is_session(day):
        return True  # no session that day, so no partial bar can be dated on it
    close = nyse().session_close(pd.Timestamp(day))
    return pd.Timestamp(now) >= close


def latest_closed_session(now: dt.datetime) -> dt.date:
    """The most recent session whose close is at or before `now`."""
    today = pd.Timestamp(now).tz_convert("America/New_York").date()
    session = session_on_or_before(today)
    if not session_has_closed(session, now):
        session = nyse().previous_session(pd.Timestamp(session)).date()
    return session
