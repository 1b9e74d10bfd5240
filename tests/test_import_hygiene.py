"""Heavy imports stay lazy and the core never imports the shells (checked in fresh interpreters)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ["sklearn", "shap", "textual", "rich", "pandas", "numpy", "pyarrow", "scipy", "dask", "distributed"]
CORE = ["advisor.load", "advisor.profile", "advisor.profile.findings", "advisor.report.model",
        "advisor.report.jsonout", "advisor.pipeline", "advisor.errors", "advisor.explain", "advisor.drift",
        "advisor.benchmark", "advisor.candidates", "advisor.modelio", "advisor.uncertain", "advisor.ruletree",
        "advisor.dask_backend"]


def loaded_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nimport json; print(json.dumps(sorted(sys.modules)))"
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(res.stdout.strip().splitlines()[-1]))


def test_cli_import_and_help_stay_light():
    mods = loaded_after("import advisor.cli\nfrom advisor.cli import build_parser\nbuild_parser().format_help()")
    assert not {m.split(".")[0] for m in mods} & set(HEAVY)


def test_dask_is_imported_only_when_the_dask_backend_runs():
    mods = loaded_after("import advisor.dask_backend, advisor.benchmark, advisor.pipeline, advisor.cli")
    assert not {m.split(".")[0] for m in mods} & {"dask", "distributed"}


@pytest.mark.parametrize("module", CORE)
def test_core_does_not_import_the_shells(module):
    mods = loaded_after(f"import {module}")
    assert not {m for m in mods if m.split(".")[0] in ("textual", "rich")}
    assert "advisor.cli" not in mods and "advisor.tui" not in mods


def test_profiling_does_not_import_textual_or_shap():
    code = ("from advisor.pipeline import build_profile_report, bundled_path\n"
            "build_profile_report(str(bundled_path()), target='species')")
    mods = loaded_after(code)
    # (scikit-learn itself may import rich for its own progress bars, so rich is checked statically below.)
    assert not {m for m in mods if m.split(".")[0] in ("textual", "shap")}


@pytest.mark.parametrize("target", ["body_mass_g", "species"])
def test_profiling_a_regression_or_a_classification_target_does_not_import_scikit_learn(target):
    """The profile's one L1 model (a regression target's zero share) is fitted in numpy
    (advisor.profile.lasso): importing scikit-learn took two seconds, longer than profiling a small table."""
    code = ("from advisor.pipeline import build_profile_report, bundled_path\n"
            f"r = build_profile_report(str(bundled_path()), target={target!r})\n"
            "print(r.profile.task, r.profile.l1_zero_share)")
    mods = loaded_after(code)
    assert not {m for m in mods if m.split(".")[0] in ("sklearn", "scipy")}


SHELLS = ("rich", "textual", "advisor.cli", "advisor.tui", "advisor.report.terminal")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def core_files() -> list[Path]:
    pkg = Path(__file__).resolve().parents[1] / "advisor"
    shell_parts = {"cli.py", "tui", "terminal.py", "render.py", "__main__.py"}
    return sorted(p for p in pkg.rglob("*.py") if not shell_parts & set(p.relative_to(pkg).parts))


@pytest.mark.parametrize("path", core_files(), ids=lambda p: str(p.name))
def test_core_sources_never_import_shells(path):
    bad = {n for n in _imports(path) if n.split(".")[0] in ("rich", "textual") or n.startswith(SHELLS[2:])}
    assert not bad, f"{path} imports {bad}"
