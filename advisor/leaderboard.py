"""The Leaderboard: what cross-validating the candidates measured, as JSON-friendly dataclasses.

Only str, int, float, bool, None, lists, dicts and nested dataclasses appear
here (no tuples, enums or numpy types), because the report layer serializes
these classes generically and the JSON form is a versioned contract.

Clustering and dimensionality reduction use the same classes: their metrics
(silhouette, Calinski-Harabasz, Davies-Bouldin, stability; trustworthiness,
explained variance) sit in ``CandidateResult.scores`` like the supervised
ones, with ``folds`` holding the per-resample values; what a clusterer found
is in ``CandidateResult.clusters``, what an embedding kept in
``CandidateResult.reduction``, and the reduction pick's 2-D picture in
``Leaderboard.embedding`` (draw it with :func:`advisor.embedding.embedding_svg`).
The clustering baseline is ``RandomLabels``: random cluster labels, whose
silhouette and stability are about 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# ok: measured; failed: raised (reason says why); timeout: stopped by the budget while running;
# skipped: never started (no time left, estimated too slow, or not needed); cancelled: the user stopped the run.
STATUSES = ("ok", "failed", "timeout", "skipped", "cancelled")


@dataclass
class MetricInfo:
    """One metric in the leaderboard; values are in natural units (RMSE positive, lower better)."""

    name: str
    label: str
    scorer: str  # the scikit-learn scorer name, or 'advisor:<name>' for the advisor's own
    greater_is_better: bool
    primary: bool = False


@dataclass
class MetricScore:
    """Test scores of one metric over the CV folds (None where the estimator cannot give it)."""

    mean: float | None
    std: float | None
    folds: list[float] = field(default_factory=list)


@dataclass
class ClusterStats:
    """What a clustering candidate found (task 'clustering'); its metrics are in ``CandidateResult.scores``."""

    n_clusters: int  # clusters found on the evaluation sample, noise not counted
    noise_share: float | None  # share of rows labelled noise (HDBSCAN, DBSCAN); None for methods without noise
    k: int | None = None  # the number of clusters asked for; None when the method finds it itself
    k_source: str | None = None  # 'given' (--n-clusters), 'silhouette' (searched), 'upper bound' (VBGMM)
    k_search: dict[str, float] = field(default_factory=dict)  # silhouette per k tried, keys are k as text
    sizes: list[int] = field(default_factory=list)  # cluster sizes on the evaluation sample, largest first
    sample_rows: int = 0  # rows the metrics were computed on
    resamples: int = 0  # bootstrap resamples behind the stability score
    stable: bool = True  # stability ARI of at least 0.5


@dataclass
class ReductionStats:
    """What a dimensionality-reduction candidate kept (task 'dimensionality_reduction')."""

    n_components: int  # columns of the embedding that was scored (2)
    input_dimensions: int  # columns of the prepared data
    explained_variance: list[float] = field(default_factory=list)  # PCA: ratio per kept component
    components_for_90: int | None = None  # PCA: components needed to reach 90% of the variance
    sample_rows: int = 0  # rows the embedding and its trustworthiness were computed on
    notes: list[str] = field(default_factory=list)


@dataclass
class Embedding:
    """A 2-D picture of the rows by the dimensionality-reduction pick, for a scatter plot."""

    method: str  # candidate name
    label: str
    x: list[float]
    y: list[float]
    n_rows: int  # rows of the table (the points are a seeded sample of them)
    colour: str | None = None  # the column whose values colour the points, if one suits
    colour_values: list[str] = field(default_factory=list)  # one per point, when ``colour`` is set
    x_label: str = "component 1"
    y_label: str = "component 2"
    trustworthiness: float | None = None


@dataclass
class TuningTrial:
    """One setting tried by the light tuning, scored on the same folds as the defaults."""

    params: dict[str, Any]
    status: str  # ok | failed | timeout | skipped
    score: float | None = None  # plain mean over the folds (optimistic for the setting chosen by it)
    seconds: float | None = None
    reason: str | None = None


@dataclass
class Tuning:
    """The light tuning of one candidate: what was tried, what was chosen, and an honest score for it.

    ``nested_score`` scores the tuning *procedure*: for each fold, the setting
    with the best mean over the other folds is scored on that fold, so no
    fold's score helped choose the setting it is scored with. The tuned
    setting is adopted only when that estimate beats the default's mean.
    """

    trials: list[TuningTrial]
    default_score: float | None
    chosen: dict[str, Any] = field(default_factory=dict)  # the best setting over every fold ({} = the default)
    nested_score: float | None = None
    adopted: bool = False
    verdict: str = ""


@dataclass
class CandidateResult:
    """One row: a candidate, what happened to it, and what it scored."""

    name: str
    label: str
    origin: str  # 'map' or 'advisor'
    status: str  # one of STATUSES
    reason: str | None = None
    is_baseline: bool = False
    wave: int = 0  # 0: the first candidates; 1, 2...: reached by the map's 'try next' arrows
    tags: dict[str, str | bool] = field(default_factory=dict)
    scores: dict[str, MetricScore] = field(default_factory=dict)
    score: float | None = None  # mean of the primary metric
    score_std: float | None = None
    train_score: float | None = None  # primary metric on the training folds
    train_test_gap: float | None = None  # how much better it does on rows it has seen
    overfitting: bool = False
    fit_seconds: float | None = None  # mean per fold
    predict_seconds_per_1000_rows: float | None = None
    model_bytes: int | None = None  # pickled size of one fitted fold model
    elapsed_seconds: float | None = None  # wall time spent on it, probe included
    estimated_seconds: float | None = None  # from a small-sample fit, for expensive candidates
    folds_done: int = 0
    rank: int | None = None
    p_value_vs_best: float | None = None  # Nadeau-Bengio corrected resampled t-test
    tied_with_best: bool = False
    notes: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)  # settings that differ from the default (light tuning)
    tuning: Tuning | None = None
    clusters: ClusterStats | None = None  # clustering only
    reduction: ReductionStats | None = None  # dimensionality reduction only


@dataclass
class CVInfo:
    """How rows were split."""

    strategy: str  # StratifiedKFold | KFold | GroupKFold | TimeSeriesSplit | Bootstrap (clustering) | Sample (reduction)
    n_splits: int
    n_rows: int
    shuffle: bool
    seed: int
    groups: str | None = None
    time_column: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class LearningCurve:
    """The pick's validation score against training-set size: would more data help?"""

    status: str  # ok | skipped | timeout | failed
    verdict: str
    train_sizes: list[int] = field(default_factory=list)
    train_scores: list[float] = field(default_factory=list)
    test_scores: list[float] = field(default_factory=list)
    test_std: list[float] = field(default_factory=list)


