"""Save a fitted pipeline with the metadata that traces it to what made it; load it; predict with it.

The file format is skops (``.skops``) by default: unlike pickle, loading a
skops file does not run arbitrary code, because every type it would create is
listed first (``skops.io.get_untrusted_types``) and only an allow-list is
accepted. The allow-list is what the advisor itself writes: scikit-learn,
SciPy sparse matrices, numpy types and ufuncs, ``functools.partial`` (whose
wrapped function is checked separately) and the column helpers in
``advisor.candidates``. A file naming anything else (``os.system``,
``builtins.eval``, an unknown class) is refused with :class:`ModelFileError`
instead of being trusted. joblib (pickle) is used only when the path ends in
``.joblib``, and the caller gets a warning to show, since loading a pickle
from someone else can run their code.
"""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING, Any

from advisor import __version__
from advisor.errors import ModelFileError, OptionError

if TYPE_CHECKING:
    import pandas as pd

FORMAT_VERSION = 1
TRUSTED_PREFIXES = ("sklearn.", "scipy.sparse.", "advisor.candidates.")
JOBLIB_WARNING = (
    "The model was saved with joblib (pickle): loading it runs code from the file, "
    "so only load it on machines that trust its author. Use a .skops file to avoid this."
)


def fingerprint(frame: pd.DataFrame) -> dict[str, Any]:
    """Rows, columns and a sha256 of the frame's contents, hashed the same way on every machine."""
    import hashlib

    import pandas as pd

    digest = hashlib.sha256()
    for name in frame.columns:
        digest.update(str(name).encode("utf-8") + b"\x00" + str(frame[name].dtype).encode("utf-8") + b"\x00")
        column = frame[name]
        if column.dtype == object or str(column.dtype) in ("str", "string"):
            column = column.astype(object).where(column.notna(), None).map(lambda v: None if v is None else str(v))
        hashed = pd.util.hash_pandas_object(column, index=False).to_numpy()
        digest.update(hashed.astype("<u8").tobytes())
    return {"rows": len(frame), "columns": len(frame.columns), "sha256": digest.hexdigest()}


def library_versions() -> dict[str, str]:
    import numpy
    import pandas
    import sklearn

    versions = {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                "numpy": numpy.__version__, "pandas": pandas.__version__}
    try:
        import skops

        versions["skops"] = skops.__version__
    except ImportError:  # pragma: no cover - skops is a dependency of saving only
        pass
    return versions


def build_metadata(
    pipeline: Any,
    frame: pd.DataFrame,
    *,
    target: str,
    task: str,
    metric: str | None,
    cv_score: float | None,
    features: dict[str, str] | None = None,
    candidate: str | None = None,
) -> dict[str, Any]:
    """The metadata :func:`save_model` stores: versions, columns and dtypes, target, task, score, data fingerprint.

    ``frame`` is the training table (target included); ``features`` maps the
    feature columns the pipeline uses to their kinds (``profile.feature_kinds()``).
    """
    classes = getattr(pipeline, "classes_", None)
    return {
        "format_version": FORMAT_VERSION,
        "advisor_version": __version__,
        "libraries": library_versions(),
        "candidate": candidate,
        "target": target,
        "task": task,
        "metric": metric,
        "cv_score": None if cv_score is None else float(cv_score),
        "classes": None if classes is None else [_plain(c) for c in classes],
        "columns": [{"name": str(c), "dtype": str(frame[c].dtype)} for c in frame.columns],
        "features": dict(features or {}),
        "training_data": fingerprint(frame),
    }


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)
    value = item() if callable(item) else value
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


# ---------------------------------------------------------------- save and load


