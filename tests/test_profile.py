"""Kinds, target inference, task inference and the facts the rule tree reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advisor.errors import OptionError, TargetError
from advisor.profile import profile_frame
from advisor.profile.facts import FACTS

N = 200
r = np.random.default_rng(0)


def kinds_of(frame: pd.DataFrame, **kw) -> dict[str, str]:
    return {c.name: c.kind for c in profile_frame(frame, no_target=True, **kw).columns}


def test_each_kind_is_detected():
    frame = pd.DataFrame({
        "price": r.normal(10, 2, N),
        "visits": r.poisson(40, N) + 100 * (np.arange(N) % 2),
        "region": np.arange(N) % 4 + 1,
        "city": [f"c{i % 12}" for i in range(N)],
        "active": [True, False] * (N // 2),
        "yesno": ["yes", "no"] * (N // 2),
        "when": pd.date_range("2021-01-01", periods=N, freq="h").astype(str),
        "note": [f"customer number {i} called about the late delivery" for i in range(N)],
        "order_id": np.arange(1000, 1000 + N),
        "token": [f"T{i:06x}" for i in range(N)],
        "const": 7,
        "empty": [None] * (N - 2) + [1.0, 2.0],
    })
    assert kinds_of(frame) == {
        "price": "numeric", "visits": "count", "region": "code", "city": "categorical", "active": "boolean",
        "yesno": "boolean", "when": "datetime", "note": "text", "order_id": "identifier", "token": "identifier",
        "const": "constant", "empty": "empty",
    }


def test_declines_explain_the_chain():
    col = profile_frame(pd.DataFrame({"x": r.normal(size=N)}), no_target=True).columns[0]
    assert col.kind == "numeric"
    assert [d.split(":")[0] for d in col.declined] == ["empty", "constant", "boolean", "datetime", "identifier"]
    assert "fractional numbers are not identifiers" in col.declined[-1]


def test_kind_hint_overrides_the_chain():
    frame = pd.DataFrame({"level": np.arange(N) % 4, "x": r.normal(size=N)})
    col = profile_frame(frame, no_target=True, kinds={"level": "categorical"}).column("level")
    assert col.kind == "categorical" and col.kind_reason == "set with --kind" and col.hinted


def test_unknown_kind_and_unknown_column_in_hints():
    frame = pd.DataFrame({"level": [1, 2, 3]})
    with pytest.raises(OptionError, match="unknown kind 'categoric'.*Did you mean 'categorical'"):
        profile_frame(frame, kinds={"level": "categoric"})
    with pytest.raises(OptionError, match="column 'levle'.*Did you mean 'level'"):
        profile_frame(frame, kinds={"levle": "categorical"})


def test_identifiers_are_dropped_from_features():
    frame = pd.DataFrame({"user_id": np.arange(N) // 2, "x": r.normal(size=N)})
    p = profile_frame(frame, no_target=True)
    assert p.column("user_id").kind == "identifier" and p.column("user_id").role == "dropped"
    assert [c.name for c in p.features] == ["x"]


def test_integer_identifiers_named_at_the_end_of_the_name():
    """Caschool's 'distcod' (a unique code per district) and PSID's 'intnum' (a family's number on each
    member's row) with 'persnum' (the member's number in the family): not counts to scale."""
    g = np.random.default_rng(1)
    family = np.repeat(np.arange(120), 3)[:N]  # 67 families of up to 3 members
    frame = pd.DataFrame({
        "distcod": g.permutation(np.arange(61_000, 76_000))[:N],
        "case_no": g.permutation(N) + 1,
        "intnum": g.permutation(np.arange(1_000, 9_000))[family],
        "persnum": np.array([1, 2, 170])[np.arange(N) % 3],
        "x": g.normal(size=N),
    })
    p = profile_frame(frame, no_target=True)
    assert {c.name: c.kind for c in p.columns} == {
        "distcod": "identifier", "case_no": "identifier", "intnum": "identifier", "persnum": "identifier", "x": "numeric"}
    assert "('cod')" in p.column("distcod").kind_reason and "rows repeat" in p.column("intnum").kind_reason
    assert p.column("persnum").kind_reason.endswith("with 'intnum' it picks out every row: the second part of a two-column key")
    finding = next(f for f in p.findings if f.code == "identifier_column")
    assert finding.columns == ["distcod", "case_no", "intnum", "persnum"]
    assert "rows are grouped by 'intnum', so validate with --groups intnum" in finding.advice
    assert "--groups persnum" not in finding.advice  # the second part of the key groups nothing
    assert "'intnum' repeats: " in finding.message and "3.0 rows each on average" in finding.message
    assert "--groups persnum" not in finding.advice and "--groups distcod" not in finding.advice


def test_names_that_only_look_like_identifiers_stay_quantities():
    """The number words name a key only at the end of a name: 'nr_children' and 'num_rooms' are counts
    (the old rule took any 'nr' token for an identifier); a repeating code is a category, a week's number
    a period; unique integers without a name are amounts (income), and 'paid' is not '...id'."""
    g = np.random.default_rng(2)
    frame = pd.DataFrame({
        "nr_children": g.integers(0, 30, N),
        "num_rooms": g.integers(1, 40, N),
        "region_code": g.integers(1, 31, N),
        "week_no": np.arange(N) % 52 + 1,
        "income": g.permutation(np.arange(20_000, 90_000))[:N],
        "paid": g.permutation(np.arange(100, 10_000))[:N],
    })
    kinds = kinds_of(frame)
    assert not [name for name, kind in kinds.items() if kind == "identifier"], kinds
    assert kinds["nr_children"] == "count" and kinds["income"] == "count"


def test_integer_codes_need_a_name_or_the_counts_of_labels():
    """birthwt's 'race' (1, 2, 3 in 96, 26, 67 rows) and airquality's 'Month' are codes: a category's
    name, or counts that rise and fall across the values (mpg's 'cyl': 4, 5, 6, 8 cylinders in 81, 4, 79, 70)."""
    g = np.random.default_rng(3)
    frame = pd.DataFrame({
        "race": np.repeat([1, 2, 3], [96, 26, 67]),
        "Month": np.repeat([5, 6, 7, 8, 9], [31, 30, 31, 31, 66]),
        "cyl": np.repeat([4, 5, 6, 8], [81, 4, 79, 25]),
        "product_type": g.integers(1, 15, 189),
    })
    p = profile_frame(frame, no_target=True)
    assert {c.name: c.kind for c in p.columns} == {"race": "code", "Month": "code", "cyl": "code", "product_type": "code"}
    assert p.column("race").kind_reason == "integers with only 3 distinct values, named like a category ('race')"
    assert "counts rise and fall (4: 81, 5: 4, 6: 79, 8: 25)" in p.column("cyl").kind_reason
    assert next(f for f in p.findings if f.code == "integer_code").columns == ["race", "Month", "cyl", "product_type"]
    # as a target, the task decides: class labels stored as integers, or numbers to regress on
    assert profile_frame(frame, target="race", task="regression").column("race").kind == "count"
    wine = profile_frame(labelled("target", np.arange(N) % 3))  # wine's classes 0, 1, 2: no dip, yet labels
    assert wine.task == "multiclass" and wine.column("target").kind == "code"
    assert wine.column("target").kind_reason == "target: class labels stored as integers"


def test_small_counts_and_short_tables_are_not_codes():
    """The old rule (any integers with at most 20 values) took every small count for a code: Pima's
    'npreg', birthwt's 'ptl' and 'ftv', HI's 'kidslt6', a flat 0-3 count, 'class_size' (the category word
    is not the last), and all of stackloss, whose 21 rows hold 7 to 14 readings of each column. Nor is
    an integer target of a regression a code."""
    g = np.random.default_rng(4)
    n = 189
    frame = pd.DataFrame({
        "npreg": g.poisson(3.5, n),
        "ptl": np.repeat([0, 1, 2, 3], [159, 24, 5, 1]),
        "ftv": np.repeat([0, 1, 2, 3, 4, 6], [100, 47, 30, 7, 4, 1]),
        "kidslt6": g.poisson(0.4, n),
        "floors": np.arange(n) % 4,
        "class_size": g.integers(18, 26, n),
    })
    assert set(kinds_of(frame).values()) == {"count"}, kinds_of(frame)
    stackloss = pd.DataFrame({
        "Air.Flow": np.repeat([50, 56, 58, 62, 70, 75, 80], [5, 1, 6, 5, 1, 1, 2]),
        "Water.Temp": np.repeat([17, 18, 19, 20, 22, 23, 24, 25, 27], [1, 5, 3, 3, 1, 2, 3, 1, 2]),
        "stack.loss": np.repeat([7, 8, 11, 12, 13, 14, 15, 18, 28, 37, 42], [1, 3, 2, 1, 1, 3, 3, 2, 1, 3, 1]),
    })
    p = profile_frame(stackloss, target="stack.loss")
    assert p.task == "regression" and {c.name: c.kind for c in p.columns} == {
        "Air.Flow": "count", "Water.Temp": "count", "stack.loss": "count"}
    assert "integer_code" not in p.finding_codes()


# ------------------------------------------------------------------- target


def labelled(name: str, values) -> pd.DataFrame:
    return pd.DataFrame({"a": r.normal(size=N), "b": r.normal(size=N), name: values})


def test_target_inferred_from_a_label_name_with_high_confidence():
    p = profile_frame(labelled("Churn", ["yes", "no"] * (N // 2)))
    assert p.target is not None and p.target.name == "Churn" and p.target.inferred
    assert p.target.confidence == "high" and "usual name for a label" in p.target.reason
    assert p.task == "binary"


def test_target_token_match_is_medium_with_runners_up():
    frame = labelled("is_churn", ["yes", "no"] * (N // 2)).assign(species=["x", "y", "z", "w"] * (N // 4))
    p = profile_frame(frame)
    assert p.target is not None and p.target.name == "is_churn" and p.target.confidence == "medium"
    assert p.target.runners_up == ["species"]


def test_a_weak_label_name_at_the_edge_is_a_low_confidence_pick():
    """Pima.tr's last column 'type' (No/Yes) and Catsup's 'choice' (4 brands) are picked, unsure; the
    family 'price.heinz41', 'price.heinz32', ... (features measured alike) is not even listed."""
    pima = pd.DataFrame({"npreg": r.poisson(3, N), "glu": r.normal(120, 30, N), "type": ["No", "Yes"] * (N // 2)})
    p = profile_frame(pima)
    assert p.target is not None and p.target.name == "type" and p.target.confidence == "low" and p.task == "binary"
    assert p.target.reason == ("'type' is the last column, holds 2 labels and is named like a label ('type'): a guess; "
                               "pass --target type to confirm it, or --no-target")
    catsup = pd.DataFrame({
        "id": np.arange(N) // 4,
        **{f"price.{b}": r.normal(3, 0.3, N) for b in ("heinz41", "heinz32", "heinz28", "hunts32")},
        "disp.heinz41": np.arange(N) % 2, "disp.hunts32": np.arange(N) % 3 == 0,
        "choice": np.array(["heinz41", "heinz32", "heinz28", "hunts32"])[np.arange(N) % 4],
    })
    p = profile_frame(catsup)
    assert p.target is not None and p.target.name == "choice" and p.target.confidence == "low"
    assert p.task == "multiclass" and p.target.runners_up == []
    # in the middle of the table, or leading a name ("price_per_sqft"), a weak name is only a runner-up
    middle = pima[["npreg", "type", "glu"]].assign(price_per_sqft=r.normal(size=N))
    p = profile_frame(middle)
    assert p.target is None and p.column("type").role == "feature"
    assert p.task_reason.startswith("no column is named like a label; columns that might be it: 'type' (holds 2 labels)")


def test_unlabelled_tables_stay_unsupervised_and_list_what_might_be_the_target():
    """birthwt's first column 'low' and Treatment's 'treat' hold labels but no label's name: listed, not
    picked (Treatment's last column 'u75' is one of a family with 'u74'). Tables of measurements
    (USArrests, swiss, iris without its species) list nothing."""
    birthwt = pd.DataFrame({"low": np.arange(N) % 3 == 0, "age": r.poisson(23, N), "bwt": r.normal(2900, 700, N)})
    p = profile_frame(birthwt)
    assert p.target is None and p.task == "clustering"
    assert p.task_reason.startswith("no column is named like a label; columns that might be it: 'low' (the first "
                                    "column, holds 2 labels); pass --target to choose one")
    treatment = pd.DataFrame({"treat": np.arange(N) % 2 == 0, "re74": r.normal(size=N), "re75": r.normal(size=N),
                              "u74": np.arange(N) % 3 == 0, "u75": np.arange(N) % 5 == 0})
    p = profile_frame(treatment)
    assert p.target is None and "'treat' (the first column, holds 2 labels)" in p.task_reason
    assert "u75" not in p.task_reason
    usarrests = pd.DataFrame({"name": [f"state {i}" for i in range(N)], "Murder": r.normal(8, 4, N),
                              "Assault": r.poisson(170, N), "UrbanPop": r.integers(30, 90, N), "Rape": r.normal(21, 9, N)})
    iris = pd.DataFrame({f"{part} {dim} (cm)": r.normal(4, 1, N) for part in ("sepal", "petal") for dim in ("length", "width")})
    for table in (usarrests, iris):
        p = profile_frame(table)
        assert p.target is None and "might be it" not in p.task_reason


def test_no_label_name_means_unsupervised():
    p = profile_frame(pd.DataFrame({"a": r.normal(size=N), "b": r.normal(size=N)}))
    assert p.target is None and p.task == "clustering" and "pass --target" in p.task_reason
    assert "no_target" in p.finding_codes()


def test_no_target_flag_and_dimensionality_reduction():
    p = profile_frame(labelled("target", r.normal(size=N)), no_target=True, task="dimensionality_reduction")
    assert p.target is None and p.task == "dimensionality_reduction"
    assert p.facts()["just_looking"] is True


@pytest.mark.parametrize("values,task", [
    (["a", "b"] * (N // 2), "binary"),
    (["a", "b", "c", "d"] * (N // 4), "multiclass"),
    (list(np.arange(N) % 5), "multiclass"),
    (list(r.normal(size=N)), "regression"),
    (list(r.poisson(200, N)), "regression"),
])
def test_task_inferred_from_the_target(values, task):
    p = profile_frame(labelled("y", values), target="y")
    assert p.task == task and p.target is not None and p.target.task_reason


def test_task_override_and_its_checks():
    frame = labelled("y", list(np.arange(N) % 5))
    assert profile_frame(frame, target="y", task="regression").task == "regression"
    with pytest.raises(TargetError, match="5 classes; --task binary needs exactly 2"):
        profile_frame(frame, target="y", task="binary")
    with pytest.raises(TargetError, match="holds labels, not numbers"):
        profile_frame(labelled("y", ["a", "b", "c", "d"] * (N // 4)), target="y", task="regression")
    with pytest.raises(OptionError, match="needs a target column"):
        profile_frame(frame, no_target=True, task="regression")
    with pytest.raises(OptionError, match="Did you mean 'regression'"):
        profile_frame(frame, target="y", task="regresion")


def test_target_errors():
    with pytest.raises(TargetError, match="'y' not found. Did you mean 'yy'"):
        profile_frame(labelled("yy", [1, 2] * (N // 2)), target="y")
    with pytest.raises(TargetError, match="single value"):
        profile_frame(labelled("y", ["only"] * N), target="y")
    with pytest.raises(TargetError, match="empty"):
        profile_frame(labelled("y", [None] * N), target="y")
    with pytest.raises(OptionError, match="contradict"):
        profile_frame(labelled("y", [1, 2] * (N // 2)), target="y", no_target=True)


def test_class_counts_imbalance_and_missing_target():
    values = ["a"] * 150 + ["b"] * 40 + [None] * 10
    p = profile_frame(labelled("y", values), target="y")
    t = p.target
    assert t is not None and t.n_missing == 10 and t.n_classes == 2
    assert [(c.label, c.count) for c in t.classes] == [("a", 150), ("b", 40)]
    assert t.imbalance_ratio == 3.75 and t.minority_share == round(40 / 190, 4)
    assert p.facts()["n_samples"] == 190


def test_facts_have_exactly_the_documented_keys():
    facts = profile_frame(labelled("y", ["a", "b"] * (N // 2)), target="y").facts()
    assert set(facts) == set(FACTS)
    for name, spec in FACTS.items():
        value = facts[name]
        if value is None:
            continue
        expected = {"int": int, "float": (int, float), "bool": bool, "str": str}[spec.type]
        assert isinstance(value, expected), (name, value)


def test_l1_share_for_regression_with_few_real_drivers():
    x = r.normal(size=(400, 10))
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(10)])
    frame["y"] = 3 * frame["x0"] - 2 * frame["x1"] + r.normal(scale=0.5, size=400)
    p = profile_frame(frame, target="y")
    assert p.l1_zero_share is not None and p.l1_zero_share >= 0.5


def test_same_input_same_profile():
    frame = labelled("y", ["a", "b", "c"] * 66 + ["a", "b"])
    from advisor.report.jsonout import to_jsonable

    assert to_jsonable(profile_frame(frame, target="y")) == to_jsonable(profile_frame(frame, target="y"))


def test_progress_and_cancel():
    from advisor.errors import Cancelled

    seen: list[float] = []
    profile_frame(labelled("y", [1.0, 2.5] * (N // 2)), target="y", progress=lambda m, f: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Cancelled):
        profile_frame(labelled("y", [1, 2] * (N // 2)), should_stop=lambda: True)


def test_degenerate_regression_columns_give_no_l1_estimate_rather_than_a_crash():
    # Shaped like the case the property test found, where a huge value made LassoCV fail inside scikit-learn.
    frame = pd.DataFrame({"a": [2.0, 0.0, 0.0] + [0.0] * 70, "b": [0.0, 1.0] + [0.0] * 71,
                          "c": list(range(-1, 72)), "y": [0.0, 0.5] + [0.0] * 69 + [1.340781e154, 0.0]})
    p = profile_frame(frame, target="y")
    assert p.task == "regression" and p.l1_zero_share is None


def test_top_values_break_ties_by_value_as_the_streamed_pass_does() -> None:
    """Equal counts are listed in value order, whatever order the rows came in; mixed types by their text."""
    import pandas as pd

    from advisor.profile.stats import top_counts

    counts = pd.Series(["b", "a", "c", "a", "b", "c", "d", "e", "e", "e"]).value_counts()
    assert top_counts(counts, 3) == [("e", 3), ("a", 2), ("b", 2)]
    assert top_counts(counts, 10) == [("e", 3), ("a", 2), ("b", 2), ("c", 2), ("d", 1)]
    assert top_counts(pd.Series([3.5, 1.0, 2.0, 2.0]).value_counts(), 2) == [(2.0, 2), (1.0, 1)]
    assert top_counts(pd.Series([1, "x", "x", 2, 2], dtype=object).value_counts(), 5) == [(2, 2), ("x", 2), (1, 1)]
    assert top_counts(pd.Series([], dtype=float).value_counts(), 5) == []


def test_a_constant_column_named_like_a_label_is_said_to_be_passed_over():
    """A 'target' column holding one value is no target: the reason says so instead of claiming no column
    is named like a label."""
    import pandas as pd

    from advisor.profile import profile_frame

    p = profile_frame(pd.DataFrame({"a": [1.5, 2.5, 3.5, 4.5], "b": [2.0, 1.0, 4.0, 3.0], "target": [0, 0, 0, 0]}))
    assert p.target is None and p.task == "clustering"
    assert "'target' is named like a label, but it is constant" in p.task_reason
