from __future__ import annotations

import contextlib
import os
import subprocess
import sys

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


def save_small_model(folder, prices: pd.DataFrame, *, num_round: int = 10):
    """A quickly trained model artifact (model.json + metadata.json) in `folder`."""
    from stockpred.config import Hyperparameters
    from stockpred.features import build_features, feature_names
    from stockpred.train import save_model, train_model

    save_model(
        train_model(
            build_features(prices),
            feature_names(),
            Hyperparameters(num_round=num_round),
            threshold=0.5,
            ticker="^GSPC",
            data_source="snapshot",
        ),
        folder,
    )
    return folder


@contextlib.contextmanager
def model_server(model_dir, *, workers: int = 1, env: dict | None = None):
    """`stockpred serve --model-dir` on a free loopback port; yields (port, process)."""
    from stockpred.endpoint import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stockpred",
            "serve",
            "--model-dir",
            str(model_dir),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=30)
