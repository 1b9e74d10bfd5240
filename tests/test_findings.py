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


def coded(codes: list[int], rows: int) -> np.ndarray:
    """A count of children (0 to about 8) with missing-value codes in ``rows`` rows, as PSID's 'kids'."""
    v = np.random.default_rng(13).poisson(2, 300)
    v[-rows:] = np.resize(codes, rows)
    return v


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
    "sentinel_values": lambda: with_col("kids", coded([98, 99], 12)),
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
    # a count with few values (Pima's 'npreg'), which the old rule took for a code
    "integer_code": lambda: with_col("npreg", np.random.default_rng(20).poisson(3, 300)),
    "datetime_column": lambda: with_col("code", [f"A-{i % 40}" for i in range(300)]),
    "free_text": lambda: with_col("word", [["red", "green", "blue"][i % 3] for i in range(300)]),
    "long_text": lambda: with_col("comment", text(300, 8)),
    "media_paths": lambda: with_col("doc", [f"docs/{i:04d}.pdf" for i in range(300)]),
    "skewed_feature": lambda: with_col("height", np.random.default_rng(10).normal(170, 10, 300)),
    "outliers": lambda: outliers(1),
    "scaling_needed": lambda: with_col("ratio", np.random.default_rng(11).normal(0, 5, 300)),
    "suspicious_zeros": lambda: with_col("glucose", np.random.default_rng(3).normal(100, 10, 300)),
    # a long tail: values all the way up to its maximum, which is no code
    "sentinel_values": lambda: with_col("income", np.round(np.random.default_rng(14).lognormal(10, 1, 300))),
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
    # Doctor visits (RAND's mdvis): a third of zeros, then 1, 2, ... with a long, sparse tail to 77,
    # whose spread made the usual step 0.28 and zero 'far' below 1.
    g = np.random.default_rng(7)
    visits = np.where(g.random(3000) < 0.33, 0, g.geometric(0.3, 3000))
    visits[:25] = np.arange(40, 90, 2)  # under 1% of rows, each a value of its own
    assert "suspicious_zeros" not in codes_for(lambda: with_col("visits", visits, n=3000))
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


