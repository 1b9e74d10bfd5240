"""Run the cross-validation tasks on a Dask cluster (``advisor recommend --backend dask``).

:class:`DaskPool` has the interface of the local pool of killable worker
processes in :mod:`advisor.benchmark` (``free_slot``, ``submit``, ``busy``,
``poll``, ``kill``, ``close``), so the same scheduler drives both: the budget,
the deadlines, the probes of expensive candidates, the waves and "try next"
arrows, failures as rows, the pick and the leaderboard do not know which
backend ran the tasks. A "worker" of this pool is one Dask future running the
same pure task function as a local worker (``advisor.benchmark.task_handlers``)
on the same data and folds, so a seed gives the same scores on both.

- **The data is scattered once** to every worker (``client.scatter([data],
  broadcast=True)``); each task takes the scattered future as an argument, so
  nothing is re-sent per task.
- **Slots**: as many tasks run at once as the cluster has worker threads (at
  most one per candidate). Without a scheduler address a ``LocalCluster`` of
  ``jobs`` worker processes with one thread each is started for the run and
  closed after it.
- **Progress** (folds done) comes back through Dask's structured events
  (``Worker.log_event`` / ``Client.subscribe_topic``).
- **Deadlines**: a task past its deadline has its future cancelled and its row
  becomes ``timeout``, as locally. Dask cannot kill a task that is already
  running in a worker thread, so each task also carries its own deadline and
  checks, at every fold boundary, whether its future was cancelled; either
  way it stops there (a single long fit finishes first). The ``LocalCluster``
  the advisor starts is closed at the end of the run, which does kill such a
  fit; on a cluster of your own the thread finishes the current fit.
- **Lost workers**: Dask forgets scattered data as soon as one worker holding
  it dies, even when other workers hold copies (dask/distributed#3149), and
  cancels every task that needs it. The pool notices, scatters the data again
  and re-submits each cancelled task (from its first fold; a task is re-run at
  most :data:`TASK_LOSSES` times), and records on the row and in the
  leaderboard's notes which worker was lost and how many finished folds were
  lost with it. A task whose worker keeps dying, a ``KilledWorker`` from
  Dask, or a task dropped by the scheduler (restarted, connection lost)
  becomes a ``failed`` row with the reason, and the run goes on. A cluster
  with no workers left runs nothing: its tasks stop at the budget's end as
  ``timeout`` rows; the run never outlives the budget.

Why Dask futures and not joblib's Dask backend: joblib's backend runs a
``Parallel`` call's batches on the cluster, but gives the caller no handle on
one task: no per-task deadline, no cancelling one candidate while the others
go on, no progress, and no result until the batch returns. The scheduler
needs all four to keep the budget and to record failures and timeouts as
rows, so this module drives ``distributed.Client`` futures directly; the data
is still scattered once, which is what joblib's ``scatter=`` would have done.

``distributed`` is an optional dependency (``pip install 'advisor[dask]'``)
and is imported only inside these functions. The workers must be able to
import the same version of ``advisor`` (and scikit-learn) as the client.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from advisor.errors import AdvisorError

CONNECT_TIMEOUT = 5.0  # seconds to reach a scheduler before giving up with a clear error
WORKER_WAIT = 30.0  # seconds a LocalCluster may take to start its workers
TASK_LOSSES = 2  # times a task is re-run after losing its worker (or the data) before its row fails
INSTALL_HINT = "pip install 'advisor[dask]'"


class DaskBackendError(AdvisorError):
    """The Dask backend cannot be used: not installed, or the scheduler cannot be reached."""


def require_distributed() -> Any:
    """The ``distributed`` module, or a one-line DaskBackendError saying how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise DaskBackendError(
            f"--backend dask needs Dask's distributed scheduler, which is not installed ({exc}). "
            f"Install it with: {INSTALL_HINT}"
        ) from None
    return distributed


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def connect(scheduler: str, timeout: float | None = None) -> Any:
    """A ``distributed.Client`` connected to ``scheduler``, or a one-line DaskBackendError naming the address."""
    distributed = require_distributed()
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    try:
        return distributed.Client(scheduler, timeout=timeout, set_as_default=False)
    except Exception as exc:
        raise DaskBackendError(
            f"Cannot reach the Dask scheduler at '{scheduler}' within {timeout:g} s ({_one_line(exc)}). "
            "Check the address (tcp://HOST:8786) and that 'dask scheduler' is running there, "
            "or leave out --scheduler to start a local cluster."
        ) from None