def save_model(path: str, fitted_pipeline: Any, metadata: dict[str, Any]) -> list[str]:
    """Write the pipeline and its metadata to ``path``; returns warnings for the caller to show."""
    import os
    import tempfile

    check_model_path(path)
    bundle = {"advisor_model": FORMAT_VERSION, "metadata": metadata, "pipeline": fitted_pipeline}
    warnings: list[str] = []
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OptionError(f"--save {path}: cannot write in the folder '{folder}' ({exc.strerror or exc}); "
                          f"choose another folder") from None
    os.close(fd)
    try:
        if path.endswith(".joblib"):
            import joblib

            joblib.dump(bundle, tmp)
            warnings.append(JOBLIB_WARNING)
        else:
            import skops.io as sio

            sio.dump(bundle, tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OptionError(f"--save {path}: cannot write it ({exc.strerror or exc}); choose another place") from None
        raise
    return warnings


def check_model_path(path: str) -> None:
    """The model file's name says how it is written: .skops (safe to load) or .joblib (a pickle)."""
    if not path.endswith((".skops", ".joblib")):
        raise OptionError(f"The '--save' option must end in .skops (safe) or .joblib (pickle). Got '{path}' instead.")


def _trusted(name: str) -> bool:
    # functools.partial wraps scikit-learn functions inside HistGradientBoosting; skops lists the
    # wrapped function as a type of its own, so it is checked here too.
    if name.startswith(TRUSTED_PREFIXES) or name == "functools.partial":
        return True
    if name.startswith("numpy."):
        import numpy as np

        obj: Any = np
        for part in name.split(".")[1:]:
            obj = getattr(obj, part, None)
            if obj is None:
                return False
        return isinstance(obj, (type, np.ufunc))
    return False


def load_model(path: str) -> tuple[Any, dict[str, Any]]:
    """Read a model saved by :func:`save_model`; raise ModelFileError when it is missing, corrupt or untrusted."""
    import os

    if not os.path.isfile(path):
        raise ModelFileError(f"No model file at '{path}'. Save one with 'advisor recommend ... --save {path}'.")
    try:
        if path.endswith(".joblib"):
            import joblib

            bundle = joblib.load(path)
        else:
            import skops.io as sio

            untrusted = sio.get_untrusted_types(file=path)
            refused = [t for t in untrusted if not _trusted(t)]
            if refused:
                raise ModelFileError(
                    f"'{path}' names types the advisor does not trust, so it was not loaded: {', '.join(refused[:5])}."
                )
            bundle = sio.load(path, trusted=untrusted)
    except ModelFileError:
        raise
    except Exception as exc:
        raise ModelFileError(f"'{path}' is not a readable model file ({type(exc).__name__}: {exc}); give a file "
                             f"written by 'advisor recommend --save', whole and unchanged") from None
    if not isinstance(bundle, dict) or "pipeline" not in bundle or "metadata" not in bundle:
        raise ModelFileError(f"'{path}' was not written by advisor (no pipeline and metadata inside).")
    return bundle["pipeline"], bundle["metadata"]


# ---------------------------------------------------------------- predict


def check_columns(metadata: dict[str, Any], frame: pd.DataFrame) -> list[str]:
    """Raise ModelFileError for a missing or incompatible column; return notes about extra columns."""
    import pandas as pd

    features: dict[str, str] = metadata.get("features") or {}
    dtypes = {c["name"]: c["dtype"] for c in metadata.get("columns", [])}
    needed = list(features) or [c for c in dtypes if c != metadata.get("target")]
    for name in needed:
        if name not in frame.columns:
            raise ModelFileError(
                f"The data has no column '{name}', which the model needs (trained as {dtypes.get(name, 'unknown')})."
            )
        kind = features.get(name)
        column = frame[name]
        present = column.dropna()
        if kind in ("numeric", "count", "code") and len(present) and not pd.api.types.is_numeric_dtype(column):
            parsed = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
            if parsed.isna().mean() > 0.5:
                raise ModelFileError(
                    f"The column '{name}' holds text such as {str(present.iloc[0])!r}, but the model was trained on numbers "
                    f"({dtypes.get(name, 'numeric')})."
                )
        if kind == "datetime" and len(present):
            stamps = pd.to_datetime(present, errors="coerce", utc=True)
            if stamps.isna().mean() > 0.5:
                raise ModelFileError(f"The column '{name}' does not hold dates, but the model was trained on dates.")
    extra = [str(c) for c in frame.columns if c not in needed]
    notes = []
    if extra:
        target = metadata.get("target")
        with_target = f" (the target '{target}' among them)" if target in extra else ""
        notes.append(f"ignored {len(extra)} column(s) the model does not use{with_target}: {', '.join(extra[:10])}")
    return notes


def predict_frame(pipeline: Any, metadata: dict[str, Any], frame: pd.DataFrame, proba: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Predictions, one row per input row, in a column named after the target (plus class probabilities)."""
    import pandas as pd

    notes = check_columns(metadata, frame)
    target = metadata.get("target") or "prediction"
    X = frame.drop(columns=[target], errors="ignore").reset_index(drop=True)
    try:
        out = pd.DataFrame({target: pipeline.predict(X)})
        if proba:
            if not hasattr(pipeline, "predict_proba"):
                raise OptionError(
                    f"The '--proba' option needs a model with predict_proba; {metadata.get('candidate') or 'this model'} has none."
                )
            probabilities = pipeline.predict_proba(X)
            for i, cls in enumerate(pipeline.classes_):
                out[f"{target}_proba_{_plain(cls)}"] = probabilities[:, i]
    except (OptionError, ModelFileError):
        raise
    except Exception as exc:
        raise ModelFileError(f"The model could not predict on this data ({type(exc).__name__}: {exc}).") from None
    return out, notes


def predict_batches(pipeline: Any, metadata: dict[str, Any], path: str, out: Any, *, proba: bool = False,
                    delimiter: str | None = None, file_format: str | None = None,
                    progress: Any = None, should_stop: Any = None) -> tuple[int, list[str]]:
    """Predict a table too big to load, batch by batch, writing CSV rows to the text file ``out``.

    The columns are checked on the first batch (and every batch must have them);
    the notes about ignored columns are given once. Returns (rows, notes).
    """
    import time

    import pyarrow as pa

    from advisor.errors import Cancelled
    from advisor.load import _to_pandas, open_batches

    stream = open_batches(path, delimiter=delimiter, file_format=file_format)
    rows = 0
    notes: list[str] = []
    t0 = time.perf_counter()
    try:
        for i, batch in enumerate(stream.batches):
            if should_stop is not None and should_stop():
                raise Cancelled("prediction was cancelled")
            frame = _to_pandas(pa.Table.from_batches([batch]))
            predictions, batch_notes = predict_frame(pipeline, metadata, frame, proba=proba)
            if i == 0:
                notes = batch_notes
            out.write(predictions.to_csv(index=False, header=i == 0, lineterminator="\n"))
            rows += len(predictions)
            if progress is not None:
                rate = rows / max(time.perf_counter() - t0, 1e-9)
                progress(f"predicted {rows:,} rows · {rate:,.0f} rows/s", min(stream.fraction(), 1.0))
    finally:
        stream.close()
    return rows, notes
