"""Profile a table: column kinds, statistics, target and task, relations, findings.

``profile_table`` is a pure function of the table and its options: the same
input and seed give the same Profile. It never prints; long work reports
through ``progress(message, fraction)`` and stops when ``should_stop()``
turns true.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from advisor.errors import Cancelled, OptionError, TargetError, did_you_mean, require_columns
from advisor.profile.config import DEFAULT_SETTINGS, Settings
from advisor.profile.facts import TASKS
from advisor.profile.model import (
    DROPPED_KINDS,
    KINDS,
    ColumnProfile,
    Profile,
    TableStats,
    TargetProfile,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from advisor.load import Table
    from advisor.profile.stream import Scan

Progress = Callable[[str, float], None]

__all__ = ["Profile", "profile_frame", "profile_table"]


def _noop(message: str, fraction: float) -> None:
    return None


def profile_table(
    table: Table,
    *,
    target: str | None = None,
    no_target: bool = False,
    task: str | None = None,
    kinds: Mapping[str, str] | None = None,
    n_clusters: int | None = None,
    answers: Mapping[str, str] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    scan: Scan | None = None,
) -> Profile:
    """Profile a loaded :class:`~advisor.load.Table` (see :func:`profile_frame`)."""
    return profile_frame(
        table.frame, n_rows_in_file=table.info.rows_in_file, is_sample=table.info.is_sample,
        target=target, no_target=no_target, task=task, kinds=kinds, n_clusters=n_clusters,
        answers=answers, settings=settings, progress=progress, should_stop=should_stop, scan=scan,
    )


def profile_frame(
    frame: pd.DataFrame,
    *,
    n_rows_in_file: int | None = None,
    is_sample: bool = False,
    target: str | None = None,
    no_target: bool = False,
    task: str | None = None,
    kinds: Mapping[str, str] | None = None,
    n_clusters: int | None = None,
    answers: Mapping[str, str] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    scan: Scan | None = None,
) -> Profile:
    """Profile a DataFrame. With ``scan`` (a streamed pass over the whole file, whose
    sample ``frame`` is), counts and moments come from the pass: see :mod:`advisor.profile.stream`."""
    from threadpoolctl import threadpool_limits

    # The profile's matrix products are small; BLAS threads would spin against the column threads.
    with threadpool_limits(limits=1, user_api="blas"):
        return _profile_frame(
            frame, n_rows_in_file=n_rows_in_file, is_sample=is_sample, target=target, no_target=no_target,
            task=task, kinds=kinds, n_clusters=n_clusters, answers=answers, settings=settings,
            progress=progress, should_stop=should_stop, scan=scan,
        )


def _profile_frame(
    frame: pd.DataFrame,
    *,
    n_rows_in_file: int | None,
    is_sample: bool,
    target: str | None,
    no_target: bool,
    task: str | None,
    kinds: Mapping[str, str] | None,
    n_clusters: int | None,
    answers: Mapping[str, str] | None,
    settings: Settings,
    progress: Progress | None,
    should_stop: Callable[[], bool] | None,
    scan: Scan | None,
) -> Profile:
    import numpy as np

    report = progress or _noop
    stop = should_stop or (lambda: False)
    frame = _normalise_columns(frame)
    hints = _check_options(frame, kinds or {}, target, no_target, task, n_clusters)
    n_rows = len(frame)
    if n_rows == 0:
        raise OptionError("the table has no rows to profile")
    rng = np.random.default_rng(settings.seed)
    sample_idx = None
    if n_rows > settings.stats_sample_rows:
        sample_idx = np.sort(rng.choice(n_rows, size=settings.stats_sample_rows, replace=False))
    columns = _profile_columns(frame, sample_idx, hints, settings, report, stop)
    from advisor.profile.kinds import claim_key_parts

    claim_key_parts(frame, columns, settings.thresholds)
    unique = {c.name for c in columns if c.n_missing == 0 and c.n_distinct == n_rows}  # in these rows
    if scan is not None:
        from advisor.profile.stream import apply_scan_columns

        apply_scan_columns(columns, scan, settings.top_values)
    report("target and task", 0.6)
    task_name, task_reason, target_profile = _target_and_task(frame, columns, target, no_target, task, settings)
    report("duplicates", 0.65)
    table_stats = _table_stats(frame, columns, n_rows_in_file or n_rows, is_sample, sample_idx, settings, unique)
    if scan is not None:
        from advisor.profile.stream import apply_scan_table, apply_scan_target

        apply_scan_target(target_profile, scan)
        apply_scan_table(table_stats, columns, scan)
    profile = Profile(
        table=table_stats, columns=columns, task=task_name, task_reason=task_reason, target=target_profile,
        correlations=[], leakage=[], findings=[], n_clusters=n_clusters, answers=_normalise_answers(answers or {}),
        scan=scan.info if scan is not None else None,
    )
    if stop():
        raise Cancelled("profiling was cancelled")
    report("relations", 0.75)
    extra = _relations(profile, frame, sample_idx, settings)
    report("findings", 0.95)
    from advisor.profile.findings import collect_findings

    extra["n_samples"] = profile.facts()["n_samples"]
    profile.findings = collect_findings(profile, settings.thresholds, extra)
    report("done", 1.0)
    return profile


def _normalise_columns(frame: pd.DataFrame) -> pd.DataFrame:
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise OptionError(f"the column name '{dup}' appears more than once; rename the duplicates")
    if list(frame.columns) != names:
        frame = frame.set_axis(names, axis=1)
    # Durations (numpy's timedelta64 or pyarrow's, both of kind "m") are quantities: in seconds, as a
    # file's are read (load.duration_seconds)
    durations = [str(name) for name, dtype in frame.dtypes.items() if getattr(dtype, "kind", "") == "m"]
    if durations:
        frame = frame.assign(**{name: frame[name].dt.total_seconds() for name in durations})
    return frame


def _check_options(frame: pd.DataFrame, kinds: Mapping[str, str], target: str | None, no_target: bool,
                   task: str | None, n_clusters: int | None) -> dict[str, str]:
    names = list(frame.columns)
    require_columns([("--kind", col) for col in kinds], [str(n) for n in names])
    for col, kind in kinds.items():
        if kind not in KINDS:
            raise OptionError(f"--kind {col}={kind}: unknown kind '{kind}'; use one of {', '.join(KINDS)}.{did_you_mean(kind, KINDS)}")
    if target is not None and no_target:
        raise OptionError("--target and --no-target contradict each other; pass one of them")
    if task is not None and task not in TASKS:
        raise OptionError(f"The 'task' option must be one of {', '.join(TASKS)}. Got '{task}' instead.{did_you_mean(task, TASKS)}")
    if n_clusters is not None and (isinstance(n_clusters, bool) or n_clusters < 2):
        raise OptionError(f"The 'n-clusters' option must be an integer of at least 2. Got {n_clusters} instead.")
    return dict(kinds)


def _normalise_answers(answers: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for key, value in answers.items():
        v = str(value).strip().lower()
        out[key.replace("-", "_")] = {"true": "yes", "y": "yes", "false": "no", "n": "no"}.get(v, v)
    return out


def _profile_columns(frame: pd.DataFrame, sample_idx: np.ndarray | None, hints: dict[str, str], settings: Settings,
                     report: Progress, stop: Callable[[], bool]) -> list[ColumnProfile]:
    """Profile every column; on big tables two threads share the work (pyarrow and numpy release the GIL).

    Results are collected in column order, so threading never changes the report.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    import pandas as pd

    names = list(frame.columns)

    def one(name: str) -> ColumnProfile:
        if stop():
            raise Cancelled("profiling was cancelled")
        return _profile_column(name, frame[name], sample_idx, hints.get(name), settings)

    workers = min(4, os.cpu_count() or 1) if len(frame) * len(names) >= 2_000_000 else 1
    if workers == 1:
        out = []
        for i, name in enumerate(names):
            report(f"column {name}", i / max(len(names), 1) * 0.6)
            out.append(one(name))
        return out
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # Text first: the longest columns to profile, so that neither thread is left with one at the end.
        # Results are still taken in column order.
        text = {name for name, dtype in zip(names, frame.dtypes, strict=True) if pd.api.types.is_string_dtype(dtype)}
        submitted = {name: pool.submit(one, name) for name in sorted(names, key=lambda n: n not in text)}
        futures = [submitted[name] for name in names]
        out = []
        for i, future in enumerate(futures):
            out.append(future.result())
            report(f"column {names[i]}", (i + 1) / len(names) * 0.6)
    return out


