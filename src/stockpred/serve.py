"""The model server: GET /ping, POST /invocations (the SageMaker inference container contract).

A WSGI app (Flask) under gunicorn: one model per worker process, XGBoost with one thread per
worker, graceful shutdown on SIGTERM. Every bad payload gets a 4xx with a message.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from stockpred.errors import StockpredError
from stockpred.files import read_json

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # the SageMaker real-time limit
MAX_ROWS = 10_000
THREADS_PER_WORKER = int(os.environ.get("STOCKPRED_SERVER_THREADS", "2"))
CSV, JSON = "text/csv", "application/json"


class PayloadError(ValueError):
    """A request the server refuses, with the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def resolve_model_dir(model_dir: Path | None, endpoint_file: Path | None) -> Path:
    """The model folder: given directly, or read from a local endpoint's description."""
    if endpoint_file is not None:
        return Path(read_json(endpoint_file)["model_dir"])
    return model_dir or Path(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))


def create_app(model_dir: Path | None = None, endpoint_file: Path | None = None) -> Flask:
    app = Flask("stockpred")
    app.config["MAX_CONTENT_LENGTH"] = MAX_PAYLOAD_BYTES
    state: dict[str, Any] = {"model": None, "version": os.environ.get("STOCKPRED_MODEL_VERSION")}
    try:
        from stockpred.train import load_model

        directory = resolve_model_dir(model_dir, endpoint_file)
        state["model"] = load_model(directory, nthread=1)
        if endpoint_file is not None:
            state["version"] = read_json(endpoint_file).get("model_version")
    except (StockpredError, OSError, KeyError, ValueError) as error:
        app.logger.error("no model loaded: %s", error)  # /ping answers 503 until one is

    @app.get("/ping")
    def ping() -> Response:
        if state["model"] is None:
            return _json({"status": "no model loaded"}, 503)
        return _json({"status": "ok", "model_version": state["version"]}, 200)

    @app.post("/invocations")
    def invocations() -> Response:
        model = state["model"]
        if model is None:
            return _json({"error": "no model loaded"}, 503)
        try:
            accept = _accept_type(request.headers.get("Accept", ""))
            rows = parse_rows(
                request.get_data(cache=False), request.content_type or "", model.features
            )
        except PayloadError as error:
            return _json({"error": str(error)}, error.status)
        probabilities = [float(p) for p in model.predict_proba(_matrix(rows))]
        return _respond(probabilities, model.threshold, state["version"], accept)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return _json({"error": error.description}, error.code or 400)

    return app


def _matrix(rows: list[list[float]]):
    import numpy as np

    return np.asarray(rows, dtype="float64")


def _accept_type(accept: str) -> str:
    if not accept or "*/*" in accept or JSON in accept:
        return JSON
    if CSV in accept:
        return CSV
    raise PayloadError(f"cannot answer in {accept!r}: use {JSON} or {CSV}", 406)


def parse_rows(body: bytes, content_type: str, features: list[str]) -> list[list[float]]:
    """Feature rows from a CSV (header optional) or JSON body; refuses anything else."""
    media_type = content_type.split(";")[0].strip().lower()
    if not body:
        raise PayloadError("empty request body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError("the body is not UTF-8 text") from None
    if media_type == CSV:
        rows = _csv_rows(text, features)
    elif media_type == JSON:
        rows = _json_rows(text, features)
    else:
        raise PayloadError(f"unsupported content type {content_type!r}: use {CSV} or {JSON}", 415)
    if not rows:
        raise PayloadError("no feature rows in the body")
    if len(rows) > MAX_ROWS:
        raise PayloadError(f"{len(rows)} rows: at most {MAX_ROWS} per request", 413)
    return [_numbers(row, features, number) for number, row in enumerate(rows, 1)]


def _csv_rows(text: str, features: list[str]) -> list[list[Any]]:
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if row]
    except csv.Error as error:
        raise PayloadError(f"malformed CSV: {error}") from None
    if rows and [cell.strip() for cell in rows[0]] == features:
        rows = rows[1:]  # optional header, only if it names the model's features in order
    return rows


def _json_rows(text: str, features: list[str]) -> list[list[Any]]:
    try:
        payload = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise PayloadError("malformed JSON") from None
    instances = payload.get("instances") if isinstance(payload, dict) else payload
    if not isinstance(instances, list):
        raise PayloadError('JSON must be {"instances": [...]} or a list of rows')
    if instances and not isinstance(instances[0], list | dict):
        instances = [instances]  # a single row
    rows = []
    for number, item in enumerate(instances, 1):
        if isinstance(item, dict):
            missing = [f for f in features if f not in item]
            if missing:
                raise PayloadError(f"row {number}: missing feature(s) {', '.join(missing)}")
            rows.append([item[f] for f in features])
        elif isinstance(item, list):
            rows.append(item)
        else:
            raise PayloadError(f"row {number}: expected a list or an object of features")
    return rows


def _numbers(row: list[Any], features: list[str], number: int) -> list[float]:
    if len(row) != len(features):
        raise PayloadError(
            f"row {number}: {len(row)} values, expected {len(features)} ({', '.join(features)})"
        )
    values = []
    for name, cell in zip(features, row, strict=True):
        if isinstance(cell, bool) or not isinstance(cell, int | float | str):
            raise PayloadError(f"row {number}: {name} is not a number")
        try:
            value = float(cell)
        except (ValueError, OverflowError):
            raise PayloadError(f"row {number}: {name} {str(cell)[:40]!r} is not a number") from None
        if not math.isfinite(value):
            raise PayloadError(f"row {number}: {name} must be finite, got {str(cell)[:40]!r}")
        if abs(value) > 1e12:
            raise PayloadError(f"row {number}: {name} {value:g} is out of range")
        values.append(value)
    return values


def _respond(
    probabilities: list[float], threshold: float, version: str | None, accept: str
) -> Response:
    labels = [int(p > threshold) for p in probabilities]
    if accept == CSV:
        body = "".join(f"{p:.6f},{label}\n" for p, label in zip(probabilities, labels, strict=True))
        return Response(body, 200, mimetype=CSV)
    predictions = [
        {"probability": round(p, 6), "label": label, "direction": "up" if label else "down"}
        for p, label in zip(probabilities, labels, strict=True)
    ]
    return _json(
        {"predictions": predictions, "threshold": threshold, "model_version": version}, 200
    )


def _json(payload: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(payload), status, mimetype=JSON)


def run_server(
    *,
    model_dir: Path | None = None,
    endpoint_file: Path | None = None,
    # All interfaces: inside the container SageMaker's front end connects from outside.
    host: str = "0.0.0.0",  # nosec B104
    port: int = 8080,
    workers: int | None = None,
) -> None:
    """Serve with gunicorn: `workers` processes (default: one per CPU), each with its model."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers or os.cpu_count() or 1)
            # Threads keep connections alive (sync workers close each one) and overlap request
            # parsing; inplace_predict is thread-safe, XGBoost itself runs one thread.
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", THREADS_PER_WORKER)
            self.cfg.set("keepalive", 75)  # longer than the SageMaker front end's idle timeout
            self.cfg.set("graceful_timeout", 25)  # SageMaker sends SIGKILL 30 s after SIGTERM
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", None)

        def load(self) -> Flask:  # runs in each worker: one model per process
            return create_app(model_dir, endpoint_file)

    Server().run()
