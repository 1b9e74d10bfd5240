"""What the TUI asks the core for, as plain data: no Textual here, so it is easy to test.

A :class:`ProfileRequest` holds every option of one profile run; changing the
target, the task or a column's kind is a new request (the profile re-runs in
a worker). Answers to the map's questions need no new profile: :func:`rewalk`
walks the rule tree again over the same profile, which takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.errors import OptionError
from advisor.load import COMPRESSIONS, FORMATS

if TYPE_CHECKING:
    from advisor.report.model import Report
    from advisor.ruletree.model import RuleSet

Progress = Callable[[str, float], None]

# Options of advisor.pipeline.build_profile_report that belong to one file, not to the session.
FILE_OPTIONS = ("target", "no_target", "task", "kinds", "answers", "n_clusters", "delimiter", "input_format")
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
        return cls(path=path, **opts)

    def for_file(self, path: str) -> ProfileRequest:
        """The same session options (sample, seed, rules) for another file; per-file choices reset."""
        return replace(self, path=path, target=None, no_target=False, task=None, kinds={}, answers={},
                       n_clusters=None, delimiter=None, input_format=None)

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

    def build(self, progress: Progress | None = None, should_stop: Callable[[], bool] | None = None) -> Report:
        from advisor.pipeline import build_profile_report

        options = asdict(self)
        path = options.pop("path")
        options["kinds"] = dict(self.kinds)
        options["answers"] = dict(self.answers)
        return build_profile_report(path, progress=progress, should_stop=should_stop, **options)


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
    return replace(report, profile=profile, facts=profile.facts(), advice=advice, settings=settings)


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
