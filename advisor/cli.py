"""The command line: parse, call the core, render, map errors to exit codes.

``main(argv) -> int`` never raises for a user mistake: an AdvisorError becomes
one line on stderr and its exit code (2 for bad input). Stdout carries the
report only. Heavy libraries are imported by the commands that need them, so
``advisor --help`` stays instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from advisor import __version__
from advisor.errors import AdvisorError, OptionError

EPILOG = "Run 'advisor COMMAND --help' for a command's options. Exit status: 0 ok, 1 failure, 2 bad input."


class _Parser(argparse.ArgumentParser):
    """argparse that raises OptionError instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        where = "" if self.prog == "advisor" else f"{self.prog}: "  # the error line starts 'advisor: error:'
        raise OptionError(f"{where}{message}; see '{self.prog} --help'")


def _positive_int(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise OptionError(f"The '{name}' option must be a positive integer. Got '{text}' instead.") from None
        if value < 1:
            raise OptionError(f"The '{name}' option must be a positive integer. Got {value} instead.")
        return value

    return parse


MAX_SEED = 2**32 - 1  # numpy's and scikit-learn's seeds
MAX_WIDTH = 1000


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise OptionError(f"The 'seed' option must be a whole number from 0 to {MAX_SEED}. Got '{text}' instead.") from None
    if not 0 <= value <= MAX_SEED:
        raise OptionError(f"The 'seed' option must be a whole number from 0 to {MAX_SEED}. Got {value} instead.")
    return value


def _width(text: str) -> int:
    value = _positive_int("width")(text)
    if not 20 <= value <= MAX_WIDTH:
        raise OptionError(f"The 'width' option must be a number of columns from 20 to {MAX_WIDTH}. Got {value} instead.")
    return value


DELIMITER_NAMES = {"\\t": "\t", "tab": "\t", "\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}


def _delimiter(text: str) -> str:
    """One character; '\\t' (as a shell passes it), 'tab', 'comma', 'semicolon', 'pipe' and 'space' by name."""
    value = DELIMITER_NAMES.get(text.lower(), text)
    if len(value) != 1 or value in "\"\r\n":
        raise OptionError(f"The 'delimiter' option must be one character (or tab, comma, semicolon, pipe, space). "
                          f"Got {text!r} instead.")
    return value


def _size(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        from advisor.profile.stream import parse_size

        try:
            return parse_size(text)
        except ValueError:
            raise OptionError(f"The '{name}' option must be a size such as 512M or 2G. Got '{text}' instead.") from None

    return parse


def _positive_float(name: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise OptionError(f"The '{name}' option must be a positive number of seconds. Got '{text}' instead.") from None
        if not value > 0 or value == float("inf"):
            raise OptionError(f"The '{name}' option must be a positive number of seconds. Got {text} instead.")
        return value

    return parse


def _pairs(option: str) -> Callable[[str], tuple[str, str]]:
    def parse(text: str) -> tuple[str, str]:
        key, sep, value = text.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise OptionError(f"The '{option}' option takes NAME=VALUE. Got '{text}' instead.")
        return key.strip(), value.strip()

    return parse


def _add_data_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("target and task")
    g.add_argument("--target", help="column to predict (inferred from names like target/label/churn when omitted)")
    g.add_argument("--no-target", action="store_true", help="no column to predict: clustering or dimensionality reduction")
    g.add_argument("--task", help="binary, multiclass, regression, clustering or dimensionality_reduction (overrides inference)")
    g.add_argument("--kind", action="append", default=[], type=_pairs("kind"), metavar="COL=KIND",
                   help="force a column's kind (numeric, count, code, categorical, boolean, datetime, text, identifier, constant, empty)")
    g.add_argument("--answer", action="append", default=[], type=_pairs("answer"), metavar="QUESTION=yes|no",
                   help="answer a question of the map the profile cannot know, e.g. few-features-important=yes")
    g.add_argument("--drop", action="append", default=[], metavar="COL",
                   help="leave a column out entirely (repeatable), e.g. a leaky column the profile flagged")
    g.add_argument("--n-clusters", type=_positive_int("n-clusters"), help="number of clusters you expect (the map's 'number of categories known')")
    r = p.add_argument_group("reading")
    r.add_argument("--sample", type=_positive_int("sample"), metavar="N", help="read a reproducible uniform sample of N rows")
    r.add_argument("--stream", action=argparse.BooleanOptionalAction, default=None,
                   help="profile in one streamed pass in bounded memory, plus a uniform sample for kinds and "
                        "relations (default: when the table would not fit in --max-memory); with --sample N "
                        "the sample has N rows")
    r.add_argument("--max-memory", type=_size("max-memory"), metavar="SIZE",
                   help="memory the table may take, e.g. 512M or 4G (default 512M): bigger tables are streamed")
    r.add_argument("--seed", type=_seed, default=0, help="random seed for sampling and models (default 0)")
    r.add_argument("--delimiter", type=_delimiter, help="CSV delimiter, one character or tab (sniffed when omitted)")
    r.add_argument("--input-format", choices=["csv", "tsv", "parquet", "feather", "jsonl", "excel"], help="read the file as this format")
    r.add_argument("--rules", metavar="DIR", help="use the rule files in DIR instead of the built-in map")


def _add_output_options(p: argparse.ArgumentParser) -> None:
    o = p.add_argument_group("output")
    o.add_argument("--format", help="terminal, md, json or html (default: from -o's extension, else terminal)")
    o.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (atomically) instead of stdout")
    o.add_argument("--width", type=_width, help="terminal report width (default: the terminal's, at most 120)")
    o.add_argument("-q", "--quiet", action="store_true", help="no progress bar on stderr")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="advisor", description="Profile a table and choose a machine-learning approach, with reasons and measurements.",
                     epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"advisor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("profile", help="profile a table: kinds, statistics, target, task and findings with advice",
                       description="Profile a table and print a report.", epilog=EPILOG)
    p.add_argument("data", help="CSV, TSV, Parquet, Feather, JSON Lines or Excel file (.gz/.bz2/.zip/.xz compressed CSV too)")
    _add_data_options(p)
    _add_output_options(p)

    rc = sub.add_parser("recommend", help="cross-validate the candidates within a time budget and pick one",
                        description="Profile, walk the map, cross-validate its candidates against a dummy baseline "
                                    "within --budget seconds, and recommend one, with reasons.", epilog=EPILOG)
    rc.add_argument("data", help="the table (any format 'advisor profile' reads)")
    _add_data_options(rc)
    m = rc.add_argument_group("cross-validation")
    m.add_argument("--budget", type=_positive_float("budget"), default=60.0, metavar="SECONDS",
                   help="wall-clock seconds after profiling (default 60): cross-validation gets 75%%, the refit "
                        "and the explanation of the pick the rest")
    m.add_argument("--metric", help="primary metric: any scikit-learn scorer name (default: balanced_accuracy or r2)")
    m.add_argument("--jobs", type=_positive_int("jobs"), default=1,
                   help="worker processes (default 1); with --backend dask and no --scheduler, the LocalCluster's workers")
    m.add_argument("--backend", choices=("local", "dask"), default="local",
                   help="where the folds run: local worker processes (default), or a Dask cluster "
                        "(pip install 'advisor[dask]')")
    m.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --backend dask: the Dask scheduler, e.g. tcp://HOST:8786 (default: start a LocalCluster)")
    m.add_argument("--groups", metavar="COL", help="keep each value of COL in one fold (GroupKFold)")
    m.add_argument("--time", metavar="COL", help="rows are ordered by COL: validate on later rows (TimeSeriesSplit)")
    m.add_argument("--save", metavar="MODEL", help="refit the pick on all rows and save it (.skops, or .joblib)")
    m.add_argument("--full-fit", action="store_true",
                   help="on a streamed table: fit the pick (or the best measured candidate with partial_fit) over "
                        "every row in batches and score it on held-out rows; --save then writes that model")
    _add_output_options(rc)

    ex = sub.add_parser("explain", help="explain the recommended pick, or a saved model, with SHAP in the table's own columns",
                        description="Which columns drive the model's predictions, in which direction, and why one row "
                                    "got its prediction: SHAP values summed back onto the original columns.",
                        epilog=EPILOG)
    ex.add_argument("data", help="the table (any format 'advisor profile' reads)")
    ex.add_argument("--model", metavar="MODEL", help="explain this saved model (.skops/.joblib) instead of recommending one")
    ex.add_argument("--row", type=_positive_int("row"), metavar="N", help="also explain data row N (1 = the first row after the header)")
    ex.add_argument("--plots", metavar="DIR", help="also write the importance and beeswarm plots as PNG and SVG into DIR")
    ex.add_argument("--budget", type=_positive_float("budget"), default=30.0, metavar="SECONDS",
                    help="seconds for the explanation (and for the recommendation without --model; default 30)")
    _add_data_options(ex)
    _add_output_options(ex)

    pr = sub.add_parser("predict", help="apply a saved model to a table and write the predictions as CSV",
                        description="Apply a model saved with 'advisor recommend --save' to new rows.", epilog=EPILOG)
    pr.add_argument("model", help="a .skops or .joblib file from 'advisor recommend --save'")
    pr.add_argument("data", help="the rows to score")
    pr.add_argument("-o", "--output", metavar="FILE", help="write the CSV to FILE (atomically) instead of stdout")
    pr.add_argument("--proba", action="store_true", help="add one probability column per class")
    pr.add_argument("--delimiter", type=_delimiter, help="CSV delimiter of DATA (sniffed when omitted)")
    pr.add_argument("--input-format", choices=["csv", "tsv", "parquet", "feather", "jsonl", "excel"])
    pr.add_argument("--stream", action=argparse.BooleanOptionalAction, default=None,
                    help="read and predict in batches (default: when DATA would not fit in --max-memory)")
    pr.add_argument("--max-memory", type=_size("max-memory"), metavar="SIZE",
                    help="memory DATA may take, e.g. 512M or 4G (default 512M): bigger tables are read in batches")
    pr.add_argument("-q", "--quiet", action="store_true", help="no notes on stderr")

    un = sub.add_parser("uncertain", help="list the unlabelled rows a saved model is least sure about (label these next)",
                        description="Uncertainty sampling: rank rows by how unsure the model is, most unsure first.",
                        epilog=EPILOG)
    un.add_argument("model", help="a .skops or .joblib file from 'advisor recommend --save'")
    un.add_argument("data", help="unlabelled rows")
    un.add_argument("--n", type=_positive_int("n"), default=50, help="how many rows to list (default 50)")
    un.add_argument("--method", choices=["margin", "least_confident", "entropy"], default="margin",
                    help="how to measure a classifier's uncertainty (default margin)")
    un.add_argument("-o", "--output", metavar="FILE", help="write the CSV to FILE (atomically) instead of stdout")
    un.add_argument("--delimiter", type=_delimiter, help="CSV delimiter of DATA (sniffed when omitted)")
    un.add_argument("--input-format", choices=["csv", "tsv", "parquet", "feather", "jsonl", "excel"])
    un.add_argument("-q", "--quiet", action="store_true", help="no notes on stderr")

    tu = sub.add_parser("tui", help="the interactive terminal app: open, profile, decide, export",
                        description="Open the interactive terminal app (also what 'advisor' with no arguments does "
                                    "in a terminal).", epilog=EPILOG)
    tu.add_argument("data", nargs="?", help="a table to open straight away (otherwise pick one in the app)")
    _add_data_options(tu)
    cv = tu.add_argument_group("the Benchmark tab's cross-validation (for DATA)")
    cv.add_argument("--groups", metavar="COL", help="keep each value of COL in one fold (GroupKFold)")
    cv.add_argument("--time", metavar="COL", help="rows are ordered by COL: validate on later rows (TimeSeriesSplit)")

    d = sub.add_parser("demo", help="recommend a model for the bundled Palmer penguins table (no file needed)",
                       description="Run the main job, 'advisor recommend', on the bundled dataset (Palmer penguins, CC0).")
    d.add_argument("--path", action="store_true", help="print the bundled file's path and exit")
    d.add_argument("--budget", type=_positive_float("budget"), default=30.0, metavar="SECONDS",
                   help="cross-validation budget (default 30)")
    _add_output_options(d)

    dr = sub.add_parser("drift", help="tell whether new data still looks like the training data",
                        description="Compare a current table with the reference (training) table: schema, per-column "
                                    "tests with effect sizes, and a classifier that tries to tell them apart.",
                        epilog=EPILOG)
    dr.add_argument("reference", help="the reference table, usually the training data")
    dr.add_argument("current", help="the new table to check")
    dr.add_argument("--target", help="the target column in the reference (excluded from the domain classifier)")
    dr.add_argument("--fail-on", choices=["low", "medium", "high"],
                    help="exit with status 1 when the overall drift is at this level or above (for pipelines)")
    dr.add_argument("--no-domain-classifier", action="store_true", help="skip the reference-vs-current classifier")
    dr.add_argument("--model", metavar="MODEL", help="a model saved by 'advisor recommend --save': also check its inputs, "
                                                      "predictions, confidence and (with a target) its score")
    dr.add_argument("--sample", type=_positive_int("sample"), metavar="N", help="read a reproducible sample of N rows of each table")
    dr.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    dr.add_argument("--delimiter", type=_delimiter, help="CSV delimiter, one character or tab (sniffed when omitted)")
    dr.add_argument("--input-format", choices=["csv", "tsv", "parquet", "feather", "jsonl", "excel"])
    _add_output_options(dr)

    rules = sub.add_parser("rules", help="check or show a rule tree (the built-in map or your own)",
                           description="Validate or display rule files: flowchart.yaml, additions.yaml, preparation.yaml.")
    rsub = rules.add_subparsers(dest="rules_command", metavar="ACTION", parser_class=_Parser, required=True)
    rc = rsub.add_parser("check", help="validate a rules folder and list every problem (exit 2 if any)")
    rc.add_argument("dir", nargs="?", help="folder with flowchart.yaml (default: the built-in rules)")
    rs = rsub.add_parser("show", help="print the tree as indented text, or as a Mermaid diagram")
    rs.add_argument("dir", nargs="?", help="folder with flowchart.yaml (default: the built-in rules)")
    rs.add_argument("--mermaid", action="store_true", help="print a Mermaid flowchart instead of text")

    sub.add_parser("versions", help="print the versions of Python, the OS and the key libraries")
    sub.add_parser("findings", help="list every finding code with its severity and meaning (Markdown)")
    sub.add_parser("facts", help="list every profile fact a rule may test (Markdown)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        if not args_list:
            if sys.stdin.isatty() and sys.stdout.isatty():
                return _run_tui(None, {})
            parser.print_help()
            return 0
        args = parser.parse_args(args_list)
        handler = COMMANDS.get(args.command)
        if handler is None:
            parser.print_help()
            return 0
        _check_before_work(args)
        if os.environ.get("ADVISOR_DEBUG"):
            return handler(args)
        import warnings

        # Library warnings (a solver that did not converge in a refit, an imputer skipping an empty
        # column) are not the user's to act on, and stderr is for advisor's own lines: the folds'
        # worker processes silence them too, and what matters is measured in the report.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return handler(args)
    except AdvisorError as exc:
        _error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: still one line, never a traceback (ADVISOR_DEBUG=1 shows it)
        if os.environ.get("ADVISOR_DEBUG"):
            raise
        _error(f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:200]} "
               "(this is a bug; rerun with ADVISOR_DEBUG=1 and report the traceback)")
        return 1


# Commands that leave nothing to clean up when they return: no processes, no temporary files,
# every output already written and closed. After one of them the console script skips the
# interpreter's teardown (freeing every module and object: about 0.15 s after a big profile).
QUICK_EXIT_COMMANDS = frozenset({"profile"})


# For those same short-lived commands, memory freed is kept for reuse instead of handed back to the
# system and faulted in again a moment later (a streamed pass frees and reallocates every part):
# pyarrow's allocator (mimalloc) never purges, and glibc's malloc neither trims its heap nor maps
# large blocks on their own. On a 1,000,000-row profile that halves the page faults (68,000 to
# 38,000) and the system time, for about 60 MB more peak memory.
KEEP_FREED_BYTES = 1 << 30
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)


def keep_freed_memory() -> None:
    """Tune the allocators as above; call it before pyarrow is imported. A no-op off glibc."""
    os.environ.setdefault("MIMALLOC_PURGE_DELAY", "-1")
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # glibc's; musl and others have none
    except (OSError, AttributeError):
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES)
    mallopt(_M_MMAP_THRESHOLD, KEEP_FREED_BYTES)


