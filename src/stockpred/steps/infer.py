"""Infer image: `serve` starts the model server on SAGEMAKER_BIND_TO_PORT (default 8080),
with the model SageMaker unpacked into /opt/ml/model."""

from __future__ import annotations

import os
import sys

from stockpred.serve import run_server
from stockpred.steps.contract import opt_ml


def main() -> None:
    if sys.argv[1:2] != ["serve"]:
        sys.stderr.write("usage: serve\n")
        sys.exit(2)
    workers = os.environ.get("SAGEMAKER_MODEL_SERVER_WORKERS")
    run_server(
        model_dir=opt_ml() / "model",
        port=int(os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080")),
        workers=int(workers) if workers else None,
    )


if __name__ == "__main__":
    main()
