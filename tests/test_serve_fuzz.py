"""Fuzzing the model server over real HTTP: generated malformed requests never get a 5xx.

Every request is answered; a refused one gets a 4xx with a JSON error message, and the server
keeps answering valid requests afterwards; a body over SageMaker's 6 MB limit gets 413.
"""

from __future__ import annotations

import json
import math

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockpred.endpoint import wait_until_healthy
from stockpred.features import feature_names
from tests.conftest import model_server, save_small_model

N_FEATURES = len(feature_names())
ROW = "1.001,1.0,0.998,3.0,1.02,33.0,1.05,140.0,1.2,530.0"
OUTCOMES: dict[int, int] = {}

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "", " ", "0x1A", "1,5", "NaN", "١٢"]),
    st.text(max_size=12),
)
csv_bodies = st.lists(
    st.lists(numbers, min_size=0, max_size=N_FEATURES + 3).map(
        lambda cells: ",".join(str(c) for c in cells)
    ),
    min_size=0,
    max_size=5,
).map("\n".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=12)
        | st.dictionaries(
            st.sampled_from([*feature_names(), "instances", "x"]), children, max_size=12
        )
    ),
    max_leaves=40,
)
json_bodies = st.one_of(
    json_values.map(json.dumps),
    st.lists(
        st.lists(numbers.filter(lambda v: not isinstance(v, str)), max_size=N_FEATURES + 2),
        max_size=4,
    ).map(lambda rows: json.dumps({"instances": rows}, default=str)),
    st.text(max_size=200),
)
content_types = st.sampled_from(
    [
        "text/csv",
        "text/csv; charset=utf-8",
        "application/json",
        "application/json; charset=x",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "image/png",
        "",
        "text/csv;;;",
        "TEXT/CSV",
        "application/octet-stream",
    ]
)
accepts = st.sampled_from(
    ["", "*/*", "application/json", "text/csv", "image/png", "text/html;q=0.9", "application/xml"]
)
requests_strategy = st.one_of(
    st.tuples(content_types, csv_bodies.map(str.encode), accepts),
    st.tuples(content_types, json_bodies.map(str.encode), accepts),
    st.tuples(content_types, st.binary(max_size=512), accepts),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory, snapshot_prices):
    folder = save_small_model(tmp_path_factory.mktemp("fuzz"), snapshot_prices.loc[:"2005-12-31"])
    with model_server(folder, workers=2) as (port, process):
        wait_until_healthy(port, process)
        yield f"http://127.0.0.1:{port}", requests.Session()
        process.terminate()
        assert process.wait(timeout=30) == 0, "the server did not stop cleanly"


@settings(
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests_strategy)
def test_generated_requests_never_get_a_5xx(server, request):
    url, session = server
    content_type, body, accept = request
    headers = {"Content-Type": content_type} if content_type else {}
    if accept:
        headers["Accept"] = accept
    response = session.post(f"{url}/invocations", data=body, headers=headers, timeout=30)
    OUTCOMES[response.status_code] = OUTCOMES.get(response.status_code, 0) + 1
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert json.loads(response.text)["error"]
    else:
        payload = response.json() if "json" in response.headers["Content-Type"] else None
        if payload:
            assert all(0 <= p["probability"] <= 1 for p in payload["predictions"])
            assert all(math.isfinite(p["probability"]) for p in payload["predictions"])


MAX_BODY = 6 * 1024 * 1024


@settings(max_examples=20, deadline=None, database=None)
@given(
    content_type=content_types,
    size=st.integers(MAX_BODY + 1, MAX_BODY + 512 * 1024),
    filler=st.sampled_from([b"1.0,", b"\x00", b'{"instances": [', b"\xff\xfe"]),
)
def test_generated_oversized_bodies_get_413(server, content_type, size, filler):
    url, session = server
    body = (filler * (size // len(filler) + 1))[:size]
    headers = {"Content-Type": content_type} if content_type else {}
    response = session.post(f"{url}/invocations", data=body, headers=headers, timeout=30)
    OUTCOMES[response.status_code] = OUTCOMES.get(response.status_code, 0) + 1
    assert response.status_code == 413, response.text
    assert json.loads(response.text)["error"]


def test_the_server_still_answers_after_the_fuzzing(server):
    url, session = server
    assert sum(OUTCOMES.values()) >= 1020, OUTCOMES
    assert sum(n for code, n in OUTCOMES.items() if 400 <= code < 500) > 900, OUTCOMES
    print(f"\nfuzzed requests by status: {dict(sorted(OUTCOMES.items()))}")
    response = session.post(
        f"{url}/invocations", data=ROW, headers={"Content-Type": "text/csv"}, timeout=30
    )
    assert response.status_code == 200 and len(response.json()["predictions"]) == 1
