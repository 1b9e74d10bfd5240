"""Cross-validation on a Dask cluster: same scores as local, lost workers recorded, clear errors, never hangs.

The tests run against a real ``LocalCluster`` of 2 worker *processes* started here
(and one the advisor starts itself, through the CLI); nothing leaves localhost.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time

import pandas as pd
import pytest

pytest.importorskip("sklearn")
distributed = pytest.importorskip("distributed")

from advisor.benchmark import cross_validate_candidates  # noqa: E402
from advisor.candidates import candidate_advice  # noqa: E402
from advisor.errors import AllCandidatesFailed, OptionError  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from test_benchmark import advice_of, numbers_frame, small_advice  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    """2 worker processes, 1 thread each, for the whole module."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=50)
    client = distributed.Client(cluster, set_as_default=False)
    client.wait_for_workers(2, timeout=60)
    client.run(_warm)  # import scikit-learn once up front, so cold workers do not eat the tests' budgets
    yield cluster, client
    client.close()
    cluster.close()


@pytest.fixture
def doomed_cluster():
    """A cluster of its own, like ``cluster``, for a test that kills its workers: a nanny does not
    always bring back a worker killed as it was starting again (seen in a full run of the suite), and the
    other tests must not depend on it."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=50)
    client = distributed.Client(cluster, set_as_default=False)
    client.wait_for_workers(2, timeout=60)
    client.run(_warm)
    yield cluster, client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def penguins():
    from advisor.pipeline import bundled_path
    from advisor.profile import profile_frame

    frame = pd.read_csv(bundled_path())
    return frame, profile_frame(frame, target="species")


def _warm() -> None:
    import importlib

    for name in ("advisor.benchmark", "advisor.candidates", "sklearn.linear_model", "sklearn.svm", "sklearn.tree"):
        importlib.import_module(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_same_seed_gives_the_same_leaderboard_as_the_local_backend(cluster, penguins):
    frame, profile = penguins
    names = ("DummyClassifier", "LogisticRegression", "DecisionTreeClassifier", "KNeighborsClassifier")
    kwargs = {"budget": 120, "metric": "f1_macro", "seed": 3, "jobs": 2}
    local = cross_validate_candidates(frame, profile, small_advice(profile, names), **kwargs)
    remote = cross_validate_candidates(frame, profile, small_advice(profile, names), **kwargs, backend="dask",
                                       scheduler=cluster[0].scheduler_address)
    assert [(r.name, r.status, r.scores, r.rank, r.tied_with_best) for r in remote.rows] == \
        [(r.name, r.status, r.scores, r.rank, r.tied_with_best) for r in local.rows]
    assert all(r.status == "ok" for r in remote.rows)
    assert remote.pick is not None and local.pick is not None and remote.pick.name == local.pick.name
    assert remote.learning_curve == local.learning_curve
    assert any("scattered once" in n and cluster[0].scheduler_address in n for n in remote.notes)


def _kill_worker_running(client, name: str) -> str | None:
    """SIGKILL the Dask worker process that is running candidate ``name``'s task; its address."""
    for addr, keys in client.processing().items():
        if any(f"-{name}-" in str(k) for k in keys):
            pid = client.run(os.getpid, workers=[addr])[addr]
            os.kill(pid, signal.SIGKILL)
            return str(addr)
    return None


def _svc_run(cluster, kills: int, budget: float):
    """Cross-validate Dummy, LogisticRegression and a slow SVC, killing the SVC's worker ``kills`` times mid-run."""
    _, client = cluster
    frame, profile = numbers_frame(3000)
    advice = advice_of(candidate_advice(n, profile) for n in ("DummyClassifier", "LogisticRegression", "SVC"))
    killed: list[str] = []

    def progress(message: str, fraction: float) -> None:
        # "SVC: fold 1/5": a fold is finished, the next one is being fitted. Kill that worker.
        if message.startswith("SVC: fold 1/") and len(killed) < kills:
            addr = _kill_worker_running(client, "SVC")
            if addr is not None:
                killed.append(addr)

    t0 = time.monotonic()
    board = cross_validate_candidates(frame, profile, advice, budget=budget, metric=None, seed=0, jobs=2,
                                      estimate=False, progress=progress, backend="dask",
                                      scheduler=cluster[0].scheduler_address)
    return board, killed, time.monotonic() - t0


def test_a_worker_killed_mid_run_is_recorded_and_its_task_rerun(doomed_cluster):
    board, killed, elapsed = _svc_run(doomed_cluster, kills=1, budget=120)
    assert len(killed) == 1
    svc = board.row("SVC")
    assert svc.status == "ok", (svc.reason, svc.notes, board.notes)
    assert svc.score is not None and len(svc.scores["balanced_accuracy"].folds) == 5
    assert any(f"Dask worker {killed[0]} was lost" in n and "1 finished fold(s) were lost" in n for n in svc.notes)
    assert any(killed[0] in n for n in board.notes)
    assert elapsed < 120


def test_a_task_whose_workers_keep_dying_is_a_failed_row_and_the_run_goes_on(doomed_cluster, monkeypatch):
    from advisor import dask_backend

    monkeypatch.setattr(dask_backend, "TASK_LOSSES", 1)  # re-run once, then give up
    board, killed, elapsed = _svc_run(doomed_cluster, kills=2, budget=120)
    assert len(killed) == 2
    svc = board.row("SVC")
    assert svc.status == "failed", (killed, svc.notes, board.notes)
    # Dask either re-runs the task after the second death (then the pool gives up: "died 2 times") or,
    # as the worker dies, drops it while the data lives on elsewhere (then the reason is the scheduler's
    # drop, which names the same workers): a race inside Dask; either way the row fails with both workers.
    assert ("died 2 times" in svc.reason or "the Dask scheduler dropped the task" in svc.reason), svc.reason
    assert "\n" not in svc.reason
    assert all(addr in svc.reason for addr in killed)
    assert any("was lost" in n for n in svc.notes)
    assert board.pick is not None and board.pick.name == "LogisticRegression"
    assert elapsed < 120