def _profile_column(name: str, s: pd.Series, sample_idx: np.ndarray | None, hint: str | None,
                    settings: Settings) -> ColumnProfile:
    from advisor.profile.kinds import detect_kind, detect_media, parse_datetimes
    from advisor.profile.stats import (
        clean_float,
        column_evidence,
        datetime_range,
        numeric_stats,
        text_stats,
    )

    ev, top = column_evidence(name, s, sample_idx, settings.top_values, settings.thresholds)
    declined: list[str]
    if hint:
        _check_hint(name, hint, ev)
        kind, reason, declined = hint, "set with --kind", []
    else:
        kind, reason, declined = detect_kind(ev, settings.thresholds)
    col = ColumnProfile(
        name=name, dtype=str(s.dtype), kind=kind, kind_reason=reason, declined=declined,
        role="dropped" if kind in DROPPED_KINDS else "feature",
        n_missing=ev.n_missing, missing_share=clean_float(ev.missing_share, 4) or 0.0,
        n_distinct=ev.n_distinct, distinct_share=clean_float(ev.distinct_share, 4) or 0.0,
        top_values=top, hinted=bool(hint),
    )
    if ev.is_numeric and kind not in ("empty",):
        col.numeric = numeric_stats(s)
        if col.numeric is not None:
            col.numeric.sentinels = ev.sentinels
    if kind == "text" or (ev.mean_length is not None and kind in ("categorical", "identifier")):
        col.text = text_stats(ev.values, ev.mean_words)
    if kind == "datetime":
        dt = s if ev.is_datetime else parse_datetimes(ev.values.astype(str))
        col.datetime_min, col.datetime_max = datetime_range(dt)
    if ev.mean_length is not None:
        col.media = detect_media(ev.values)
    return col


