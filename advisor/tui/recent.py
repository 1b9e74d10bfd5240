"""Recently opened files, kept in a small JSON file under the XDG state folder.

``$XDG_STATE_HOME/advisor/recent.json`` (default ``~/.local/state``), written
atomically; a missing or damaged file simply means no recent files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

MAX_RECENT = 10


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "advisor"


def recent_path() -> Path:
    return state_dir() / "recent.json"


def load_recent(path: Path | None = None) -> list[str]:
    """Recent files, newest first, skipping those that no longer exist."""
    path = path or recent_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = data.get("files", []) if isinstance(data, dict) else []
    return [f for f in files if isinstance(f, str) and Path(f).is_file()][:MAX_RECENT]


def remember(file: str, path: Path | None = None) -> list[str]:
    """Put ``file`` first in the recent list and save it; never fails the caller."""
    from advisor.errors import AdvisorError
    from advisor.report.render import write_atomic

    path = path or recent_path()
    absolute = str(Path(file).resolve())
    files = [absolute] + [f for f in load_recent(path) if f != absolute]
    files = files[:MAX_RECENT]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"version": 1, "files": files}, indent=2) + "\n")
    except (OSError, AdvisorError):
        pass  # a read-only home must not stop the analysis
    return files
