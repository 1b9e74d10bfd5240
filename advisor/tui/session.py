"""What the TUI asks the core for, as plain data: no Textual here, so it is easy to test.

A :class:`ProfileRequest` holds every option of one profile run; changing the
target, the task or a column's kind is a new request (the profile re-runs in
a worker, on the table already in memory: the file is read once). Answers to
the map's questions need no new profile: :func:`rewalk` walks the rule tree
again over the same profile, which takes milliseconds.

The benchmark, the explanation and the saved model work on the session's
table and the pick refitted once (:func:`run_benchmark`, :func:`explain_pick`,
:func:`save_pick`); they return new values and never change the report given.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.errors import OptionError
from advisor.load import COMPRESSIONS, FORMATS

if TYPE_CHECKING:
    from advisor.drift import DriftReport
    from advisor.explain import Explanation
    from advisor.leaderboard import CandidateResult
    from advisor.load import Table
    from advisor.report.model import Report, SavedModel
    from advisor.ruletree.model import RuleSet

Progress = Callable[[str, float], None]

# Options of advisor.pipeline.build_profile_report that belong to one file, not to the session.
FILE_OPTIONS = ("target", "no_target", "task", "kinds", "answers", "n_clusters", "delimiter", "input_format")
# Options that change what is read from the file: when these are the same, the table in memory is reused.
READ_OPTIONS = ("path", "sample", "seed", "delimiter", "input_format", "stream", "max_memory")
EXPORT_FORMATS = {"md": ("Markdown", ".md"), "json": ("JSON", ".json"), "html": ("HTML", ".html")}


@dataclass(frozen=True)
class ProfileRequest:
    """Every option of one ``build_profile_report`` call."""

    path: str
    target: str | None = None
    no_target: bool = False
    task: str | None = None
    kinds: Mapping[str, str] = field(default_factory=dict)
    answers: Mapping[str, str] = field(default_factory=dict)
    n_clusters: int | None = None
    sample: int | None = None
    seed: int = 0
    delimiter: str | None = None
    input_format: str | None = None
    rules: str | None = None
    stream: bool | None = None
    max_memory: int | None = None
    drop: tuple[str, ...] = ()  # columns left out before anything looks at them (--drop)
    groups: str | None = None  # the benchmark keeps each value of this column in one fold (--groups)
    time_col: str | None = None  # the benchmark validates on later rows by this column (--time)

    @classmethod
    def from_options(cls, path: str, options: Mapping[str, Any]) -> ProfileRequest:
        """A request from ``run(path, **options)``; unknown option names are an OptionError."""
        known = {f for f in cls.__dataclass_fields__ if f != "path"}
        unknown = sorted(set(options) - known)
        if unknown:
            raise OptionError(f"advisor.tui.run() got unknown options {', '.join(unknown)}; use {', '.join(sorted(known))}")
        opts = dict(options)
        for key in ("kinds", "answers"):
            opts[key] = dict(opts.get(key) or {})
        opts["drop"] = tuple(opts.get("drop") or ())
        return cls(path=path, **opts)

    def for_file(self, path: str) -> ProfileRequest:
        """The same session options (sample, seed, rules) for another file; per-file choices reset."""
        return replace(self, path=path, target=None, no_target=False, task=None, kinds={}, answers={},
                       n_clusters=None, delimiter=None, input_format=None, drop=(), groups=None, time_col=None)

    def with_target(self, target: str | None) -> ProfileRequest:
        """Predict ``target`` (None: no target); the task is inferred again."""
        return replace(self, target=target, no_target=target is None, task=None)

    def with_task(self, task: str | None) -> ProfileRequest:
        return replace(self, task=task)

    def with_kind(self, column: str, kind: str | None) -> ProfileRequest:
        """Force ``column``'s kind, or let the detectors decide again when ``kind`` is None."""
        kinds = {k: v for k, v in self.kinds.items() if k != column}
        if kind is not None:
            kinds[column] = kind
        return replace(self, kinds=kinds)

    def reads_like(self, other: ProfileRequest | None) -> bool:
        """True when ``other`` reads the same rows from the same file, less the same dropped columns (its
        table can be reused)."""
        return (other is not None and all(getattr(self, k) == getattr(other, k) for k in READ_OPTIONS)
                and self.drop == other.drop)

    def build(self, progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
              table: Table | None = None) -> tuple[Table, Report]:
        """The table and its profile report; with ``table`` (read by an earlier request) the file is not read again."""
        from advisor.pipeline import load_and_profile, profile_loaded

        options = asdict(self)
        path = options.pop("path")
        options["kinds"] = dict(self.kinds)
        options["answers"] = dict(self.answers)
        options["drop"] = list(self.drop)  # a reused table has lost these columns already; the report still says so
        options.pop("groups")  # the benchmark's, not the profile's
        options.pop("time_col")
        if table is None:
            return load_and_profile(path, progress=progress, should_stop=should_stop, **options)
        for key in READ_OPTIONS[3:]:
            options.pop(key)
        return table, profile_loaded(table, progress=progress, should_stop=should_stop, scan=table.scan, **options)