def _check_hint(name: str, hint: str, ev: Any) -> None:
    """A --kind that the values cannot be: numbers or dates asked of text, two values of many."""
    from advisor.profile.kinds import parse_datetimes

    if not len(ev.values):
        return
    example = str(ev.values.iloc[0])[:30]
    if hint in ("numeric", "count", "code") and not ev.is_numeric and not ev.is_bool:
        raise OptionError(f"--kind {name}={hint}: '{name}' holds values like '{example}' that are not numbers; "
                          f"choose categorical, text or identifier")
    if hint == "datetime" and not ev.is_datetime:
        parsed = parse_datetimes(ev.values.astype(str))
        if parsed.notna().mean() < 0.5:
            raise OptionError(f"--kind {name}=datetime: '{name}' holds values like '{example}' that are not dates "
                              f"or times; choose another kind")
    if hint == "boolean" and ev.n_distinct > 2:
        raise OptionError(f"--kind {name}=boolean: '{name}' has {ev.n_distinct:,} distinct values, a boolean two; "
                          f"choose categorical or code")


def _target_and_task(frame: pd.DataFrame, columns: list[ColumnProfile], target: str | None, no_target: bool,
                     task: str | None, settings: Settings) -> tuple[str, str, TargetProfile | None]:
    from advisor.profile.target import choose_target

    choice = choose_target(columns, target, no_target, settings.thresholds)
    if choice.name is None:
        if task is not None and task not in ("clustering", "dimensionality_reduction"):
            raise OptionError(f"--task {task} needs a target column; pass --target COLUMN")
        chosen = task or "clustering"
        why = "set with --task" if task else (choice.reason + "; the default unsupervised task is clustering "
                                              "(pass --task dimensionality_reduction if you are just looking)")
        return chosen, why, None
    col = next(c for c in columns if c.name == choice.name)
    return _target_profile(frame[choice.name], col, choice, task, settings)


