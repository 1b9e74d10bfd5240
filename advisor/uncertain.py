"""Uncertainty sampling: the unlabelled rows a model is least sure about, the rows worth labelling next."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advisor.errors import ModelFileError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

METHODS = ("least_confident", "margin", "entropy")


def uncertain_rows(pipeline: Any, metadata: dict[str, Any], frame: pd.DataFrame, n: int,
                   method: str = "margin") -> tuple[pd.DataFrame, str]:
    """The ``n`` most uncertain rows, most uncertain first, with their 1-based row number in the input.

    Classifiers: ``margin`` (1 minus the gap between the two most likely classes),
    ``least_confident`` (1 minus the top probability) or ``entropy`` of the
    predicted probabilities; a classifier without probabilities uses the
    distance of its decision score from the boundary. Forest regressors: the
    spread of the trees' predictions.
    """
    import numpy as np
    import pandas as pd

    from advisor.modelio import check_columns

    check_columns(metadata, frame)
    target = metadata.get("target") or "prediction"
    X = frame.drop(columns=[target], errors="ignore").reset_index(drop=True)
    score, how = _uncertainty(pipeline, X, method, metadata.get("task"))
    order = np.argsort(-score, kind="stable")[:n]
    out = pd.DataFrame({"row": order + 1, "uncertainty": np.round(score[order], 6),
                        f"predicted_{target}": pipeline.predict(X.iloc[order])})
    return pd.concat([out, X.iloc[order].reset_index(drop=True)], axis=1), how


def _uncertainty(pipeline: Any, X: pd.DataFrame, method: str, task: str | None) -> tuple[np.ndarray, str]:
    import numpy as np

    if task in ("binary", "multiclass") and hasattr(pipeline, "predict_proba"):
        p = np.sort(pipeline.predict_proba(X), axis=1)
        if method == "least_confident":
            return 1 - p[:, -1], "least confident: 1 - top class probability"
        if method == "entropy":
            with np.errstate(divide="ignore", invalid="ignore"):
                return -np.nansum(p * np.log(p), axis=1), "entropy of the class probabilities"
        return 1 - (p[:, -1] - p[:, -2]), "margin: 1 - (top probability - second probability)"
    if task in ("binary", "multiclass") and hasattr(pipeline, "decision_function"):
        d = np.asarray(pipeline.decision_function(X))
        if d.ndim == 1:
            return -np.abs(d), "closeness to the decision boundary (-|decision score|)"
        d = np.sort(d, axis=1)
        return -(d[:, -1] - d[:, -2]), "closeness to the boundary between the two top classes"
    model = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    trees = getattr(getattr(model, "regressor_", model), "estimators_", None)
    if trees is not None and hasattr(pipeline, "steps"):
        Xt = pipeline[:-1].transform(X)
        preds = np.stack([t.predict(Xt) for t in np.ravel(trees)])
        return preds.std(axis=0), "spread of the forest's tree predictions"
    raise ModelFileError(
        f"{metadata_name(model)} gives no measure of uncertainty: uncertainty sampling needs a classifier "
        "(probabilities or decision scores) or a forest regressor"
    )


def metadata_name(model: Any) -> str:
    return type(model).__name__