@dataclass
class Pick:
    """The recommended candidate and why, in words."""

    name: str
    metric: str
    score: float
    score_std: float | None
    reason: str
    best: str  # the top scorer (may differ from the pick when they are tied)
    tied: list[str] = field(default_factory=list)
    beats_baseline: bool = True
    params: dict[str, Any] = field(default_factory=dict)  # the estimator's settings chosen by the light tuning


@dataclass
class FullFit:
    """An incremental learner fitted over every row of a streamed table (``--full-fit``)."""

    candidate: str
    rows_trained: int
    rows_held_out: int
    batches: int
    metric: str
    holdout_score: float | None  # the full fit on the held-out rows
    sample_fit_holdout_score: float | None  # the same candidate fitted on the sample only, same rows
    seconds: float
    notes: list[str] = field(default_factory=list)


@dataclass
class Leaderboard:
    """The cross-validation stage's result: rows ranked by the primary metric, the pick and its curve."""

    task: str
    metric: str  # key of the primary metric in each row's ``scores``
    metrics: list[MetricInfo]
    cv: CVInfo
    rows: list[CandidateResult]
    pick: Pick | None
    baseline: str | None
    budget_seconds: float
    elapsed_seconds: float
    seed: int
    jobs: int
    cancelled: bool = False
    followed_try_next: bool = False
    learning_curve: LearningCurve | None = None
    notes: list[str] = field(default_factory=list)
    embedding: Embedding | None = None  # dimensionality reduction: the pick's 2-D picture
    full_fit: FullFit | None = None  # --full-fit: the incremental fit over every row

    def row(self, name: str) -> CandidateResult:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(name)