def rewalk(report: Report, ruleset: RuleSet, answers: Mapping[str, str], n_clusters: int | None) -> Report:
    """The same profile with new answers to the map's questions: a new walk, no new profile."""
    from advisor.pipeline import advise_profile
    from advisor.ruletree import parse_answers

    parse_answers(answers)
    if n_clusters is not None and n_clusters < 2:
        raise OptionError(f"The number of clusters must be an integer of at least 2. Got {n_clusters} instead.")
    plain = {k.replace("-", "_"): v for k, v in answers.items()}
    profile = replace(report.profile, answers=plain, n_clusters=n_clusters)
    advice = advise_profile(profile, ruleset, plain)
    settings = replace(report.settings, answers=plain, n_clusters=n_clusters)
    # New candidates: what was measured, explained or saved belongs to the old ones.
    return replace(report, profile=profile, facts=profile.facts(), advice=advice, settings=settings,
                   leaderboard=None, pipeline_code=None, explanation=None, saved_model=None)


def is_data_file(path: Path) -> bool:
    """A file the loader can read, judged by its extension (compressed files too)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSIONS:
        return True
    return bool(suffixes) and suffixes[-1] in FORMATS


def default_export_stem(report: Report, directory: Path) -> Path:
    """Where reports go unless the user says otherwise: ``<dir>/<file stem>-advice``."""
    name = report.source.file_name or "report"
    stem = name.split(".")[0] or "report"
    return directory / f"{stem}-advice"


def export_report(report: Report, fmt: str, stem: str | Path) -> Path:
    """Render ``report`` as ``fmt`` (md, json, html) and write it atomically next to ``stem``."""
    from advisor.report.render import render, write_atomic

    if fmt not in EXPORT_FORMATS:
        raise OptionError(f"The export format must be one of {', '.join(EXPORT_FORMATS)}. Got '{fmt}' instead.")
    target = Path(stem).expanduser()
    suffix = EXPORT_FORMATS[fmt][1]
    known = {ext for _, ext in EXPORT_FORMATS.values()}
    if target.suffix.lower() in known:
        target = target.with_suffix(suffix)
    else:
        target = target.with_name(target.name + suffix)
    write_atomic(target, render(report, fmt), protect=[report.source.path])
    return target


def default_model_path(report: Report, directory: Path) -> Path:
    """Where the model goes unless the user says otherwise: ``<dir>/<file stem>-model.skops``."""
    stem = default_export_stem(report, directory)
    return stem.with_name(stem.name.removesuffix("-advice") + "-model.skops")


# ------------------------------------------------------------------ benchmark, explain, save

BENCHMARK_TASKS = ("binary", "multiclass", "regression")
# scikit-learn scorer names offered after the advisor's own metrics (any other name can be typed in the CLI).
COMMON_SCORERS = {
    "classification": ("accuracy", "f1_weighted", "precision_macro", "recall_macro"),
    "regression": ("neg_median_absolute_error", "explained_variance", "neg_mean_absolute_percentage_error"),
}
DEFAULT_BUDGET = 60.0
DEFAULT_EXPLAIN_BUDGET = 30.0
ROW_BUDGET = 5.0  # one row is explained first, whatever the budget; the rest only refines the importances


def metric_choices(task: str) -> list[tuple[str, str]]:
    """(key, label) of the metrics to offer for ``task``; the first is the default. Empty: no benchmark."""
    from advisor.benchmark import DEFAULT_METRICS, METRICS

    if task not in BENCHMARK_TASKS:
        return []
    keys = DEFAULT_METRICS[task]
    out = [(k, METRICS[k][0] + (" (default)" if i == 0 else "")) for i, k in enumerate(keys)]
    common = COMMON_SCORERS["regression" if task == "regression" else "classification"]
    return out + [(k, k) for k in common if k not in keys]


def parse_seconds(text: str, what: str = "budget") -> float:
    """A positive, finite number of seconds typed by the user, or an OptionError saying what is wrong."""
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise OptionError(f"The {what} must be a positive number of seconds. Got '{text.strip()}' instead.")
    return value


def start_process_helpers() -> None:
    """Start multiprocessing's resource tracker now, from the main thread, with stderr on os.devnull.

    The benchmark runs candidates in worker processes, and the first one starts
    the tracker, which hands the child ``sys.stderr.fileno()``. Inside Textual,
    ``sys.stderr`` is a capture whose ``fileno()`` is -1, and starting the
    tracker then fails with "bad value(s) in fds_to_keep". Started here once,
    the tracker is reused by every later run (and its messages cannot reach
    the screen).
    """
    import multiprocessing.resource_tracker as resource_tracker
    import os
    import sys

    saved = sys.stderr
    with open(os.devnull, "w") as null:
        sys.stderr = null
        try:
            resource_tracker.ensure_running()
        finally:
            sys.stderr = saved


def planned_rows(report: Report) -> list[CandidateResult]:
    """The leaderboard's rows before anything is measured, in the order they will run (all 'skipped')."""
    from advisor.benchmark import _plan_slots

    if report.advice is None or report.profile.task not in BENCHMARK_TASKS:
        return []
    return [slot.row for slot in _plan_slots(report.advice, report.profile.task)]


