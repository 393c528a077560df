"""The model server over real HTTP: good payloads, bad payloads (4xx, never 5xx), /ping."""

from __future__ import annotations

import json
import signal
import socket
import time
import urllib.error
import urllib.request

import pytest

from stockpred.endpoint import wait_until_healthy
from stockpred.features import feature_names
from tests.conftest import model_server, save_small_model

ROW = "1.001,1.0,0.998,3.0,1.02,33.0,1.05,140.0,1.2,530.0"


@pytest.fixture(scope="module")
def server(tmp_path_factory, snapshot_prices):
    folder = save_small_model(tmp_path_factory.mktemp("serve"), snapshot_prices.loc[:"2010-12-31"])
    with model_server(folder, workers=2, env={"STOCKPRED_MODEL_VERSION": "stockpred/7"}) as (
        port,
        process,
    ):
        wait_until_healthy(port, process)
        yield port


def call(
    port: int,
    body: bytes | str,
    content_type: str | None = "text/csv",
    accept: str | None = None,
    path: str = "/invocations",
) -> tuple[int, str, str]:
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST")
    if content_type:
        request.add_header("Content-Type", content_type)
    if accept:
        request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.headers.get("Content-Type", ""), reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def test_ping_is_healthy_with_a_model(server):
    with urllib.request.urlopen(f"http://127.0.0.1:{server}/ping", timeout=5) as reply:
        assert reply.status == 200
        assert json.loads(reply.read())["model_version"] == "stockpred/7"


def test_single_csv_row_returns_a_probability_and_a_class(server):
    status, content_type, body = call(server, ROW)
    assert status == 200 and content_type.startswith("application/json")
    payload = json.loads(body)
    prediction = payload["predictions"][0]
    assert 0 <= prediction["probability"] <= 1
    assert prediction["label"] == int(prediction["probability"] > payload["threshold"])
    assert prediction["direction"] == ("up" if prediction["label"] else "down")
    assert payload["model_version"] == "stockpred/7"


def test_csv_with_header_and_several_rows(server):
    body = ",".join(feature_names()) + "\n" + ROW + "\n" + ROW + "\n"
    status, _, text = call(server, body)
    assert status == 200 and len(json.loads(text)["predictions"]) == 2


def test_json_rows_and_objects_give_the_same_answer(server):
    values = [float(v) for v in ROW.split(",")]
    _, _, as_csv = call(server, ROW)
    _, _, as_list = call(server, json.dumps({"instances": [values]}), "application/json")
    _, _, as_object = call(
        server,
        json.dumps({"instances": [dict(zip(feature_names(), values, strict=True))]}),
        "application/json",
    )
    assert json.loads(as_csv) == json.loads(as_list) == json.loads(as_object)


def test_csv_answer_when_asked(server):
    status, content_type, body = call(server, ROW, accept="text/csv")
    assert status == 200 and content_type.startswith("text/csv")
    probability, label = body.strip().split(",")
    assert 0 <= float(probability) <= 1 and label in ("0", "1")


@pytest.mark.parametrize(
    ("body", "content_type", "accept", "status", "message"),
    [
        ("1,2,3", "text/csv", None, 400, "3 values, expected 10"),
        (ROW.replace("1.001", "abc"), "text/csv", None, 400, "close_ratio_2 'abc' is not a num"),
        (ROW.replace("1.001", "nan"), "text/csv", None, 400, "must be finite"),
        (ROW.replace("1.001", "inf"), "text/csv", None, 400, "must be finite"),
        (ROW.replace("1.001", "1e300"), "text/csv", None, 400, "out of range"),
        ("", "text/csv", None, 400, "empty request body"),
        ("\n\n", "text/csv", None, 400, "no feature rows"),
        ("{not json", "application/json", None, 400, "malformed JSON"),
        ('{"instances": "x"}', "application/json", None, 400, "JSON must be"),
        ('{"instances": [{"close_ratio_2": 1}]}', "application/json", None, 400, "missing feat"),
        ("[[true, 1, 1, 1, 1, 1, 1, 1, 1, 1]]", "application/json", None, 400, "not a number"),
        (ROW, "application/x-www-form-urlencoded", None, 415, "unsupported content type"),
        (ROW, None, None, 415, "unsupported content type"),
        (b"\xff\xfe\x00garbage", "text/csv", None, 400, "not UTF-8"),
        (ROW, "text/csv", "image/png", 406, "cannot answer"),
    ],
)
def test_bad_requests_get_a_4xx_with_a_message(server, body, content_type, accept, status, message):
    code, _, text = call(server, body, content_type, accept)
    assert code == status
    assert message in json.loads(text)["error"]


def test_oversized_body_is_413(server):
    """Refused from the declared length, before 7 MB are read (a client sees 413 at once)."""
    size = 7 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", server), timeout=10) as connection:
        connection.sendall(
            f"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
            f"Content-Length: {size}\r\n\r\n".encode()
            + b"1," * 1000
        )
        chunks = []
        while chunk := connection.recv(65536):  # until the server closes the connection
            chunks.append(chunk)
        reply = b"".join(chunks).decode()
    assert reply.startswith("HTTP/1.1 413")
    assert '"error"' in reply


def test_server_still_answers_after_bad_requests(server):
    for _ in range(20):
        call(server, "garbage", "text/csv")
    assert call(server, ROW)[0] == 200


def test_ping_is_503_without_a_model_and_sigterm_stops_gracefully(tmp_path):
    (tmp_path / "empty").mkdir()
    with model_server(tmp_path / "empty") as (port, process):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=5)
            except urllib.error.HTTPError as error:
                assert error.code == 503
                break
            # Refused, or accepted by the master while the worker still boots: not up yet.
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        else:
            pytest.fail("the server did not answer /ping")
        assert call(port, ROW)[0] == 503
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