def test_a_slow_candidate_times_out_at_the_budget_on_dask(cluster):
    frame, profile = numbers_frame(10000)  # about 20 s of SVC folds
    advice = advice_of(candidate_advice(n, profile) for n in ("DummyClassifier", "SVC"))
    t0 = time.monotonic()
    try:  # the SVC is the only real candidate, so its timeout leaves nothing to pick
        cross_validate_candidates(frame, profile, advice, budget=5, metric=None, seed=0, jobs=2, estimate=False,
                                  backend="dask", scheduler=cluster[0].scheduler_address)
        board = None
    except AllCandidatesFailed as err:
        board = err.leaderboard
    assert time.monotonic() - t0 < 5 + 5
    assert board is not None
    svc = board.row("SVC")
    assert svc.status == "timeout" and "budget" in svc.reason
    # The cancelled SVC stops itself at its next fold boundary and frees the cluster for the next run.
    deadline = time.monotonic() + 20
    while any(cluster[1].processing().values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(cluster[1].processing().values())


def test_clustering_runs_on_dask_with_the_same_scores(cluster):
    from test_benchmark_unsupervised import advice_of as cluster_advice
    from test_benchmark_unsupervised import blobs, profiled

    frame = blobs(n=300)
    profile, _ = profiled(frame)
    kwargs = {"budget": 120, "metric": None, "seed": 0, "jobs": 2}
    local = cross_validate_candidates(frame, profile, cluster_advice(profile, ["KMeans"]), **kwargs)
    remote = cross_validate_candidates(frame, profile, cluster_advice(profile, ["KMeans"]), **kwargs,
                                       backend="dask", scheduler=cluster[0].scheduler_address)
    assert remote.pick is not None and remote.pick.name == "KMeans"
    assert [(r.name, r.scores, r.clusters) for r in remote.rows] == [(r.name, r.scores, r.clusters) for r in local.rows]


def test_should_stop_cancels_the_dask_run_and_keeps_what_was_measured(cluster, penguins):
    from advisor.leaderboard import STATUSES

    frame, profile = penguins
    names = ("DummyClassifier", "LogisticRegression", "DecisionTreeClassifier", "KNeighborsClassifier", "SVC")
    t0 = time.monotonic()
    board = cross_validate_candidates(frame, profile, small_advice(profile, names), budget=120, metric=None, seed=0,
                                      jobs=2, backend="dask", scheduler=cluster[0].scheduler_address,
                                      should_stop=lambda: time.monotonic() - t0 > 0.5)
    assert board.cancelled and any(r.status == "cancelled" for r in board.rows)
    assert {r.status for r in board.rows} <= set(STATUSES)
    assert time.monotonic() - t0 < 30


def test_an_unreachable_scheduler_is_one_clear_error(penguins, monkeypatch):
    from advisor import dask_backend
    from advisor.dask_backend import DaskBackendError

    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 1.0)
    frame, profile = penguins
    address = f"tcp://127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    with pytest.raises(DaskBackendError) as info:
        cross_validate_candidates(frame, profile, small_advice(profile), budget=10, metric=None, seed=0,
                                  backend="dask", scheduler=address)
    assert time.monotonic() - t0 < 10
    assert address in str(info.value) and "\n" not in str(info.value) and info.value.exit_code == 2


def test_backend_options_are_checked(penguins, monkeypatch):
    frame, profile = penguins
    with pytest.raises(OptionError, match="backend"):
        cross_validate_candidates(frame, profile, small_advice(profile), budget=10, metric=None, seed=0,
                                  backend="spark")
    with pytest.raises(OptionError, match="--backend dask"):
        cross_validate_candidates(frame, profile, small_advice(profile), budget=10, metric=None, seed=0,
                                  scheduler="tcp://127.0.0.1:8786")


# ---------------------------------------------------------------- the command line


def test_cli_scheduler_without_the_dask_backend_is_exit_2(cli, penguins_path):
    code, out, err = cli("recommend", penguins_path, "--target", "species", "--scheduler", "tcp://127.0.0.1:8786")
    assert code == 2 and out == "" and "--backend dask" in err and len(err.strip().splitlines()) == 1


def test_cli_dask_not_installed_names_the_extra(cli, penguins_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # 'import distributed' now raises ImportError
    code, out, err = cli("recommend", penguins_path, "--target", "species", "--backend", "dask")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "pip install 'advisor[dask]'" in err


def test_cli_unreachable_scheduler_is_exit_2_naming_the_address(cli, penguins_path, monkeypatch):
    from advisor import dask_backend

    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    code, out, err = cli("recommend", penguins_path, "--target", "species", "--backend", "dask",
                         "--scheduler", address)
    assert code == 2 and out == "" and address in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and time.monotonic() - t0 < 10


def test_cli_backend_choices_are_checked(cli, penguins_path):
    code, _, err = cli("recommend", penguins_path, "--backend", "ray")
    assert code == 2 and "ray" in err and len(err.strip().splitlines()) == 1


def test_cli_dask_backend_starts_a_local_cluster_of_jobs_workers(cli, penguins_path):
    code, out, err = cli("recommend", penguins_path, "--target", "species", "--backend", "dask", "--jobs", "2",
                         "--budget", "120", "--format", "json", "-q")
    assert code == 0, err
    board = json.loads(out)["leaderboard"]
    assert board["pick"] is not None and all(r["status"] == "ok" for r in board["rows"])
    assert any("LocalCluster of 2 worker processes" in n for n in board["notes"])

