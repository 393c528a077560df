"""terraform/README.md documents every input and output of the module, as they are now."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_inputs_and_outputs_tables_are_up_to_date():
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts/terraform_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_variable_and_output_is_described():
    readme = (REPO / "terraform/README.md").read_text()
    for kind, path in (("variable", "variables.tf"), ("output", "outputs.tf")):
        source = (REPO / "terraform" / path).read_text()
        names = re.findall(rf'^{kind} "([a-z0-9_]+)"', source, re.M)
        assert names, path
        for name in names:
            row = re.search(rf"^\| `{name}` \| (.*?) \|", readme, re.M)
            assert row and row.group(1).strip(), f"{kind} {name} has no description"