def check_scheduler(scheduler: str | None, timeout: float | None = None) -> None:
    """Fail fast, before any profiling: distributed is installed and ``scheduler`` (if given) answers."""
    require_distributed()
    if scheduler is not None:
        connect(scheduler, timeout).close()


# ---------------------------------------------------------------- on the worker


class _Stopped(Exception):
    """Raised inside a task at a fold boundary once its deadline has passed or its future was cancelled."""


def run_task(data: dict[str, Any], kind: str, task_id: int, payload: dict[str, Any], topic: str, key: str,
             threads: dict[str, int]) -> tuple[Any, ...]:
    """Run one task on a Dask worker; the same message a local worker would send back.

    ``key`` is this task's own Dask key: when the client cancels it, the worker
    marks it cancelled and the task stops at its next fold boundary (as it does
    past ``payload['seconds']``). ``threads`` maps a host to the native threads
    each task there may use. Progress goes to the run's event ``topic``.
    """
    import warnings

    from distributed import get_worker
    from threadpoolctl import threadpool_limits

    from advisor.benchmark import task_handlers

    worker = get_worker()
    deadline = time.monotonic() + float(payload.get("seconds", float("inf")))
    worker.log_event(topic, ("start", task_id, worker.address))

    def report(*args: Any) -> None:
        worker.log_event(topic, ("progress", task_id, *args))
        state = getattr(worker.state.tasks.get(key), "state", None)
        if time.monotonic() > deadline or state in (None, "cancelled", "released", "forgotten"):
            raise _Stopped

    host = worker.address.rsplit(":", 1)[0]
    try:
        with warnings.catch_warnings(), threadpool_limits(limits=threads.get(host, 1)):
            warnings.simplefilter("ignore")
            return ("done", task_id, task_handlers()[kind](data, payload, report))
    except _Stopped:
        return ("error", task_id, "stopped at a fold boundary: past its deadline, or cancelled")
    except Exception as exc:
        return ("error", task_id, _one_line(exc))


def _preload(modules: list[str]) -> None:
    import importlib

    for name in modules:
        importlib.import_module(name)


# ---------------------------------------------------------------- on the client


@dataclass
class _DaskWorker:
    """One slot: the future running a task (``task`` is the scheduler's ``_Task``)."""

    future: Any
    task: Any
    payload: dict[str, Any]
    starts: list[str] = field(default_factory=list)  # the Dask worker of each attempt
    folds_done: int = 0
    losses: int = 0  # times the task lost its worker (or the data) mid-run
    resubmitted: bool = False  # the next start is our own re-submission, not a retry by Dask
    given_up: bool = False  # lost too often: reported as died