def _target_profile(s: pd.Series, col: ColumnProfile, choice: object, task: str | None,
                    settings: Settings) -> tuple[str, str, TargetProfile]:
    from advisor.profile.stats import clean_float, numeric_stats
    from advisor.profile.target import TargetChoice, class_counts, infer_task

    assert isinstance(choice, TargetChoice)
    if col.n_distinct == 0:
        raise TargetError(f"target column '{col.name}' is empty (every value is missing); choose another with --target")
    if col.kind == "identifier" and not col.hinted:
        # A numeric target with unique values is a quantity, not an identifier.
        col.kind, col.kind_reason = ("numeric", "target: numbers") if col.numeric else ("categorical", "target: labels")
    col.role = "target"
    task_name, task_reason = infer_task(s, col, settings.thresholds, task)
    if col.kind == "code" and task_name == "regression" and not col.hinted:
        col.kind, col.kind_reason = "count" if (col.numeric and (col.numeric.min or 0) >= 0) else "numeric", "target: numbers"
    elif col.kind == "count" and task_name in ("binary", "multiclass") and not col.hinted:
        col.kind, col.kind_reason = "code", "target: class labels stored as integers"
    tp = TargetProfile(
        name=col.name, task=task_name, task_reason=task_reason, inferred=choice.confidence != "given",
        confidence=choice.confidence, reason=choice.reason, runners_up=choice.runners_up, n_missing=col.n_missing,
    )
    if task_name in ("binary", "multiclass"):
        tp.classes = class_counts(s)
        tp.n_classes = len(tp.classes)
        counts = [c.count for c in tp.classes]
        tp.imbalance_ratio = clean_float(max(counts) / min(counts), 4)
        tp.minority_share = clean_float(min(counts) / sum(counts), 4)
    else:
        tp.numeric = numeric_stats(s)
    return task_name, task_reason, tp


def _table_stats(frame: pd.DataFrame, columns: list[ColumnProfile], n_rows_in_file: int, is_sample: bool,
                 sample_idx: np.ndarray | None, settings: Settings, unique: set[str]) -> TableStats:
    """``unique``: the columns complete and all distinct over ``frame``'s rows (a streamed profile's
    column counts are the whole file's by now, so they cannot tell)."""
    from advisor.profile.stats import clean_float

    n = len(frame)
    n_dup = 0 if unique else _count_duplicate_rows(frame)  # an all-distinct column makes every row unique
    missing = sum(c.n_missing for c in columns)
    return TableStats(
        n_rows=n, n_rows_in_file=n_rows_in_file, n_columns=frame.shape[1],
        memory_bytes=int(frame.memory_usage(deep=True, index=False).sum()),
        n_missing_cells=missing, missing_share=clean_float(missing / (n * frame.shape[1]), 4) or 0.0,
        n_duplicate_rows=n_dup, duplicate_row_share=clean_float(n_dup / n, 4) or 0.0,
        duplicate_columns=_duplicate_columns(frame, columns),
        is_sample=is_sample, stats_sample_rows=n if sample_idx is None else len(sample_idx),
    )


def _count_duplicate_rows(frame: pd.DataFrame) -> int:
    """Rows equal to an earlier row, from per-column factorized codes mixed into one 64-bit key."""
    import numpy as np
    import pandas as pd

    key = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for name in frame.columns:
            codes, _ = pd.factorize(frame[name], use_na_sentinel=False)
            key = (key * np.uint64(0x9E3779B97F4A7C15)) ^ (codes.astype(np.uint64) + np.uint64(0x632BE59BD9B4E019))
            key ^= key >> np.uint64(29)
    return int(pd.Series(key).duplicated().sum())


