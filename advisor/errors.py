"""One hierarchy for every error a user can cause.

The CLI prints ``str(error)`` as a single line on stderr and exits with
``error.exit_code``; the TUI shows the same text in a modal. Messages say what
is wrong, where (file, column, option) and what to do about it.
"""

from __future__ import annotations


class AdvisorError(Exception):
    """Base class: a problem the user can fix. Never shown with a traceback."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        # Keep messages to one line: the CLI contract is one line on stderr.
        super().__init__(" ".join(str(message).split()))

    @property
    def message(self) -> str:
        return str(self)


class InputError(AdvisorError):
    """The data file cannot be read as a table."""


class OptionError(AdvisorError):
    """A command-line option or API argument has a bad value."""


class TargetError(AdvisorError):
    """The target column is missing, empty or unusable for the task."""


class RulesError(AdvisorError):
    """A rule file is invalid. Carries every problem found, not just the first."""

    def __init__(self, problems: list[str], source: str = "rules") -> None:
        self.problems = list(problems)
        first = self.problems[0] if self.problems else "unknown problem"
        more = ""
        if len(self.problems) > 1:
            more = f" (and {len(self.problems) - 1} more; 'advisor rules check' lists them all)"
        super().__init__(f"{source}: {first}{more}")


class ModelFileError(AdvisorError):
    """A saved model cannot be loaded or does not fit the data it is applied to."""


class BudgetError(AdvisorError):
    """The time budget cannot be honoured."""


class AllCandidatesFailed(AdvisorError):
    """Every candidate failed; the report still lists each failure with its reason."""

    exit_code = 1
    leaderboard: object = None  # the Leaderboard with a row and a reason per failure
    report: object = None  # the Report, when the failure happened inside a recommend run


class Cancelled(AdvisorError):
    """The user stopped the run (Ctrl-C, Escape); partial results may remain."""

    exit_code = 130


def did_you_mean(name: str, choices: list[str] | tuple[str, ...]) -> str:
    """Return ' Did you mean 'x'?' for the closest choice, or '' when none is close."""
    import difflib

    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" Did you mean '{lowered[close[0]]}'?" if close else ""


def require_columns(named: list[tuple[str, str | None]], columns: list[str]) -> None:
    """Raise OptionError for the first (option, column) pair whose column the table lacks (None: not given)."""
    for option, name in named:
        if name is not None and name not in columns:
            raise OptionError(not_a_column(option, name, columns))


def not_a_column(option: str, name: str, columns: list[str]) -> str:
    """The message for an option naming a column the table lacks: the closest name, or the columns."""
    hint = did_you_mean(name, columns)
    if not hint:
        from advisor.text import listed

        hint = f" The columns are: {listed(columns, 12)}."
    return f"{option} names column '{name}', which is not in the table.{hint}"
