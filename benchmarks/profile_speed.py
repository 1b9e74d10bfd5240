"""How fast and how lean is ``advisor profile`` next to pyarrow just reading the same file?

Generates (once, cached) a seeded wide CSV of mixed columns, then runs in fresh
processes, ``--repeats`` times each, and reports medians:

* pyarrow read: ``pyarrow.csv.read_csv(path)``; the time of that call alone,
  measured inside the child, is the yardstick for the profile time;
* advisor profile: ``python -m advisor profile FILE --target churned --format json -q``,
  end to end as a user runs it (interpreter start, imports, read, profile, render);
* advisor --help: the console script, median of 5;
* baseline: ``python -c "import pandas, pyarrow"``, so memory can be read net of the interpreter.

Peak memory is each child's own peak RSS from ``os.wait4``. Targets: profile
time at most 2x the pyarrow read, profile peak RSS at most 3x the file size,
``advisor --help`` under 0.3 s. This is a measurement: it exits 0 whether the
targets pass or not, and 1 only when a child process fails.

    python benchmarks/profile_speed.py                      # 1,000,000 rows, 3 repeats
    python benchmarks/profile_speed.py --quick              # 50,000 rows, 1 repeat
    python benchmarks/profile_speed.py --json results.jsonl # also append one JSON line
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    DEFAULT_WORKDIR,
    ChildFailed,
    Run,
    ensure_table,
    median,
    run_child,
    warm_page_cache,
)

TARGET = "churned"
HELP_REPEATS = 5
LIMITS = {"profile_time_vs_read": 2.0, "profile_peak_vs_file": 3.0, "help_seconds": 0.3}
MIB = 1 << 20

# The child prints the seconds spent inside read_csv, excluding interpreter start and import.
READ_CHILD = """\
import sys, time
import pyarrow.csv
t0 = time.perf_counter()
table = pyarrow.csv.read_csv(sys.argv[1])
print(time.perf_counter() - t0, table.num_rows)
"""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, help="rows in the generated table (default 1,000,000; 50,000 with --quick)")
    p.add_argument("--repeats", type=int, help="runs per measure; the median is reported (default 3; 1 with --quick)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated table (default 0)")
    p.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                   help=f"where the table is generated and reused (default {DEFAULT_WORKDIR})")
    p.add_argument("--json", type=Path, metavar="FILE", help="append the results as one JSON line to FILE")
    p.add_argument("--quick", action="store_true", help="a small run for smoke tests")
    args = p.parse_args(argv)
    args.rows = args.rows or (50_000 if args.quick else 1_000_000)
    args.repeats = args.repeats or (1 if args.quick else 3)
    if args.rows < 100 or args.repeats < 1:
        p.error("--rows must be at least 100 and --repeats at least 1")
    return args


def help_command() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m advisor``."""
    script = Path(sys.executable).parent / "advisor"
    return [str(script), "--help"] if script.exists() else [sys.executable, "-m", "advisor", "--help"]


