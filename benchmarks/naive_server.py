"""The naive serving baseline: one Flask process, the model loaded once, the dev server.

usage: python benchmarks/naive_server.py MODEL_DIR PORT
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import xgboost as xgb
from flask import Flask, Response, request

app = Flask("naive")
model_dir, port = Path(sys.argv[1]), int(sys.argv[2])
booster = xgb.Booster(model_file=str(model_dir / "model.json"))
features = json.loads((model_dir / "metadata.json").read_text())["features"]


@app.post("/invocations")
def invocations() -> Response:
    rows = np.loadtxt(request.get_data(as_text=True).splitlines(), delimiter=",", ndmin=2)
    probabilities = booster.predict(xgb.DMatrix(rows, feature_names=features))
    return Response(
        json.dumps({"predictions": probabilities.tolist()}), mimetype="application/json"
    )


@app.get("/ping")
def ping() -> Response:
    return Response("ok")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=port, threaded=False, processes=1)
