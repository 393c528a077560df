"""Outputs are written whole or not at all: a crash mid-write never leaves a partial file."""

from __future__ import annotations

import json
import os

import pytest

from stockpred.files import write_json_atomic


def test_a_failed_write_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "evaluation.json"
    write_json_atomic(target, {"precision": 0.54})

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_json_atomic(target, {"precision": 0.99})
    assert json.loads(target.read_text()) == {"precision": 0.54}
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary left behind
