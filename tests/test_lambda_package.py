"""The Lambda zip: reproducible, complete, and free of the heavy libraries."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "scripts" / "build_lambda_zip.py"


def build(path: Path) -> bytes:
    subprocess.run([sys.executable, str(BUILD), str(path)], check=True)
    return path.read_bytes()


def test_the_package_is_byte_for_byte_reproducible(tmp_path):
    first = build(tmp_path / "a.zip")
    (tmp_path / "again").mkdir()
    second = build(tmp_path / "again" / "b.zip")
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()


def test_the_handlers_import_from_the_package_alone(tmp_path):
    package = tmp_path / "lambda.zip"
    build(package)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import stockpred.lambdas.deploy, stockpred.lambdas.predict, stockpred.lambdas.monitor;"
        "import stockpred;"
        "assert stockpred.__file__.startswith(sys.argv[1]), stockpred.__file__;"
        "heavy = {'pandas', 'numpy', 'xgboost', 'scipy', 'yfinance', 'flask'} & set(sys.modules);"
        "assert not heavy, heavy"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(package)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
