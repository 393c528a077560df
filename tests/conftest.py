from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpred import market_calendar
from stockpred.ingest import read_snapshot
from stockpred.validate import validate_prices


def make_bars(n: int, start: str = "2020-01-02", seed: int = 0) -> pd.DataFrame:
    """n consecutive NYSE sessions of plausible OHLCV bars, as a raw frame with a Date column."""
    calendar = market_calendar.nyse()
    sessions = calendar.sessions_in_range(start, calendar.last_session)[:n]
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, n)))
    open_ = close * (1 + rng.normal(0, 0.002, n))
    high = np.maximum(open_, close) * 1.003
    low = np.minimum(open_, close) * 0.997
    return pd.DataFrame(
        {
            "Date": sessions.strftime("%Y-%m-%d"),
            "Open": open_,
            "High": high,
            "Low": low,
            "Close": close,
            "Volume": rng.integers(1_000, 10_000, n),
        }
    )


@pytest.fixture(scope="session")
def snapshot_prices() -> pd.DataFrame:
    return validate_prices(read_snapshot(), "snapshot")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An isolated STOCKPRED_HOME that never reaches the network."""
    monkeypatch.setenv("STOCKPRED_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STOCKPRED_DATA_SOURCE", "snapshot")
    return tmp_path / "home"


@pytest.fixture
def aws(monkeypatch):
    """moto's in-process AWS, with fake credentials that can reach nothing real."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield
