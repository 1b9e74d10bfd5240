"""How fast and how lean is ``advisor profile`` next to pyarrow just reading the same file?

Generates (once, cached) a seeded wide CSV of mixed columns, then runs in fresh
processes, ``--repeats`` times each, and reports medians:

* pyarrow read: ``pyarrow.csv.read_csv(path)``; the time of that call alone,
  measured inside the child, is the yardstick for the profile time;
* advisor profile: ``python -m advisor profile FILE --target churned --format json -q``,
  end to end as a user runs it (interpreter start, imports, read, profile, render);
* advisor --help: the console script, median of 5;
* baseline: ``python -c "import pandas, pyarrow"``, so memory can be read net of the interpreter;
* the peers, the profilers people use instead, on the same file: ydata-profiling
  (``ProfileReport(df, minimal=True).to_file(html)``) and skrub (``TableReport(df).write_html(html)``),
  each after ``pandas.read_csv``, end to end in a fresh process (``_peer_child.py``) with a
  time cap and an address-space limit; a timeout, an out-of-memory or a crash is recorded
  and the run goes on. A peer is run by this interpreter when it has it installed, else by
  the separate peers venv (``--peers-venv``; ``--install-peers`` creates it from
  ``peers-requirements.txt``: ydata-profiling needs pandas < 3), else skipped with a line saying so.

Before measuring, advisor's bytecode cache is written (as installing a wheel does), so
no run compiles advisor's modules even where ``PYTHONDONTWRITEBYTECODE`` is set.
Peak memory is each child's own peak RSS from ``os.wait4``. Targets: profile
time at most 2x the pyarrow read, profile peak RSS at most 3x the file size,
``advisor --help`` under 0.3 s. This is a measurement: it exits 0 whether the
targets pass or not, and 1 only when a child process fails.

    python benchmarks/profile_speed.py                      # 1,000,000 rows, 3 repeats
    python benchmarks/profile_speed.py --quick              # 50,000 rows, 1 repeat
    python benchmarks/profile_speed.py --json results.jsonl # also append one JSON line
    python benchmarks/profile_speed.py --install-peers      # create the peers venv first if a peer is missing
    python benchmarks/profile_speed.py --peers skrub        # one peer; --skip-peers for none
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    DEFAULT_WORKDIR,
    ChildFailed,
    Run,
    compile_bytecode,
    ensure_table,
    git_revision,
    median,
    run_child,
    versions,
    warm_page_cache,
)

HERE = Path(__file__).resolve().parent
PEER_CHILD = HERE / "_peer_child.py"
PEERS_REQUIREMENTS = HERE / "peers-requirements.txt"
DEFAULT_PEERS_VENV = HERE / ".peers-venv"
# name on the command line -> (distribution, label in the table)
PEERS = {
    "ydata": ("ydata-profiling", "ydata-profiling minimal -> HTML"),
    "skrub": ("skrub", "skrub TableReport -> HTML"),
}
# What a process that hit the address-space limit outside Python's MemoryError leaves on stderr.
OOM_SIGNS = ("MemoryError", "Cannot allocate memory", "failed to map segment", "std::bad_alloc",
             "out of memory")
TARGET = "churned"
HELP_REPEATS = 5
LIMITS = {"profile_time_vs_read": 2.0, "profile_peak_vs_file": 3.0, "help_seconds": 0.3}
MIB = 1 << 20
GIB = 1 << 30

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
    p.add_argument("--peers", default=",".join(PEERS),
                   help=f"comma-separated peer profilers to measure beside advisor (default {','.join(PEERS)})")
    p.add_argument("--skip-peers", action="store_true", help="measure no peer profiler")
    p.add_argument("--peers-venv", type=Path, default=DEFAULT_PEERS_VENV,
                   help="venv that runs a peer this interpreter does not have (default benchmarks/.peers-venv)")
    p.add_argument("--install-peers", action="store_true",
                   help="create --peers-venv from benchmarks/peers-requirements.txt when a peer is missing (needs PyPI)")
    p.add_argument("--peer-timeout", type=float, default=900.0,
                   help="seconds before a peer run is killed and recorded as a timeout (default 900)")
    p.add_argument("--peer-memory-gb", type=float, default=12.0,
                   help="address-space limit of a peer run, GiB (RLIMIT_AS; default 12)")
    args = p.parse_args(argv)
    args.rows = args.rows or (50_000 if args.quick else 1_000_000)
    args.repeats = args.repeats or (1 if args.quick else 3)
    if args.rows < 100 or args.repeats < 1:
        p.error("--rows must be at least 100 and --repeats at least 1")
    names = [] if args.skip_peers else [n.strip() for n in args.peers.split(",") if n.strip()]
    unknown = [n for n in names if n not in PEERS]
    if unknown:
        p.error(f"unknown peer {', '.join(unknown)}; known: {', '.join(PEERS)}")
    args.peer_names = list(dict.fromkeys(names))
    return args


# ---------------------------------------------------------------- the peers


@dataclass
class Peer:
    """A peer profiler: which interpreter runs it (None: skipped, with the reason) and its version."""

    name: str
    dist: str
    label: str
    python: str | None = None
    version: str | None = None
    skipped: str | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)


def installed_version(python: str, dist: str) -> str | None:
    """The version of ``dist`` that ``python`` would import, or None (missing interpreter or package)."""
    if not Path(python).exists():
        return None
    code = f"import importlib.metadata as m\ntry: print(m.version({dist!r}))\nexcept m.PackageNotFoundError: pass"
    try:
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def install_peers_venv(venv: Path, log: Callable[[str], None]) -> str | None:
    """Create ``venv`` (if needed) and install the pinned peers into it; None on success, else why not."""
    log(f"creating the peers venv {venv} from {PEERS_REQUIREMENTS.name} (a few minutes)")
    try:
        if not venv_python(venv).exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        subprocess.run([str(venv_python(venv)), "-m", "pip", "install", "-q", "-r", str(PEERS_REQUIREMENTS)],
                       check=True, timeout=1800)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"installing into {venv} failed: {exc}"
    return None


def resolve_peers(args: argparse.Namespace, log: Callable[[str], None]) -> list[Peer]:
    """Find an interpreter for each chosen peer: this one first, then the peers venv (created on request)."""
    venv = args.peers_venv.resolve()
    peers = [Peer(name, *PEERS[name]) for name in args.peer_names]
    install_failed: str | None = None
    installed = False
    for peer in peers:
        for python in dict.fromkeys([sys.executable, str(venv_python(venv))]):
            version = installed_version(python, peer.dist)
            if version is None and args.install_peers and not installed and python != sys.executable:
                installed = True  # once per run, whatever the outcome
                install_failed = install_peers_venv(venv, log)
                version = installed_version(python, peer.dist)
            if version is not None:
                peer.python, peer.version = python, version
                break
        if peer.python is None:
            peer.skipped = (f"not installed here nor in {venv}"
                            + (f" ({install_failed})" if install_failed else "; --install-peers creates that venv"))
        log(f"peer {peer.name}: " + (f"{peer.dist} {peer.version} with {peer.python}" if peer.python
                                     else f"skipped, {peer.skipped}"))
    return peers


# Like _common's spawner (see there why a bare spawner), plus limits: RLIMIT_AS, inherited by the
# child, and a wall-clock cap, after which the child's whole session is killed. Writes "seconds
# cpu_seconds maxrss exitcode timed_out" to argv[1]. The child's leftovers are killed when it ends.
_LIMITED_SPAWNER = r"""
import os, resource, signal, sys, time
res_path, cap, mem = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
argv = sys.argv[4:]
if mem > 0:
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
state = {"pid": None, "timed_out": 0}
def kill():
    try:
        os.killpg(state["pid"], signal.SIGKILL)
    except (ProcessLookupError, PermissionError, TypeError):
        pass
