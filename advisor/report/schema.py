"""Generate the report's JSON Schema from the dataclasses, so the contract cannot drift.

Run ``python -m advisor.report.schema > schemas/report.schema.json`` after
changing the model; a test fails while the committed file is stale.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any, Union


def schema_for(root: type, title: str, version: str) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    top = _dataclass_schema(root, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://advisor.invalid/schemas/{title}-{version}.json",
        "title": title,
        "description": f"advisor {title}, schema version {version}",
        **top,
        "$defs": dict(sorted(defs.items())),
    }


def _dataclass_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    props = {f.name: _type_schema(hints[f.name], defs) for f in dataclasses.fields(cls)}
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return {}
    if tp is type(None):
        return {"type": "null"}
    if origin in (Union, types.UnionType):
        return {"anyOf": [_type_schema(a, defs) for a in args]}
    if origin is list:
        return {"type": "array", "items": _type_schema(args[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1], defs)}
    if origin is typing.Literal:
        return {"enum": list(args)}
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if tp in simple:
        return {"type": simple[tp]}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}
            defs[name] = _dataclass_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema mapping for {tp!r}")


def report_schema() -> dict[str, Any]:
    from advisor.report.model import SCHEMA_VERSION, Report

    return schema_for(Report, "report", SCHEMA_VERSION)


def drift_schema() -> dict[str, Any]:
    from advisor.drift import DriftReport

    return schema_for(DriftReport, "drift", "1.0")


SCHEMAS = {"report": report_schema, "drift": drift_schema}


def main() -> None:
    """``python -m advisor.report.schema [report|drift]`` prints that schema."""
    import sys

    name = sys.argv[1] if len(sys.argv) > 1 else "report"
    print(json.dumps(SCHEMAS[name](), indent=2))


if __name__ == "__main__":
    main()
