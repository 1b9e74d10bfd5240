"""Every threshold the profile uses, in one place, with the reason for its value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Column names that usually hold the label, most telling first. Matching is on
# the whole normalised name (high confidence) or one of its word tokens (medium);
# for the weak names below, see there (low).
TARGET_NAMES: tuple[str, ...] = (
    "target", "label", "labels", "class", "y", "outcome", "churn", "churned",
    "response", "default", "defaulted", "survived", "fraud", "is_fraud", "diagnosis",
    "result", "status", "segment", "category", "grade", "score", "price", "sales",
    "revenue", "species", "type", "choice", "decision",
)
# Names only weakly suggestive of a label, matched as the whole name or its last word ("house_price",
# not "price_per_sqft"): picked with low confidence only as the table's last column (or its first when
# it holds labels), listed as runners-up elsewhere, and never from a family of columns ("price.heinz41",
# "price.hunts32": features measured alike).
WEAK_TARGET_NAMES = frozenset({"status", "segment", "category", "grade", "score", "price", "sales",
                               "revenue", "species", "type", "result", "choice", "decision"})

# Name tokens of a column that counts periods (a panel's time axis when it is a number, not a date).
PERIOD_TOKENS = frozenset({"year", "yr", "quarter", "month", "week", "day", "period", "wave", "round", "date", "time"})
IDENTIFIER_TOKENS = frozenset({"id", "uuid", "guid", "idx", "key", "rownum", "rowid", "index"})
# Words that name an identifier only at the end of a name, where English puts the head noun: "case_no",
# "account_number", "zip_code" are keys, "num_rooms" and "number_of_children" are counts. A record's
# number names a key even when its values repeat (a family's number on each member's row); a code
# names one only when every row has its own (a repeating code is a category). A name that also says
# a period ("week_no", "wave_nr") numbers periods, not records.
IDENTIFIER_NUMBER_WORDS = frozenset({"num", "number", "no", "nbr", "nr"})
IDENTIFIER_CODE_WORDS = frozenset({"code", "cod"})
# The same words closing a one-word compound ("persnum", "hhnr", "distcod", "zipcode"); not "no" or
# "id", which end too many words ("casino", "paid", "valid", "bid").
IDENTIFIER_SUFFIXES = ("num", "nr", "code", "cod")
# The last word of a name that says its integers are labels: "race", "region_code", "product_type".
# Only the last word, where English puts the head noun: "class_size" is an amount.
CODE_WORDS = frozenset({
    "code", "type", "class", "category", "cat", "group", "grp", "kind", "cluster", "segment",
    "race", "ethnicity", "ethnic", "sex", "gender", "marital", "religion", "party",
    "region", "state", "country", "county", "province", "zone", "area", "site", "district",
    "sector", "industry", "occupation", "department", "dept", "store", "brand", "colour", "color",
    "species", "breed", "variety", "strain", "status", "month", "weekday", "dow", "quarter", "season",
})
MEDIA_EXTENSIONS = {
    "image": (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"),
    "audio": (".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac"),
}
# Missing-value codes: all nines, or nines then 6-8 ("97 refused, 98 don't know, 99 missing"), at the
# top of a column; a negative single digit or the same nines below it (-1, -9, -99, -999).
SENTINEL_HIGH = re.compile(r"^9+[6-9]?$")
SENTINEL_LOW = re.compile(r"^-([1-9]|9+[6-9]?)$")
DATE_LIKE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$")


@dataclass(frozen=True)
class Thresholds:
    mostly_missing: float = 0.95        # a column this empty carries almost no signal
    missing_note: float = 0.0           # any missing value earns the imputation advice
    near_constant_top_share: float = 0.995
    near_constant_min_other: int = 5    # fewer other rows than this cannot be learned from
    code_max_distinct: int = 20         # integers with so few values may be codes (labels stored as numbers),
    code_min_rows_per_value: float = 5.0  # when each value comes back (stackloss's 7 values in 21 rows are readings)
    code_shape_max_distinct: int = 6    # and, unless named like a category (CODE_WORDS), when so few values
    code_dip: float = 0.5               # have counts that fall between two values to under half the smaller peak
    code_dip_z: float = 3.0             # by 3 standard errors of it (a Poisson count's sqrt): race 96, 26, 67
    class_max_distinct: int = 20        # an integer target with at most this many values is a class label...
    class_max_distinct_share: float = 0.2  # ...when each value repeats (else it is a small quantity sample)
    identifier_distinct_share: float = 0.95
    identifier_name_distinct_share: float = 0.02
    identifier_name_min_distinct: int = 20
    identifier_group_distinct_share: float = 0.05  # a number-named key whose values repeat: at most 20 rows per value
    text_min_words: float = 3.0         # mean words per value for free text
    text_min_distinct_share: float = 0.3
    long_text_chars: float = 200.0
    datetime_parse_share: float = 0.95
    numeric_string_share: float = 0.95
    one_hot_max_levels: int = 30        # above this, one-hot gets wide: use TargetEncoder
    skew_heavy: float = 2.0             # |skew| above this: log / QuantileTransformer
    outlier_share: float = 0.01         # share of values beyond 3 IQR from the quartiles
    scale_ratio: float = 10.0           # stds this far apart (100x in variance): the widest column rules distances and
                                        # PCA's first component (USArrests' Assault vs Murder, 19x), so scaling matters
    imbalance_ratio: float = 3.0        # majority/minority above this: imbalance advice
    severe_imbalance_ratio: float = 20.0
    too_few_rows: int = 50              # the map's own threshold
    few_rows_per_feature: float = 10.0  # rows per feature below this: regularise or reduce
    correlation: float = 0.9            # |r| or Cramér's V at or above this is "strongly correlated"
    many_correlated_pairs: int = 5
    leakage_classification: float = 0.95  # balanced accuracy of a one-column model
    leakage_regression: float = 0.90      # R² of a one-column model
    leakage_certain: float = 0.98         # from this score on, leakage is critical rather than a warning
    leakage_joint: float = 0.999          # held-out R² of a linear fit on a few columns together: they rebuild the target
    leakage_joint_columns: int = 3        # at most this many columns together (a sum, a mean, a difference of parts)...
    leakage_joint_candidates: int = 6     # ...among the numeric columns that best predict the target alone
    nonlinear_gain: float = 0.10        # tree beats linear on one column by this: binning helps linear models
    duplicate_rows: float = 0.0
    duplicate_warning: float = 0.01     # duplicate rows from this share on are a warning (below, a note)
    copy_distinct_share: float = 0.9    # a column this close to unique per row: rows identical even in it are copies,
                                        # while rows of coarse columns only (age, race, smoker) can be distinct people
    missing_warning: float = 0.05       # a feature column missing this share or more: a warning (below, a note)
    target_skew: float = 1.0
    zeros_as_missing_share: float = 0.01
    group_rows_per_id: float = 2.0      # an identifier whose values come back this many rows each on average groups the rows
    group_repeat_share: float = 0.1    # ...and below that, an id whose repeats are this share of rows is still a group
    panel_min_entities: int = 5        # a panel: this many entities, each seen in this many periods, and
    panel_min_periods: float = 3.0     # one row per (entity, period) in this share of rows
    panel_unique_share: float = 0.99
    sentinel_max_values: int = 3     # missing-value codes: at most this many distinct ones at one end of a column,
    sentinel_gap: float = 1.0        # at least the other values' whole span beyond them (99 above 0-17, -9 below 1-5),
    sentinel_min_rows: int = 3       # in at least this many rows (a single 99 is an outlier to check, not a code)
    sentinel_max_share: float = 0.5  # and in at most this share of them (more is a value of its own)
    sentinel_spike: float = 3.0      # or, below values that are never negative (-1 below 0, 1, 2, ... 800), in
    sentinel_spike_min_values: int = 10  # this many times the rows of the lowest ones, of a quantity (10+ values)
    panel_chance_repeats: float = 0.05  # ...where pairing entities with periods at random would repeat this share of pairs
    zero_gap_steps: float = 2.0  # zeros look like missing when the smallest positive value is this many usual steps above 0


@dataclass(frozen=True)
class Settings:
    thresholds: Thresholds = field(default_factory=Thresholds)
    stats_sample_rows: int = 50_000     # correlations and type detection run on at most this many rows
    model_sample_rows: int = 5_000      # one-column models and the L1 fit run on at most this many rows
    top_values: int = 5
    max_categorical_pairs_columns: int = 30
    max_numeric_pairs_columns: int = 2000  # correlations among the first this many numeric columns (a 2000^2 matrix)
    max_correlated_pairs: int = 1000    # the strongest this many pairs are kept (a 5-row table correlates everything)
    seed: int = 0


DEFAULT_SETTINGS = Settings()
