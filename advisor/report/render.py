"""Pick a renderer by format name or output file extension, and write outputs atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from advisor.errors import OptionError, did_you_mean

FORMATS = ("terminal", "md", "json", "html")
EXTENSIONS = {".md": "md", ".markdown": "md", ".json": "json", ".html": "html", ".htm": "html", ".txt": "terminal"}


def choose_format(fmt: str | None, output: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise OptionError(f"The 'format' option must be one of {', '.join(FORMATS)}. Got '{fmt}' instead.{did_you_mean(fmt, FORMATS)}")
        return fmt
    if output:
        ext = Path(output).suffix.lower()
        if ext in EXTENSIONS:
            return EXTENSIONS[ext]
        raise OptionError(f"-o {output}: cannot tell the format from '{ext or 'no extension'}'; use .md, .json, .html or .txt, or pass --format")
    return "terminal"


# (module, function) per report type and format; imported only when used, so Rich loads for the terminal only.
RENDERERS: dict[str, dict[str, tuple[str, str]]] = {
    "Report": {
        "json": ("advisor.report.jsonout", "render_json"),
        "md": ("advisor.report.markdown", "render_markdown"),
        "html": ("advisor.report.html", "render_html"),
        "terminal": ("advisor.report.terminal", "render_terminal"),
    },
    "DriftReport": {
        "json": ("advisor.report.jsonout", "render_json"),
        "md": ("advisor.report.drift_render", "render_drift_markdown"),
        "html": ("advisor.report.drift_render", "render_drift_html"),
        "terminal": ("advisor.report.terminal", "render_drift_terminal"),
    },
}


def render(report: Any, fmt: str, *, width: int = 100, color: bool = False) -> str:
    """The report as text in ``fmt`` (terminal text is plain unless ``color``)."""
    import importlib

    module, name = RENDERERS[type(report).__name__][fmt]
    function = getattr(importlib.import_module(module), name)
    if fmt == "terminal":
        return str(function(report, width=width, color=color))
    return str(function(report))


def write_atomic(path: str | os.PathLike[str], text: str, *, protect: list[str] | None = None) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never a half-written file."""
    with atomic_writer(path, protect=protect) as fh:
        fh.write(text)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], *, protect: list[str] | None = None) -> Iterator[TextIO]:
    """A text file to write piece by piece; it replaces ``path`` only when the block ends without an error."""
    target = Path(path)
    for other in protect or []:
        if Path(other).exists() and target.exists() and target.resolve() == Path(other).resolve():
            raise OptionError(f"-o {path}: that is the input file; advisor never overwrites its input, choose another name")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OptionError(f"-o {path}: the folder '{parent}' does not exist; create it first")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    os.chmod(tmp, _mode_for(target))  # mkstemp makes 0600; a report should get the usual permissions
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _mode_for(target: Path) -> int:
    """The existing file's mode, or what a plain open() would give under the current umask."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
