"""Build the Lambda package: the light modules the handlers import, as a reproducible zip.

Fixed timestamps and permissions, sorted entries: the same source gives the same bytes, so
Terraform's source_code_hash changes only when the code does. The Python 3.11 Lambda runtime
provides boto3; nothing else is needed.

usage: python scripts/build_lambda_zip.py OUTPUT.zip
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"
# Every module the handlers import (tests/test_lambda_package.py checks this list).
MODULES = [
    "stockpred/__init__.py",
    "stockpred/backends.py",
    "stockpred/capture.py",
    "stockpred/config.py",
    "stockpred/endpoint.py",
    "stockpred/errors.py",
    "stockpred/files.py",
    "stockpred/lambdas/__init__.py",
    "stockpred/lambdas/deploy.py",
    "stockpred/lambdas/monitor.py",
    "stockpred/lambdas/predict.py",
    "stockpred/objectstore.py",
    "stockpred/outcomes.py",
    "stockpred/records.py",
    "stockpred/registry.py",
    "stockpred/store.py",
]
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def build(output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(MODULES):
            entry = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, (SOURCE / name).read_bytes())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build(Path(sys.argv[1]))
