"""One peer profiler on one CSV, in its own process: ``python _peer_child.py PEER CSV OUT_HTML``.

Run by ``profile_speed.py`` with whichever interpreter has the peer installed (this
project's venv, or the separate peers venv when the peer cannot live beside pandas 3),
so it imports nothing from the project. It prints one JSON line on stdout: the
seconds spent importing, reading the CSV and producing the report (written to
OUT_HTML), and the versions it ran with. A ``MemoryError`` (the parent's
address-space limit) exits with status 3 after printing ``{"error": "oom", ...}``.

* ``ydata``: ``pandas.read_csv(CSV)`` then
  ``ydata_profiling.ProfileReport(df, minimal=True, progress_bar=False).to_file(OUT_HTML)``;
* ``skrub``: ``pandas.read_csv(CSV)`` then
  ``skrub.TableReport(df, plot_distributions=True, compute_associations=True).write_html(OUT_HTML)``
  (what skrub's ``"auto"`` does for a table of at most 30 columns, spelled out).
"""

from __future__ import annotations

import json
import platform
import sys
import time
from importlib import metadata
from typing import Any

PACKAGES = {"ydata": "ydata-profiling", "skrub": "skrub"}


def versions(peer: str) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in (PACKAGES[peer], "pandas", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def run(peer: str, csv: str, out_html: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    import pandas as pd

    if peer == "ydata":
        from ydata_profiling import ProfileReport
    elif peer == "skrub":
        from skrub import TableReport
    else:
        raise SystemExit(f"unknown peer {peer!r}; known: {', '.join(PACKAGES)}")
    t1 = time.perf_counter()
    df = pd.read_csv(csv)
    t2 = time.perf_counter()
    if peer == "ydata":
        ProfileReport(df, minimal=True, progress_bar=False).to_file(out_html)
    else:
        TableReport(df, plot_distributions=True, compute_associations=True).write_html(out_html)
    t3 = time.perf_counter()
    return {"import_seconds": t1 - t0, "read_seconds": t2 - t1, "report_seconds": t3 - t2,
            "rows": len(df), "versions": versions(peer)}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        return 2
    peer, csv, out_html = argv
    try:
        result = run(peer, csv, out_html)
    except MemoryError as exc:
        print(json.dumps({"error": "oom", "message": f"MemoryError: {exc}"[:300]}), flush=True)
        return 3
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