def _duplicate_columns(frame: pd.DataFrame, columns: list[ColumnProfile]) -> list[list[str]]:
    """Groups of identical columns; only columns alike in dtype, missing and distinct counts are compared."""
    groups: dict[tuple[str, int, int], list[str]] = {}
    for col in columns:
        if col.kind in ("empty", "constant"):
            continue  # reported on their own
        groups.setdefault((col.dtype, col.n_missing, col.n_distinct), []).append(col.name)
    out = []
    for names in groups.values():
        if len(names) < 2:
            continue
        by_content: dict[bytes, list[str]] = {}  # a digest of each column's values: linear, where pairs were not
        for name in names:
            by_content.setdefault(_content_digest(frame[name]), []).append(name)
        for alike in by_content.values():
            while len(alike) > 1:  # equal digests are checked value by value
                first, rest = alike[0], alike[1:]
                same = [other for other in rest if frame[first].equals(frame[other])]
                if same:
                    out.append([first, *same])
                alike = [other for other in rest if other not in same]
    return sorted(out)


def _content_digest(s: pd.Series) -> bytes:
    import hashlib

    import pandas as pd

    return hashlib.blake2b(pd.util.hash_pandas_object(s, index=False).to_numpy().tobytes(), digest_size=16).digest()


def _relations(profile: Profile, frame: pd.DataFrame, sample_idx: np.ndarray | None, settings: Settings) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    from advisor.profile import relations as rel

    sample = frame if sample_idx is None else frame.iloc[sample_idx]
    feats = [c for c in profile.features if c.name in sample.columns]
    # They read the same rows and write nothing shared: the numeric pairs (the longest part) on a thread,
    # the rest on this one meanwhile.
    with ThreadPoolExecutor(max_workers=1) as pool:
        numeric = pool.submit(rel.numeric_pairs, sample, feats, settings)
        extra = _target_relations(profile, sample, feats, settings)
        categorical = rel.categorical_pairs(sample, feats, settings)
        extra["panel"] = rel.panel_rows(frame, profile, settings)  # every loaded row: a sample would hide repeats
        profile.correlations = rel.sort_pairs(numeric.result() + categorical)
    return extra


def _target_relations(profile: Profile, sample: pd.DataFrame, feats: list[ColumnProfile],
                      settings: Settings) -> dict:
    """Leakage suspects, non-linear columns and the L1 model's zero share: what the target tells."""
    from advisor.profile import relations as rel

    extra: dict = {"nonlinear": []}
    if profile.target is None:
        return extra
    model_sample = sample
    if len(sample) > settings.model_sample_rows:
        model_sample = sample.sample(n=settings.model_sample_rows, random_state=settings.seed)
    y = model_sample[profile.target.name]
    scores = rel.one_column_scores(model_sample, y, profile.task, feats, settings)
    profile.leakage = rel.leakage_suspects(scores, profile.task, settings)
    if profile.task == "regression":
        profile.joint_leakage = rel.joint_leakage(model_sample, y, scores, settings)
    leaky = {s.column for s in profile.leakage} | {c for j in profile.joint_leakage for c in j.columns}
    coded = {c.name for c in feats if c.numeric and c.numeric.sentinels}  # 99 among 0-17 bends any fit
    extra["nonlinear"] = [c for c in rel.nonlinear_columns(scores, settings) if c not in leaky and c not in coded]
    if profile.task == "regression":
        clean = [c for c in feats if c.name not in leaky]
        try:
            profile.l1_zero_share = rel.l1_zero_share(model_sample, y, clean)
        except Exception:  # an optional estimate: degenerate columns (even sklearn bugs) give none, not a crash
            profile.l1_zero_share = None
    return extra
