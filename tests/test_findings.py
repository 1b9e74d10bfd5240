"""Every finding code: a small table that triggers it, and a near miss where it stays silent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from advisor.profile import profile_frame
from advisor.profile.findings import CODES

Case = Callable[[], tuple[pd.DataFrame, dict[str, Any]]]


def base(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "f1": rng.normal(size=n),
        "f2": rng.normal(size=n),
        "y": rng.choice(["no", "yes"], size=n),
    })


def sup(frame: pd.DataFrame, **kw: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    return frame, {"target": "y", **kw}


def with_col(name: str, values: Any, n: int = 300, **kw: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    f = base(n)
    f[name] = values
    return sup(f, **kw)


rng = np.random.default_rng(42)


def regression(y: np.ndarray, **cols: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    f = base(len(y)).drop(columns="y")
    for k, v in cols.items():
        f[k] = v
    f["y"] = y
    return f, {"target": "y"}


def imbalanced(minority: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    f = base(300)
    f["y"] = ["yes"] * minority + ["no"] * (300 - minority)
    return sup(f)


def text(n: int, words: int) -> list[str]:
    vocab = np.array(["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "while", "data", "tables", "grow", "large", "every", "day"])
    r = np.random.default_rng(1)
    return [" ".join(r.choice(vocab, size=words)) for _ in range(n)]


def near_constant(others: int, n: int = 2000) -> tuple[pd.DataFrame, dict[str, Any]]:
    return with_col("flag", ["a"] * (n - others) + ["b"] * others, n=n)


def zeros(share: float) -> tuple[pd.DataFrame, dict[str, Any]]:
    v = np.random.default_rng(3).normal(100, 10, 300)
    v[: int(share * 300)] = 0
    return with_col("glucose", v)


def outliers(k: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    v = np.random.default_rng(4).normal(size=300)
    v[:k] = 50
    return with_col("amount", v)


def correlated(n_copies: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    f = base(300)
    r = np.random.default_rng(5)
    for i in range(n_copies):
        f[f"c{i}"] = f["f1"] + r.normal(scale=0.05, size=300)
    return sup(f)


x_sym = np.random.default_rng(6).uniform(-3, 3, 600)
noise = np.random.default_rng(7).normal(scale=2.0, size=600)

TRIGGER: dict[str, Case] = {
    "too_few_rows": lambda: sup(base(40)),
    "few_rows_per_feature": lambda: sup(base(80).assign(**{f"g{i}": np.arange(80) % (i + 3) * 1.5 for i in range(9)})),
    "target_missing": lambda: sup(base().assign(y=["yes", "no", None] * 100)),
    "class_imbalance": lambda: imbalanced(30),
    "rare_classes": lambda: sup(base().assign(y=["a"] * 148 + ["b"] * 149 + ["c"] * 3)),
    "target_skewed": lambda: regression(np.random.default_rng(8).lognormal(0, 1, 300)),
    "target_leakage": lambda: sup(base().assign(leak=lambda d: (d["y"] == "yes") * 1.0 + np.random.default_rng(9).normal(scale=0.01, size=300))),
    "missing_values": lambda: with_col("m", [1.5, None, 2.5] * 100),
    "mostly_missing_column": lambda: with_col("sparse", [1.0] * 6 + [None] * 294),
    "constant_column": lambda: with_col("const", ["same"] * 300),
    "near_constant_column": lambda: near_constant(8),
    "identifier_column": lambda: with_col("customer_id", [f"C{i:05d}" for i in range(300)]),
    "duplicate_rows": lambda: sup(pd.concat([base(250), base(250).head(50)], ignore_index=True)),
    "panel_data": lambda: sup(base().assign(person=[f"P{i // 5:03d}" for i in range(300)], year=[2015 + i % 5 for i in range(300)])),
    "duplicate_columns": lambda: sup(base().assign(f1_copy=lambda d: d["f1"])),
    "high_cardinality": lambda: with_col("city", [f"city{i % 100}" for i in range(1000)], n=1000),
    "integer_code": lambda: with_col("region", np.arange(300) % 5 + 1),
    "datetime_column": lambda: with_col("signup", pd.date_range("2020-01-01", periods=300, freq="D").strftime("%Y-%m-%d")),
    "free_text": lambda: with_col("comment", text(300, 8)),
    "long_text": lambda: with_col("essay", text(300, 45)),
    "media_paths": lambda: with_col("photo", [f"img/{i:04d}.jpg" for i in range(300)]),
    "skewed_feature": lambda: with_col("income", np.random.default_rng(10).lognormal(0, 1.2, 300)),
    "outliers": lambda: outliers(9),
    "scaling_needed": lambda: with_col("salary", np.random.default_rng(11).normal(50_000, 8_000, 300)),
    "suspicious_zeros": lambda: zeros(0.05),
    "nonlinear_feature": lambda: regression(x_sym**2 + noise, x=x_sym),
    "correlated_features": lambda: correlated(1),
    "many_correlated_features": lambda: correlated(4),
    "no_target": lambda: (base().drop(columns="y"), {}),
    "sampled": lambda: sup(base(), is_sample=True, n_rows_in_file=30_000),
}

SILENT: dict[str, Case] = {
    "too_few_rows": lambda: sup(base(51)),
    "few_rows_per_feature": lambda: sup(base(300)),
    "target_missing": lambda: sup(base()),
    "class_imbalance": lambda: imbalanced(120),
    "rare_classes": lambda: sup(base().assign(y=["a"] * 145 + ["b"] * 145 + ["c"] * 10)),
    "target_skewed": lambda: regression(np.random.default_rng(8).normal(0, 1, 300)),
    "target_leakage": lambda: sup(base().assign(weak=lambda d: (d["y"] == "yes") * 1.0 + np.random.default_rng(9).normal(scale=1.0, size=300))),
    "missing_values": lambda: sup(base()),
    "mostly_missing_column": lambda: with_col("sparse", [1.0, 2.0] * 15 + [None] * 270),
    "constant_column": lambda: with_col("two", ["a", "b"] * 150),
    "near_constant_column": lambda: with_col("flag", ["a"] * 1980 + ["b"] * 20, n=2000),
    "identifier_column": lambda: with_col("score", np.random.default_rng(12).normal(size=300)),
    "duplicate_rows": lambda: sup(base()),
    # a category per year is not a panel: the pairs repeat
    "panel_data": lambda: sup(base().assign(city=[f"c{i % 25}" for i in range(300)], year=[2015 + i % 4 for i in range(300)])),
    "duplicate_columns": lambda: sup(base().assign(f1_scaled=lambda d: d["f1"] * 2)),
    "high_cardinality": lambda: with_col("city", [f"city{i % 25}" for i in range(1000)], n=1000),
    "integer_code": lambda: with_col("visits", np.arange(300) % 90),
    "datetime_column": lambda: with_col("code", [f"A-{i % 40}" for i in range(300)]),
    "free_text": lambda: with_col("word", [["red", "green", "blue"][i % 3] for i in range(300)]),
    "long_text": lambda: with_col("comment", text(300, 8)),
    "media_paths": lambda: with_col("doc", [f"docs/{i:04d}.pdf" for i in range(300)]),
    "skewed_feature": lambda: with_col("height", np.random.default_rng(10).normal(170, 10, 300)),
    "outliers": lambda: outliers(1),
    "scaling_needed": lambda: with_col("ratio", np.random.default_rng(11).normal(0, 5, 300)),
    "suspicious_zeros": lambda: with_col("glucose", np.random.default_rng(3).normal(100, 10, 300)),
    "nonlinear_feature": lambda: regression(2 * x_sym + noise, x=x_sym),
    "correlated_features": lambda: sup(base()),
    "many_correlated_features": lambda: correlated(2),
    "no_target": lambda: sup(base()),
    "sampled": lambda: sup(base()),
}


def codes_for(case: Case) -> set[str]:
    frame, kw = case()
    return {f.code for f in profile_frame(frame, **kw).findings}


def test_every_code_has_both_cases():
    assert set(TRIGGER) == set(CODES) == set(SILENT)


@pytest.mark.parametrize("code", sorted(CODES))
def test_code_triggers(code):
    assert code in codes_for(TRIGGER[code])


@pytest.mark.parametrize("code", sorted(CODES))
def test_code_silent(code):
    assert code not in codes_for(SILENT[code])


def test_findings_carry_severity_columns_and_advice():
    frame, kw = TRIGGER["high_cardinality"]()
    finding = next(f for f in profile_frame(frame, **kw).findings if f.code == "high_cardinality")
    assert finding.columns == ["city"] and finding.severity == "warning"
    assert "TargetEncoder" in finding.advice


def test_severe_imbalance_is_critical():
    frame, kw = imbalanced(10)
    finding = next(f for f in profile_frame(frame, **kw).findings if f.code == "class_imbalance")
    assert finding.severity == "critical" and "class_weight='balanced'" in finding.advice


def test_findings_are_ordered_by_severity():
    frame = base(40).assign(m=[1.0, None] * 20, const="x")
    sev = [f.severity for f in profile_frame(frame, target="y").findings]
    order = {"critical": 0, "warning": 1, "info": 2}
    assert sev == sorted(sev, key=order.__getitem__) and sev[0] == "critical"


def test_zeros_in_a_count_are_not_taken_for_missing():
    # 0, 1, 2, 3 and "5.5" for five or more children (as statsmodels' fair data has it): zero is one
    # step below 1, like every other value, not a stand-in for missing.
    children = np.minimum(np.random.default_rng(5).poisson(1.2, 300), 4).astype(float)
    children[children == 4] = 5.5
    assert (children == 0).mean() > 0.2
    assert "suspicious_zeros" not in codes_for(lambda: with_col("children", children))
    # The same zeros below a measurement that cannot be 0 are flagged, even with one outlier
    # that would widen a step measured up to the maximum.
    dose = np.random.default_rng(6).normal(100, 10, 300)
    dose[children == 0] = 0.0
    dose[-1] = 10_000.0
    frame, kw = with_col("dose", dose)
    finding = next(f for f in profile_frame(frame, **kw).findings if f.code == "suspicious_zeros")
    assert finding.columns == ["dose"]
    assert finding.message.startswith(f"'dose' ({(dose == 0).mean():.1%} zeros) is otherwise")


def test_panel_data_names_the_entity_and_the_period():
    frame = base().assign(person=[f"P{i // 5:03d}" for i in range(300)],
                          wave=[1 + i % 5 for i in range(300)])  # a survey's waves: a period by its name
    finding = next(f for f in profile_frame(frame, target="y").findings if f.code == "panel_data")
    assert finding.columns == ["person", "wave"]
    assert finding.message == "rows are one per 'person' and 'wave': 60 values of 'person', about 5 rows each"
    assert "--groups person (GroupKFold)" in finding.advice and "--time wave (TimeSeriesSplit)" in finding.advice
    # each person once (a cross-section with a year column) is no panel, nor is a number not named like a period
    once = base().assign(person=[f"P{i:03d}" for i in range(300)], year=[2015 + i % 5 for i in range(300)])
    assert "panel_data" not in codes_for(lambda: sup(once))
    unnamed = frame.rename(columns={"wave": "level"})
    assert "panel_data" not in codes_for(lambda: sup(unnamed))
    # a daily series (airquality's Month and Day) is two periods, not an entity and a period
    daily = base(150).assign(Month=[5 + i // 30 for i in range(150)], Day=[1 + i % 30 for i in range(150)])
    assert "panel_data" not in codes_for(lambda: sup(daily))


def test_panel_data_on_a_sample_of_a_big_table(monkeypatch):
    """Past PANEL_CHECK_ROWS the pairs are checked on a seeded sample: a panel still shows, and a
    category per year (whose repeats a sample also holds) stays silent."""
    import advisor.profile.relations as rel

    monkeypatch.setattr(rel, "PANEL_CHECK_ROWS", 120)
    assert "panel_data" in codes_for(TRIGGER["panel_data"])
    assert "panel_data" not in codes_for(SILENT["panel_data"])


def test_too_few_rows_flags_exactly_50_rows_as_the_map_does():
    """The map's '>50 samples?' sends 50 to 'get more data'; the README must say '50 or fewer'."""
    assert "too_few_rows" in codes_for(lambda: sup(base(50)))
    assert "too_few_rows" not in codes_for(lambda: sup(base(51)))
    assert CODES["too_few_rows"].meaning.startswith("50 usable rows or fewer")


@pytest.mark.parametrize("task,severity,says,never", [
    ("binary", "critical", "get more data", ""),
    ("clustering", "warning", "clusters are hard to tell from noise", "Ridge"),
    ("dimensionality_reduction", "info", "PCA works on few rows", "Ridge"),
])
def test_too_few_rows_speaks_to_the_task(task, severity, says, never):
    """Unlabelled tables (USArrests, swiss) got 'critical' and Ridge/LogisticRegression/leave-one-out advice."""
    frame = base(47)
    kw: dict[str, Any] = {"target": "y"} if task == "binary" else {"no_target": True, "task": task}
    if task != "binary":
        frame = frame.drop(columns="y")
    profile = profile_frame(frame, **kw)
    assert profile.task == task
    finding = next(f for f in profile.findings if f.code == "too_few_rows")
    assert finding.severity == severity and says in finding.advice
    assert not never or never not in finding.advice
