"""The shipped rules are found in a checkout and inside a built wheel; the core imports stay light."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import advisor
from advisor.ruletree import default_rules_dir

REPO = Path(__file__).resolve().parent.parent
RULE_FILES = ("flowchart.yaml", "additions.yaml", "preparation.yaml")


def test_default_rules_dir_in_a_checkout_is_the_repo_rules():
    if (Path(advisor.__file__).parent / "_rules").is_dir():
        pytest.skip("running against an installed wheel")
    assert default_rules_dir() == REPO / "rules"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel as a release would; offline when hatchling is installed in this venv."""
    out = tmp_path_factory.mktemp("wheel")
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-build-isolation"]
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        *isolation,
        "-q",
        "-w",
        str(out),
        str(REPO),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("advisor-*.whl")
    return built


def test_wheel_contains_the_rules(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in RULE_FILES:
        assert f"advisor/_rules/{name}" in names


def test_installed_wheel_loads_its_own_rules(wheel, tmp_path):
    """Unpacked like an install (not editable): the rules come from advisor/_rules."""
    zipfile.ZipFile(wheel).extractall(tmp_path)
    code = (
        "import advisor, advisor.ruletree as r; "
        "d = r.default_rules_dir(); "
        "assert d == __import__('pathlib').Path(advisor.__file__).parent / '_rules', d; "
        "rs = r.load_rules(None); "
        "print(rs.directory, len(rs.flowchart.nodes))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    directory, count = result.stdout.split()
    assert Path(directory) == tmp_path / "advisor" / "_rules"
    assert int(count) > 30


def test_ruletree_and_catalog_import_no_heavy_modules():
    code = (
        "import sys, advisor.ruletree, advisor.catalog, advisor.ruletree.schema; "
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'pandas', 'numpy', 'rich', 'textual', 'scipy'}); "
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
