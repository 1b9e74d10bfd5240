"""The README's generated tables match the code, so the docs cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor.profile.facts import describe_facts
from advisor.profile.findings import describe_codes

README = Path(__file__).resolve().parents[1] / "README.md"


def block(name: str) -> str:
    m = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", README.read_text(), re.S)
    assert m, f"README has no {name} block"
    return m.group(1)


@pytest.mark.parametrize("name,text", [("findings", describe_codes), ("facts", describe_facts)])
def test_readme_tables_are_current(name, text):
    assert block(name) == text()


def test_readme_gives_the_two_commands():
    readme = README.read_text()
    assert "advisor demo" in readme and "python -m pytest" in readme
    ci = (README.parent / ".ci" / "run").read_text()
    test_cmd = next(line for line in readme.splitlines() if "python -m pytest" in line and line.startswith("python3 -m venv"))
    assert test_cmd.split("&&")[-1].strip() in ci
