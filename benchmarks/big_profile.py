"""Profile a table bigger than memory: a generated ~5 GB CSV, streamed, against pyarrow streaming it.

Generates (once, cached in the work directory) a seeded CSV of the same 30
mixed columns as ``profile_speed.py``, written in chunks of a million rows
until it reaches ``--gigabytes`` (default 5: about 22 million rows of this
wide table). When the disk has less free room than the file needs plus a
margin, the size is scaled down and the output says so.

Then, in fresh processes, ``--repeats`` times each (interleaved), medians:

* pyarrow stream read: ``pyarrow.csv.open_csv`` over the whole file with
  the block size advisor streams with, discarding each batch: the yardstick;
* advisor profile: ``python -m advisor profile FILE --stream --target churned --format json -q``
  end to end (``--stream`` only matters for small test sizes: a 5 GB file is
  far above the default memory setting and streams anyway).

Targets (issue 10): peak memory under 2 GB, wall time within 3x of the
pyarrow stream read. A measurement: exits 0 whether targets pass or not,
1 only when a child process fails.

    python benchmarks/big_profile.py                  # ~5 GB, 1 repeat
    python benchmarks/big_profile.py --gigabytes 0.5  # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    DEFAULT_WORKDIR,
    GENERATOR_VERSION,
    Run,
    compile_bytecode,
    make_table,
    median,
    run_child,
    warm_page_cache,
)

CHUNK_ROWS = 1_000_000
LIMITS = {"peak_bytes": 2 * 1024**3, "time_vs_stream_read": 3.0}
GIB = 1024**3

STREAM_CHILD = """\
import sys, time
import pyarrow.csv as c
sys.path.insert(0, sys.argv[2])
from advisor.load import STREAM_BLOCK_BYTES
t0 = time.perf_counter()
reader = c.open_csv(sys.argv[1], read_options=c.ReadOptions(block_size=STREAM_BLOCK_BYTES))
rows = sum(batch.num_rows for batch in reader)
print(time.perf_counter() - t0, rows)
"""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gigabytes", type=float, default=5.0, help="size of the generated CSV (default 5)")
    p.add_argument("--repeats", type=int, default=1, help="measurements of each (default 1; the file is big)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    p.add_argument("--json", type=Path, help="append one JSON line of results to this file")
    return p.parse_args(argv)


def ensure_big_table(workdir: Path, gigabytes: float, seed: int, log: Any) -> tuple[Path, int, str | None]:
    """(path, rows, note): reuse the cached file for these parameters, else write it chunk by chunk."""
    import pyarrow.csv as pacsv

    workdir.mkdir(parents=True, exist_ok=True)
    want = int(gigabytes * GIB)
    note = None
    free = shutil.disk_usage(workdir).free
    if free < want * 1.2 + GIB:
        scaled = max(int((free - GIB) / 1.2), 50 * 1024**2)
        note = (f"scaled down: {free / GIB:.1f} GiB free in {workdir}, so the table is "
                f"{scaled / GIB:.2f} GiB instead of {gigabytes:g} GiB")
        want = scaled
    path = workdir / f"big_{want // (1024**2)}mib_s{seed}_v{GENERATOR_VERSION}.csv"
    meta = path.with_suffix(".rows")
    if path.exists() and meta.exists():
        return path, int(meta.read_text()), note
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    rows = 0
    t0 = time.perf_counter()
    with open(tmp, "wb") as out:
        chunk = 0
        chunk_rows = min(CHUNK_ROWS, max(1_000, want // 230))  # about 230 bytes a row
        while out.tell() < want:
            table = make_table(chunk_rows, seed * 100_003 + chunk)
            # ids stay unique across chunks: prefix them with the chunk number
            import pyarrow.compute as pc

            ids = pc.binary_join_element_wise(f"K{chunk:03d}", table.column("customer_id"), "")
            table = table.set_column(0, "customer_id", ids)
            pacsv.write_csv(table, out, write_options=pacsv.WriteOptions(include_header=chunk == 0))
            rows += table.num_rows
            chunk += 1
            log(f"  generated {rows:,} rows, {out.tell() / GIB:.2f} GiB, {time.perf_counter() - t0:.0f} s")
    os.replace(tmp, path)
    meta.write_text(str(rows))
    return path, rows, note


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    path, rows, note = ensure_big_table(args.workdir, args.gigabytes, args.seed, log)
    size = path.stat().st_size
    py = sys.executable
    repo = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "NO_COLOR": "1"}
    warm_page_cache(path)
    compile_bytecode()
    reads: list[Run] = []
    profiles: list[Run] = []
    read_call: list[float] = []
    report: dict[str, Any] = {}
    for i in range(args.repeats):
        log(f"repeat {i + 1}/{args.repeats}: pyarrow stream read")
        run = run_child([py, "-c", STREAM_CHILD, str(path), repo], cwd=args.workdir, capture=True, env=env)
        read_call.append(float(run.stdout.split()[0]))
        reads.append(run)
        log(f"repeat {i + 1}/{args.repeats}: advisor profile")
        run = run_child([py, "-m", "advisor", "profile", str(path), "--stream", "--target", "churned", "--format",
                         "json", "-q"],
                        cwd=args.workdir, capture=True, env=env)
        report = json.loads(run.stdout)
        profiles.append(run)
    read_s = median([r.seconds for r in reads])
    prof_s = median([r.seconds for r in profiles])
    peak = median([r.peak_rss_bytes for r in profiles])
    scan = report["profile"]["scan"] or {}
    result = {
        "file_bytes": size, "rows": rows, "note": note, "load": os.getloadavg(),
        "stream_read_seconds": round(read_s, 2), "stream_read_call_seconds": round(median(read_call), 2),
        "stream_read_peak_bytes": median([r.peak_rss_bytes for r in reads]),
        "profile_seconds": round(prof_s, 2), "profile_cpu_seconds": round(median([r.cpu_seconds for r in profiles]), 2),
        "profile_peak_bytes": peak, "time_ratio": round(prof_s / read_s, 2),
        "scan": {k: scan.get(k) for k in ("rows", "batches", "sample_rows", "memory_limit_bytes",
                                          "quantile_rank_error", "distinct_relative_error")},
        "timings": report.get("timings"),
    }
    lines = [
        f"big_profile: {size / GIB:.2f} GiB CSV, {rows:,} rows x 30 columns, median of {args.repeats}",
        *([f"NOTE {note}"] if note else []),
        f"machine load average {result['load'][0]:.2f} {result['load'][1]:.2f} {result['load'][2]:.2f}",
        "",
        f"{'':28}{'wall s':>9}{'peak MiB':>10}",
        f"{'pyarrow stream read':28}{read_s:9.1f}{result['stream_read_peak_bytes'] / 1024**2:10.0f}",
        f"{'advisor profile':28}{prof_s:9.1f}{peak / 1024**2:10.0f}",
        "",
        f"{'PASS' if peak < LIMITS['peak_bytes'] else 'FAIL'}  peak memory {peak / GIB:.2f} GiB "
        f"(target < {LIMITS['peak_bytes'] / GIB:.0f} GiB)",
        f"{'PASS' if prof_s <= LIMITS['time_vs_stream_read'] * read_s else 'FAIL'}  time {prof_s / read_s:.2f}x "
        f"the pyarrow stream read (target <= {LIMITS['time_vs_stream_read']:g}x)",
        f"streamed {scan.get('rows', 0):,} rows in {scan.get('batches', 0):,} batches; sample of "
        f"{scan.get('sample_rows', 0):,} rows (quantiles within {scan.get('quantile_rank_error', 0):.2%} of rank)",
    ]
    print("\n".join(lines))
    if args.json:
        with open(args.json, "a") as fh:
            fh.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
