"""Write the inputs and outputs tables of terraform/README.md from variables.tf and outputs.tf.

The tables sit between the markers terraform-docs uses, so they can never drift from the module:
`make docs` rewrites them, and a test fails when they are out of date. (terraform-docs itself is
a Go binary that no package registry this project installs from carries; python-hcl2 parses the
HCL here.)

usage: python scripts/terraform_docs.py [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import hcl2

MODULE = Path(__file__).resolve().parents[1] / "terraform"
README = MODULE / "README.md"
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"


def _unquote(value: Any) -> Any:
    """python-hcl2 keeps string literals quoted and wraps expressions in ${...}."""
    if isinstance(value, str):
        if value.startswith('"') and value.endswith('"'):
            return value[1:-1]
        if value.startswith("${") and value.endswith("}"):
            return value[2:-1]
    return value


def _blocks(path: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    with path.open() as handle:
        parsed = hcl2.load(handle)
    blocks = parsed.get(kind, [])
    return [(_unquote(name), body) for block in blocks for name, body in block.items()]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(body: dict[str, Any]) -> str:
    if "default" not in body:
        return "n/a"
    value = body["default"]
    if value is None:
        return "`null`"
    if isinstance(value, str):
        return f"`{json.dumps(_unquote(value))}`"
    return f"`{json.dumps(value)}`"


def render_tables() -> str:
    lines = [
        "## Inputs",
        "",
        "| Name | Description | Type | Default | Required |",
        "|------|-------------|------|---------|:--------:|",
    ]
    for name, body in sorted(_blocks(MODULE / "variables.tf", "variable")):
        lines.append(
            f"| `{name}` | {_cell(_unquote(body.get('description', '')))} "
            f"| `{_unquote(body.get('type', 'any'))}` | {_cell(_default(body))} "
            f"| {'no' if 'default' in body else 'yes'} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    for name, body in sorted(_blocks(MODULE / "outputs.tf", "output")):
        lines.append(f"| `{name}` | {_cell(_unquote(body.get('description', '')))} |")
    return "\n".join(lines)


def updated_readme() -> str:
    text = README.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{README}: the {BEGIN} ... {END} markers are missing")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{render_tables()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = updated_readme()
    if "--check" in argv:
        if text != README.read_text():
            print(f"{README} is out of date: run `make docs`", file=sys.stderr)
            return 1
        return 0
    README.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