def entry() -> None:
    argv = sys.argv[1:]
    quick = bool(argv) and argv[0] in QUICK_EXIT_COMMANDS
    if quick:
        keep_freed_memory()
    code = main()
    if quick:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (BrokenPipeError, OSError):
            pass
        os._exit(code)
    sys.exit(code)


def _check_before_work(args: argparse.Namespace) -> None:
    """What the command line alone can tell is wrong, said before any table is read or model fitted:
    where the outputs go, and options that contradict each other."""
    from advisor.report.render import check_output_path

    inputs = [p for p in (getattr(args, name, None) for name in ("data", "model", "reference", "current")) if p]
    if getattr(args, "output", None):
        check_output_path(args.output, "-o", protect=inputs)
    if getattr(args, "save", None):
        from advisor.modelio import check_model_path

        check_model_path(args.save)
        check_output_path(args.save, "--save", protect=inputs)
    if getattr(args, "plots", None):
        check_output_path(args.plots, "--plots", folder=True)
    if getattr(args, "groups", None) and getattr(args, "time", None):
        raise OptionError("--groups and --time are two ways to cut the folds; pass one of them")
    if getattr(args, "n_clusters", None) and getattr(args, "target", None):
        raise OptionError("--n-clusters is the number of clusters to find in a table with no target; "
                          "leave it out, or pass --no-target instead of --target")