class DaskPool:
    """Slots that are Dask futures, with the interface of the local process pool (see the module docstring)."""

    def __init__(self, scheduler: str | None, data: dict[str, Any], *, jobs: int, max_slots: int,
                 threaded: bool, connect_timeout: float | None = None) -> None:
        import logging
        import queue

        distributed = require_distributed()
        self.scheduler = scheduler
        self.cluster: Any = None
        self.client: Any = None
        self.data: Any = None
        self.payload = data
        self.events: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.topic = f"advisor-{uuid.uuid4().hex}"
        self.scatters = 0
        self.workers: list[_DaskWorker | None] = []
        connect_timeout = CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
        try:
            if scheduler is None:
                try:
                    self.cluster = distributed.LocalCluster(
                        n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                        silence_logs=logging.ERROR, worker_dashboard_address=None)
                    self.client = distributed.Client(self.cluster, set_as_default=False)
                    self.client.wait_for_workers(jobs, timeout=WORKER_WAIT)
                except Exception as exc:
                    raise DaskBackendError(f"Could not start a local Dask cluster of {jobs} worker processes "
                                           f"({_one_line(exc)}). Try fewer --jobs, or --backend local.") from None
            else:
                self.client = connect(scheduler, connect_timeout)
                try:
                    self.client.wait_for_workers(1, timeout=connect_timeout)
                except Exception:
                    raise DaskBackendError(f"The Dask scheduler at '{scheduler}' has no workers "
                                           f"(none joined within {connect_timeout:g} s). Start some with "
                                           f"'dask worker {scheduler}'.") from None
            info = self.client.scheduler_info()["workers"]
            per_host: dict[str, int] = {}
            for addr, w in info.items():
                host = addr.rsplit(":", 1)[0]
                per_host[host] = per_host.get(host, 0) + int(w.get("nthreads", 1))
            self.n_workers = len(info)
            self.n_threads = sum(int(w.get("nthreads", 1)) for w in info.values())
            cores = self._cores()
            self.threads = {h: (max(1, cores.get(h, 1) // n) if threaded else 1) for h, n in per_host.items()}
            self.workers = [None] * max(1, min(self.n_threads, max_slots))
            self.client.subscribe_topic(self.topic, self.events.put)
            self._warm()
            t0 = time.perf_counter()
            self._scatter()
            self.scatter_seconds = time.perf_counter() - t0
        except BaseException:
            self.close()
            raise

    def _scatter(self) -> None:
        """Send the data once to every worker (again after a worker holding it died)."""
        [self.data] = self.client.scatter([self.payload], broadcast=True, hash=False)
        self.scatters += 1

    def _warm(self) -> None:
        """Import scikit-learn and the advisor on every worker at once, as the local forkserver preloads them."""
        from advisor.benchmark import PRELOAD

        with contextlib.suppress(Exception):  # a worker that cannot import them fails its tasks with the reason
            self.client.run(_preload, PRELOAD)

    def _cores(self) -> dict[str, int]:
        """CPU cores per worker host, asked of the workers themselves."""
        import os

        try:
            counts = self.client.run(os.cpu_count)
        except Exception:
            return {}
        return {addr.rsplit(":", 1)[0]: int(n or 1) for addr, n in counts.items()}

    def describe(self) -> str:
        where = (f"a LocalCluster of {self.n_workers} worker processes started for the run" if self.cluster is not None
                 else f"the Dask cluster at {self.scheduler} ({self.n_workers} workers, {self.n_threads} threads)")
        return (f"ran on {where}, {len(self.workers)} task(s) at a time; the data was scattered once to every "
                f"worker ({self.scatter_seconds:.1f} s)")

    # -- the pool interface used by advisor.benchmark._Scheduler

    def free_slot(self) -> int | None:
        for slot, worker in enumerate(self.workers):
            if worker is None or worker.task is None:
                return slot
        return None

    def _submit(self, task: Any, payload: dict[str, Any], attempt: int) -> Any:
        name = getattr(payload.get("candidate"), "name", "pick")
        # readable on a dashboard (and by the tests): kind, candidate, task id, attempt, run
        key = f"advisor-{task.kind}-{name}-{task.id}-{attempt}-{self.topic[-12:]}"
        return self.client.submit(run_task, self.data, task.kind, task.id, payload, self.topic, key, self.threads,
                                  key=key, pure=False)

    def submit(self, slot: int, task: Any, payload: dict[str, Any]) -> None:
        self.workers[slot] = _DaskWorker(self._submit(task, payload, 0), task, payload)

    def busy(self) -> list[_DaskWorker]:
        return [w for w in self.workers if w is not None and w.task is not None]

    def poll(self, timeout: float) -> list[tuple[Any, tuple[Any, ...]]]:
        """Wait up to ``timeout`` s for a busy future; progress, lost workers, then finished tasks, in order."""
        from distributed import wait

        busy = self.busy()
        if not busy:
            return []
        with contextlib.suppress(Exception):  # a timeout: nothing finished yet
            wait([w.future for w in busy], timeout=timeout, return_when="FIRST_COMPLETED")
        by_id = {w.task.id: w for w in busy}
        events: list[tuple[Any, tuple[Any, ...]]] = []
        while not self.events.empty():
            _, message = self.events.get()
            worker = by_id.get(message[1])
            if worker is None:
                continue  # a task that already finished or was cancelled
            if message[0] == "start":
                if worker.starts and not worker.resubmitted:  # Dask itself re-ran it after losing its worker
                    worker.losses += 1
                    events.append((worker, ("lost", message[1], self._lost(worker, worker.starts[-1]))))
                worker.starts.append(message[2])
                worker.folds_done, worker.resubmitted = 0, False
                if worker.losses > TASK_LOSSES and not worker.given_up:
                    worker.given_up = True
                    events.append((worker, ("died", self._death(worker, "lost"))))
            elif message[0] == "progress":  # ("progress", task id, step, done, total)
                worker.folds_done = int(message[3])
                events.append((worker, message))
        dropped = [w for w in busy if w.future.status in ("cancelled", "lost") and not w.given_up]
        if dropped and self._data_lost():
            events += self._recover(dropped)
        for worker in busy:
            if worker.task is None or worker.given_up:
                continue
            status = worker.future.status
            if status == "finished":
                try:
                    events.append((worker, worker.future.result()))
                except Exception as exc:  # the result could not be fetched back from the worker
                    events.append((worker, ("died", f"the result was lost on the Dask cluster ({_one_line(exc)})")))
            elif status in ("error", "cancelled", "lost"):
                events.append((worker, ("died", self._death(worker, status))))
        return events

    def _data_lost(self) -> bool:
        """Whether the scheduler forgot the scattered data (asked of it: the client hears of it a little later)."""
        if self.data is None:
            return False
        if self.data.status != "finished":
            return True
        try:
            return not self.client.who_has([self.data]).get(self.data.key)
        except Exception:
            return True

    def _recover(self, dropped: list[_DaskWorker]) -> list[tuple[Any, tuple[Any, ...]]]:
        """A worker died and Dask forgot the scattered data: scatter it again, re-submit the dropped tasks."""
        alive = set(self.client.scheduler_info()["workers"])
        try:
            self._scatter()
        except Exception as exc:
            reason = f"a Dask worker died and the data could not be scattered again ({_one_line(exc)})"
            return [(w, ("died", reason)) for w in dropped]
        events: list[tuple[Any, tuple[Any, ...]]] = []
        for worker in dropped:
            if worker.given_up:
                continue
            worker.losses += 1
            if worker.losses > TASK_LOSSES:
                continue  # reported as died below, with every worker it was lost on
            last = worker.starts[-1] if worker.starts else None
            if last is not None and last not in alive:
                note = self._lost(worker, last)
            else:
                note = (f"another Dask worker died, and Dask forgot the scattered data with it, so the data was "
                        f"scattered again and this task re-run from its first fold ({self._folds_lost(worker)})")
            events.append((worker, ("lost", worker.task.id, note)))
            worker.future = self._submit(worker.task, worker.payload, worker.losses)
            worker.resubmitted = True
        return events

    @staticmethod
    def _folds_lost(worker: _DaskWorker) -> str:
        return (f"{worker.folds_done} finished fold(s) were lost with it and recomputed" if worker.folds_done
                else "no finished fold was lost")

    def _lost(self, worker: _DaskWorker, address: str) -> str:
        what = {"cv": "cross-validating", "probe": "timing a small sample", "curve": "computing the learning curve",
                "unsupervised": "scoring"}.get(worker.task.kind, worker.task.kind)
        return (f"Dask worker {address} was lost while {what} this candidate; the task was re-run on another "
                f"worker ({self._folds_lost(worker)})")

    def _death(self, worker: _DaskWorker, status: str) -> str:
        exc: BaseException | None = None
        if status == "error":
            with contextlib.suppress(Exception):
                exc = worker.future.exception(timeout=1)
        where = ", ".join(worker.starts) or "unknown workers"
        if exc is not None and type(exc).__name__ == "KilledWorker":
            return (f"the Dask workers running it died ({where}; KilledWorker: Dask gave up after repeated "
                    "worker deaths; out of memory?)")
        if exc is not None:
            return f"the Dask task failed: {_one_line(exc)}"
        if worker.losses > TASK_LOSSES:
            return (f"the Dask workers running it died {worker.losses} times ({where}); it was re-run "
                    f"{worker.losses - 1} time(s), then given up (out of memory?)")
        return (f"the Dask scheduler dropped the task ({status}: the scheduler restarted, the connection was "
                f"lost or its workers went away; ran on {where})")

    def kill(self, worker: _DaskWorker) -> None:
        """Cancel the task's future (a running task stops itself at its next fold boundary) and free its slot."""
        with contextlib.suppress(Exception):
            worker.future.cancel()
        if worker in self.workers:
            self.workers[self.workers.index(worker)] = None

    def close(self) -> None:
        """Cancel what still runs (it stops at its next fold), release the data, close the client and own cluster."""
        for worker in self.workers:
            if worker is not None:
                with contextlib.suppress(Exception):
                    worker.future.cancel()
        if self.client is not None:
            if self.data is not None:
                with contextlib.suppress(Exception):
                    self.client.cancel([self.data])
            with contextlib.suppress(Exception):
                self.client.unsubscribe_topic(self.topic)
            with contextlib.suppress(Exception):
                self.client.close(timeout=5)
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close(timeout=10)
        self.workers = [None] * len(self.workers)
        self.client = self.cluster = self.data = None