def on_alarm(signum, frame):
    state["timed_out"] = 1
    kill()
signal.signal(signal.SIGALRM, on_alarm)
t0 = time.perf_counter()
state["pid"] = os.posix_spawn(argv[0], argv, os.environ, setsid=True)
signal.setitimer(signal.ITIMER_REAL, cap)
try:
    _, status, usage = os.wait4(state["pid"], 0)
except BaseException:
    kill()
    raise
seconds = time.perf_counter() - t0
signal.setitimer(signal.ITIMER_REAL, 0)
kill()
with open(res_path, "w") as f:
    f.write("%r %r %d %d %d" % (seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                                os.waitstatus_to_exitcode(status), state["timed_out"]))
"""


def run_limited(argv: Sequence[str], *, cwd: Path, cap: float, memory_bytes: int,
                env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``argv`` under a time cap and an address-space limit; every outcome is a dict, never an exception.

    ``status`` is ``ok``, ``timeout``, ``oom`` (the child said MemoryError), ``killed`` (a signal,
    such as the kernel's out-of-memory killer) or ``crashed``; ``seconds``, ``cpu_seconds`` and
    ``peak_rss_bytes`` as in ``_common.run_child``; ``output``, the child's JSON line when it printed one.
    """
    with tempfile.TemporaryDirectory(dir=cwd) as tmp:
        out_path, err_path, res_path = (Path(tmp) / name for name in ("stdout", "stderr", "result"))
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            try:
                subprocess.run([sys.executable, "-S", "-c", _LIMITED_SPAWNER, str(res_path), repr(float(cap)),
                                str(int(memory_bytes)), *argv],
                               stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=tmp,
                               timeout=cap + 120, check=False)
            except subprocess.TimeoutExpired:
                return {"status": "timeout", "why": f"the spawner outlived the {cap:g} s cap"}
        tail = err_path.read_bytes().decode("utf-8", "replace").strip().splitlines()
        text = out_path.read_bytes().decode("utf-8", "replace").strip().splitlines()
        if not res_path.exists():
            return {"status": "crashed", "why": f"the spawner failed: {(tail or [''])[-1][:300]}"}
        seconds, cpu, maxrss, code, timed_out = res_path.read_text().split()
    output: dict[str, Any] | None = None
    if text:
        with contextlib.suppress(ValueError):
            output = json.loads(text[-1])
    scale = 1 if sys.platform == "darwin" else 1024
    run: dict[str, Any] = {"seconds": float(seconds), "cpu_seconds": float(cpu),
                           "peak_rss_bytes": int(maxrss) * scale, "exit": int(code), "output": output}
    last = (tail or [""])[-1][:300]
    if int(timed_out):
        run.update(status="timeout", why=f"killed at the {cap:g} s cap")
    elif int(code) == 0:
        run.update(status="ok")
    elif isinstance(output, dict) and output.get("error") == "oom":
        run.update(status="oom", why=f"{output.get('message', 'MemoryError')} (limit {memory_bytes / GIB:g} GiB)")
    elif any(sign in line for line in tail[-20:] for sign in OOM_SIGNS):
        run.update(status="oom", why=f"exit {code}, out of address space (limit {memory_bytes / GIB:g} GiB): {last}")
    elif int(code) < 0:
        hint = " (out of memory?)" if int(code) in (-9, -6) else ""
        run.update(status="killed", why=f"signal {-int(code)}{hint}: {last}")
    else:
        run.update(status="crashed", why=f"exit {code}: {last}")
    return run


