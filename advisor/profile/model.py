"""The Profile: plain dataclasses, JSON-friendly (str, int, float, bool, None, lists, nested)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = (
    "numeric",      # continuous numbers
    "count",        # non-negative integers with many values
    "code",         # integers with few values: often categories stored as numbers
    "categorical",
    "boolean",
    "datetime",
    "text",         # free text
    "identifier",
    "constant",     # one value, or so nearly one that the rest cannot be learned from
    "empty",        # mostly missing
)
NUMERIC_KINDS = frozenset({"numeric", "count", "code"})
CATEGORY_KINDS = frozenset({"categorical", "boolean"})
DROPPED_KINDS = frozenset({"identifier", "constant", "empty"})
SEVERITIES = ("info", "warning", "critical")


@dataclass
class TopValue:
    value: str
    count: int
    share: float


@dataclass
class NumericStats:
    min: float | None
    max: float | None
    mean: float | None
    std: float | None
    q01: float | None
    q25: float | None
    median: float | None
    q75: float | None
    q99: float | None
    skew: float | None
    outlier_share: float
    zero_share: float
    negative_share: float
    min_positive: float | None = None
    # Values that read as missing-value codes (99 above 0-10, -1 below 0-800), with their rows; the
    # statistics above include them (see findings: sentinel_values).
    sentinels: list[TopValue] = field(default_factory=list)


@dataclass
class TextStats:
    mean_length: float
    max_length: int
    mean_words: float


@dataclass
class ColumnProfile:
    name: str
    dtype: str
    kind: str
    kind_reason: str
    declined: list[str]
    role: str  # "feature" | "target" | "dropped"
    n_missing: int
    missing_share: float
    n_distinct: int
    distinct_share: float
    top_values: list[TopValue]
    numeric: NumericStats | None = None
    text: TextStats | None = None
    datetime_min: str | None = None
    datetime_max: str | None = None
    media: str | None = None  # "image" | "audio" when the values are paths to such files
    hinted: bool = False
    # Statistics that are estimates rather than exact counts (streamed profiles only):
    # "n_distinct" (HyperLogLog), "top_values" (Misra-Gries; counts under by at most
    # top_values_max_error), "quantiles" (skew, outliers and quantiles from the sample).
    approximate: list[str] = field(default_factory=list)
    top_values_max_error: int = 0


@dataclass
class ClassCount:
    label: str
    count: int
    share: float


@dataclass
class TargetProfile:
    name: str
    task: str
    task_reason: str
    inferred: bool
    confidence: str  # "given" | "high" | "medium" | "low"
    reason: str
    runners_up: list[str]
    n_missing: int
    n_classes: int | None = None
    classes: list[ClassCount] = field(default_factory=list)
    imbalance_ratio: float | None = None
    minority_share: float | None = None
    numeric: NumericStats | None = None


@dataclass
class CorrelatedPair:
    a: str
    b: str
    method: str  # "spearman" | "cramers_v"
    value: float


@dataclass
class LeakageSuspect:
    column: str
    metric: str
    score: float
    baseline: float


@dataclass
class JointLeakage:
    """Columns that together rebuild a numeric target in a linear fit (a total of its parts, a mean)."""

    columns: list[str]
    metric: str          # "r2"
    score: float         # held-out score of the linear fit on them together
    alone: list[float]   # each column's score on its own, in the order of ``columns``


@dataclass
class Finding:
    code: str
    severity: str
    columns: list[str]
    message: str
    advice: str


@dataclass
class TableStats:
    n_rows: int
    n_rows_in_file: int
    n_columns: int
    memory_bytes: int
    n_missing_cells: int
    missing_share: float
    n_duplicate_rows: int
    duplicate_row_share: float
    duplicate_columns: list[list[str]]
    is_sample: bool
    stats_sample_rows: int


@dataclass
class ScanInfo:
    """How a table too big to load was profiled: one streamed pass plus a uniform sample."""

    rows: int
    batches: int
    sample_rows: int
    sample_seed: int
    memory_limit_bytes: int
    quantile_rank_error: float     # quantiles of the sample are within this share of rank (99 % confidence)
    distinct_relative_error: float  # standard error of the HyperLogLog distinct counts
    top_values_k: int              # values tracked per column; counts are exact below this many distinct values
    widened_columns: list[str] = field(default_factory=list)  # typed again after a later block disagreed
    exact: list[str] = field(default_factory=list)
    from_sample: list[str] = field(default_factory=list)


@dataclass
class Profile:
    table: TableStats
    columns: list[ColumnProfile]
    task: str
    task_reason: str
    target: TargetProfile | None
    correlations: list[CorrelatedPair]
    leakage: list[LeakageSuspect]
    findings: list[Finding]
    l1_zero_share: float | None = None
    joint_leakage: list[JointLeakage] = field(default_factory=list)
    n_clusters: int | None = None
    answers: dict[str, str] = field(default_factory=dict)
    scan: ScanInfo | None = None

    def column(self, name: str) -> ColumnProfile:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def features(self) -> list[ColumnProfile]:
        return [c for c in self.columns if c.role == "feature"]

    def feature_kinds(self) -> dict[str, str]:
        return {c.name: c.kind for c in self.features}

    def finding_codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def facts(self) -> dict[str, Any]:
        """The named facts the rule tree reads (see advisor.profile.facts.FACTS)."""
        from advisor.profile.factvalues import compute_facts

        return compute_facts(self)
