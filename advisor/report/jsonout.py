"""JSON rendering: the Report as plain data, deterministic and NaN-free."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

FLOAT_DIGITS = 12  # significant digits kept: far beyond any figure's meaning, short of the last-bit
# noise that BLAS kernels of different processors leave in the same computation (the same report
# must come out byte for byte on every machine)


def to_jsonable(obj: Any) -> Any:
    """Dataclasses to dicts (field order kept), floats to FLOAT_DIGITS significant digits,
    non-finite floats to None."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, float):
        return float(f"{obj:.{FLOAT_DIGITS}g}") if math.isfinite(obj) else None
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    if hasattr(obj, "item"):  # numpy scalars
        return to_jsonable(obj.item())
    return str(obj)


def render_json(report: Any) -> str:
    return json.dumps(to_jsonable(report), indent=2, ensure_ascii=False) + "\n"
