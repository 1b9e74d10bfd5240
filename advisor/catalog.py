"""What the advisor knows about each estimator it may recommend, as plain data.

The rule files name estimators by the stable names below; a name that is not
here is a validation error. Nothing here imports scikit-learn: the catalog is
read by ``advisor rules check`` and by ``--help``, which must stay instant.
:func:`make_estimator` imports scikit-learn only when an estimator is built.
The capability flags (``partial_fit``, ``predict_proba``, ``handles_nan``...)
describe the estimator *as configured here* and are checked against real
scikit-learn objects in ``tests/test_catalog.py``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

INTERPRETABILITY = ("glass_box", "partly", "black_box")
COSTS = ("cheap", "moderate", "expensive")
CLASSIFICATION = ("binary", "multiclass")
FAMILIES = (
    "linear",
    "svm",
    "neighbors",
    "naive_bayes",
    "tree",
    "ensemble",
    "boosting",
    "kernel_approximation",
    "clustering",
    "mixture",
    "decomposition",
    "manifold",
    "dummy",
)
# Flags a preparation rule may test with `estimator_has:`.
CAPABILITIES = (
    "partial_fit",
    "predict_proba",
    "needs_scaling",
    "handles_nan",
    "handles_categorical",
    "supports_class_weight",
)


@dataclass(frozen=True)
class EstimatorInfo:
    """One recommendable estimator: how to build it and what it can do."""

    name: str
    label: str
    import_path: str
    tasks: tuple[str, ...]
    family: str
    interpretability: str
    interpretability_reason: str
    cost: str
    params: dict[str, Any] = field(default_factory=dict)
    # Transformers placed before the estimator (kernel approximation), as (import path, params).
    steps_before: tuple[tuple[str, dict[str, Any]], ...] = ()
    partial_fit: bool = False
    predict_proba: bool = False
    needs_scaling: bool = False
    handles_nan: bool = False
    handles_categorical: bool = False
    supports_class_weight: bool = False

    def capability(self, flag: str) -> bool:
        """The value of one capability flag, by name (used by preparation rules)."""
        return bool(getattr(self, flag))


def _info(
    name: str,
    path: str,
    tasks: tuple[str, ...],
    family: str,
    interp: str,
    reason: str,
    cost: str,
    **kw: Any,
) -> EstimatorInfo:
    label = kw.pop("label", name)
    return EstimatorInfo(name, label, path, tasks, family, interp, reason, cost, **kw)


_C = CLASSIFICATION
_R = ("regression",)
_K = ("clustering",)
_D = ("dimensionality_reduction",)
_SCALED = {"needs_scaling": True}
_NYSTROEM = (("sklearn.kernel_approximation.Nystroem", {"n_components": 300, "random_state": 0}),)

_ENTRIES = [
    # Classification
    _info(
        "LinearSVC",
        "sklearn.svm.LinearSVC",
        _C,
        "svm",
        "glass_box",
        "One weight per feature: the sign and size say how each feature pushes the decision.",
        "cheap",
        supports_class_weight=True,
        **_SCALED,
    ),
    _info(
        "MultinomialNB",
        "sklearn.naive_bayes.MultinomialNB",
        _C,
        "naive_bayes",
        "partly",
        "Per-class word (feature) likelihoods can be read, but features are assumed independent.",
        "cheap",
        partial_fit=True,
        predict_proba=True,
    ),
    _info(
        "ComplementNB",
        "sklearn.naive_bayes.ComplementNB",
        _C,
        "naive_bayes",
        "partly",
        "Per-class feature weights can be read; built for imbalanced text classes.",
        "cheap",
        partial_fit=True,
        predict_proba=True,
    ),
    _info(
        "GaussianNB",
        "sklearn.naive_bayes.GaussianNB",
        _C,
        "naive_bayes",
        "partly",
        "Per-class means and variances are readable; independence is assumed.",
        "cheap",
        partial_fit=True,
        predict_proba=True,
    ),
    _info(
        "KNeighborsClassifier",
        "sklearn.neighbors.KNeighborsClassifier",
        _C,
        "neighbors",
        "partly",
        "A prediction is explained by its nearest training rows, not by a global rule.",
        "moderate",
        predict_proba=True,
        **_SCALED,
    ),
    _info(
        "SVC",
        "sklearn.svm.SVC",
        _C,
        "svm",
        "black_box",
        "An RBF kernel mixes all features non-linearly; support vectors do not read as rules.",
        "expensive",
        supports_class_weight=True,
        **_SCALED,
    ),
    _info(
        "RandomForestClassifier",
        "sklearn.ensemble.RandomForestClassifier",
        _C,
        "ensemble",
        "black_box",
        "Hundreds of deep trees vote; only aggregate importances can be shown.",
        "moderate",
        params={"random_state": 0},
        predict_proba=True,
        handles_nan=True,
        supports_class_weight=True,
    ),
    _info(
        "ExtraTreesClassifier",
        "sklearn.ensemble.ExtraTreesClassifier",
        _C,
        "ensemble",
        "black_box",
        "Hundreds of randomized trees vote; only aggregate importances can be shown.",
        "moderate",
        params={"random_state": 0},
        predict_proba=True,
        handles_nan=True,
        supports_class_weight=True,
    ),
    _info(
        "HistGradientBoostingClassifier",
        "sklearn.ensemble.HistGradientBoostingClassifier",
        _C,
        "boosting",
        "black_box",
        "A sum of many boosted trees; explained with SHAP values, not read directly.",
        "moderate",
        params={"random_state": 0},
        predict_proba=True,
        handles_nan=True,
        handles_categorical=True,
        supports_class_weight=True,
    ),
    _info(
        "SGDClassifier",
        "sklearn.linear_model.SGDClassifier",
        _C,
        "linear",
        "glass_box",
        "A linear model trained by stochastic gradient descent: one readable weight per feature.",
        "cheap",
        params={"random_state": 0},
        partial_fit=True,
        supports_class_weight=True,
        **_SCALED,
    ),
    _info(
        "KernelApproximationClassifier",
        "sklearn.linear_model.SGDClassifier",
        _C,
        "kernel_approximation",
        "black_box",
        "Features are first mapped to a random kernel space, so weights no longer name input features.",
        "moderate",
        label="kernel approximation (Nystroem + SGDClassifier)",
        params={"random_state": 0},
        steps_before=_NYSTROEM,
        supports_class_weight=True,
        **_SCALED,
    ),
    _info(
        "LogisticRegression",
        "sklearn.linear_model.LogisticRegression",
        _C,
        "linear",
        "glass_box",
        "One coefficient per feature, read as a change in log-odds.",
        "cheap",
        params={"max_iter": 1000},
        predict_proba=True,
        supports_class_weight=True,
        **_SCALED,
    ),
    _info(
        "DecisionTreeClassifier",
        "sklearn.tree.DecisionTreeClassifier",
        _C,
        "tree",
        "glass_box",
        "A shallow tree (max_depth=4) is a handful of if-then rules a person can follow.",
        "cheap",
        params={"max_depth": 4, "random_state": 0},
        predict_proba=True,
        handles_nan=True,
        supports_class_weight=True,
    ),
    _info(
        "DummyClassifier",
        "sklearn.dummy.DummyClassifier",
        _C,
        "dummy",
        "glass_box",
        "Always predicts the class frequencies: the score any real model must beat.",
        "cheap",
        params={"strategy": "prior"},
        predict_proba=True,
        handles_nan=True,
    ),
    # Clustering
    _info(
        "KMeans",
        "sklearn.cluster.KMeans",
        _K,
        "clustering",
        "partly",
        "Each cluster is summarized by its centroid, which can be read feature by feature.",
        "cheap",
        params={"n_init": "auto", "random_state": 0},
        **_SCALED,
    ),
    _info(
        "MiniBatchKMeans",
        "sklearn.cluster.MiniBatchKMeans",
        _K,
        "clustering",
        "partly",
        "Each cluster is summarized by its centroid, which can be read feature by feature.",
        "cheap",
        params={"n_init": "auto", "random_state": 0},
        partial_fit=True,
        **_SCALED,
    ),
    _info(
        "SpectralClustering",
        "sklearn.cluster.SpectralClustering",
        _K,
        "clustering",
        "black_box",
        "Clusters come from eigenvectors of a similarity graph, not from readable centroids.",
        "expensive",
        params={"random_state": 0},
        **_SCALED,
    ),
    _info(
        "GaussianMixture",
        "sklearn.mixture.GaussianMixture",
        _K,
        "mixture",
        "partly",
        "Each component has a readable mean and covariance; memberships are probabilities.",
        "moderate",
        params={"random_state": 0},
        predict_proba=True,
        **_SCALED,
    ),
    _info(
        "MeanShift",
        "sklearn.cluster.MeanShift",
        _K,
        "clustering",
        "partly",
        "Clusters are modes of the data density, summarized by their centers.",
        "expensive",
        **_SCALED,
    ),
    _info(
        "BayesianGaussianMixture",
        "sklearn.mixture.BayesianGaussianMixture",
        _K,
        "mixture",
        "partly",
        "Components have readable means and weights; unused components shrink away (the map's VBGMM).",
        "moderate",
        label="VBGMM (BayesianGaussianMixture)",
        params={"random_state": 0},
        predict_proba=True,
        **_SCALED,
    ),
    _info(
        "HDBSCAN",
        "sklearn.cluster.HDBSCAN",
        _K,
        "clustering",
        "partly",
        "Clusters are dense regions; points can be labelled noise, but there are no centroids to read.",
        "moderate",
        params={"copy": True},
        handles_nan=True,
        **_SCALED,
    ),
    _info(
        "DBSCAN",
        "sklearn.cluster.DBSCAN",
        _K,
        "clustering",
        "partly",
        "Clusters are dense regions around core samples; there are no centroids to read.",
        "moderate",
        **_SCALED,
    ),
    # Regression
    _info(
        "Lasso",
        "sklearn.linear_model.LassoCV",
        _R,
        "linear",
        "glass_box",
        "A sparse linear model: most coefficients are zero and the rest read directly.",
        "cheap",
        # The penalty is chosen by inner CV: a fixed alpha=1 zeroes every coefficient on many tables.
        params={"cv": 5, "random_state": 0, "max_iter": 5000},
        **_SCALED,
    ),
    _info(
        "ElasticNet",
        "sklearn.linear_model.ElasticNetCV",
        _R,
        "linear",
        "glass_box",
        "A sparse linear model with grouped features kept together; coefficients read directly.",
        "cheap",
        params={"cv": 5, "random_state": 0, "l1_ratio": [0.1, 0.5, 0.9], "max_iter": 5000},
        **_SCALED,
    ),
    _info(
        "Ridge",
        "sklearn.linear_model.Ridge",
        _R,
        "linear",
        "glass_box",
        "One shrunk coefficient per feature, read as the change in the target.",
        "cheap",
        label="RidgeRegression",
        **_SCALED,
    ),
    _info(
        "SVR_linear",
        "sklearn.svm.SVR",
        _R,
        "svm",
        "glass_box",
        "A linear kernel gives one weight per feature.",
        "moderate",
        label="SVR(kernel='linear')",
        params={"kernel": "linear"},
        **_SCALED,
    ),
    _info(
        "SVR_rbf",
        "sklearn.svm.SVR",
        _R,
        "svm",
        "black_box",
        "An RBF kernel mixes all features non-linearly.",
        "expensive",
        label="SVR(kernel='rbf')",
        params={"kernel": "rbf"},
        **_SCALED,
    ),
    _info(
        "RandomForestRegressor",
        "sklearn.ensemble.RandomForestRegressor",
        _R,
        "ensemble",
        "black_box",
        "Hundreds of deep trees average; only aggregate importances can be shown.",
        "moderate",
        params={"random_state": 0},
        handles_nan=True,
    ),
    _info(
        "ExtraTreesRegressor",
        "sklearn.ensemble.ExtraTreesRegressor",
        _R,
        "ensemble",
        "black_box",
        "Hundreds of randomized trees average; only aggregate importances can be shown.",
        "moderate",
        params={"random_state": 0},
        handles_nan=True,
    ),
    _info(
        "HistGradientBoostingRegressor",
        "sklearn.ensemble.HistGradientBoostingRegressor",
        _R,
        "boosting",
        "black_box",
        "A sum of many boosted trees; explained with SHAP values, not read directly.",
        "moderate",
        params={"random_state": 0},
        handles_nan=True,
        handles_categorical=True,
    ),
    _info(
        "SGDRegressor",
        "sklearn.linear_model.SGDRegressor",
        _R,
        "linear",
        "glass_box",
        "A linear model trained by stochastic gradient descent: one readable weight per feature.",
        "cheap",
        params={"random_state": 0},
        partial_fit=True,
        **_SCALED,
    ),
    _info(
        "KernelApproximationRegressor",
        "sklearn.linear_model.SGDRegressor",
        _R,
        "kernel_approximation",
        "black_box",
        "Features are first mapped to a random kernel space, so weights no longer name input features.",
        "moderate",
        label="kernel approximation (Nystroem + SGDRegressor)",
        params={"random_state": 0},
        steps_before=_NYSTROEM,
        **_SCALED,
    ),
    _info(
        "DecisionTreeRegressor",
        "sklearn.tree.DecisionTreeRegressor",
        _R,
        "tree",
        "glass_box",
        "A shallow tree (max_depth=4) is a handful of if-then rules a person can follow.",
        "cheap",
        params={"max_depth": 4, "random_state": 0},
        handles_nan=True,
    ),
    _info(
        "DummyRegressor",
        "sklearn.dummy.DummyRegressor",
        _R,
        "dummy",
        "glass_box",
        "Always predicts the mean: the score any real model must beat.",
        "cheap",
        params={"strategy": "mean"},
        handles_nan=True,
    ),
    # Dimensionality reduction
    _info(
        "PCA_randomized",
        "sklearn.decomposition.PCA",
        _D,
        "decomposition",
        "partly",
        "Components are linear mixes of features whose loadings can be read.",
        "cheap",
        label="Randomized PCA",
        params={"n_components": 2, "svd_solver": "randomized", "random_state": 0},
        **_SCALED,
    ),
    _info(
        "Isomap",
        "sklearn.manifold.Isomap",
        _D,
        "manifold",
        "black_box",
        "A non-linear embedding from graph distances; axes have no feature meaning.",
        "expensive",
        params={"n_components": 2},
        **_SCALED,
    ),
    _info(
        "SpectralEmbedding",
        "sklearn.manifold.SpectralEmbedding",
        _D,
        "manifold",
        "black_box",
        "A non-linear embedding from a similarity graph; axes have no feature meaning.",
        "expensive",
        params={"n_components": 2, "random_state": 0},
        **_SCALED,
    ),
    _info(
        "LocallyLinearEmbedding",
        "sklearn.manifold.LocallyLinearEmbedding",
        _D,
        "manifold",
        "black_box",
        "A non-linear embedding that keeps local neighbourhoods; axes have no feature meaning.",
        "expensive",
        label="LLE (LocallyLinearEmbedding)",
        params={"n_components": 2, "random_state": 0},
        **_SCALED,
    ),
    _info(
        "KernelApproximationTransformer",
        "sklearn.kernel_approximation.Nystroem",
        _D,
        "kernel_approximation",
        "black_box",
        "A random kernel feature map; its axes have no feature meaning.",
        "moderate",
        label="kernel approximation (Nystroem)",
        params={"n_components": 100, "random_state": 0},
        **_SCALED,
    ),
    _info(
        "KernelPCA",
        "sklearn.decomposition.KernelPCA",
        _D,
        "decomposition",
        "black_box",
        "Principal components in a kernel space; axes have no feature meaning.",
        "expensive",
        params={"n_components": 2, "kernel": "rbf", "random_state": 0},
        **_SCALED,
    ),
]

CATALOG: dict[str, EstimatorInfo] = {e.name: e for e in _ENTRIES}


def get_estimator_info(name: str) -> EstimatorInfo:
    """Look up one estimator, with a did-you-mean hint when the name is wrong."""
    from advisor.errors import OptionError, did_you_mean

    try:
        return CATALOG[name]
    except KeyError:
        hint = did_you_mean(name, list(CATALOG))
        raise OptionError(f"Unknown estimator '{name}'.{hint}") from None


def _import(path: str) -> Any:
    module, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def make_estimator(name: str) -> Any:
    """Build the configured scikit-learn object (a Pipeline when transformers come first).

    scikit-learn is imported here, not at module level, so the catalog stays cheap to read.
    """
    info = get_estimator_info(name)
    final = _import(info.import_path)(**info.params)
    if not info.steps_before:
        return final
    from sklearn.pipeline import make_pipeline

    before = [_import(path)(**params) for path, params in info.steps_before]
    return make_pipeline(*before, final)


# Light tuning: a few hand-picked settings per estimator, tried after the defaults when budget is left
# (see advisor.benchmark). Each is a known-good alternative to the default, not a grid: boosting with
# shallower trees and a slower rate, forests with larger leaves or fewer features per split, kernel
# and linear models with a stronger or weaker penalty, kNN with more neighbours. The shallow decision
# tree is left alone (its depth is what makes it readable), and Lasso/ElasticNet already choose their
# penalty by cross-validation.
_BOOSTING_TUNING: list[dict[str, Any]] = [
    {"learning_rate": 0.05, "max_iter": 200, "max_depth": 3, "min_samples_leaf": 40},
    {"max_leaf_nodes": 7, "max_iter": 200, "l2_regularization": 1.0},
]
_FOREST_TUNING: list[dict[str, Any]] = [{"min_samples_leaf": 3}, {"max_features": 0.5}]
TUNING: dict[str, list[dict[str, Any]]] = {
    "HistGradientBoostingClassifier": _BOOSTING_TUNING,
    "HistGradientBoostingRegressor": _BOOSTING_TUNING,
    "RandomForestClassifier": _FOREST_TUNING,
    "ExtraTreesClassifier": _FOREST_TUNING,
    "RandomForestRegressor": _FOREST_TUNING,
    "ExtraTreesRegressor": _FOREST_TUNING,
    "SVC": [{"C": 10.0}, {"C": 0.3}],
    "SVR_rbf": [{"C": 10.0}, {"C": 0.3}],
    "SVR_linear": [{"C": 0.1}],  # a larger C makes libsvm's linear kernel slow to converge
    "LinearSVC": [{"C": 0.1}, {"C": 10.0}],
    "LogisticRegression": [{"C": 0.1}, {"C": 10.0}],
    "Ridge": [{"alpha": 10.0}, {"alpha": 0.1}],
    "KNeighborsClassifier": [{"n_neighbors": 15}, {"weights": "distance"}],
}
