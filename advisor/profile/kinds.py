"""Column kind detection: a chain of small detectors.

Each detector looks at one column and either claims it (returns the kind and
why) or declines with a readable reason. The first claim wins; the declines
before it are kept so a user can see why a column did not become, say, an
identifier. A user hint (``--kind col=categorical``) replaces the chain.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from advisor.profile.config import (
    CODE_WORDS,
    DATE_LIKE,
    IDENTIFIER_CODE_WORDS,
    IDENTIFIER_NUMBER_WORDS,
    IDENTIFIER_SUFFIXES,
    IDENTIFIER_TOKENS,
    MEDIA_EXTENSIONS,
    PERIOD_TOKENS,
    Thresholds,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from advisor.profile.model import ColumnProfile, TopValue


@dataclass
class ColumnEvidence:
    """What the detectors may look at; computed once per column."""

    name: str
    values: pd.Series  # non-missing values, possibly a sample
    n_rows: int
    n_missing: int
    n_distinct: int
    top_share: float  # share of non-missing rows holding the most common value
    top_count: int
    is_numeric: bool
    is_bool: bool
    is_datetime: bool
    integer_valued: bool
    mean_words: float | None  # for strings
    mean_length: float | None
    sentinels: list[TopValue] = field(default_factory=list)  # missing-value codes (stats.find_sentinels)

    @property
    def missing_share(self) -> float:
        return self.n_missing / self.n_rows if self.n_rows else 0.0

    @property
    def n_present(self) -> int:
        return self.n_rows - self.n_missing

    @property
    def distinct_share(self) -> float:
        return self.n_distinct / self.n_present if self.n_present else 0.0


Claim = tuple[str, str]  # (kind, reason)
KEY_PART = "the second part of a two-column key"  # ends the reason of such an identifier (see claim_key_parts)
Detector = Callable[[ColumnEvidence, Thresholds], "Claim | str"]


def name_tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t]


def detect_empty(ev: ColumnEvidence, th: Thresholds) -> Claim | str:
    if ev.missing_share >= th.mostly_missing:
        return "empty", f"{ev.missing_share:.0%} of values are missing"
    return f"not mostly missing ({ev.missing_share:.0%} missing)"


def detect_constant(ev: ColumnEvidence, th: Thresholds) -> Claim | str:
    if ev.n_distinct <= 1:
        return "constant", "a single value in every non-missing row"
    others = ev.n_present - ev.top_count
    if ev.top_share >= th.near_constant_top_share and others < th.near_constant_min_other:
        return "constant", f"near-constant: {ev.top_share:.1%} of rows hold one value, the other {others} rows are too few to learn from"
    return f"{ev.n_distinct} distinct values"


def detect_boolean(ev: ColumnEvidence, th: Thresholds) -> Claim | str:
    if ev.is_bool:
        return "boolean", "stored as true/false"
    if ev.n_distinct == 2:
        return "boolean", "exactly two distinct values"
    return f"{ev.n_distinct} distinct values, not two"


def detect_datetime(ev: ColumnEvidence, th: Thresholds) -> Claim | str:
    if ev.is_datetime:
        return "datetime", "stored as dates/times"
    if ev.is_numeric:
        return "numbers, not dates"
    sample = ev.values.astype(str).head(2000)
    looks = sample.str.match(DATE_LIKE.pattern).mean() if len(sample) else 0.0
    if looks < th.datetime_parse_share:
        return f"{looks:.0%} of values look like dates"
    parsed = parse_datetimes(sample)
    share = float(parsed.notna().mean())
    if share >= th.datetime_parse_share:
        return "datetime", f"{share:.0%} of values parse as dates"
    return f"only {share:.0%} of values parse as dates"


def parse_datetimes(values: pd.Series) -> pd.Series:
    """Parse strings as dates without warnings: ISO first, then day/month orders."""
    import warnings

    import pandas as pd

    best = None
    for fmt in ("ISO8601", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "mixed"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                parsed = pd.to_datetime(values, format=fmt, errors="coerce")
            except (ValueError, TypeError):
                continue
        if best is None or parsed.notna().sum() > best.notna().sum():
            best = parsed
        if best.notna().all():
            break
    assert best is not None
    return best


def identifier_word(name: str) -> tuple[str, str] | None:
    """How the name says "identifier", if it does: ("token", word) for a word that says it anywhere
    ("customer_id"), ("number", word) or ("code", word) for one that says it at the end of the name
    ("case_no", "persnum"; "zip_code", "distcod"), unless it also names a period ("week_no").
    See IDENTIFIER_NUMBER_WORDS in the config."""
    tokens = name_tokens(name)
    if not tokens:
        return None
    hit = next((t for t in tokens if t in IDENTIFIER_TOKENS), None)
    if hit is not None:
        return "token", hit
    last = tokens[-1]
    if set(tokens) & PERIOD_TOKENS:
        return None
    if last in IDENTIFIER_NUMBER_WORDS:
        return "number", last
    if last in IDENTIFIER_CODE_WORDS:
        return "code", last
    for suffix in IDENTIFIER_SUFFIXES:
        if last.endswith(suffix) and len(last) > len(suffix) + 1:
            return ("code" if suffix in IDENTIFIER_CODE_WORDS else "number"), suffix
    return None


def detect_identifier(ev: ColumnEvidence, th: Thresholds) -> Claim | str:
    word = identifier_word(ev.name)
    if ev.is_numeric and not ev.integer_valued:
        return "fractional numbers are not identifiers"
    if word is not None:
        how, said = word
        spelled = f"named like an identifier ('{said}')"
        if how == "token" and ev.distinct_share >= th.identifier_name_distinct_share and ev.n_distinct >= th.identifier_name_min_distinct:
            return "identifier", f"named like an identifier with {ev.n_distinct:,} distinct values"
        if how != "token" and ev.distinct_share >= th.identifier_distinct_share:
            return "identifier", f"{spelled}, and {ev.distinct_share:.0%} of its values are distinct"
        if how == "number" and ev.n_distinct >= th.identifier_name_min_distinct and ev.distinct_share >= th.identifier_group_distinct_share:
            return "identifier", (f"{spelled}, with {ev.n_distinct:,} distinct values over {ev.n_present:,} rows: "
                                  "a key whose rows repeat")
    if ev.distinct_share < th.identifier_distinct_share:
        return f"{ev.distinct_share:.0%} of values are distinct"
    if ev.is_numeric:
        if _is_sequence(ev.values):
            return "identifier", "distinct integers in an increasing sequence"
        return "distinct integers, but not a sequence"
    if ev.mean_words is not None and ev.mean_words < th.text_min_words:
        return "identifier", f"{ev.distinct_share:.0%} distinct short labels: one per row, like names or codes"
    return "unique values, but they read like text"


def _is_sequence(values: pd.Series) -> bool:
    import numpy as np

    arr = values.to_numpy()
    if len(arr) < 3:
        return False
    diffs = np.diff(arr.astype("float64"))
    return bool((diffs > 0).all() or (diffs < 0).all())


def detect_numeric(ev: ColumnEvidence, th: Thresholds) -> Claim | str:
    if not ev.is_numeric:
        return "not stored as numbers"
    if not ev.integer_valued:
        return "numeric", "numbers"
    codes = [t.value for t in ev.sentinels]
    besides = f" (besides the missing-value codes {', '.join(codes)})" if codes else ""
    regular = ev.values[~ev.values.astype("float64").isin([float(c) for c in codes])] if codes else ev.values
    code = _code_evidence(ev, regular, th)
    if isinstance(code, tuple):
        return "code", code[1] + besides
    if len(regular) and float(regular.min()) >= 0:
        return "count", f"non-negative integers{besides}{code}"
    return "numeric", f"integers{besides}{code}"


def _label(v: object) -> str:
    from advisor.profile.stats import format_value

    return format_value(float(v))  # type: ignore[arg-type]


def _code_evidence(ev: ColumnEvidence, regular: pd.Series, th: Thresholds) -> Claim | str:
    """Integers that are labels (a region, a race) rather than amounts: few values, each coming back
    in several rows, and either a name that says so or counts that rise and fall across the values
    (race 1, 2, 3 in 96, 26, 67 rows; a count's fall from its peak, 159, 24, 5, 1, does not). Else
    why not ('' or '; ...'), to end the count's reason. Missing-value codes count for neither."""
    n = ev.n_distinct - len(ev.sentinels)
    present = ev.n_present - sum(t.count for t in ev.sentinels)
    if n < 3 or n > th.code_max_distinct:
        return ""
    if present < th.code_min_rows_per_value * n:
        return f"; {n} distinct values in {present:,} rows are too few repeats for labels"
    tokens = name_tokens(ev.name)
    if tokens and tokens[-1] in CODE_WORDS:
        return "code", f"integers with only {n} distinct values, named like a category ('{tokens[-1]}')"
    if n <= th.code_shape_max_distinct:
        counts = regular.value_counts().sort_index()
        if _dips(counts.to_numpy(dtype="float64"), th):
            shown = ", ".join(f"{_label(k)}: {c:,}" for k, c in counts.items())
            return "code", f"integers with only {n} distinct values whose counts rise and fall ({shown}): labels rather than amounts"
        return f"; {n} distinct values whose counts do not rise and fall: numbers, not labels"
    return f"; {n} distinct values, not named like a category"


def _dips(freq: np.ndarray, th: Thresholds) -> bool:
    """The counts over the sorted values fall between two peaks to under ``code_dip`` of the smaller,
    by more than ``code_dip_z`` standard errors of a count (its square root)."""
    import math

    for j in range(1, len(freq) - 1):
        peak = min(float(freq[:j].max()), float(freq[j + 1:].max()))
        if freq[j] < th.code_dip * peak and peak - freq[j] > th.code_dip_z * math.sqrt(peak):
            return True
    return False


def detect_text(ev: ColumnEvidence, th: Thresholds) -> Claim | str:
    if ev.mean_words is None:
        return "not strings"
    if ev.mean_words >= th.text_min_words and ev.distinct_share >= th.text_min_distinct_share:
        return "text", f"{ev.mean_words:.1f} words per value on average, {ev.distinct_share:.0%} distinct"
    return f"{ev.mean_words:.1f} words per value"


def detect_categorical(ev: ColumnEvidence, th: Thresholds) -> Claim | str:
    return "categorical", f"{ev.n_distinct:,} distinct labels"


CHAIN: list[tuple[str, Detector]] = [
    ("empty", detect_empty),
    ("constant", detect_constant),
    ("boolean", detect_boolean),
    ("datetime", detect_datetime),
    ("identifier", detect_identifier),
    ("numeric", detect_numeric),
    ("text", detect_text),
    ("categorical", detect_categorical),
]


def detect_kind(ev: ColumnEvidence, th: Thresholds) -> tuple[str, str, list[str]]:
    """Run the chain; return (kind, reason, [declines in order])."""
    declined: list[str] = []
    for label, detector in CHAIN:
        result = detector(ev, th)
        if isinstance(result, tuple):
            return result[0], result[1], declined
        declined.append(f"{label}: {result}")
    raise AssertionError("the categorical detector always claims")


def detect_media(values: pd.Series) -> str | None:
    """'image' or 'audio' when most values are paths or URLs of such files."""
    sample = values.astype(str).head(500).str.lower().str.strip()
    if not len(sample):
        return None
    for media, exts in MEDIA_EXTENSIONS.items():
        if sample.str.endswith(exts).mean() >= 0.8:
            return media
    return None


def claim_key_parts(frame: pd.DataFrame, columns: list[ColumnProfile], th: Thresholds) -> None:
    """The second part of a two-column key: a column named like an identifier ("persnum") that is not
    one alone, but with an identifier whose values repeat ("intnum", a family) picks out every row (a
    person of the family). It becomes an identifier too; ``columns`` are ColumnProfiles, changed in place."""
    groups = [c for c in columns if c.kind == "identifier" and c.distinct_share < th.identifier_distinct_share]
    if not groups:
        return
    for col in columns:
        word = identifier_word(col.name)
        if (col.hinted or word is None or word[0] == "code" or col.kind not in ("count", "code", "categorical")
                or col.n_distinct < 2):
            continue
        for group in groups:
            pairs = frame[[group.name, col.name]].dropna()
            if len(pairs) and len(pairs) >= th.identifier_distinct_share * len(frame) and not pairs.duplicated().any():
                at = next((i for i, d in enumerate(col.declined) if d.startswith("identifier:")), len(col.declined))
                col.declined = col.declined[:at]
                col.kind, col.role = "identifier", "dropped"
                col.kind_reason = f"named like an identifier ('{word[1]}'); with '{group.name}' it picks out every row: {KEY_PART}"
                break
