"""Saved models load safely, carry their metadata, and check the columns they are applied to."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.candidates import candidate_advice, fit_candidate
from advisor.errors import ModelFileError, OptionError
from advisor.modelio import build_metadata, fingerprint, load_model, predict_frame, save_model

pytest.importorskip("skops")


@pytest.fixture(scope="module")
def fitted():
    from advisor.pipeline import bundled_path
    from advisor.profile import profile_frame

    frame = pd.read_csv(bundled_path())
    profile = profile_frame(frame, target="species")
    pipe = fit_candidate(frame, profile, candidate_advice("HistGradientBoostingClassifier", profile))
    metadata = build_metadata(pipe, frame, target="species", task=profile.task, metric="balanced_accuracy",
                              cv_score=0.97, features=profile.feature_kinds(), candidate="HistGradientBoostingClassifier")
    return frame, pipe, metadata


def test_skops_round_trip_keeps_predictions_and_metadata(fitted, tmp_path):
    frame, pipe, metadata = fitted
    path = str(tmp_path / "model.skops")
    assert save_model(path, pipe, metadata) == []
    loaded, meta = load_model(path)
    assert meta["target"] == "species" and meta["task"] == "multiclass"
    assert meta["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert meta["training_data"] == {"rows": 344, "columns": 8, "sha256": fingerprint(frame)["sha256"]}
    assert {"python", "scikit-learn", "numpy", "pandas"} <= set(meta["libraries"])
    assert {"name": "bill_length_mm", "dtype": "float64"} in meta["columns"]
    out, notes = predict_frame(loaded, meta, frame, proba=True)
    assert len(out) == len(frame) and out.columns[0] == "species"
    assert list(out.columns)[1:] == [f"species_proba_{c}" for c in meta["classes"]]
    assert (out["species"] == pipe.predict(frame)).all()
    assert any("the target 'species'" in n for n in notes)


def test_joblib_is_allowed_with_a_warning(fitted, tmp_path):
    _, pipe, metadata = fitted
    path = str(tmp_path / "model.joblib")
    warnings = save_model(path, pipe, metadata)
    assert warnings and "pickle" in warnings[0]
    assert load_model(path)[1]["candidate"] == "HistGradientBoostingClassifier"


def test_other_extensions_are_refused(fitted, tmp_path):
    _, pipe, metadata = fitted
    with pytest.raises(OptionError, match=r"\.skops"):
        save_model(str(tmp_path / "model.pkl"), pipe, metadata)


def test_missing_corrupt_and_untrusted_files_are_model_file_errors(tmp_path):
    import os

    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    with pytest.raises(ModelFileError, match="No model file"):
        load_model(str(tmp_path / "nope.skops"))
    bad = tmp_path / "bad.skops"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ModelFileError, match="not a readable model file"):
        load_model(str(bad))
    evil = tmp_path / "evil.skops"
    sio.dump({"advisor_model": 1, "metadata": {}, "pipeline": FunctionTransformer(os.system)}, str(evil))
    with pytest.raises(ModelFileError, match="does not trust") as info:
        load_model(str(evil))
    assert info.value.exit_code == 2


def test_columns_are_checked_before_predicting(fitted):
    frame, pipe, metadata = fitted
    with pytest.raises(ModelFileError, match="no column 'bill_length_mm'"):
        predict_frame(pipe, metadata, frame.drop(columns=["bill_length_mm"]))
    wrong = frame.assign(body_mass_g="heavy")
    with pytest.raises(ModelFileError, match="'body_mass_g' holds text"):
        predict_frame(pipe, metadata, wrong)
    features = frame.drop(columns=["species"]).assign(note="extra")
    out, notes = predict_frame(pipe, metadata, features)
    assert list(out.columns) == ["species"] and len(out) == len(frame)
    assert notes == ["ignored 1 column(s) the model does not use: note"]


def test_numbers_read_as_text_still_predict(fitted):
    frame, pipe, metadata = fitted
    as_text = frame.assign(bill_depth_mm=frame["bill_depth_mm"].astype(str))
    out, _ = predict_frame(pipe, metadata, as_text)
    assert (out["species"] == pipe.predict(frame)).mean() > 0.95


def test_proba_needs_a_probabilistic_model(tmp_path):
    from advisor.pipeline import bundled_path
    from advisor.profile import profile_frame

    frame = pd.read_csv(bundled_path())
    profile = profile_frame(frame, target="species")
    pipe = fit_candidate(frame, profile, candidate_advice("LinearSVC", profile))
    meta = build_metadata(pipe, frame, target="species", task="multiclass", metric=None, cv_score=None,
                          features=profile.feature_kinds(), candidate="LinearSVC")
    with pytest.raises(OptionError, match="predict_proba"):
        predict_frame(pipe, meta, frame, proba=True)


def test_fingerprint_is_deterministic_and_sensitive():
    a = pd.DataFrame({"x": [1.0, 2.0, None], "s": pd.Series(["a", None, "c"], dtype="str")})
    assert fingerprint(a) == fingerprint(a.copy())
    changed = a.copy()
    changed.loc[0, "x"] = 1.5
    assert fingerprint(changed)["sha256"] != fingerprint(a)["sha256"]
    assert fingerprint(a)["rows"] == 3 and fingerprint(a)["columns"] == 2