def run_peer(peer: Peer, path: Path, workdir: Path, cap: float, memory_bytes: int,
             env: dict[str, str]) -> dict[str, Any]:
    assert peer.python is not None
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        html = Path(tmp) / f"{peer.name}.html"
        run = run_limited([peer.python, str(PEER_CHILD), peer.name, str(path), str(html)],
                          cwd=workdir, cap=cap, memory_bytes=memory_bytes, env=env)
        if run["status"] == "ok":
            run["html_bytes"] = html.stat().st_size if html.exists() else 0
            if not run["html_bytes"] or not isinstance(run.get("output"), dict):
                run.update(status="crashed", why="exited 0 without writing the report or its timings")
    return run


def summarize_peer(peer: Peer) -> dict[str, Any]:
    ok = [r for r in peer.runs if r["status"] == "ok"]
    out: dict[str, Any] = {
        "dist": peer.dist, "version": peer.version, "python": peer.python, "skipped": peer.skipped,
        "statuses": [r["status"] for r in peer.runs],
        "failures": [r.get("why") for r in peer.runs if r["status"] != "ok"],
    }
    if ok:
        out.update(summarize([Run(r["seconds"], r["cpu_seconds"], r["peak_rss_bytes"], "") for r in ok]))
        for key in ("import_seconds", "read_seconds", "report_seconds"):
            out[key] = round(median([float(r["output"][key]) for r in ok]), 4)
        out["html_bytes"] = int(median([r["html_bytes"] for r in ok]))
        out["versions"] = ok[0]["output"].get("versions", {})
    return out


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
        out[f"all_{key}"] = [round(v, 4) for v in values]
    return out