def summarize(runs: list[Run], extra: dict[str, list[float]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "seconds": round(median([r.seconds for r in runs]), 4),
        "cpu_seconds": round(median([r.cpu_seconds for r in runs]), 4),
        "peak_rss_bytes": int(median([r.peak_rss_bytes for r in runs])),
        "all_seconds": [round(r.seconds, 4) for r in runs],
        "all_cpu_seconds": [round(r.cpu_seconds, 4) for r in runs],
        "all_peak_rss_bytes": [r.peak_rss_bytes for r in runs],
    }
    for key, values in (extra or {}).items():
        out[key] = round(median(values), 4) if values else None
    return out


def measure(path: Path, repeats: int, workdir: Path, log: Callable[[str], None]) -> dict[str, Any]:
    py = sys.executable
    profile_cmd = [py, "-m", "advisor", "profile", str(path), "--target", TARGET, "--format", "json", "-q"]
    env = {**os.environ, "NO_COLOR": "1"}
    reads: list[Run] = []
    profiles: list[Run] = []
    timings: dict[str, list[float]] = {"read_call_seconds": [], "load_seconds": [], "profile_seconds": []}
    warm_page_cache(path)
    for i in range(repeats):  # interleaved, so drift in the machine's load hits both alike
        log(f"  repeat {i + 1}/{repeats}: pyarrow read")
        run = run_child([py, "-c", READ_CHILD, str(path)], cwd=workdir, capture=True, env=env)
        timings["read_call_seconds"].append(float(run.stdout.split()[0]))
        reads.append(run)
        log(f"  repeat {i + 1}/{repeats}: advisor profile")
        run = run_child(profile_cmd, cwd=workdir, capture=True, env=env)
        report_timings = json.loads(run.stdout).get("timings", {})
        for key in ("load_seconds", "profile_seconds"):
            if key in report_timings:
                timings[key].append(float(report_timings[key]))
        profiles.append(run)
    log("  advisor --help, baseline interpreter")
    helps = [run_child(help_command(), cwd=workdir, env=env) for _ in range(HELP_REPEATS)]
    bases = [run_child([py, "-c", "import pandas, pyarrow"], cwd=workdir, env=env) for _ in range(repeats)]
    return {
        "pyarrow_read": summarize(reads, {"read_call_seconds": timings["read_call_seconds"]}),
        "advisor_profile": summarize(profiles, {k: timings[k] for k in ("load_seconds", "profile_seconds")}),
        "advisor_help": summarize(helps),
        "baseline_import": summarize(bases),
    }


def evaluate(measures: dict[str, Any], file_bytes: int) -> dict[str, Any]:
    read_s = measures["pyarrow_read"]["read_call_seconds"]
    prof = measures["advisor_profile"]
    base_rss = measures["baseline_import"]["peak_rss_bytes"]
    ratios = {
        "profile_time_vs_read": prof["seconds"] / read_s,
        "profile_time_vs_read_process": prof["seconds"] / measures["pyarrow_read"]["seconds"],
        "profile_cpu_vs_read_process_cpu": prof["cpu_seconds"] / measures["pyarrow_read"]["cpu_seconds"],
        "profile_peak_vs_file": prof["peak_rss_bytes"] / file_bytes,
        "profile_net_peak_vs_file": (prof["peak_rss_bytes"] - base_rss) / file_bytes,
        "read_peak_vs_file": measures["pyarrow_read"]["peak_rss_bytes"] / file_bytes,
    }
    targets = {
        "profile_time_vs_read": ratios["profile_time_vs_read"],
        "profile_peak_vs_file": ratios["profile_peak_vs_file"],
        "help_seconds": measures["advisor_help"]["seconds"],
    }
    results = {name: {"value": round(v, 3), "limit": LIMITS[name], "pass": v <= LIMITS[name]}
               for name, v in targets.items()}
    return {"ratios": {k: round(v, 3) for k, v in ratios.items()}, "targets": results}


def render(result: dict[str, Any]) -> str:
    m, r, file_bytes = result["measures"], result["ratios"], result["file_bytes"]
    read_s = m["pyarrow_read"]["read_call_seconds"]

    def row(name: str, seconds: float, rss: int | None, cpu: float | None = None) -> str:
        mib = f"{rss / MIB:9.1f}" if rss is not None else f"{'':>9}"
        x_file = f"{rss / file_bytes:8.2f}" if rss is not None else f"{'':>8}"
        cpu_s = f"{cpu:8.2f}" if cpu is not None else f"{'':>8}"
        return f"{name:<34} {seconds:9.3f} {cpu_s} {mib} {seconds / read_s:9.2f} {x_file}"

    def proc(name: str, key: str) -> str:
        return row(name, m[key]["seconds"], m[key]["peak_rss_bytes"], m[key]["cpu_seconds"])

    lines = [
        f"table   {result['path']}",
        f"        {result['rows']:,} rows x {result['columns']} columns, {file_bytes / MIB:.1f} MiB; "
        f"median of {result['repeats']} (--help: {HELP_REPEATS}); {result['cpu_count']} CPUs; "
        f"python {result['versions']['python']}, pyarrow {result['versions']['pyarrow']}, "
        f"pandas {result['versions']['pandas']}",
        "",
        f"{'measure':<34} {'median s':>9} {'cpu s':>8} {'peak MiB':>9} {'x read s':>9} {'x file':>8}",
        row("pyarrow read_csv (call only)", read_s, None),
        proc("pyarrow read (whole process)", "pyarrow_read"),
        proc("advisor profile (whole process)", "advisor_profile"),
    ]
    for key, label in (("load_seconds", "  of which load (report timings)"), ("profile_seconds", "  of which profile (report timings)")):
        if m["advisor_profile"].get(key) is not None:
            lines.append(row(label, m["advisor_profile"][key], None))
    lines += [
        proc("advisor --help", "advisor_help"),
        proc("python -c 'import pandas, pyarrow'", "baseline_import"),
        "",
        f"advisor profile peak net of the baseline interpreter: "
        f"{(m['advisor_profile']['peak_rss_bytes'] - m['baseline_import']['peak_rss_bytes']) / MIB:.1f} MiB "
        f"= {r['profile_net_peak_vs_file']:.2f}x file size",
        "",
        f"{'target':<44} {'value':>8} {'limit':>7}  result",
    ]
    names = {"profile_time_vs_read": "profile time / pyarrow read_csv time",
             "profile_peak_vs_file": "profile peak RSS / file size",
             "help_seconds": "advisor --help seconds"}
    for key, t in result["targets"].items():
        lines.append(f"{names[key]:<44} {t['value']:8.3f} {t['limit']:7.2f}  {'PASS' if t['pass'] else 'FAIL'}")
    return "\n".join(lines)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("advisor", "pyarrow", "pandas", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def git_revision() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    workdir = args.workdir.resolve()
    t0 = time.perf_counter()
    path, generated = ensure_table(workdir, args.rows, args.seed)
    log(f"{'generated' if generated else 'reusing'} {path} ({time.perf_counter() - t0:.1f} s)")
    with open(path, encoding="utf-8") as f:
        columns = len(f.readline().split(","))
    try:
        measures = measure(path, args.repeats, workdir, log)
    except ChildFailed as exc:
        log(f"profile_speed: a measured process failed: {exc}")
        return 1
    file_bytes = path.stat().st_size
    result: dict[str, Any] = {
        "benchmark": "profile_speed", "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "git": git_revision(),
        "path": str(path), "rows": args.rows, "columns": columns, "seed": args.seed, "file_bytes": file_bytes,
        "repeats": args.repeats, "cpu_count": os.cpu_count(), "platform": platform.platform(),
        "versions": versions(), "measures": measures,
    }
    result.update(evaluate(measures, file_bytes))
    print(render(result))
    if args.json:
        with open(args.json, "a", encoding="utf-8") as f:
            f.write(json.dumps(result, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