def scores(noise: float, n: int = 400) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A test score that is the mean of a reading and a maths score (plus noise), each of which
    alone predicts it with R² near 0.96 (Caschool's testscr, readscr and mathscr)."""
    r = np.random.default_rng(13)
    ability = r.normal(650, 18, n)
    read, maths = ability + r.normal(0, 4, n), ability + r.normal(0, 4, n)
    return regression((read + maths) / 2 + r.normal(0, noise, n), readscr=read, mathscr=maths)


def test_columns_that_rebuild_the_target_together_are_critical():
    frame, kw = scores(noise=0.0)
    leaks = [f for f in profile_frame(frame, **kw).findings if f.code == "target_leakage"]
    assert len(leaks) == 1 and leaks[0].severity == "critical"
    assert sorted(leaks[0].columns) == ["mathscr", "readscr"]
    assert " + ".join(f"'{c}'" for c in leaks[0].columns) + " together reconstruct the target" in leaks[0].message
    assert "--drop mathscr" in leaks[0].advice and "--drop readscr" in leaks[0].advice


def test_columns_that_only_nearly_rebuild_the_target_stay_warnings():
    """With noise (R² 0.99 together) the two stay separate warnings, as their scores alone say."""
    frame, kw = scores(noise=2.0)
    profile = profile_frame(frame, **kw)
    assert profile.joint_leakage == []
    leaks = [f for f in profile.findings if f.code == "target_leakage"]
    assert sorted(f.columns[0] for f in leaks) == ["mathscr", "readscr"]
    assert {f.severity for f in leaks} == {"warning"}


def test_scaling_is_needed_from_a_tenfold_spread():
    """USArrests: Assault's standard deviation (83) is 19 times Murder's (4.4), the textbook case for
    scaling before PCA or KMeans; a fivefold spread stays quiet."""
    r = np.random.default_rng(14)
    arrests = pd.DataFrame({"Murder": r.normal(7.8, 4.36, 50), "Assault": r.normal(171, 83.3, 50),
                            "UrbanPop": r.normal(65.5, 14.5, 50), "Rape": r.normal(21.2, 9.37, 50)})
    finding = next(f for f in profile_frame(arrests, no_target=True).findings if f.code == "scaling_needed")
    assert finding.message.startswith("standard deviations range from ") and "('Murder') to " in finding.message
    assert "('Assault'), " in finding.message and finding.message.endswith(" times as wide")
    assert "scaling_needed" not in codes_for(lambda: (arrests[["Murder", "Rape", "UrbanPop"]], {"no_target": True}))


def identifier(values: list[str]) -> Any:
    frame, kw = with_col("household_id", values, n=len(values))
    return next(f for f in profile_frame(frame, **kw).findings if f.code == "identifier_column")


def test_an_identifier_whose_rows_repeat_asks_for_groups():
    """Catsup's id: 300 households, 9.3 purchases each, up to 44. The profile sees the repeats: it says
    so and tells to pass --groups, not 'if rows repeat'."""
    sizes = np.random.default_rng(15).integers(2, 20, 100)
    sizes[0] = 44
    finding = identifier([f"H{i:03d}" for i, k in enumerate(sizes) for _ in range(k)])
    rows = int(sizes.sum())
    assert finding.message == (f"'household_id' looks like an identifier; 'household_id' repeats: 100 values over {rows:,} "
                               f"rows, {rows / 100:.1f} rows each on average, up to 44")
    assert "validate with --groups household_id: GroupKFold" in finding.advice and "if rows repeat" not in finding.advice


def test_an_identifier_seen_once_per_row_is_only_dropped():
    finding = identifier([f"H{i:03d}" for i in range(300)])
    assert finding.advice == "drop it from the features: every value appears once, so a model could only memorise it"
    # a few repeats (two districts of one name) are said, with the --groups to use if they are one entity
    finding = identifier([f"H{i:03d}" for i in range(297)] + ["H000", "H001", "H002"])
    assert "repeats:" not in finding.message
    assert "a few values of 'household_id' come back (3 rows repeat an earlier value)" in finding.advice
    assert "--groups household_id" in finding.advice


def finding(case: Case, code: str) -> Any:
    frame, kw = case()
    return next(f for f in profile_frame(frame, **kw).findings if f.code == code)


def test_many_correlated_pairs_are_one_finding():
    """breast_cancer's 26 pairs were listed by correlated_features and counted again by
    many_correlated_features: now the warning lists them and carries both advices."""
    frame, kw = correlated(4)
    found = profile_frame(frame, **kw).findings
    assert "correlated_features" not in {f.code for f in found}
    many = next(f for f in found if f.code == "many_correlated_features")
    assert many.message.startswith("10 strongly correlated pairs: ") and "PCA" in many.advice and "Ridge" in many.advice


def test_cramers_v_has_no_sign_and_category_advice():
    """mpg's manufacturer~model: Cramér's V has no sign, and Ridge is no advice for two categories."""
    r = np.random.default_rng(16)
    model = r.choice([f"m{i}" for i in range(12)], 300)
    cars = base().assign(model=model, maker=[f"k{int(m[1:]) // 3}" for m in model])  # each model has one maker
    pair = finding(lambda: sup(cars), "correlated_features")
    assert "model~maker (V " in pair.message and "(+" not in pair.message
    assert "Ridge" not in pair.advice and "keep one of each pair, or combine them" in pair.advice


def test_missing_values_scale_with_their_share():
    """PSID: one missing cell in 4,856 rows was a warning printed as 0.0%."""
    values = np.random.default_rng(17).normal(size=2000)
    values[5] = np.nan
    one = finding(lambda: with_col("educ", values, n=2000), "missing_values")
    assert one.severity == "info" and "(worst: 'educ', 1 value, <0.1%)" in one.message
    values[:200] = np.nan
    many = finding(lambda: with_col("educ", values, n=2000), "missing_values")
    assert many.severity == "warning" and "(worst: 'educ', 10.0%)" in many.message


def coarse(n: int, seed: int) -> pd.DataFrame:
    """People described by a few coarse columns: some rows coincide by chance."""
    r = np.random.default_rng(seed)
    return pd.DataFrame({"age": r.integers(18, 30, n), "smoker": r.choice(["no", "yes"], n),
                         "visits": r.integers(0, 3, n), "y": r.choice(["no", "yes"], n)})


def test_duplicate_rows_of_coarse_columns_are_checked_before_dropping():
    """birthwt, mpg, Treatment: identical rows can be distinct people when no column is near unique."""
    found = finding(lambda: sup(coarse(300, 18)), "duplicate_rows")
    assert found.severity == "warning" and found.advice.startswith("check before dropping them")
    # copies of rows with a near-unique measurement are copies: drop them (the advice as before)
    copied = pd.concat([base(250), base(250).head(50)], ignore_index=True)
    found = finding(lambda: sup(copied), "duplicate_rows")
    assert found.advice.startswith("they repeat even 'f") and "look like copies" in found.advice


def test_a_handful_of_duplicates_in_a_big_table_is_a_note():
    """HI: 7 duplicate rows of 22,272 were a warning printed as 0.0%."""
    big = base(10_000)
    big.iloc[:7] = big.iloc[7:14].to_numpy()
    found = finding(lambda: sup(big), "duplicate_rows")
    assert found.severity == "info" and found.message == "7 rows (<0.1%) repeat an earlier row"


def event_log(n: int = 2000) -> pd.DataFrame:
    """An event log: a timestamp unique per row, a colour of 5 levels."""
    r = np.random.default_rng(0)
    return pd.DataFrame({"ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(r.permutation(n) * 3600, unit="s"),
                         "colour": r.choice(list("abcde"), n), "x": r.normal(size=n), "y": r.choice(["no", "yes"], n)})


def test_an_event_log_is_no_panel_of_its_categories():
    """Every (colour, ts) pair is unique only because every ts is: no panel, no --groups colour."""
    assert "panel_data" not in codes_for(lambda: sup(event_log()))
    # nor when a few timestamps repeat: random colours still would not repeat the pairs
    log = event_log()
    log.loc[:20, "ts"] = log.loc[21:41, "ts"].to_numpy()
    assert "panel_data" not in codes_for(lambda: sup(log))


def test_a_panel_of_dates_and_an_unbalanced_panel_are_still_found():
    """Stores by day (a date shared by every store) and people who join late and leave early."""
    days = pd.date_range("2023-01-01", periods=60, freq="D")
    stores = base(600).assign(store=[f"s{i % 10}" for i in range(600)], day=np.repeat(days, 10))
    assert "panel_data" in codes_for(lambda: sup(stores))
    r = np.random.default_rng(2)
    rows = [(f"P{p:03d}", year) for p in range(120) for year in range(1980 + r.integers(0, 3), 1988 - r.integers(0, 3))]
    people = base(len(rows)).assign(nr=[p for p, _ in rows], year=[y for _, y in rows])
    finding = next(f for f in profile_frame(people, target="y").findings if f.code == "panel_data")
    assert finding.columns == ["nr", "year"]


def test_panel_data_on_a_sample_of_a_big_table(monkeypatch):
    """Past PANEL_CHECK_ROWS the pairs are checked on a seeded sample: a panel still shows, and a
    category per year (whose repeats a sample also holds) stays silent."""
    import advisor.profile.relations as rel

    monkeypatch.setattr(rel, "PANEL_CHECK_ROWS", 120)
    assert "panel_data" in codes_for(TRIGGER["panel_data"])
    assert "panel_data" not in codes_for(SILENT["panel_data"])


def _sentinels(values: Any, name: str = "v") -> list[tuple[str, int]]:
    frame, kw = with_col(name, values)
    col = profile_frame(frame, **kw).column(name)
    assert col.numeric is not None
    return [(t.value, t.count) for t in col.numeric.sentinels]


def test_sentinel_codes_at_either_end():
    # PSID's 'kids' and 'educatn': 98 and 99 far above 0-10 and 0-17
    assert _sentinels(coded([98, 99], 12)) == [("98", 6), ("99", 6)]
    frame, kw = with_col("kids", coded([98, 99], 12))
    educ = np.random.default_rng(19).poisson(3, 300) + 8
    educ[:20] = 99
    p = profile_frame(frame.assign(educ=educ), **kw)
    finding = next(f for f in p.findings if f.code == "sentinel_values")
    assert finding.columns == ["kids", "educ"] and finding.severity == "warning"
    assert finding.message.startswith("'kids' (98 and 99 in 12 rows, 4.0%), 'educ' (99 in 20 rows, 6.7%) hold values")
    assert "df['kids'].replace([98, 99], np.nan)" in finding.advice and "SimpleImputer" in finding.advice
    # their codes make their skew and outliers: those findings wait
    assert not {"skewed_feature", "outliers"} & set(p.finding_codes())
    # 9 above a five-point scale, 999 above a measurement, -9 below one
    likert = np.random.default_rng(15).integers(1, 6, 300)
    likert[:10] = 9
    assert _sentinels(likert) == [("9", 10)]
    weight = np.round(np.random.default_rng(16).normal(70, 10, 300), 1)
    weight[:5], weight[5:9] = 999, -9
    assert _sentinels(weight) == [("999", 5)]
    assert _sentinels(np.where(weight == 999, 70.0, weight)) == [("-9", 4)]
    amount = np.round(np.random.default_rng(21).lognormal(8, 0.5, 300))
    amount[:4] = 9_999_999
    assert _sentinels(amount) == [("9999999", 4)]  # the code as it is, not rounded to 1e+07
    # -1 for "never" below a quantity that is never negative: many times the rows of its lowest values
    days = np.random.default_rng(17).integers(0, 800, 300)
    days[:60] = -1
    assert _sentinels(days) == [("-1", 60)]


def test_long_tails_outliers_and_real_nines_are_not_codes():
    g = np.random.default_rng(18)
    income = np.round(g.lognormal(10, 1, 300))
    income[:3] = 240_000  # a long tail's maximum
    assert _sentinels(income) == []
    visits = g.poisson(3, 300)
    visits[:4] = [45, 45, 99, 120]  # outliers, and a 99 among them
    assert _sentinels(visits) == []
    assert _sentinels(np.r_[g.integers(18, 100, 297), [99, 99, 99]]) == []  # ages up to 99: 99 is one of them
    assert _sentinels(np.r_[g.poisson(2, 298), [99, 99]]) == []  # two rows: outliers to check, not a code
    temperature = g.integers(-1, 30, 300)  # -1 as often as 0, 1 and 2: a value like them
    assert _sentinels(temperature) == []
    assert _sentinels(np.r_[g.integers(0, 4, 150), g.integers(0, 4, 147) + 5, [9] * 3]) == []  # 9 one step above 8


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


def test_missing_value_codes_do_not_shape_the_other_numeric_checks():
    """PSID's kids (0-10 with 98/99): its codes made a standard deviation of 14.9 for scaling_needed, a
    skew of 6 for max_abs_skew and a 'non-linear' one-column fit; those checks leave it aside, and the
    advice notes say no candidate replaces the codes."""
    from advisor.pipeline import advise_profile
    from advisor.profile.factvalues import compute_facts
    from advisor.ruletree import load_rules

    g = np.random.default_rng(23)
    n = 600
    x = g.normal(size=n)
    kids = g.poisson(1.5, n).astype(float)
    kids[:30] = 99.0
    frame = pd.DataFrame({"x": x, "kids": kids, "hours": g.normal(40, 9, n)})
    frame["y"] = 3 * x + 0.5 * np.minimum(kids, 10) + g.normal(scale=0.3, size=n)
    p = profile_frame(frame, target="y")
    assert "sentinel_values" in p.finding_codes() and "nonlinear_feature" not in p.finding_codes()
    scaling = next((f for f in p.findings if f.code == "scaling_needed"), None)
    assert scaling is None or "'kids'" not in scaling.message
    assert compute_facts(p)["max_abs_skew"] < 1.0
    notes = advise_profile(p, load_rules(None)).notes
    assert any("no candidate applies: sentinel_values in 'kids'" in n for n in notes)


def test_outliers_of_integers_packed_into_two_steps_are_far_ones_only():
    """Years of schooling at 11-12 for half the rows: 3-7 and 16 are ordinary values, not outliers
    beyond 3 IQR; a 99 among them still is."""
    g = np.random.default_rng(24)
    school = g.choice([11, 12, 13, 10, 16, 9, 7, 5, 3], 300, p=[0.35, 0.45, 0.06, 0.05, 0.03, 0.02, 0.02, 0.01, 0.01])
    frame, kw = with_col("school", school)
    p = profile_frame(frame, **kw)
    assert p.column("school").kind == "count" and "outliers" not in p.finding_codes()
    visits = g.poisson(3, 300)
    visits[:6] = [45, 60, 99, 120, 80, 70]
    frame, kw = with_col("visits", visits)
    assert "outliers" in profile_frame(frame, **kw).finding_codes()


def test_an_identifier_repeated_on_many_rows_is_advised_as_a_group_firmly():
    """A family number averaging 1.7 rows per value (PSID's intnum): 40% of rows repeat an earlier value,
    not 'a few', and the advice says to use --groups without an 'if'."""
    g = np.random.default_rng(25)
    families = np.repeat(np.arange(1000, 1180), g.integers(1, 3, 180))[:300]
    frame, kw = with_col("family_no", np.resize(families, 300))
    f = next(f for f in profile_frame(frame, **kw).findings if f.code == "identifier_column")
    assert "come back on many rows" in f.advice and "validate with --groups family_no" in f.advice
    few = np.arange(300)
    few[-5:] = few[:5]
    frame, kw = with_col("case_no", few)
    f = next(f for f in profile_frame(frame, **kw).findings if f.code == "identifier_column")
    assert "a few values of 'case_no' come back (5 rows repeat an earlier value)" in f.advice
