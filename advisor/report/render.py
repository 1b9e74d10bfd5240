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


def check_output_path(path: str | os.PathLike[str], option: str, *, protect: list[str] | None = None,
                      folder: bool = False) -> None:
    """Fail now, with the option's name, if ``path`` cannot be written (a file, or with ``folder`` a
    folder to write files into): before the work whose result would go there. The folder is probed by
    creating and removing a temporary file in it, so every reason the system may have is found."""
    target, said = Path(path), f"{option} {path}"
    if folder:
        if not target.is_dir():
            what = "is a file, not a folder" if target.exists() else "the folder does not exist; create it first"
            raise OptionError(f"{said}: {what}")
        parent: Path | None = target
    else:
        parent = _file_target(target, said, protect)
    if parent is not None:
        fd, tmp = _temp_in(parent, ".advisor-probe.", said)
        os.close(fd)
        os.unlink(tmp)


def _file_target(target: Path, said: str, protect: list[str] | None) -> Path | None:
    """The folder a file at ``target`` is written in, once it is known that it may be; None for a device
    or a pipe (/dev/null), which is written straight through."""
    if target.is_dir():
        raise OptionError(f"{said}: is a folder; give a file name (inside it, say)")
    if _is_special(target):
        return None
    for other in protect or []:
        if Path(other).exists() and target.exists() and target.resolve() == Path(other).resolve():
            raise OptionError(f"{said}: that is an input file; advisor never overwrites its input, choose another name")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OptionError(f"{said}: the folder '{parent}' does not exist; create it first")
    return parent


def _temp_in(folder: Path, prefix: str, said: str) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OptionError(f"{said}: cannot write in the folder '{folder}' ({exc.strerror or exc}); "
                          f"choose another folder") from None


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], *, protect: list[str] | None = None) -> Iterator[TextIO]:
    """A text file to write piece by piece; it replaces ``path`` only when the block ends without an error."""
    target, said = Path(path), f"-o {path}"
    parent = _file_target(target, said, protect)
    if parent is None:  # renaming a file over /dev/null or a pipe would replace it: write through
        with open(target, "w", encoding="utf-8", newline="\n") as special:
            yield special
        return
    fd, tmp = _temp_in(parent, f".{target.name}.", said)
    os.chmod(tmp, _mode_for(target))  # mkstemp makes 0600; a report should get the usual permissions
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise OptionError(f"{said}: cannot write it ({exc.strerror or exc}); choose another place") from None
        raise


def _is_special(target: Path) -> bool:
    """A device or a pipe (``/dev/null``, ``/dev/stdout``, a FIFO): something that exists and is not a file."""
    import stat

    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _mode_for(target: Path) -> int:
    """The existing file's mode, or what a plain open() would give under the current umask."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
