"""Build the rule-file dataclasses from parsed YAML, strictly, collecting every problem.

The dataclass annotations drive everything: allowed keys, required keys,
types, literal choices and the ``kind`` discriminator of node unions. The
same walk over the annotations produces the JSON Schema (``schema.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, Literal, Union

from advisor.errors import did_you_mean
from advisor.ruletree.load import KeyPath

Report = typing.Callable[[KeyPath, str, str], None]


def field_key(f: dataclasses.Field[Any]) -> str:
    """The YAML key of a dataclass field (``not_`` is written ``not``)."""
    return str(f.metadata.get("key", f.name))


@functools.cache
def hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def union_args(tp: Any) -> tuple[Any, ...] | None:
    """The members of a union type, or None when ``tp`` is not a union."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        return typing.get_args(tp)
    return None


def discriminator(members: tuple[Any, ...]) -> dict[str, type] | None:
    """Map ``kind`` values to classes when every member is a dataclass with a Literal kind."""
    table: dict[str, type] = {}
    for member in members:
        if not dataclasses.is_dataclass(member):
            return None
        kind = hints(member).get("kind")  # type: ignore[arg-type]
        if typing.get_origin(kind) is not Literal:
            return None
        table[typing.get_args(kind)[0]] = member  # type: ignore[assignment]
    return table


def is_required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


class Converter:
    """Turn plain YAML data into dataclasses, reporting problems through ``report``."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def convert(self, tp: Any, raw: Any, path: KeyPath) -> Any:
        if tp is Any:
            return raw
        members = union_args(tp)
        if members is not None:
            return self._union(members, raw, path)
        origin = typing.get_origin(tp)
        if origin is Literal:
            return self._literal(typing.get_args(tp), raw, path)
        if origin is list:
            return self._list(typing.get_args(tp)[0], raw, path)
        if origin is dict:
            return self._dict(typing.get_args(tp)[1], raw, path)
        if dataclasses.is_dataclass(tp):
            return self._dataclass(tp, raw, path)  # type: ignore[arg-type]
        return self._scalar(tp, raw, path)

    def _union(self, members: tuple[Any, ...], raw: Any, path: KeyPath) -> Any:
        if raw is None and type(None) in members:
            return None
        rest = tuple(m for m in members if m is not type(None))
        table = discriminator(rest)
        if table is not None:
            return self._tagged(table, raw, path)
        for member in rest:
            if _accepts(member, raw):
                return self.convert(member, raw, path)
        if len(rest) == 1:
            return self.convert(rest[0], raw, path)
        expected = " or ".join(describe(m) for m in rest)
        self.report(path, f"expected {expected}, got {kind_of(raw)} {raw!r}", "")
        return None

    def _tagged(self, table: dict[str, type], raw: Any, path: KeyPath) -> Any:
        if not isinstance(raw, dict):
            self.report(path, f"expected a mapping, got {kind_of(raw)}", "")
            return None
        kind = raw.get("kind")
        if kind not in table:
            choices = list(table)
            hint = did_you_mean(str(kind), choices).strip() if kind is not None else ""
            self.report(
                (*path, "kind"), f"'kind' must be one of {', '.join(choices)}; got {kind!r}", hint
            )
            return None
        return self._dataclass(table[kind], raw, path)

    def _literal(self, choices: tuple[Any, ...], raw: Any, path: KeyPath) -> Any:
        if raw in choices and isinstance(raw, str):
            return raw
        hint = did_you_mean(str(raw), [str(c) for c in choices]).strip()
        self.report(path, f"must be one of {', '.join(map(str, choices))}; got {raw!r}", hint)
        return None

    def _list(self, item: Any, raw: Any, path: KeyPath) -> list[Any] | None:
        if not isinstance(raw, list):
            self.report(path, f"expected a list, got {kind_of(raw)} {raw!r}", "")
            return None
        return [self.convert(item, value, (*path, i)) for i, value in enumerate(raw)]

    def _dict(self, item: Any, raw: Any, path: KeyPath) -> dict[str, Any] | None:
        if not isinstance(raw, dict):
            self.report(path, f"expected a mapping, got {kind_of(raw)} {raw!r}", "")
            return None
        return {key: self.convert(item, value, (*path, key)) for key, value in raw.items()}

    def _dataclass(self, cls: type, raw: Any, path: KeyPath) -> Any:
        if not isinstance(raw, dict):
            self.report(path, f"expected a mapping, got {kind_of(raw)} {raw!r}", "")
            return None
        fields = {field_key(f): f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        for key in raw:
            if key not in fields:
                hint = did_you_mean(key, list(fields)).strip()
                self.report(
                    (*path, key), f"unknown key '{key}' (allowed: {', '.join(fields)})", hint
                )
        values: dict[str, Any] = {}
        complete = True
        for key, f in fields.items():
            if key in raw:
                value = self.convert(hints(cls)[f.name], raw[key], (*path, key))
                if value is not None:
                    values[f.name] = value
                elif raw[key] is not None or not _nullable(hints(cls)[f.name]):
                    complete = False  # already reported; drop this object, keep checking the rest
            elif is_required(f):
                self.report(path, f"missing required key '{key}'", "")
                complete = False
        return cls(**values) if complete else None

    def _scalar(self, tp: Any, raw: Any, path: KeyPath) -> Any:
        if _accepts(tp, raw):
            return float(raw) if tp is float else raw
        self.report(path, f"expected {describe(tp)}, got {kind_of(raw)} {raw!r}", "")
        return None


def _nullable(tp: Any) -> bool:
    return type(None) in (union_args(tp) or ())


def _accepts(tp: Any, raw: Any) -> bool:
    """Whether a raw YAML value fits a simple type (bool is not a number here)."""
    if tp is bool:
        return isinstance(raw, bool)
    if tp is int:
        return isinstance(raw, int) and not isinstance(raw, bool)
    if tp is float:
        return isinstance(raw, (int, float)) and not isinstance(raw, bool)
    if tp is str:
        return isinstance(raw, str)
    origin = typing.get_origin(tp)
    if origin is list:
        return isinstance(raw, list)
    if origin is dict or dataclasses.is_dataclass(tp):
        return isinstance(raw, dict)
    return False


def kind_of(raw: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
    }
    return "null" if raw is None else names.get(type(raw), type(raw).__name__)


def describe(tp: Any) -> str:
    """A reader's name for a type, used in problem messages."""
    members = union_args(tp)
    if members is not None:
        return " or ".join(describe(m) for m in members if m is not type(None))
    origin = typing.get_origin(tp)
    if origin is list:
        return f"a list of {describe(typing.get_args(tp)[0])}"
    if origin is dict:
        return "a mapping"
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))
