"""Shared fixtures: small tables written to disk, and a CLI runner that captures both streams."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("TZ", "UTC")
# pytest -n 2 already keeps both cores busy; OpenMP threads on top of that make
# HistGradientBoosting spin and crawl, so tests run single-threaded inside each worker.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NO_COLOR", "1")


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """write(name, text_or_bytes) -> path inside tmp_path."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_bytes(content.encode(encoding))
        else:
            path.write_bytes(content)
        return path

    return _write


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """cli(*args) -> (exit code, stdout, stderr), through advisor.cli.main."""
    from advisor.cli import main

    def _run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture
def log_target_rules(tmp_path: Path) -> Path:
    """A copy of the built-in rules folder whose preparation adds a house rule 'log_target' (a log1p
    target for regression, naming the target_skewed finding): the folder, for --rules or load_rules."""
    import shutil

    from advisor.ruletree import default_rules_dir

    for name in ("flowchart.yaml", "additions.yaml"):
        shutil.copy(default_rules_dir() / name, tmp_path / name)
    text = (default_rules_dir() / "preparation.yaml").read_text() + """
  - id: log_target
    scope: target
    component: sklearn.compose.TransformedTargetRegressor
    params: {func: numpy.log1p, inverse_func: numpy.expm1}
    findings: [target_skewed]
    when: {fact: task, op: eq, value: regression}
    reason: Our house rule.
"""
    (tmp_path / "preparation.yaml").write_text(text)
    return tmp_path


@pytest.fixture(scope="session")
def penguins_path() -> Path:
    from advisor.pipeline import bundled_path

    return bundled_path()


from hypothesis import settings as _hyp_settings  # noqa: E402

# CI explores a fixed set of examples (a red build must be reproducible); locally each run explores anew.
_hyp_settings.register_profile("ci", derandomize=True, print_blob=True)
_hyp_settings.register_profile("explore", max_examples=400)
_hyp_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default"))