def run_benchmark(report: Report, table: Table, *, budget: float, metric: str | None,
                  progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
                  on_row: Callable[[Any], None] | None = None, groups: str | None = None,
                  time_col: str | None = None) -> tuple[Report, Any]:
    """Cross-validate the candidates, then refit the pick on every labelled row.

    ``groups`` and ``time_col`` are recommend's ``--groups`` and ``--time``: the
    group column is then no feature, in the folds and in the refit alike.

    Returns the new report (leaderboard, pipeline code, settings of the run)
    and the fitted pick (None when nothing was picked or the run was stopped:
    the pick of a stopped run is refitted only when it is needed). Raises what
    ``cross_validate_candidates`` raises; AllCandidatesFailed carries ``.report``.
    """
    import time

    from advisor.benchmark import cross_validate_candidates
    from advisor.errors import AllCandidatesFailed
    from advisor.pipeline import _describe_pick, _refit_pick

    if report.advice is None:
        raise OptionError("There is no advice to benchmark: profile a table with a target first.")
    settings = replace(report.settings, command="recommend", budget=budget, metric=metric)
    new = replace(report, settings=settings, leaderboard=None, pipeline_code=None, explanation=None,
                  saved_model=None, timings=dict(report.timings))
    t0 = time.perf_counter()
    try:
        board = cross_validate_candidates(table.frame, new.profile, report.advice, budget=budget, metric=metric,
                                          seed=settings.seed, progress=progress, should_stop=should_stop,
                                          on_row=on_row, groups=groups, time_col=time_col)
    except AllCandidatesFailed as exc:
        new.leaderboard = getattr(exc, "leaderboard", None)
        exc.report = new  # type: ignore[attr-defined]
        raise
    new.timings["cross_validate_seconds"] = round(time.perf_counter() - t0, 3)
    new.leaderboard = board
    fitted = None
    if board.pick is not None:
        _describe_pick(new, table, groups)
        if not board.cancelled:
            if progress is not None:
                progress(f"refitting {board.pick.name} on every row", 1.0)
            fitted = _refit_pick(new, table, groups)
    return new, fitted


def fit_pick(report: Report, table: Table, fitted: Any = None) -> Any:
    """The pick refitted on every labelled row (``fitted`` when it is already there)."""
    from advisor.pipeline import _refit_pick

    if fitted is not None:
        return fitted
    if report.leaderboard is None or report.leaderboard.pick is None:
        raise OptionError("There is no pick yet: run the benchmark first.")
    groups = report.leaderboard.cv.groups  # the group column was no feature in the folds: nor in the refit
    return _refit_pick(replace(report, timings=dict(report.timings)), table, groups)


def row_position(report: Report, table: Table, text: str) -> tuple[int, int]:
    """(data row as typed, 1-based; its position among the rows the explanation sees), or an OptionError."""
    from advisor.pipeline import _row_position

    n = len(table.frame)
    try:
        row = int(text.strip())
    except ValueError:
        row = 0
    if not 1 <= row <= n:
        raise OptionError(f"The row must be a data row between 1 and {n:,} (1 is the first row under the header). "
                          f"Got '{text.strip()}' instead.")
    return row, _row_position(table, report, row)


