"""The facts a rule may test: one documented list, one place.

A rule file names facts by these keys; naming one that is not here is a
validation error. ``Profile.facts()`` returns a dict with exactly these keys
(a value may be ``None`` when the profile cannot know it, for example
``n_classes`` for a regression table). User answers (``--answer``,
``--n-clusters``, ``--task``) are applied before the rules read the facts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: str  # "int" | "float" | "bool" | "str"
    description: str
    choices: tuple[str, ...] = ()


TASKS = ("binary", "multiclass", "regression", "clustering", "dimensionality_reduction")

FACTS: dict[str, FactSpec] = {
    f.name: f
    for f in [
        FactSpec("n_rows", "int", "Rows in the table (all rows of the file, even when profiled on a sample)."),
        FactSpec(
            "n_samples",
            "int",
            "Rows usable for learning: rows with a target value for supervised tasks, all rows otherwise. "
            "The flowchart's '>50 samples', '<10K' and '<100K' questions read this.",
        ),
        FactSpec("n_columns", "int", "Columns in the table, target included."),
        FactSpec("n_features", "int", "Columns a model would use: not the target, identifiers, constants or empty columns."),
        FactSpec("task", "str", "The task, inferred from the target or set with --task.", TASKS),
        FactSpec("has_target", "bool", "A target column is known (labeled data)."),
        FactSpec("target", "str", "Name of the target column, or null."),
        FactSpec("predicting_category", "bool", "The goal is a category: classification, or clustering when unlabeled."),
        FactSpec("predicting_quantity", "bool", "The target is a quantity (regression)."),
        FactSpec("just_looking", "bool", "The user only wants to look at the data (dimensionality reduction)."),
        FactSpec("n_classes", "int", "Distinct target classes (classification only)."),
        FactSpec("imbalance_ratio", "float", "Majority class count over minority class count (classification only)."),
        FactSpec("minority_share", "float", "Share of rows in the rarest class (classification only)."),
        FactSpec("target_skew", "float", "Skewness of a numeric target (regression only)."),
        FactSpec("n_clusters", "int", "Number of clusters given by the user (--n-clusters), or null when unknown."),
        FactSpec("n_clusters_known", "bool", "The user said how many clusters (categories) to expect."),
        FactSpec("few_features_important", "bool", "Only a few features should matter: the user's answer, or the advisor's estimate."),
        FactSpec(
            "l1_zero_share",
            "float",
            "Share of features an L1 (Lasso) model on a sample drives to zero (regression only); "
            "the evidence behind the estimate of few_features_important.",
        ),
        FactSpec("n_numeric_features", "int", "Numeric feature columns (continuous, counts and integer codes)."),
        FactSpec("n_categorical_features", "int", "Categorical and boolean feature columns."),
        FactSpec("n_text_columns", "int", "Free-text feature columns."),
        FactSpec("has_text_columns", "bool", "At least one free-text feature column (the map's 'text data?')."),
        FactSpec("has_long_text", "bool", "A free-text column averages more than 200 characters: pretrained embeddings are worth a look."),
        FactSpec("has_media_paths", "bool", "A column holds paths or URLs of images or audio files."),
        FactSpec("n_datetime_columns", "int", "Datetime feature columns."),
        FactSpec("n_identifier_columns", "int", "Columns detected as identifiers (to drop)."),
        FactSpec("n_high_cardinality_columns", "int", "Categorical features with more distinct values than the one-hot limit."),
        FactSpec("missing_share", "float", "Share of missing cells among feature columns."),
        FactSpec("has_missing_values", "bool", "At least one feature value is missing."),
        FactSpec("max_abs_skew", "float", "Largest absolute skewness among numeric features (those holding missing-value codes aside)."),
        FactSpec("n_correlated_pairs", "int", "Feature pairs with |correlation| at or above the correlation threshold."),
        FactSpec("n_leakage_suspects", "int", "Columns that predict the target almost perfectly on their own."),
        FactSpec("duplicate_row_share", "float", "Share of rows that repeat an earlier row."),
        FactSpec("is_sample", "bool", "The profile was computed on a sample of the file's rows."),
    ]
}


def describe_facts() -> str:
    """The fact list as Markdown, for the README and `advisor rules facts`."""
    lines = ["| fact | type | meaning |", "|---|---|---|"]
    for spec in FACTS.values():
        extra = f" One of: {', '.join(spec.choices)}." if spec.choices else ""
        lines.append(f"| `{spec.name}` | {spec.type} | {spec.description}{extra} |")
    return "\n".join(lines)
