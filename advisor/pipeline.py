"""The stages chained for the shells: load -> profile -> (advice) -> Report.

The CLI, the TUI and Python users call these same functions; each stage is
also usable alone (``advisor.load.load_table``, ``advisor.profile.profile_table``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor import __version__
from advisor.report.model import Report, RunSettings, SavedModel

if TYPE_CHECKING:
    from advisor.drift import DriftReport
    from advisor.explain import Explanation
    from advisor.load import Table
    from advisor.profile.model import Profile
    from advisor.profile.stream import Scan
    from advisor.ruletree.model import Advice, CandidateAdvice, RuleSet

Progress = Callable[[str, float], None]

CV_SHARE = 0.75  # of --budget for cross-validation when the pick is also refitted and explained
MIN_EXPLAIN_SECONDS = 2.0
REFIT_THREADS_MIN_ROWS = 20_000  # below this the pick is refitted on one native thread, like the CV workers

BUNDLED = {"penguins": ("penguins.csv", "species")}


def bundled_path(name: str = "penguins") -> Path:
    """Path of a dataset shipped inside the package (Palmer penguins, CC0)."""
    return Path(__file__).parent / "data" / BUNDLED[name][0]


def build_profile_report(
    path: str,
    *,
    target: str | None = None,
    no_target: bool = False,
    task: str | None = None,
    kinds: Mapping[str, str] | None = None,
    sample: int | None = None,
    seed: int = 0,
    delimiter: str | None = None,
    input_format: str | None = None,
    answers: Mapping[str, str] | None = None,
    n_clusters: int | None = None,
    rules: str | None = None,
    drop: list[str] | None = None,
    stream: bool | None = None,
    max_memory: int | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Report:
    """Load ``path``, profile it, walk the rules and wrap everything in a :class:`Report`."""
    return load_and_profile(
        path, target=target, no_target=no_target, task=task, kinds=kinds, sample=sample, seed=seed,
        delimiter=delimiter, input_format=input_format, answers=answers, n_clusters=n_clusters, rules=rules,
        drop=drop, stream=stream, max_memory=max_memory, progress=progress, should_stop=should_stop,
    )[1]


def load_and_profile(
    path: str,
    *,
    target: str | None = None,
    no_target: bool = False,
    task: str | None = None,
    kinds: Mapping[str, str] | None = None,
    sample: int | None = None,
    seed: int = 0,
    delimiter: str | None = None,
    input_format: str | None = None,
    answers: Mapping[str, str] | None = None,
    n_clusters: int | None = None,
    rules: str | None = None,
    drop: list[str] | None = None,
    stream: bool | None = None,
    max_memory: int | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[Table, Report]:
    """The loaded table (later stages need its rows) and the profile report.

    A table that would not fit in ``max_memory`` bytes (default 512 MiB), or any
    table with ``stream=True``, is profiled in one streamed pass (see
    :mod:`advisor.profile.stream`); the Table returned then holds the pass's
    uniform sample (``sample`` rows when given), which later stages work on.
    ``stream=False`` always loads the whole table.
    """
    from advisor.load import load_table
    from advisor.profile.stream import DEFAULT_MEMORY_LIMIT, scan_file, should_stream
    from advisor.ruletree import load_rules, parse_answers

    parse_answers(answers)  # a mistyped --answer fails before any work is done
    ruleset = load_rules(rules)  # so does a broken rules folder
    if max_memory is not None and (isinstance(max_memory, bool) or max_memory <= 0):
        from advisor.errors import OptionError

        raise OptionError(f"The 'max-memory' option must be a positive size such as 2G. Got {max_memory!r} instead.")
    limit = max_memory or DEFAULT_MEMORY_LIMIT
    t0 = time.perf_counter()
    if progress:
        progress("reading", 0.0)
    scan = None
    streamed = stream if stream is not None else should_stream(path, limit, input_format)
    if streamed:
        if sample is not None and (isinstance(sample, bool) or sample < 1):
            from advisor.errors import OptionError

            raise OptionError(f"The 'sample' option must be a positive number of rows. Got {sample} instead.")

        def reading(message: str, fraction: float) -> None:
            if progress:
                progress(message, 0.6 * fraction)

        scan = scan_file(path, seed=seed, sample_rows=sample, memory_limit=limit, delimiter=delimiter,
                         file_format=input_format, progress=reading, should_stop=should_stop)
        table = scan.table
        table.scan = scan
    else:
        table = load_table(path, sample=sample, seed=seed, delimiter=delimiter, file_format=input_format)
    _drop_columns(table, drop or [], target)
    load_seconds = round(time.perf_counter() - t0, 3)
    start = 0.6 if streamed else 0.2

    def sub(message: str, fraction: float) -> None:
        if progress:
            progress(message, start + (1 - start) * fraction)

    report = profile_loaded(
        table, target=target, no_target=no_target, task=task, kinds=kinds, sample=sample, seed=seed,
        answers=answers, n_clusters=n_clusters, rules=rules, drop=drop, progress=sub, should_stop=should_stop,
        scan=scan, ruleset=ruleset,
    )
    report.timings = {"load_seconds": load_seconds, **report.timings}
    return table, report


def profile_loaded(
    table: Table,
    *,
    target: str | None = None,
    no_target: bool = False,
    task: str | None = None,
    kinds: Mapping[str, str] | None = None,
    sample: int | None = None,
    seed: int = 0,
    answers: Mapping[str, str] | None = None,
    n_clusters: int | None = None,
    rules: str | None = None,
    drop: list[str] | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    scan: Scan | None = None,
    ruleset: RuleSet | None = None,
) -> Report:
    """Profile and advise a table already in memory (the TUI re-profiles without reading the file again).

    ``scan`` is the streamed pass the table is the sample of, if it is one; ``ruleset``, the rules
    of ``rules`` when the caller has loaded them already."""
    from advisor.profile import profile_table
    from advisor.profile.config import Settings
    from advisor.ruletree import load_rules

    ruleset = ruleset or load_rules(rules)
    t1 = time.perf_counter()
    profile = profile_table(
        table, target=target, no_target=no_target, task=task, kinds=kinds, n_clusters=n_clusters,
        answers=answers, settings=Settings(seed=seed), progress=progress, should_stop=should_stop, scan=scan,
    )
    timings = {"profile_seconds": round(time.perf_counter() - t1, 3)}
    advice = advise_profile(profile, ruleset, answers)
    settings = RunSettings(
        command="profile", target=target, no_target=no_target, task=task, sample=sample, seed=seed,
        kinds=dict(kinds or {}), answers=dict(answers or {}), n_clusters=n_clusters, rules=rules,
        drop=list(drop or []),
    )
    return Report(advisor_version=__version__, source=table.info, settings=settings, profile=profile,
                  facts=profile.facts(), advice=advice, timings=timings)


def _drop_columns(table: Table, drop: list[str], target: str | None) -> None:
    """Remove the columns named by --drop (a leaky column, say) before anything looks at them."""
    from advisor.errors import OptionError, require_columns

    require_columns([("--drop", col) for col in drop], [str(c) for c in table.frame.columns])
    for col in drop:
        if col == target:
            raise OptionError(f"--drop {col}: that is the target; choose another --target or keep the column")
    left = [c for c in table.frame.columns if c not in set(drop)]
    if drop and not [c for c in left if c != target]:
        what = "only the target" if left else "no column"
        raise OptionError(f"--drop leaves {what} to profile; keep at least one feature column")
    if drop:
        table.frame = table.frame.drop(columns=drop)
        table.info.notes.append(f"dropped with --drop: {', '.join(drop)}")


def build_recommend_report(
    path: str,
    *,
    budget: float = 60.0,
    metric: str | None = None,
    jobs: int = 1,
    groups: str | None = None,
    time_col: str | None = None,
    save: str | None = None,
    explain: bool = True,
    full_fit: bool = False,
    tune: bool = True,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    **profile_options: Any,
) -> Report:
    """Profile, advise, cross-validate the candidates within ``budget`` seconds, refit the pick.

    A streamed table (bigger than ``max_memory``, or ``stream=True``) is
    cross-validated on its sample; with ``full_fit`` the pick (or the best
    measured candidate with ``partial_fit``) is then fitted over every row in
    batches, scored on held-out rows (:mod:`advisor.fullfit`), and that model
    is what ``save`` writes. The full fit is a stage of its own, outside ``budget``.

    ``backend='dask'`` cross-validates on a Dask cluster (``scheduler``, or a
    LocalCluster of ``jobs`` workers); Dask being installed and the scheduler
    answering are checked before the table is even loaded.

    ``tune=False`` leaves out the light tuning (a few hand-picked settings of the top candidates, tried
    when the candidates leave budget over): a faster run whose leaderboard does not depend on how much
    of the budget was left.

    Raises AllCandidatesFailed (its ``report`` attribute holds the Report) when
    nothing but the baseline could be measured.

    Without a target (clustering, dimensionality reduction) the candidates are
    scored by :mod:`advisor.benchmark` without folds. A clustering pick is
    refitted on every row, its membership explained with
    :func:`advisor.explain.explain_clusters`, and ``save`` writes it when it can
    assign new rows to clusters (KMeans, MiniBatchKMeans, the Gaussian
    mixtures, MeanShift: ``advisor predict`` then writes a ``cluster``
    column); a pick without ``predict`` (HDBSCAN, DBSCAN, SpectralClustering)
    cannot be saved and ``save`` raises OptionError. A dimensionality-reduction
    pick is not refitted or explained (the report's picture is the result) and
    ``save`` is refused before any work.
    """
    from advisor.benchmark import cross_validate_candidates, validate_metric
    from advisor.errors import AdvisorError, AllCandidatesFailed, OptionError

    if budget <= 0:
        raise OptionError(f"The 'budget' option must be a positive number of seconds. Got {budget:g} instead.")
    if save is not None:
        _check_save_path(save)
    if backend == "dask":
        from advisor.dask_backend import check_scheduler

        check_scheduler(scheduler)
    elif scheduler is not None:
        raise OptionError("The 'scheduler' option needs the Dask backend: add --backend dask (backend='dask').")

    def part(lo: float, hi: float) -> Progress | None:
        if progress is None:
            return None
        return lambda message, fraction: progress(message, lo + (hi - lo) * fraction)

    table, report = load_and_profile(path, progress=part(0.0, 0.1), should_stop=should_stop, **profile_options)
    report.settings.command = "recommend"
    report.settings.budget = budget
    report.settings.metric = metric
    profile, advice = report.profile, report.advice
    assert advice is not None
    if profile.task in ("binary", "multiclass", "regression") and metric is not None:
        validate_metric(metric, profile.task)
    unsupervised = profile.task in ("clustering", "dimensionality_reduction")
    if unsupervised:
        _check_unsupervised_options(profile.task, metric, save, groups, time_col)
    if full_fit and table.scan is None:
        raise OptionError(f"--full-fit: {table.info.file_name} was loaded whole ({len(table.frame):,} rows), so the "
                          f"pick is fitted on every row anyway; --full-fit is for tables streamed because they exceed "
                          f"--max-memory (or pass --stream)")
    if full_fit and profile.task == "dimensionality_reduction":
        raise OptionError("--full-fit: a dimensionality reduction has no model to fit over every row; leave it out")
    if full_fit:
        _offer_online_learner(report, profile_options.get("rules"))
    if not advice.candidates:
        raise AdvisorError(f"{table.info.file_name}: the map ends at '{advice.outcome}' with no estimator to try; "
                           "see 'advisor profile' for the trace")
    from advisor.errors import require_columns

    require_columns([("--groups", groups), ("--time", time_col)], [str(c) for c in table.frame.columns])
    target = profile.target.name if profile.target is not None else None
    for option, column in (("--groups", groups), ("--time", time_col)):
        if column is not None and column == target:
            raise OptionError(f"{option} {column}: that is the target; name the column that "
                              f"{'groups the rows' if option == '--groups' else 'orders the rows in time'}")
    t0 = time.perf_counter()
    # --budget bounds the whole run: cross-validation gets most of it, and the refit and the
    # explanation after it share what is left (the explanation is skipped when too little is).
    cv_budget = budget * CV_SHARE if explain else budget
    cv_frame, cv_note = _cv_rows(table, profile, cv_budget, report.settings.seed)
    try:
        board = cross_validate_candidates(
            cv_frame, profile, advice, budget=cv_budget, metric=metric, seed=report.settings.seed, jobs=jobs,
            groups=groups, time_col=time_col, progress=part(0.1, 0.95), should_stop=should_stop,
            backend=backend, scheduler=scheduler, tune=tune,
        )
    except AllCandidatesFailed as exc:
        report.leaderboard = getattr(exc, "leaderboard", None)
        exc.report = report  # type: ignore[attr-defined]
        raise
    report.timings["cross_validate_seconds"] = round(time.perf_counter() - t0, 3)
    report.leaderboard = board
    if cv_note:
        board.notes.insert(0, cv_note)
    if board.pick is not None and not board.cancelled and unsupervised:
        _finish_unsupervised(report, table, save=None if full_fit else save, explain=explain, budget=budget,
                             progress=part(0.95, 1.0), should_stop=should_stop)
        if full_fit:
            from advisor.fullfit import full_fit as fit_all

            board.full_fit, fitted_all = fit_all(path, report, table, drop=profile_options.get("drop"),
                                                 progress=part(0.95, 1.0), should_stop=should_stop)
            report.timings["full_fit_seconds"] = board.full_fit.seconds
            if save is not None:
                report.saved_model = _save_clusters(report, table, save, fitted_all, board.full_fit.candidate)
    elif board.pick is not None and not board.cancelled:
        _describe_pick(report, table, groups)
        fitted = _refit_pick(report, table, groups)
        if full_fit:
            from advisor.fullfit import full_fit as fit_all

            board.full_fit, fitted_all = fit_all(path, report, table, drop=profile_options.get("drop"),
                                                 progress=part(0.95, 1.0), should_stop=should_stop)
            report.timings["full_fit_seconds"] = board.full_fit.seconds
            if save is not None:
                if profile.target is None:
                    report.saved_model = _save_clusters(report, table, save, fitted_all)
                else:
                    report.saved_model = _save_pick(report, table, save, fitted_all, board.full_fit.candidate)
                save = None
        if save is not None:
            report.saved_model = _save_pick(report, table, save, fitted)
        left = budget - (time.perf_counter() - t0)
        if explain and left >= MIN_EXPLAIN_SECONDS:
            report.explanation = _explain_fitted(report, table, fitted, budget=min(30.0, left), row=None,
                                                 progress=part(0.95, 1.0), should_stop=should_stop)
        elif explain:
            board.notes.append(f"the pick is not explained: {max(left, 0):.0f} s of the budget was left after the "
                               "refit; run 'advisor explain' for it")
    if progress:
        progress("done", 1.0)
    return report


CV_ROWS_PER_SECOND = 2_000  # rows of a streamed table's sample cross-validated per second of budget
MIN_CV_ROWS = 5_000


def _cv_rows(table: Table, profile: Profile, budget: float, seed: int) -> tuple[Any, str | None]:
    """The rows to cross-validate: all of a loaded table; of a streamed one, a stratified share of its
    sample sized from the budget (the learning curve then says whether more rows would help)."""
    scan = table.scan
    frame = table.frame
    if scan is None:
        return frame, None
    want = max(MIN_CV_ROWS, int(budget * CV_ROWS_PER_SECOND))
    if len(frame) <= want:
        return frame, (f"cross-validated on the streamed pass's uniform sample of {len(frame):,} of "
                       f"{scan.info.rows:,} rows")
    from sklearn.model_selection import train_test_split

    stratify = None
    if profile.task in ("binary", "multiclass") and profile.target is not None:
        y = frame[profile.target.name]
        counts = y.value_counts(dropna=False)
        if len(counts) > 1 and counts.min() >= 2:
            stratify = y.astype(str).fillna("<missing>")
    rows, _ = train_test_split(frame, train_size=want, random_state=seed, stratify=stratify)
    rows = rows.sort_index()  # file order, for --time and for reproducible folds
    how = "a stratified" if stratify is not None else "a uniform"
    return rows, (f"cross-validated on {how} sample of {want:,} rows (sized from the {budget:g} s budget) of the "
                  f"streamed pass's {len(frame):,}-row sample of {scan.info.rows:,} rows")


ONLINE_LEARNERS = {"binary": "SGDClassifier", "multiclass": "SGDClassifier", "regression": "SGDRegressor",
                   "clustering": "MiniBatchKMeans"}


def _offer_online_learner(report: Report, rules: str | None) -> None:
    """--full-fit needs a candidate with partial_fit: add the map's online learner when the walk named none."""
    from advisor.candidates import candidate_advice
    from advisor.ruletree import load_rules

    advice = report.advice
    assert advice is not None
    if any(c.partial_fit for c in advice.candidates):
        return
    name = ONLINE_LEARNERS[report.profile.task]
    extra = candidate_advice(name, report.profile, load_rules(rules).preparation)
    extra.why = "added for --full-fit: the map's online learner, which can learn from every row in batches"
    first = 1 if advice.candidates and advice.candidates[0].name.startswith("Dummy") else 0
    advice.candidates.insert(first, extra)  # cheap, and it must be measured before the budget runs out
    advice.notes.append(f"{name} was added to the candidates because --full-fit needs one that learns incrementally "
                        f"(partial_fit) and the walk named none")


def _check_unsupervised_options(task: str, metric: str | None, save: str | None, groups: str | None,
                                time_col: str | None) -> None:
    """Options that cannot apply without a target fail before any work is done."""
    from advisor.benchmark import validate_metric
    from advisor.errors import OptionError

    validate_metric(metric, task)
    if save is not None and task == "dimensionality_reduction":
        raise OptionError(f"--save {save}: a dimensionality reduction has no predictions to save; the report holds its "
                          "2-D picture and the code that rebuilds it. Leave out --save, or give a --target.")
    for option, column in (("groups", groups), ("time", time_col)):
        if column is not None:
            raise OptionError(f"--{option} {column}: it arranges cross-validation folds around a target; "
                              f"{task.replace('_', ' ')} has none. Leave it out.")


def _unsupervised_pick(report: Report) -> tuple[CandidateAdvice, dict[str, Any]]:
    """The pick's candidate and the parameters it was measured with (the number of clusters)."""
    from advisor.benchmark import cluster_params

    board = report.leaderboard
    assert board is not None and board.pick is not None
    row = board.row(board.pick.name)
    k = row.clusters.k if row.clusters is not None else None
    return _pick_candidate(report), cluster_params(row.name, k)


def _finish_unsupervised(report: Report, table: Table, *, save: str | None, explain: bool, budget: float,
                         progress: Progress | None, should_stop: Callable[[], bool] | None) -> None:
    """Code for the design doc; for clustering also the refit on every row, --save and the explanation."""
    from advisor.candidates import build_pipeline, pipeline_code
    from advisor.errors import OptionError

    profile, board = report.profile, report.leaderboard
    assert board is not None and board.pick is not None
    candidate, params = _unsupervised_pick(report)
    kinds = profile.feature_kinds()
    seed = report.settings.seed
    report.pipeline_code = pipeline_code(candidate, kinds, profile.task, seed=seed, params=params)
    if profile.task != "clustering":
        return
    t0 = time.perf_counter()
    X = table.frame.reset_index(drop=True)
    fitted = build_pipeline(candidate, kinds, profile.task, seed=seed, params=params).fit(X)
    model = fitted[-1]
    labels = getattr(model, "labels_", None)
    if labels is None:
        labels = fitted.predict(X)
    report.timings["refit_seconds"] = round(time.perf_counter() - t0, 3)
    if save is not None:
        if not hasattr(fitted, "predict"):
            savable = [r.name for r in board.rows if r.status == "ok" and not r.is_baseline
                       and r.name in ("KMeans", "MiniBatchKMeans", "GaussianMixture", "BayesianGaussianMixture", "MeanShift")]
            hint = f" The measured candidates that can be saved: {', '.join(savable)}." if savable else ""
            raise OptionError(f"--save {save}: the pick {candidate.name} cannot assign new rows to clusters (it has no "
                              f"predict method), so there is no model to save.{hint}")
        report.saved_model = _save_clusters(report, table, save, fitted)
    if explain:
        import numpy as np

        from advisor.explain import explain_clusters

        features = [c for c in kinds if c in X.columns]
        if len(np.unique(np.asarray(labels))) < 2:
            board.notes.append("the refit on every row found a single cluster, so cluster membership is not explained")
            return
        ids = [c.name for c in profile.columns if c.kind == "identifier"]
        t1 = time.perf_counter()
        report.explanation = explain_clusters(labels, X[features], budget=min(30.0, max(5.0, budget / 2)), seed=seed,
                                              identifier_columns=[c for c in ids if c in features], progress=progress,
                                              should_stop=should_stop)
        report.timings["explain_seconds"] = round(time.perf_counter() - t1, 3)


def _save_clusters(report: Report, table: Table, save: str, fitted: Any, name: str | None = None) -> SavedModel:
    """Save a clustering pipeline; 'advisor predict' writes its cluster numbers in a column named 'cluster'."""
    from advisor.modelio import build_metadata, save_model

    profile, board = report.profile, report.leaderboard
    assert board is not None and board.pick is not None
    name = name or board.pick.name
    metadata = build_metadata(fitted, table.frame, target="cluster", task=profile.task, metric=board.metric,
                              cv_score=board.row(name).score, features=profile.feature_kinds(), candidate=name)
    warnings = save_model(save, fitted, metadata)
    return SavedModel(path=save, format=Path(save).suffix.lstrip(".").lower(), candidate=name,
                      warnings=list(warnings), fingerprint=dict(metadata.get("training_data", {})))


def build_explain_report(
    path: str,
    *,
    model: str | None = None,
    row: int | None = None,
    budget: float = 30.0,
    tune: bool = True,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    **profile_options: Any,
) -> Report:
    """Explain a saved model on ``path`` (``model``), or recommend a pick and explain it.

    ``tune`` is passed to :func:`build_recommend_report` when there is no saved model.

    ``row`` is a 1-based data row of the file (as a spreadsheet shows it, header excluded).
    """
    from advisor.errors import OptionError

    if model is None:
        report = build_recommend_report(path, budget=budget, progress=progress, should_stop=should_stop,
                                        explain=False, tune=tune, **profile_options)
        table, task = None, None
    else:
        from advisor.modelio import check_columns, load_model

        pipeline, metadata = load_model(model)
        if profile_options.get("target") not in (None, metadata.get("target")):
            raise OptionError(f"--target {profile_options['target']}: the model in {model} predicts '{metadata.get('target')}'")
        from advisor.load import read_header

        has_target = metadata.get("target") in read_header(path, delimiter=profile_options.get("delimiter"),
                                                          file_format=profile_options.get("input_format"))
        profile_options.update(target=metadata.get("target") if has_target else None, no_target=not has_target)
        table, report = load_and_profile(path, progress=progress, should_stop=should_stop, **profile_options)
        check_columns(metadata, table.frame)
        task = metadata.get("task")
    if report.leaderboard is not None and report.leaderboard.pick is None:
        return report
    if table is None:  # recommend path: the table again, and the pick refitted on all rows
        from advisor.load import load_table

        table = load_table(path, sample=profile_options.get("sample"), seed=profile_options.get("seed", 0),
                           delimiter=profile_options.get("delimiter"), file_format=profile_options.get("input_format"))
        _drop_columns(table, profile_options.get("drop") or [], profile_options.get("target"))
        pipeline = _refit_pick(report, table, None)
    report.settings.command = "explain"
    index = None
    if row is not None:
        n = len(table.frame)
        if not 1 <= row <= n:
            raise OptionError(f"The 'row' option must be a data row between 1 and {n:,}. Got {row} instead.")
        index = _row_position(table, report, row)
    report.explanation = _explain_fitted(report, table, pipeline, budget=budget, row=index, progress=progress,
                                         should_stop=should_stop, task=task)
    explained_row = report.explanation.row
    if explained_row is not None and row is not None:  # speak of the file's row, not a position among labelled rows
        explained_row.summary = explained_row.summary.replace(f"For row {explained_row.row},", f"For data row {row},", 1)
        explained_row.row = row
    return report


def _row_position(table: Table, report: Report, row: int) -> int:
    """The position of file row ``row`` among the rows the explanation sees (rows with a target)."""
    from advisor.errors import OptionError

    target = report.profile.target.name if report.profile.target else None
    if target is None:
        return row - 1
    labelled = table.frame[target].notna().to_numpy()
    if not labelled[row - 1]:
        raise OptionError(f"The 'row' option names row {row}, whose target '{target}' is missing; choose a labelled row")
    return int(labelled[: row - 1].sum())


def _check_save_path(save: str) -> None:
    from advisor.errors import OptionError

    suffix = Path(save).suffix.lower()
    if suffix not in (".skops", ".joblib"):
        raise OptionError(f"--save {save}: use a .skops file (safe to load) or .joblib (loads arbitrary code)")
    parent = Path(save).parent
    if str(parent) and not parent.is_dir():
        raise OptionError(f"--save {save}: the folder '{parent}' does not exist; create it first")


def _pick_candidate(report: Report) -> CandidateAdvice:
    assert report.leaderboard is not None and report.leaderboard.pick is not None and report.advice is not None
    name = report.leaderboard.pick.name
    return next(c for c in report.advice.candidates if c.name == name)


def _describe_pick(report: Report, table: Table, groups: str | None) -> None:
    """The Python code that rebuilds the pick, for the design doc."""
    from advisor.candidates import pipeline_code, target_minimum, training_data

    profile = report.profile
    _, y = training_data(table.frame, profile)
    assert report.leaderboard is not None and report.leaderboard.pick is not None
    report.pipeline_code = pipeline_code(_pick_candidate(report), profile.feature_kinds(), profile.task,
                                         seed=report.settings.seed, target_min=target_minimum(y, profile.task),
                                         params=report.leaderboard.pick.params or None)


def _refit_pick(report: Report, table: Table, groups: str | None) -> Any:
    """The pick refitted on every labelled row: what --save writes and what the explanation describes."""
    from threadpoolctl import threadpool_limits

    from advisor.candidates import fit_candidate

    t0 = time.perf_counter()
    assert report.leaderboard is not None and report.leaderboard.pick is not None
    # As in the cross-validation workers: native threads only pay on large tables. On a small one on a
    # busy machine, OpenMP threads spin against each other (a 0.4 s boosting fit took 23 s at load 10).
    threads = None if len(table.frame) >= REFIT_THREADS_MIN_ROWS else 1
    with threadpool_limits(limits=threads):
        fitted = fit_candidate(table.frame, report.profile, _pick_candidate(report), seed=report.settings.seed,
                               exclude=[groups] if groups else None, params=report.leaderboard.pick.params or None)
    report.timings["refit_seconds"] = round(time.perf_counter() - t0, 3)
    return fitted


def _explain_fitted(report: Report, table: Table, fitted: Any, *, budget: float, row: int | None,
                    progress: Progress | None, should_stop: Callable[[], bool] | None,
                    task: str | None = None) -> Explanation:
    from advisor.candidates import training_data
    from advisor.explain import explain_pipeline

    profile = report.profile
    if profile.target is not None:
        X, y = training_data(table.frame, profile)
    else:  # unlabelled rows: SHAP needs no target; the permutation check is skipped
        X, y = table.frame, None
    ids = [c.name for c in profile.columns if c.kind == "identifier"]
    from threadpoolctl import threadpool_limits

    t0 = time.perf_counter()
    with threadpool_limits(limits=None if len(X) >= REFIT_THREADS_MIN_ROWS else 1):  # see _refit_pick
        explanation = explain_pipeline(fitted, X, y, task=task or profile.task, budget=budget,
                                       seed=report.settings.seed, row=row, identifier_columns=ids, progress=progress,
                                       should_stop=should_stop)
    report.timings["explain_seconds"] = round(time.perf_counter() - t0, 3)
    return explanation


def _save_pick(report: Report, table: Table, save: str, fitted: Any, name: str | None = None) -> SavedModel:
    """Save the refitted pick, or (``name``) another measured candidate: the --full-fit one."""
    from advisor.modelio import build_metadata, save_model

    profile, board = report.profile, report.leaderboard
    assert board is not None and board.pick is not None and profile.target is not None
    candidate = _pick_candidate(report) if name is None else next(c for c in report.advice.candidates  # type: ignore[union-attr]
                                                                  if c.name == name)
    score = board.pick.score if name is None else board.row(name).score
    metadata = build_metadata(fitted, table.frame, target=profile.target.name, task=profile.task,
                              metric=board.metric, cv_score=score, features=profile.feature_kinds(),
                              candidate=candidate.name)
    warnings = save_model(save, fitted, metadata)
    return SavedModel(path=save, format=Path(save).suffix.lstrip(".").lower(), candidate=candidate.name,
                      warnings=list(warnings), fingerprint=dict(metadata.get("training_data", {})))


def advise_profile(profile: Profile, ruleset: RuleSet, answers: Mapping[str, str] | None = None) -> Advice:
    """Walk the rule tree over a profile; the Advice carries a Mermaid chart of the path taken."""
    from advisor.ruletree import advise, render_mermaid

    advice = advise(ruleset, profile.facts(), profile.findings, profile.feature_kinds(), dict(answers or {}))
    advice.mermaid = render_mermaid(ruleset, advice.path)
    return advice


def build_drift_report(
    reference: str,
    current: str,
    *,
    target: str | None = None,
    seed: int = 0,
    sample: int | None = None,
    delimiter: str | None = None,
    input_format: str | None = None,
    domain_classifier: bool = True,
    model: str | None = None,
    progress: Progress | None = None,
) -> DriftReport:
    """Load both tables, profile the reference for column kinds, and compare them."""
    from advisor.drift import compare_tables
    from advisor.load import load_table
    from advisor.profile import profile_table
    from advisor.profile.config import Settings

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if model is not None:
        from advisor.modelio import load_model

        pipeline, metadata = load_model(model)  # a bad model file is said before any table is read
    ref = load_table(reference, sample=sample, seed=seed, delimiter=delimiter, file_format=input_format)
    cur = load_table(current, sample=sample, seed=seed, delimiter=delimiter, file_format=input_format)
    if model is not None:
        _check_model_columns(metadata, [ref, cur], model)
    timings["load_seconds"] = round(time.perf_counter() - t0, 3)
    t1 = time.perf_counter()
    ref_profile = profile_table(ref, target=target, no_target=target is None, settings=Settings(seed=seed))
    drift = compare_tables(ref.frame, cur.frame, ref_profile, reference_name=ref.info.file_name,
                           current_name=cur.info.file_name, seed=seed, domain_classifier=domain_classifier,
                           progress=progress)
    if model is not None:
        from advisor.drift import model_drift, summarise

        drift.model = model_drift(pipeline, metadata, ref.frame, cur.frame, {c.name: c.kind for c in ref_profile.columns})
        drift.summary = summarise(drift.schema, drift.columns, drift.domain, drift.model)
    timings["compare_seconds"] = round(time.perf_counter() - t1, 3)
    drift.advisor_version = __version__
    drift.timings = timings
    return drift


def _check_model_columns(metadata: dict[str, Any], tables: list[Table], model: str) -> None:
    """Each table has the columns the model was trained on, in a type it can read (see check_columns)."""
    from advisor.errors import ModelFileError
    from advisor.modelio import check_columns

    for table in tables:
        try:
            check_columns(metadata, table.frame)
        except ModelFileError as exc:
            raise ModelFileError(f"{table.info.file_name}: {exc} Compare it with the tables {model} was "
                                 f"trained on, or leave out --model.") from None
