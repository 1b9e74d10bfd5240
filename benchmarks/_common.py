"""Shared helpers for the benchmarks: a seeded synthetic table and child-process measurement.

The table is generated column by column with numpy and pyarrow compute (no
Python loop over rows), so a million rows take a few seconds, and it is cached
in the work directory under a name that encodes every parameter. Measurements
run each command in a fresh process, through a tiny spawner process, and read its
peak RSS from ``os.wait4`` (see ``_SPAWNER`` for why the spawner is needed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Bump when the generator changes, so a cached file from an older generator is not reused.
GENERATOR_VERSION = 1
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "advisor-bench"

_WORDS = [
    "account", "bill", "call", "cancel", "charge", "contract", "customer", "data", "delay",
    "device", "discount", "email", "error", "fee", "fiber", "internet", "late", "line",
    "mobile", "modem", "network", "offer", "outage", "pay", "phone", "plan", "price",
    "problem", "refund", "service", "signal", "slow", "speed", "support", "switch", "tech",
    "upgrade", "wifi", "billing", "complaint", "happy", "unhappy", "renew", "promo", "roaming",
    "router", "setup", "store", "transfer", "video", "voice", "wait", "week", "month", "year",
    "again", "always", "asked", "called", "changed", "fixed", "good", "bad", "never", "often",
    "quickly", "really", "still", "today",
]
_STATES = [f"state_{i:02d}" for i in range(50)]
_CITIES = [f"city_{i:04d}" for i in range(2000)]
_PLANS = ["basic", "standard", "plus", "premium", "family"]
_PAYMENTS = ["card", "bank_transfer", "paper_check", "wallet"]


def table_path(workdir: Path, rows: int, seed: int) -> Path:
    return workdir / f"synthetic_r{rows}_s{seed}_v{GENERATOR_VERSION}.csv"


def ensure_table(workdir: Path, rows: int, seed: int = 0) -> tuple[Path, bool]:
    """Return (path, generated): reuse the cached CSV for these parameters, else write it atomically."""
    path = table_path(workdir, rows, seed)
    if path.exists():
        return path, False
    import pyarrow.csv as pacsv

    workdir.mkdir(parents=True, exist_ok=True)
    table = make_table(rows, seed)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    pacsv.write_csv(table, tmp)
    os.replace(tmp, path)
    return path, True


def make_table(rows: int, seed: int = 0) -> Any:
    """A pyarrow Table of ~30 mixed columns with missing values and a binary target ``churned``."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    n = rows
    cols: dict[str, Any] = {}

    def missing(values: Any, rate: float) -> Any:
        """Arrow array of ``values`` with a random ``rate`` of nulls."""
        return pa.array(values, mask=rng.random(n) < rate)

    cols["customer_id"] = _ids(n, rng)
    cols["signup_date"] = _dates(n, rng)
    age = rng.integers(18, 90, n)
    cols["age"] = missing(age, 0.03)
    tenure = rng.poisson(24, n)
    cols["tenure_months"] = pa.array(tenure)
    monthly = np.round(rng.normal(65, 20, n).clip(5, None), 2)
    cols["monthly_charges"] = pa.array(monthly)
    cols["total_charges"] = missing(np.round(monthly * tenure + rng.normal(0, 30, n), 2), 0.05)
    income = np.round(rng.lognormal(10.5, 0.8, n), 0)
    cols["income"] = missing(income, 0.12)
    calls = rng.poisson(1.5, n)
    cols["support_calls"] = pa.array(calls)
    cols["logins_30d"] = pa.array(rng.negative_binomial(3, 0.15, n))
    cols["session_minutes"] = missing(np.round(rng.lognormal(2.5, 1.1, n), 1), 0.08)
    satisfaction = rng.integers(1, 6, n)
    cols["satisfaction"] = missing(satisfaction, 0.07)
    cols["region_code"] = pa.array(rng.integers(0, 9, n))
    cols["device_count"] = pa.array(rng.integers(1, 5, n))
    cols["contract_months"] = pa.array(rng.choice([1, 12, 24], n, p=[0.55, 0.25, 0.2]))
    cols["is_premium"] = pa.array(rng.random(n) < 0.3)
    cols["paperless"] = pa.array((rng.random(n) < 0.6).astype(np.int8))
    cols["plan"] = _choice(_PLANS, n, rng, p=[0.35, 0.3, 0.15, 0.12, 0.08])
    cols["state"] = _choice(_STATES, n, rng)
    cols["city"] = _choice(_CITIES, n, rng, zipf=True)
    cols["payment_method"] = _choice(_PAYMENTS, n, rng, null_rate=0.05)
    cols["country"] = pa.array(np.where(rng.random(n) < 0.998, "US", "CA"))
    for i, rate in enumerate([0.05, 0.1, 0.15, 0.2]):
        cols[f"score_{'abcd'[i]}"] = missing(np.round(rng.normal(0, 1, n), 4), rate)
    cols["discount_rate"] = missing(np.round(rng.uniform(0, 0.3, n), 3), 0.2)
    cols["days_since_login"] = pa.array(np.round(rng.exponential(12, n), 2))
    cols["latency_ms"] = missing(np.round(rng.gamma(2.0, 40.0, n), 1), 0.1)
    cols["notes"] = _text(n, rng)
    logit = -2.0 - 0.05 * (tenure - 24) + 0.5 * (calls - 1.5) + 0.02 * (monthly - 65) - 0.35 * (satisfaction - 3)
    cols["churned"] = pa.array((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8))
    return pa.table(cols)


