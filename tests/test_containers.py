"""The Dockerfiles agree with the SageMaker contracts and with what the local runner runs.
(Building them for real: `make test-images`, which needs podman or docker.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from stockpred.local_runner import IMAGE_ENTRYPOINTS

REPO = Path(__file__).resolve().parents[1]
EXTRAS = {"ingest": "ingest", "process": "process", "train": "train", "infer": "serve"}


def dockerfile(step: str) -> str:
    return (REPO / "containers" / step / "Dockerfile").read_text()


@pytest.mark.parametrize("step", sorted(EXTRAS))
def test_entrypoint_is_exec_form_and_what_the_local_runner_runs(step):
    match = re.search(r"^ENTRYPOINT (\[.*\])$", dockerfile(step), re.MULTILINE)
    assert match, "exec-form ENTRYPOINT expected"
    assert json.loads(match.group(1)) == IMAGE_ENTRYPOINTS[step]


@pytest.mark.parametrize("step", sorted(EXTRAS))
def test_base_is_pinned_slim_and_amd64(step):
    base = re.search(r"^FROM (.*)$", dockerfile(step), re.MULTILINE).group(1)
    assert "--platform=linux/amd64" in base
    assert re.search(r"python:\d+\.\d+\.\d+-slim", base)


@pytest.mark.parametrize("step", sorted(EXTRAS))
def test_installs_only_its_own_extra_at_pinned_versions(step):
    text = dockerfile(step)
    installs = re.findall(r"pip install (.*)", text)
    assert installs == [f'-c constraints.txt "./[{EXTRAS[step]}]" && rm -rf /app/src']


@pytest.mark.parametrize("step", sorted(EXTRAS))
def test_nothing_is_put_under_opt_ml(step):
    instructions = [
        line for line in dockerfile(step).splitlines() if line and not line.startswith("#")
    ]
    assert not any("/opt/ml" in line for line in instructions)


def test_the_serving_image_binds_to_sagemakers_port_and_runs_unprivileged():
    text = dockerfile("infer")
    assert "LABEL com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true" in text
    assert re.search(r"^USER \w+", text, re.MULTILINE)
    assert 'CMD ["serve"]' in text