def _error(message: str) -> None:
    print(f"advisor: error: {message}", file=sys.stderr)


def _answers(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """--answer pairs as a dict, checked (name and yes/no) before any work starts."""
    from advisor.ruletree import parse_answers

    parse_answers(dict(pairs))
    return {key.replace("-", "_"): value for key, value in pairs}


def cmd_profile(args: argparse.Namespace) -> int:
    from advisor.pipeline import build_profile_report
    from advisor.report.render import choose_format

    fmt = choose_format(args.format, args.output)
    with _progress(args) as progress:
        report = build_profile_report(args.data, progress=progress, **_profile_options(args))
    _emit(report, fmt, args, protect=[args.data])
    return 0


def _profile_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "target": args.target, "no_target": args.no_target, "task": args.task, "kinds": dict(args.kind),
        "sample": args.sample, "seed": args.seed, "delimiter": args.delimiter, "input_format": args.input_format,
        "answers": _answers(args.answer), "n_clusters": args.n_clusters, "rules": args.rules, "drop": args.drop,
        "stream": args.stream, "max_memory": args.max_memory,
    }


def cmd_recommend(args: argparse.Namespace) -> int:
    from advisor.errors import AllCandidatesFailed
    from advisor.pipeline import build_recommend_report
    from advisor.report.render import choose_format

    fmt = choose_format(args.format, args.output)
    if args.scheduler is not None and args.backend != "dask":
        raise OptionError("--scheduler names a Dask scheduler: add --backend dask, or leave --scheduler out")
    try:
        with _progress(args) as progress:
            report = build_recommend_report(
                args.data, budget=args.budget, metric=args.metric, jobs=args.jobs, groups=args.groups,
                time_col=args.time, save=args.save, full_fit=args.full_fit, progress=progress,
                backend=args.backend, scheduler=args.scheduler, **_profile_options(args),
            )
    except AllCandidatesFailed as exc:
        if exc.report is not None:
            _emit(exc.report, fmt, args, protect=[args.data])
        _error(str(exc))
        return exc.exit_code
    _emit(report, fmt, args, protect=[args.data])
    board = report.leaderboard
    if report.saved_model is not None and not args.quiet:
        for warning in report.saved_model.warnings:
            print(f"advisor: warning: {warning}", file=sys.stderr)
        print(f"advisor: saved {report.saved_model.candidate} to {report.saved_model.path}", file=sys.stderr)
    if board is not None and board.cancelled:
        _error("interrupted: the report shows what was measured before the stop")
        return 130
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from advisor.pipeline import build_explain_report
    from advisor.report.render import choose_format

    fmt = choose_format(args.format, args.output)
    with _progress(args) as progress:
        report = build_explain_report(args.data, model=args.model, row=args.row, budget=args.budget,
                                      progress=progress, **_profile_options(args))
    _emit(report, fmt, args, protect=[p for p in (args.data, args.model) if p])
    if report.explanation is None:
        _error("nothing to explain: no candidate beat the baseline (see the leaderboard)")
        return 1
    if args.plots:
        from advisor.explain import render_plots

        written = render_plots(report.explanation, args.plots)
        if not args.quiet:
            print(f"advisor: wrote {len(written)} plot files to {args.plots}", file=sys.stderr)
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from advisor.load import load_table
    from advisor.modelio import load_model, predict_frame
    from advisor.profile.stream import DEFAULT_MEMORY_LIMIT, should_stream
    from advisor.report.render import write_atomic

    pipeline, metadata = load_model(args.model)
    limit = args.max_memory or DEFAULT_MEMORY_LIMIT
    if args.stream or (args.stream is None and should_stream(args.data, limit, args.input_format)):
        return _predict_streamed(args, pipeline, metadata)
    table = load_table(args.data, delimiter=args.delimiter, file_format=args.input_format)
    out, notes = predict_frame(pipeline, metadata, table.frame, proba=args.proba)
    text = out.to_csv(index=False, lineterminator="\n")
    if not args.quiet:
        for note in notes:
            print(f"advisor: note: {note}", file=sys.stderr)
    if args.output:
        write_atomic(args.output, text, protect=[args.data, args.model])
        if not args.quiet:
            print(f"advisor: wrote {len(out):,} predictions to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _predict_streamed(args: argparse.Namespace, pipeline: Any, metadata: dict[str, Any]) -> int:
    """Predictions for a table bigger than the memory setting, written batch by batch (atomically with -o)."""
    from advisor.modelio import predict_batches
    from advisor.report.render import atomic_writer

    options = {"proba": args.proba, "delimiter": args.delimiter, "file_format": args.input_format}
    with _progress(args) as progress:
        if args.output:
            with atomic_writer(args.output, protect=[args.data, args.model]) as fh:
                rows, notes = predict_batches(pipeline, metadata, args.data, fh, progress=progress, **options)
        else:
            rows, notes = predict_batches(pipeline, metadata, args.data, sys.stdout, progress=progress, **options)
    if not args.quiet:
        for note in notes:
            print(f"advisor: note: {note}", file=sys.stderr)
        if args.output:
            print(f"advisor: wrote {rows:,} predictions to {args.output} (read in batches)", file=sys.stderr)
    return 0


def cmd_uncertain(args: argparse.Namespace) -> int:
    from advisor.load import load_table
    from advisor.modelio import load_model
    from advisor.report.render import write_atomic
    from advisor.uncertain import uncertain_rows

    pipeline, metadata = load_model(args.model)
    table = load_table(args.data, delimiter=args.delimiter, file_format=args.input_format)
    out, how = uncertain_rows(pipeline, metadata, table.frame, args.n, args.method)
    text = out.to_csv(index=False, lineterminator="\n")
    if not args.quiet:
        print(f"advisor: the {len(out)} rows {metadata.get('candidate') or 'the model'} is least sure about ({how})",
              file=sys.stderr)
    if args.output:
        write_atomic(args.output, text, protect=[args.data, args.model])
    else:
        sys.stdout.write(text)
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    options = _profile_options(args)
    options.update(groups=args.groups, time_col=args.time)
    if args.data is not None:
        from advisor.errors import require_columns
        from advisor.load import read_header

        names = read_header(args.data, delimiter=args.delimiter, file_format=args.input_format)  # a bad path exits 2 here
        require_columns([("--drop", c) for c in args.drop or []] + [("--groups", args.groups), ("--time", args.time)],
                        names)
    elif args.groups or args.time:
        raise OptionError("--groups and --time name a column of DATA: give the table on the command line too")
    return _run_tui(args.data, {k: v for k, v in options.items() if v not in (None, {}, [], False)})


def _run_tui(path: str | None, options: dict[str, Any]) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise OptionError("the interactive app needs a terminal; use 'advisor profile' or 'advisor recommend' in scripts")
    from advisor.tui import run

    return run(path, **options)


def cmd_demo(args: argparse.Namespace) -> int:
    from advisor.pipeline import BUNDLED, bundled_path

    if args.path:
        print(bundled_path())
        return 0
    from advisor.pipeline import build_recommend_report
    from advisor.report.render import choose_format

    fmt = choose_format(args.format, args.output)
    with _progress(args) as progress:
        report = build_recommend_report(str(bundled_path()), target=BUNDLED["penguins"][1], budget=args.budget,
                                        progress=progress)
    _emit(report, fmt, args, protect=[])
    return 0


def _emit(report: Any, fmt: str, args: argparse.Namespace, protect: list[str]) -> None:
    from advisor.report.render import render, write_atomic

    width = args.width or min(max(_terminal_width(), 80), 120)
    if args.output:
        write_atomic(args.output, render(report, fmt, width=width, color=False), protect=protect)
        if not args.quiet:
            print(f"advisor: wrote {fmt} report to {args.output}", file=sys.stderr)
        return
    color = fmt == "terminal" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    sys.stdout.write(render(report, fmt, width=width, color=color))
    sys.stdout.flush()


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


class _progress:
    """A Rich progress bar on stderr when it is a terminal; otherwise nothing."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.enabled = not getattr(args, "quiet", False) and sys.stderr.isatty()
        self.bar: Any = None

    def __enter__(self) -> Callable[[str, float], None] | None:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description:<28}"), BarColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("starting", total=1.0)

        def update(message: str, fraction: float) -> None:
            self.bar.update(task, description=message[:28], completed=fraction)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def cmd_drift(args: argparse.Namespace) -> int:
    from advisor.drift import LEVELS
    from advisor.pipeline import build_drift_report
    from advisor.report.render import choose_format

    fmt = choose_format(args.format, args.output)
    with _progress(args) as progress:
        report = build_drift_report(
            args.reference, args.current, target=args.target, seed=args.seed, sample=args.sample,
            delimiter=args.delimiter, input_format=args.input_format,
            domain_classifier=not args.no_domain_classifier, model=args.model, progress=progress,
        )
    _emit(report, fmt, args, protect=[p for p in (args.reference, args.current, args.model) if p])
    if args.fail_on and LEVELS.index(report.summary.severity) >= LEVELS.index(args.fail_on):
        print(f"advisor: drift is {report.summary.severity} (--fail-on {args.fail_on}): {report.summary.headline}",
              file=sys.stderr)
        return 1
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from advisor.ruletree import (
        check_rules,
        default_rules_dir,
        load_rules,
        render_mermaid,
        render_text,
    )

    if args.rules_command == "check":
        where = args.dir or str(default_rules_dir())
        problems = check_rules(args.dir)
        for problem in problems:
            print(str(problem), file=sys.stderr)
        if problems:
            print(f"advisor: error: {where}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the rules",
                  file=sys.stderr)
            return 2
        print(f"{where}: rules are valid")
        return 0
    ruleset = load_rules(args.dir)
    print(render_mermaid(ruleset) if args.mermaid else render_text(ruleset), end="")
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    print(versions_text(), end="")
    return 0


def versions_text() -> str:
    """Versions of Python, the OS and the key libraries, read without importing them."""
    import platform
    from importlib import metadata

    lines = ["advisor " + __version__, "", "System:"]
    lines += [f"    python: {sys.version.split()[0]} ({platform.python_implementation()})",
              f"executable: {sys.executable}", f"   machine: {platform.platform()}", "", "Libraries:"]
    for dist in ["numpy", "pandas", "pyarrow", "scipy", "scikit-learn", "shap", "rich", "textual", "PyYAML", "openpyxl", "skops",
                 "distributed"]:
        try:
            v = metadata.version(dist)
        except metadata.PackageNotFoundError:
            v = "not installed"
        lines.append(f"{dist:>12}: {v}")
    return "\n".join(lines) + "\n"


def cmd_findings(args: argparse.Namespace) -> int:
    from advisor.profile.findings import describe_codes

    print(describe_codes())
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    from advisor.profile.facts import describe_facts

    print(describe_facts())
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "profile": cmd_profile,
    "recommend": cmd_recommend,
    "explain": cmd_explain,
    "predict": cmd_predict,
    "uncertain": cmd_uncertain,
    "tui": cmd_tui,
    "demo": cmd_demo,
    "drift": cmd_drift,
    "rules": cmd_rules,
    "versions": cmd_versions,
    "findings": cmd_findings,
    "facts": cmd_facts,
}
