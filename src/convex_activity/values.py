"""Convex value helpers: numbers of either Convex type, and JSON decodings of documents.

Convex has two numeric types. Through the official Python client a Float64 arrives as a Python
``float`` (even ``7`` arrives as ``7.0``) and an Int64 as ``convex.values.ConvexInt64`` (its
``.value`` is the ``int``). A snapshot export writes Int64 as a bare JSON integer and Float64
with a decimal point; the sync protocol's wire JSON writes ``{"$integer": <base64 LE>}``.
NaN and ±Infinity are ``{"$float": <base64 LE>}`` in both.
"""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

from convex.values import ConvexInt64

__all__ = [
    "ConvexInt64",
    "as_number",
    "decode_wire_json",
    "encode_wire_json",
    "is_number",
    "type_name",
]


def is_number(value: Any) -> bool:
    """True for a Convex number: ``float``, ``int`` or ``ConvexInt64`` (never ``bool``)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float | ConvexInt64)


def as_number(value: Any) -> int | float | None:
    """The Python number behind a Convex number, else None.

    ``ConvexInt64(5)`` → ``5``; ``5.0`` → ``5.0``; ``True``, ``"5"``, ``None`` → ``None``.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, ConvexInt64):
        return int(value.value)
    if isinstance(value, int | float):
        return value
    return None


def type_name(value: Any) -> str:
    """The Convex type of a Python value, for messages (``"Float64 NaN"``, ``"string"``…)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, ConvexInt64 | int):
        return "Int64"
    if isinstance(value, float):
        if math.isnan(value):
            return "Float64 NaN"
        if math.isinf(value):
            return "Float64 " + ("+Infinity" if value > 0 else "-Infinity")
        return "Float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _special(obj: dict[str, Any]) -> tuple[bool, Any]:
    """Decode a one-key ``$integer``/``$float``/``$bytes`` object, else (False, None)."""
    if len(obj) != 1:
        return False, None
    key, payload = next(iter(obj.items()))
    if key not in ("$integer", "$float", "$bytes"):
        return False, None
    if not isinstance(payload, str):
        raise ValueError(f"{key} payload must be a base64 string, got {payload!r}")
    raw = base64.b64decode(payload, validate=True)
    if key == "$bytes":
        return True, raw
    if len(raw) != 8:
        raise ValueError(f"{key} payload must hold 8 bytes, got {len(raw)}")
    if key == "$integer":
        return True, ConvexInt64(struct.unpack("<q", raw)[0])
    return True, struct.unpack("<d", raw)[0]


def decode_wire_json(obj: Any) -> Any:
    """Decode Convex wire JSON (what the sync protocol carries) into client-side Python values.

    Every plain JSON number becomes a ``float`` (the client reads all numbers as Float64);
    ``{"$integer"}`` becomes ``ConvexInt64``; ``{"$float"}`` a float (NaN, ±Inf, -0.0);
    ``{"$bytes"}`` ``bytes``.

    Raises:
        ValueError: a malformed ``$``-object payload.
    """
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int | float):
        return float(obj)
    if isinstance(obj, list):
        return [decode_wire_json(item) for item in obj]
    if isinstance(obj, dict):
        found, value = _special(obj)
        if found:
            return value
        return {key: decode_wire_json(item) for key, item in obj.items()}
    raise ValueError(f"not a JSON value: {obj!r}")


def encode_wire_json(value: Any) -> Any:
    """Encode Python values as Convex wire JSON (inverse of :func:`decode_wire_json`)."""
    if isinstance(value, ConvexInt64):
        return {"$integer": base64.b64encode(struct.pack("<q", value.value)).decode("ascii")}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        number = float(value)
        if math.isfinite(number) and not (number == 0.0 and math.copysign(1.0, number) < 0):
            return number
        return {"$float": base64.b64encode(struct.pack("<d", number)).decode("ascii")}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, list):
        return [encode_wire_json(item) for item in value]
    if isinstance(value, dict):
        return {key: encode_wire_json(item) for key, item in value.items()}
    raise ValueError(f"cannot encode {type(value).__name__} as a Convex value")