def explain_pick(report: Report, table: Table, fitted: Any, *, budget: float, row: int | None = None,
                 position: int | None = None, progress: Progress | None = None,
                 should_stop: Callable[[], bool] | None = None) -> Explanation:
    """Explain the fitted pick; with ``row`` (1-based data row, at ``position``) that row too, in words."""
    from advisor.pipeline import _explain_fitted

    work = replace(report, timings=dict(report.timings))
    explanation = _explain_fitted(work, table, fitted, budget=budget, row=position, progress=progress,
                                  should_stop=should_stop)
    explained = explanation.row
    if explained is not None and row is not None:  # speak of the file's row, as the CLI does
        explained.summary = explained.summary.replace(f"For row {explained.row},", f"For data row {row},", 1)
        explained.row = row
    return explanation


def with_row(explanation: Explanation, other: Explanation) -> Explanation:
    """``explanation`` with the row explanation of ``other`` (its per-row SHAP values stay for the plots)."""
    out = copy.copy(explanation)
    out.row = other.row
    return out


def save_pick(report: Report, table: Table, fitted: Any, path: str) -> SavedModel:
    """Save the fitted pick with its metadata (as ``advisor recommend --save`` does) and say where."""
    from advisor.pipeline import _save_pick

    target = Path(path.strip()).expanduser()
    if target.suffix not in (".skops", ".joblib"):
        raise OptionError(f"The model file must end in .skops (safe to load) or .joblib (loading it runs code). "
                          f"Got '{path.strip()}' instead.")
    if not target.parent.is_dir():
        raise OptionError(f"Cannot save the model: the folder '{target.parent}' does not exist.")
    path = str(target)
    if report.profile.target is None:
        raise OptionError("Only a model with a target can be saved.")
    return _save_pick(report, table, path, fitted)


# ------------------------------------------------------------------ drift


def compare_current(report: Report, table: Table, current: str, *, model: str | None = None, sample: int | None = None,
                    seed: int = 0, progress: Progress | None = None) -> DriftReport:
    """Compare the table on screen (the reference, with its profile's kinds) with the file at ``current``.

    Like :func:`advisor.pipeline.build_drift_report`, without reading the reference again; with ``model``
    (a saved model's path) the report says too what the drift means for that model.
    """
    import time

    from advisor import __version__
    from advisor.drift import compare_tables
    from advisor.load import load_table

    say = progress or (lambda label, fraction: None)
    t0 = time.perf_counter()
    say(f"Reading {Path(current).name}", 0.0)
    cur = load_table(str(Path(current).expanduser()), sample=sample, seed=seed)
    loaded = time.perf_counter()
    drift = compare_tables(table.frame, cur.frame, report.profile, reference_name=table.info.file_name,
                           current_name=cur.info.file_name, seed=seed,
                           progress=lambda label, fraction: say(f"Drift: {label}", fraction))
    if model:
        from advisor.drift import model_drift, summarise
        from advisor.modelio import load_model

        say("Drift: the saved model", 0.9)
        pipeline, metadata = load_model(str(Path(model).expanduser()))
        kinds = {c.name: c.kind for c in report.profile.columns}
        drift.model = model_drift(pipeline, metadata, table.frame, cur.frame, kinds)
        drift.summary = summarise(drift.schema, drift.columns, drift.domain, drift.model)
    drift.advisor_version = __version__
    drift.timings = {"load_seconds": round(loaded - t0, 3), "compare_seconds": round(time.perf_counter() - loaded, 3)}
    return drift


def default_drift_path(drift: DriftReport, directory: Path) -> Path:
    """Where a drift report goes: ``<dir>/<reference stem>-vs-<current stem>-drift.md``."""
    ref = drift.reference.split(".")[0] or "reference"
    cur = drift.current.split(".")[0] or "current"
    return directory / f"{ref}-vs-{cur}-drift.md"


def export_drift(drift: DriftReport, path: Path, protect: list[str]) -> Path:
    """Write ``drift`` as Markdown to ``path`` atomically (never over ``protect``, the compared files)."""
    from advisor.report.render import render, write_atomic

    write_atomic(path, render(drift, "md"), protect=protect)
    return path