def _ids(n: int, rng: Any) -> Any:
    """Unique ids like ``C0004711`` in shuffled order."""
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.utf8_lpad(pa.array(rng.permutation(n) + 1).cast(pa.string()), width=8, padding="0")
    return pc.binary_join_element_wise("C", digits, "")


def _dates(n: int, rng: Any) -> Any:
    """ISO 8601 timestamps between 2015 and 2024, 2% missing."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    start = np.datetime64("2015-01-01T00:00:00", "s").astype(np.int64)
    seconds = start + rng.integers(0, 10 * 365 * 86400, n)
    ts = pa.array(seconds, type=pa.timestamp("s"), mask=rng.random(n) < 0.02)
    return pc.strftime(ts, format="%Y-%m-%dT%H:%M:%S")


def _choice(levels: Sequence[str], n: int, rng: Any, *, p: Sequence[float] | None = None,
            zipf: bool = False, null_rate: float = 0.0) -> Any:
    """Strings drawn from ``levels`` (uniformly, with ``p``, or Zipf-skewed), optionally with nulls."""
    import numpy as np
    import pyarrow as pa

    if zipf:
        weights = 1.0 / np.arange(1, len(levels) + 1)
        p = weights / weights.sum()
    codes = rng.choice(len(levels), n, p=p)
    mask = rng.random(n) < null_rate if null_rate else None
    return pa.DictionaryArray.from_arrays(pa.array(codes, mask=mask), pa.array(levels)).cast(pa.string())


def _text(n: int, rng: Any) -> Any:
    """Free text of 5-15 random words per row, 4% missing, built as an Arrow list then joined."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    counts = rng.integers(5, 16, n)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    words = pa.array(np.array(_WORDS, dtype=object)).take(pa.array(rng.integers(0, len(_WORDS), int(offsets[-1]))))
    joined = pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets), words), " ")
    return pc.if_else(pa.array(rng.random(n) < 0.04), pa.scalar(None, pa.string()), joined)


@dataclass
class Run:
    """One child process: wall seconds, CPU seconds (user + system), peak RSS and what it printed."""

    seconds: float
    cpu_seconds: float
    peak_rss_bytes: int
    stdout: str


class ChildFailed(RuntimeError):
    pass


# A bare interpreter (-S: no site, only built-in modules) that spawns the measured command, reaps it
# with wait4 and writes "seconds cpu_seconds maxrss exitcode" to the file named by argv[1]. It exists because
# Linux carries the spawning process's peak RSS into the child's ru_maxrss (through fork/vfork
# and exec): spawned straight from this process, every child would report at least this
# process's own peak (hundreds of MiB after generating the table). The spawner's peak is
# about 8 MiB, below any Python child measured here, so the figure is the child's own.
_SPAWNER = r"""
import os, sys, time
argv = sys.argv[2:]
t0 = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - t0
with open(sys.argv[1], "w") as f:
    f.write("%r %r %d %d" % (seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                             os.waitstatus_to_exitcode(status)))
"""


def run_child(argv: Sequence[str], *, cwd: Path, capture: bool = False,
              env: dict[str, str] | None = None) -> Run:
    """Run ``argv`` (argv[0] an absolute path) in a fresh process, its stdout to a temporary file.

    Wall time is from spawn to reaping, measured by the spawner; CPU time and peak
    RSS are the child's ``ru_utime + ru_stime`` and ``ru_maxrss`` from ``os.wait4``
    (``ru_maxrss`` is KiB on Linux, bytes on macOS). CPU time is the steadier figure
    on a busy machine: other processes stretch the wall time, not the CPU time.
    """
    with tempfile.TemporaryDirectory(dir=cwd) as tmp:
        out_path, err_path, res_path = (Path(tmp) / name for name in ("stdout", "stderr", "result"))
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            done = subprocess.run([sys.executable, "-S", "-c", _SPAWNER, str(res_path), *argv],
                                  stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, check=False)
        tail = err_path.read_bytes().decode("utf-8", "replace")[-2000:]
        if done.returncode != 0 or not res_path.exists():
            raise ChildFailed(f"spawner for {' '.join(argv)} exited with {done.returncode}:\n{tail}")
        seconds, cpu, maxrss, code = res_path.read_text().split()
        if int(code) != 0:
            raise ChildFailed(f"{' '.join(argv)} exited with {code}:\n{tail}")
        text = out_path.read_bytes().decode("utf-8", "replace") if capture else ""
    scale = 1 if sys.platform == "darwin" else 1024
    return Run(seconds=float(seconds), cpu_seconds=float(cpu), peak_rss_bytes=int(maxrss) * scale, stdout=text)


def warm_page_cache(path: Path) -> None:
    """Read the file once so the first measured reader does not pay for a cold disk."""
    with open(path, "rb") as f:
        while f.read(16 << 20):
            pass


def compile_bytecode() -> None:
    """Write advisor's bytecode cache, as ``pip install`` does for a wheel, so no measured run compiles it.

    With ``PYTHONDONTWRITEBYTECODE`` set (as on some CI machines) an editable
    install would otherwise compile every module it imports in every process,
    about 0.1 s that an installed tool never pays.
    """
    import compileall

    import advisor

    compileall.compile_dir(str(Path(advisor.__file__).parent), quiet=1)


def median(values: Sequence[float]) -> float:
    import statistics

    return float(statistics.median(values))


def versions(dists: Sequence[str]) -> dict[str, str]:
    """Python's version and each distribution's, or 'not installed'."""
    import platform
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in dists:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def git_revision() -> str | None:
    """The short hash of the checkout the benchmarks run from, when there is one."""
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None
