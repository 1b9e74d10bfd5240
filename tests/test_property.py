"""Whatever the input, the result is a report or an AdvisorError: never another exception."""

from __future__ import annotations

import contextlib
import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from advisor.errors import AdvisorError
from advisor.pipeline import build_profile_report
from advisor.profile import profile_frame
from advisor.report.jsonout import render_json

names = st.text(alphabet=string.ascii_letters + "_ ", min_size=1, max_size=8)
cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-10**12, 10**12),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    cols = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    dtypes = draw(st.lists(st.sampled_from(["float", "int", "object", "bool", "mixed"]), min_size=len(cols), max_size=len(cols)))
    specs = []
    for name, dt in zip(cols, dtypes, strict=True):
        if dt == "float":
            specs.append(column(name, elements=st.floats(allow_nan=True, allow_infinity=True), dtype=float))
        elif dt == "int":
            specs.append(column(name, elements=st.integers(-1000, 1000), dtype=int))
        elif dt == "bool":
            specs.append(column(name, elements=st.booleans(), dtype=bool))
        elif dt == "object":
            specs.append(column(name, elements=st.one_of(st.none(), st.text(max_size=10)), dtype=object))
        else:
            specs.append(column(name, elements=cells, dtype=object))
    return draw(data_frames(specs, index=range_indexes(min_size=1, max_size=80)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames(), use_target=st.booleans(), seed=st.integers(0, 3))
def test_random_frames_profile_or_advisor_error(frame, use_target, seed):
    from advisor.profile.config import Settings

    target = frame.columns[-1] if use_target else None
    try:
        profile = profile_frame(frame, target=target, settings=Settings(seed=seed))
    except AdvisorError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert profile.table.n_rows == len(frame)
    assert set(profile.facts())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600), ext=st.sampled_from([".csv", ".tsv", ".parquet", ".jsonl", ".csv.gz", ".feather", ".bin"]))
def test_random_bytes_report_or_advisor_error(data, ext):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{ext}"
        path.write_bytes(data)
        try:
            report = build_profile_report(str(path))
        except AdvisorError as exc:
            assert str(exc) and "\n" not in str(exc)
            assert path.read_bytes() == data
            return
        assert render_json(report)


@settings(max_examples=40, deadline=None)
@given(text=st.text(alphabet=string.printable + "éü€;|\t", max_size=400))
def test_random_text_files(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_text(text, encoding="utf-8")
        with contextlib.suppress(AdvisorError):
            build_profile_report(str(path))


def test_numpy_is_used():  # keep the import honest for linters
    assert np.isnan(float("nan"))


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(string.ascii_lowercase, min_size=1, max_size=3), inner, max_size=3)), max_leaves=6)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), json_values, min_size=1), min_size=1, max_size=20))
def test_random_json_lines(rows):
    import json

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        try:
            report = build_profile_report(str(path))
        except AdvisorError as exc:
            assert "\n" not in str(exc)
            return
        assert render_json(report)
