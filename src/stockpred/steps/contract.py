"""The SageMaker container contracts: /opt/ml paths and how a failure is reported.

Processing jobs report a failure in /opt/ml/output/message, training jobs in
/opt/ml/output/failure (the first 1024 characters become the FailureReason); both exit non-zero.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from stockpred.errors import ConfigError, StockpredError

log = logging.getLogger("stockpred.steps")


def opt_ml() -> Path:
    return Path(os.environ.get("STOCKPRED_OPT_ML", "/opt/ml"))


def processing_input(name: str) -> Path:
    return opt_ml() / "processing" / "input" / name


def processing_output(name: str) -> Path:
    path = opt_ml() / "processing" / "output" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def training_channel(name: str) -> Path:
    return opt_ml() / "input" / "data" / name


def hyperparameters() -> dict[str, str]:
    """hyperparameters.json: every value is a string on SageMaker."""
    path = opt_ml() / "input" / "config" / "hyperparameters.json"
    values = json.loads(path.read_text()) if path.is_file() else {}
    return {str(k): str(v) for k, v in values.items()}


def model_dir() -> Path:
    path = opt_ml() / "model"
    path.mkdir(parents=True, exist_ok=True)
    return path


def whole_number(name: str, value: str, minimum: int, why: str = "") -> int:
    """A container argument that must be a whole number >= minimum (they arrive as strings)."""
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} {value!r} is not a whole number") from None
    if number < minimum:
        raise ConfigError(f"{name} {number} is too small: at least {minimum}{why}")
    return number


def run_job(job: Callable[[], None], *, failure_file: str) -> int:
    """Run a job; on failure write the reason where SageMaker reads it and exit non-zero."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    logging.getLogger("yfinance").setLevel(logging.CRITICAL)
    try:
        job()
        return 0
    except StockpredError as error:  # a known problem: one clear sentence
        reason = str(error)
    except Exception as error:  # unexpected: keep the traceback in the log
        traceback.print_exc()
        reason = f"{type(error).__name__}: {error}"
    path = opt_ml() / "output" / failure_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(reason[:1024], encoding="utf-8")
    log.error("failed: %s", reason)
    return 1


def run_processing_job(job: Callable[[], None]) -> int:
    return run_job(job, failure_file="message")


def run_training_job(job: Callable[[], None]) -> int:
    return run_job(job, failure_file="failure")
