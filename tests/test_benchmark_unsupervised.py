"""Clustering and dimensionality reduction under the same budgeted, killable workers as cross-validation."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from advisor.benchmark import cross_validate_candidates, validate_metric
from advisor.candidates import candidate_advice
from advisor.embedding import embedding_svg
from advisor.errors import AllCandidatesFailed, OptionError
from advisor.leaderboard import STATUSES, Embedding, Leaderboard
from advisor.ruletree.model import Advice

pytest.importorskip("sklearn")


def blobs(n: int = 450, centers: int = 3, features: int = 4, seed: int = 0) -> pd.DataFrame:
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=n, centers=centers, n_features=features, cluster_std=0.8, random_state=seed)
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(features)])


def low_rank(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 2))
    frame = pd.DataFrame(Z @ rng.normal(size=(2, 8)) + 0.05 * rng.normal(size=(n, 8)), columns=[f"x{i}" for i in range(8)])
    frame["side"] = np.where(Z[:, 0] > 0, "left", "right")
    return frame


def profiled(frame: pd.DataFrame, **options: object):
    from advisor.pipeline import advise_profile
    from advisor.profile import profile_frame
    from advisor.ruletree import load_rules

    profile = profile_frame(frame, no_target=True, **options)
    return profile, advise_profile(profile, load_rules(None))


def advice_of(profile, names) -> Advice:
    return Advice(trace=[], path=[], leaf="test", outcome="clustering", candidates=[candidate_advice(n, profile) for n in names],
                  assumptions=[], notes=[], rules_source="test")


def run(frame, profile, advice, budget: float = 30, jobs: int = 2, **options) -> Leaderboard:
    return cross_validate_candidates(frame, profile, advice, budget=budget, metric=None, seed=0, jobs=jobs, **options)


def test_three_blobs_give_a_stable_k3_pick_chosen_by_silhouette():
    frame = blobs()
    profile, _ = profiled(frame)
    assert profile.task == "clustering" and profile.n_clusters is None
    board = run(frame, profile, advice_of(profile, ["KMeans", "GaussianMixture"]))
    assert board.metric == "silhouette" and board.cv.strategy == "Bootstrap" and board.baseline == "RandomLabels"
    assert [m.name for m in board.metrics] == ["silhouette", "calinski_harabasz", "davies_bouldin", "stability"]
    pick = board.row(board.pick.name)
    assert pick.clusters.k == 3 and pick.clusters.k_source == "silhouette" and pick.clusters.n_clusters == 3
    assert set(pick.clusters.k_search) >= {"2", "3", "4"} and max(pick.clusters.k_search, key=pick.clusters.k_search.get) == "3"
    assert pick.score > 0.5 and pick.scores["stability"].mean > 0.8 and pick.clusters.stable
    assert len(pick.scores["stability"].folds) == 10  # every pair of the 5 resamples
    assert pick.scores["davies_bouldin"].mean < 1 and pick.scores["calinski_harabasz"].mean > 100
    assert "k=3 chosen by silhouette" in board.pick.reason and board.pick.beats_baseline
    baseline = board.row("RandomLabels")
    assert baseline.status == "ok" and abs(baseline.score) < 0.1 and baseline.scores["stability"].mean < 0.2
    assert baseline.rank == len([r for r in board.rows if r.status == "ok"])  # random labels come last


def test_n_clusters_is_honoured_and_the_walk_offers_kmeans():
    frame = blobs(centers=4, seed=1)
    profile, advice = profiled(frame, n_clusters=4)
    assert advice.candidates[0].name == "KMeans"
    board = run(frame, profile, advice)
    kmeans = board.row("KMeans")
    assert kmeans.status == "ok" and kmeans.clusters.k == 4 and kmeans.clusters.k_source == "given"
    assert kmeans.clusters.n_clusters == 4 and not kmeans.clusters.k_search
    assert board.row("RandomLabels").clusters.k == 4
    assert board.pick is not None and "from --n-clusters" in board.pick.reason


def test_density_clustering_reports_noise_share_and_unusable_metrics_are_refused():
    rng = np.random.default_rng(3)
    frame = pd.concat([blobs(n=400, features=2), pd.DataFrame(rng.uniform(-15, 15, size=(40, 2)), columns=["f0", "f1"])],
                      ignore_index=True)
    profile, _ = profiled(frame)
    board = run(frame, profile, advice_of(profile, ["HDBSCAN", "KMeans"]))
    hdb = board.row("HDBSCAN")
    assert hdb.status == "ok" and hdb.clusters.noise_share is not None and hdb.clusters.noise_share > 0
    assert hdb.clusters.k is None and any("labelled noise" in n for n in hdb.notes)
    assert board.row("KMeans").clusters.noise_share is None
    assert validate_metric("davies_bouldin_score", "clustering") == "davies_bouldin"
    with pytest.raises(OptionError, match="true labels"):
        validate_metric("adjusted_rand_score", "clustering")
    with pytest.raises(OptionError, match="'trustworthiness'"):
        validate_metric("silhouette", "dimensionality_reduction")


def test_dimensionality_reduction_scores_every_embedding_and_keeps_a_picture():
    frame = low_rank()
    profile, advice = profiled(frame, task="dimensionality_reduction")
    assert profile.task == "dimensionality_reduction"
    board = run(frame, profile, advice)
    assert board.metric == "trustworthiness" and board.cv.strategy == "Sample" and board.baseline is None
    ok = [r for r in board.rows if r.status == "ok"]
    assert {"PCA_randomized", "Isomap", "SpectralEmbedding"} <= {r.name for r in ok}
    for row in ok:
        assert 0 < row.scores["trustworthiness"].mean <= 1 and row.fit_seconds is not None
        assert row.reduction is not None and row.reduction.n_components == 2
    pca = board.row("PCA_randomized")
    assert pca.scores["explained_variance"].mean > 0.9 and pca.reduction.components_for_90 == 2
    assert board.row("Isomap").scores["explained_variance"].mean is None
    assert board.pick.name == "PCA_randomized" and "variance" in board.pick.reason
    embedding = board.embedding
    assert isinstance(embedding, Embedding) and embedding.method == "PCA_randomized"
    assert len(embedding.x) == len(embedding.y) == len(frame) <= 1000 and embedding.n_rows == len(frame)
    assert embedding.colour == "side" and set(embedding.colour_values) == {"left", "right"}
    svg = embedding_svg(embedding)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and len(root.findall(".//{http://www.w3.org/2000/svg}circle")) >= len(embedding.x)
    assert svg == embedding_svg(embedding)  # deterministic


def test_a_tiny_table_told_to_reduce_gets_pca_not_clusterings():
    """USArrests (50 rows) with --task dimensionality_reduction was offered KMeans and GaussianMixture only."""
    frame = low_rank(n=50)
    profile, advice = profiled(frame, task="dimensionality_reduction")
    assert advice.leaf == "get_more_data" and [c.name for c in advice.candidates] == ["PCA_randomized"]
    finding = next(f for f in profile.findings if f.code == "too_few_rows")
    assert finding.severity == "info"
    board = run(frame, profile, advice, budget=20, jobs=1)
    assert board.pick is not None and board.pick.name == "PCA_randomized"


def test_embedding_svg_handles_odd_input():
    odd = Embedding("X", "<odd & label>", [0.0, float("nan"), 1.0], [1.0, 2.0, 1.0], 3, colour="c",
                    colour_values=[str(i) for i in range(3)])
    ET.fromstring(embedding_svg(odd))
    ET.fromstring(embedding_svg(Embedding("X", "empty", [], [], 0)))
    many = Embedding("X", "many", [float(i) for i in range(30)], [1.0] * 30, 30, colour="c",
                     colour_values=[f"v{i}" for i in range(30)])
    assert "other" in embedding_svg(many)


def test_a_tiny_budget_is_kept_for_slow_embeddings():
    frame = low_rank(n=3000, seed=1)
    profile, _ = profiled(frame, task="dimensionality_reduction")
    slow = advice_of(profile, ["PCA_randomized", "Isomap", "SpectralEmbedding", "LocallyLinearEmbedding"])
    budget = 1.0
    t0 = time.monotonic()
    try:
        board = run(frame, profile, slow, budget=budget, jobs=1)
    except AllCandidatesFailed as exc:
        board = exc.leaderboard
    assert time.monotonic() - t0 < budget + 5
    assert all(r.status in STATUSES for r in board.rows)
    stopped = [r for r in board.rows if r.status in ("timeout", "skipped")]
    assert stopped and all(r.reason for r in stopped)


def test_options_without_meaning_for_unsupervised_tasks_are_errors():
    frame = blobs(n=120)
    profile, advice = profiled(frame)
    with pytest.raises(OptionError, match="no target"):
        run(frame, profile, advice, groups="f0")


def test_cli_recommends_a_clustering_and_a_reduction(cli, tmp_path):
    path = tmp_path / "blobs.csv"
    blobs(n=300).to_csv(path, index=False)
    code, out, err = cli("recommend", path, "--no-target", "--budget", "20", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    board = report["leaderboard"]
    assert board["task"] == "clustering" and board["pick"]["name"] and board["metric"] == "silhouette"
    assert report["explanation"] is not None and report["pipeline_code"]
    code, out, err = cli("recommend", path, "--no-target", "--task", "dimensionality_reduction", "--budget", "20",
                         "--format", "json")
    assert code == 0, err
    board = json.loads(out)["leaderboard"]
    assert board["pick"]["name"] == "PCA_randomized" and len(board["embedding"]["x"]) == 300
    code, _, err = cli("recommend", path, "--no-target", "--task", "dimensionality_reduction", "--save",
                       tmp_path / "m.skops")
    assert code != 0 and "no predictions to save" in err


def test_a_kmeans_pick_is_saved_and_predicts_clusters(cli, tmp_path):
    path = tmp_path / "blobs.csv"
    blobs(n=300).to_csv(path, index=False)
    model = tmp_path / "clusters.skops"
    code, _, err = cli("recommend", path, "--no-target", "--n-clusters", "3", "--budget", "20", "--format", "json",
                       "--save", model)
    assert code == 0, err
    scored = tmp_path / "scored.csv"
    code, _, err = cli("predict", model, path, "-o", scored)
    assert code == 0, err
    clusters = pd.read_csv(scored)["cluster"]
    assert len(clusters) == 300 and clusters.nunique() == 3