def measure(path: Path, repeats: int, workdir: Path, log: Callable[[str], None],
            peers: Sequence[Peer] = (), peer_cap: float = 900.0, peer_memory_bytes: int = 12 * GIB,
            ) -> dict[str, Any]:
    py = sys.executable
    profile_cmd = [py, "-m", "advisor", "profile", str(path), "--target", TARGET, "--format", "json", "-q"]
    env = {**os.environ, "NO_COLOR": "1"}
    reads: list[Run] = []
    profiles: list[Run] = []
    timings: dict[str, list[float]] = {"read_call_seconds": [], "load_seconds": [], "profile_seconds": []}
    warm_page_cache(path)
    compile_bytecode()
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
        for peer in peers:
            if peer.python is None or any(r["status"] != "ok" for r in peer.runs):
                continue  # skipped, or already failed: a timeout or an out-of-memory would only repeat
            log(f"  repeat {i + 1}/{repeats}: {peer.label}")
            result = run_peer(peer, path, workdir, peer_cap, peer_memory_bytes, env)
            peer.runs.append(result)
            if result["status"] != "ok":
                log(f"    {peer.name}: {result['status']}: {result.get('why', '')}")
    log("  advisor --help, baseline interpreter")
    helps = [run_child(help_command(), cwd=workdir, env=env) for _ in range(HELP_REPEATS)]
    bases = [run_child([py, "-c", "import pandas, pyarrow"], cwd=workdir, env=env) for _ in range(repeats)]
    return {
        "pyarrow_read": summarize(reads, {"read_call_seconds": timings["read_call_seconds"]}),
        "advisor_profile": summarize(profiles, {k: timings[k] for k in ("load_seconds", "profile_seconds")}),
        "advisor_help": summarize(helps),
        "baseline_import": summarize(bases),
        "peers": {peer.name: summarize_peer(peer) for peer in peers},
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
    for name, peer in measures.get("peers", {}).items():
        if peer.get("seconds") is not None:
            ratios[f"{name}_time_vs_read"] = peer["seconds"] / read_s
            ratios[f"{name}_time_vs_profile"] = peer["seconds"] / prof["seconds"]
            ratios[f"{name}_cpu_vs_profile"] = peer["cpu_seconds"] / prof["cpu_seconds"]
            ratios[f"{name}_peak_vs_file"] = peer["peak_rss_bytes"] / file_bytes
            ratios[f"{name}_peak_vs_profile"] = peer["peak_rss_bytes"] / prof["peak_rss_bytes"]
    targets = {
        "profile_time_vs_read": ratios["profile_time_vs_read"],
        "profile_peak_vs_file": ratios["profile_peak_vs_file"],
        "help_seconds": measures["advisor_help"]["seconds"],
    }
    results = {name: {"value": round(v, 3), "limit": LIMITS[name], "pass": v <= LIMITS[name]}
               for name, v in targets.items()}
    return {"ratios": {k: round(v, 3) for k, v in ratios.items()}, "targets": results}


def spread_line(m: dict[str, Any]) -> str:
    """The fastest and slowest of the runs. Where fresh memory is sometimes slow to touch (a VM), the
    read, whose peak is the larger, swings the more; the ratio above is of the medians."""
    reads = m["pyarrow_read"].get("all_read_call_seconds") or [m["pyarrow_read"]["read_call_seconds"]]
    profiles = m["advisor_profile"]["all_seconds"]
    return (f"spread of the runs: pyarrow read_csv call {min(reads):.3f}-{max(reads):.3f} s, "
            f"advisor profile {min(profiles):.3f}-{max(profiles):.3f} s")


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
    for name, peer in m.get("peers", {}).items():
        label = PEERS[name][1] if name in PEERS else name
        if peer.get("seconds") is not None:
            lines.append(row(label, peer["seconds"], peer["peak_rss_bytes"], peer["cpu_seconds"]))
            lines.append(row("  of which pandas read_csv", peer["read_seconds"], None))
            lines.append(row("  of which report + HTML", peer["report_seconds"], None))
        elif peer.get("skipped"):
            lines.append(f"{label:<34} skipped: {peer['skipped']}")
        if peer.get("failures"):
            runs = len(peer["statuses"])
            for why, status in zip(peer["failures"], [s for s in peer["statuses"] if s != "ok"], strict=True):
                lines.append(f"{label:<34} {status} ({runs} run{'s' if runs > 1 else ''}): {why}")
    lines += [
        proc("advisor --help", "advisor_help"),
        proc("python -c 'import pandas, pyarrow'", "baseline_import"),
        "",
        spread_line(m),
        f"advisor profile peak net of the baseline interpreter: "
        f"{(m['advisor_profile']['peak_rss_bytes'] - m['baseline_import']['peak_rss_bytes']) / MIB:.1f} MiB "
        f"= {r['profile_net_peak_vs_file']:.2f}x file size",
    ]
    for name, peer in m.get("peers", {}).items():
        if peer.get("seconds") is None:
            continue
        v = peer.get("versions", {})
        lines.append(
            f"{PEERS[name][0] if name in PEERS else name} {peer['version']} (pandas {v.get('pandas', '?')}, "
            f"numpy {v.get('numpy', '?')}, python {v.get('python', '?')}): "
            f"{r[f'{name}_time_vs_profile']:.2f}x advisor's time ({r[f'{name}_cpu_vs_profile']:.2f}x its CPU time), "
            f"{r[f'{name}_peak_vs_profile']:.2f}x its peak; "
            f"report {peer['html_bytes'] / MIB:.1f} MiB of HTML")
    lines += [
        "",
        f"{'target':<44} {'value':>8} {'limit':>7}  result",
    ]
    names = {"profile_time_vs_read": "profile time / pyarrow read_csv time",
             "profile_peak_vs_file": "profile peak RSS / file size",
             "help_seconds": "advisor --help seconds"}
    for key, t in result["targets"].items():
        lines.append(f"{names[key]:<44} {t['value']:8.3f} {t['limit']:7.2f}  {'PASS' if t['pass'] else 'FAIL'}")
    return "\n".join(lines)


VERSIONS_OF = ("advisor", "pyarrow", "pandas", "numpy")


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
    peers = resolve_peers(args, log)
    try:
        measures = measure(path, args.repeats, workdir, log, peers, args.peer_timeout,
                           int(args.peer_memory_gb * GIB))
    except ChildFailed as exc:
        log(f"profile_speed: a measured process failed: {exc}")
        return 1
    file_bytes = path.stat().st_size
    result: dict[str, Any] = {
        "benchmark": "profile_speed", "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "git": git_revision(),
        "path": str(path), "rows": args.rows, "columns": columns, "seed": args.seed, "file_bytes": file_bytes,
        "repeats": args.repeats, "cpu_count": os.cpu_count(), "platform": platform.platform(),
        "versions": versions(VERSIONS_OF), "measures": measures,
    }
    result.update(evaluate(measures, file_bytes))
    print(render(result))
    if args.json:
        with open(args.json, "a", encoding="utf-8") as f:
            f.write(json.dumps(result, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
