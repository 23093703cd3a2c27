"""Convex's ``export_json`` encoding: decoding ``documents.jsonl`` lines, and writing exports.

``npx convex export`` writes every document with sorted keys, and these encodings:

========================  ==========================================  ======================
Convex value              in the file                                 in Python
========================  ==========================================  ======================
Int64                     bare integer ``42``                         ``int``
Float64 (finite)          number with a decimal point ``42.0``        ``float``
Float64 NaN/±Inf/-0.0     ``{"$float": base64(f64 little-endian)}``   ``float``
Bytes                     ``{"$bytes": base64}``                      ``bytes``
========================  ==========================================  ======================

Besides the full decoder, this module has the cheap byte-level probes the export source uses to
skip lines without parsing them (see :func:`top_level_number` and :func:`top_level_string`).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import struct
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

__all__ = [
    "ExportJSONError",
    "RawLine",
    "decode_line",
    "encode_document",
    "encode_value",
    "export_members",
    "write_export",
    "top_level_number",
    "top_level_string",
    "WindowScan",
    "decimal_prefixes",
]


class ExportJSONError(ValueError):
    """A line is not a document in export JSON; the message is one line without the input."""


def _reject_constant(token: str) -> Any:
    # Python's json accepts NaN/Infinity tokens; the export never writes them.
    raise ExportJSONError(f"bare {token} token (export JSON writes {{\"$float\": ...}})")


def _decode_special(obj: dict[str, Any]) -> Any:
    """object_hook: turn the one-key ``$float``/``$bytes``/``$integer`` objects into values."""
    if len(obj) != 1:
        return obj
    ((key, payload),) = obj.items()
    if not key.startswith("$"):
        return obj
    if not isinstance(payload, str):
        raise ExportJSONError(f"{key} payload must be a base64 string")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ExportJSONError(f"{key} payload is not base64") from exc
    if key == "$bytes":
        return raw
    if key == "$float":
        if len(raw) != 8:
            raise ExportJSONError(f"$float payload has {len(raw)} bytes, expected 8")
        return struct.unpack("<d", raw)[0]
    if key == "$integer":
        # Not written by exports (they use bare integers), but unambiguous: accept it.
        if len(raw) != 8:
            raise ExportJSONError(f"$integer payload has {len(raw)} bytes, expected 8")
        return struct.unpack("<q", raw)[0]
    raise ExportJSONError(f"unknown special value {key}")


def decode_line(line: bytes) -> dict[str, Any]:
    """Decode one ``documents.jsonl`` line into a document.

    Args:
        line: the line's bytes, without the newline.

    Returns:
        The document, with Int64 as ``int``, Float64 as ``float`` and Bytes as ``bytes``.

    Raises:
        ExportJSONError: the line is not JSON, not an object, or uses an invalid encoding.
    """
    # Without the bytes '"$' no key starts with "$": the hook would return every object as is.
    hook = _decode_special if b'"$' in line else None
    try:
        value = json.loads(line, object_hook=hook, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        # Some messages already end in "at" ("Unterminated string starting at").
        where = "column" if exc.msg.endswith(" at") else "at column"
        raise ExportJSONError(f"not valid JSON ({exc.msg} {where} {exc.colno})") from None
    except UnicodeDecodeError:
        raise ExportJSONError("not valid UTF-8") from None
    except RecursionError:
        raise ExportJSONError("nested too deeply") from None
    if not isinstance(value, dict):
        raise ExportJSONError(f"a document must be a JSON object, got {type(value).__name__}")
    return value


# A JSON number, followed by the end of its value (next key or end of the object).
_NUMBER = re.compile(rb"(-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?)[,}]")
# A plain JSON string (no escapes), followed by the end of its value.
_PLAIN_STRING = re.compile(rb'"([^"\\]*)"[,}]')


_OPEN, _COMMA = ord("{"), ord(",")


def _top_level_value_start(line: bytes, key: bytes) -> int | None:
    """Where the value of top-level ``key`` starts; -1 when the key is certainly absent.

    ``key`` is the field name. Returns None when that cannot be told cheaply, and the caller must
    parse the whole line. A match counts only when it is provably a key of the outer object: the
    line is framed ``{…}`` and has no ``\\u`` escape (which could spell the key differently);
    ``"key":`` follows ``{`` or ``,`` (so its quote opens a string, i.e. it is not inside one);
    and no ``{`` or ``[`` byte occurs before it other than the opening brace (so nothing before
    it is nested). A nested key, a key inside a string value, a key written with blanks: None.
    """
    if line[:1] != b"{" or line[-1:] != b"}" or b"\\u" in line:
        return None
    token = b'"' + key + b'":'
    pos = line.find(token)
    if pos == -1:
        # Absent as "key": at every level; but "key" followed by a blank needs the full parse.
        return None if token[:-1] in line else -1
    if line[pos - 1] not in (_OPEN, _COMMA):
        return None
    if line.find(b"{", 1, pos) != -1 or line.find(b"[", 1, pos) != -1:
        return None
    return pos + len(token)


def top_level_number(line: bytes, key: bytes) -> tuple[bool, int | float | None]:
    """Cheaply read a top-level numeric field of an export line, without a full parse.

    Args:
        line: one ``documents.jsonl`` line.
        key: the field name in bytes, e.g. ``b"createdAt"``.

    Returns:
        ``(True, number)`` when the top-level field is a plain JSON number (``int`` when written
        without ``.``/exponent, i.e. Int64; else ``float``); ``(True, None)`` when the line
        certainly has no such field anywhere; ``(False, None)`` when it cannot be told cheaply
        (nested or quoted look-alikes, a non-numeric value, a malformed line): parse the line.
    """
    start = _top_level_value_start(line, key)
    if start is None:
        return False, None
    if start == -1:
        return True, None
    match = _NUMBER.match(line, start)
    if match is None:
        return False, None
    text, fraction, exponent = match.groups()
    if fraction is None and exponent is None:  # Int64
        return True, int(text)
    return True, float(text)


def top_level_string(line: bytes, key: bytes) -> tuple[bool, str | None]:
    """Cheaply read a top-level string field (such as ``_id``) of an export line.

    Returns:
        ``(True, text)`` for a string without escapes; ``(True, None)`` when the field is absent
        everywhere; ``(False, None)`` when the line must be parsed to know.
    """
    start = _top_level_value_start(line, key)
    if start is None:
        return False, None
    if start == -1:
        return True, None
    match = _PLAIN_STRING.match(line, start)
    if match is None:
        return False, None
    try:
        return True, match.group(1).decode("utf-8")
    except UnicodeDecodeError:
        return False, None


# -- chunk-level window scan ---------------------------------------------------------------------
_CREATED_KEY = b'"createdAt":'
_NEWLINE, _CLOSE_BRACE, _BLANKS = ord("\n"), ord("}"), b" \t\r\n"
# Most prefixes per run of equal-length numbers: small enough for one cheap regex alternation.
_PREFIX_LIMIT = 20


def decimal_prefixes(lo: int, hi: int, limit: int = _PREFIX_LIMIT) -> list[bytes]:
    """Decimal prefixes such that the decimal text of every integer in ``[lo, hi]`` starts with one.

    Numbers of each digit count get their own run of equal-length prefixes, as long as possible
    while the run has at most ``limit`` prefixes. A prefix may also match numbers outside the
    range (callers check every match exactly); a prefix made redundant by a shorter one is dropped.

    Args:
        lo: smallest integer, at least 0.
        hi: largest integer.
        limit: most prefixes per digit count (at least 9, so one-digit prefixes always fit).

    Raises:
        ValueError: ``lo`` is negative or ``limit`` is below 9.
    """
    if lo < 0 or limit < 9:
        raise ValueError(f"need lo >= 0 and limit >= 9, got lo={lo}, limit={limit}")
    found: list[bytes] = []
    start = lo
    while start <= hi:
        width = len(str(start))
        end = min(hi, 10**width - 1)  # the last number with as many digits as ``start``
        first, last = str(start), str(end)
        size = width
        # For equal-length numbers, the leading ``size`` digits are monotonic in the number.
        while size > 1 and int(last[:size]) - int(first[:size]) + 1 > limit:
            size -= 1
        found += [str(p).encode() for p in range(int(first[:size]), int(last[:size]) + 1)]
        start = end + 1
    found.sort(key=len)
    kept: list[bytes] = []
    for prefix in found:
        if not any(prefix.startswith(shorter) for shorter in kept):
            kept.append(prefix)
    return kept


class WindowScan:
    """Finds, at C speed, the lines of a chunk that may hold a document of a window.

    For a chunk of whole ``documents.jsonl`` lines, :meth:`candidates` returns the start offsets
    of the lines whose ``createdAt`` could lie in ``[since, until)``, or None when the chunk
    needs the exact per-line path. It is exact, not a heuristic, when both checks below pass:

    1. ``chunk.count(b"{") == chunk.count(b'"createdAt":')``. In valid JSON the bytes
       ``"createdAt":`` are always the key ``createdAt`` of some object (a quote inside a string
       is escaped, and bare ``createdAt`` outside a string is not JSON), except after a ``\\``,
       when they end a key like ``x\\"createdAt``: such a match sends the chunk to the per-line
       path. An object holds that key at most once, and every object brings at least one ``{``
       byte (braces inside strings only add more). Equal counts thus mean every object of every
       line, the document included, has a ``createdAt`` key: no line is dated by
       ``_creationTime``, and a line's own ``createdAt`` is among the matches.
    2. Every ``createdAt`` value not matched as a candidate is written with only ``-``, digits
       and ``.`` (no exponent, blank, string or object), checked at the same match.
    3. As many lines as ``{`` bytes, so (with 1.) one dated object per line: a line that is no
       object at all (hand-edited, ``[1,2]``, ``42``, text, a blank line) is never skipped
       unread; it sends the chunk to the per-line path, which reports it.
    4. The chunk's last line ends with ``}``: an export cut short ends mid-document, and that
       line (the member's last) goes to the per-line path too.

    Under these, a value in the window is a plain number ``>= since >= 1`` whose text is its
    integer part's digits (no sign, no leading zero, no exponent), optionally followed by a
    fraction. Its integer part lies in ``[since - m, until + m]`` (``m`` covers the rounding of
    a long decimal to the nearest double), and :func:`decimal_prefixes` gives prefixes for every
    number there, so ``"createdAt":<prefix>`` finds it. A line not found therefore cannot be in
    the window. Candidates are only candidates: callers decode them and apply the exact rule.

    Duplicate keys in one object (which Convex never writes) are outside this reasoning.
    """

    def __init__(self, since: int, until: int) -> None:
        margin = math.ceil(math.ulp(float(max(abs(since), abs(until))))) + 1
        self.lo = since - margin
        self.hi = until + margin
        #: False when the window reaches numbers this scan does not model (below 1): use lines.
        self.usable = self.lo >= 0
        self.prefixes = decimal_prefixes(self.lo, self.hi) if self.usable else []
        alternatives = b"|".join(re.escape(p) for p in self.prefixes) or b"(?!)"
        # One pass per chunk: each "createdAt": is either a candidate, a plain number (no
        # match), or something that defeats the prefix search (a match without "hit").
        self._pattern = re.compile(
            rb'"createdAt":(?:(?<=\\"createdAt":)|(?P<hit>'
            + alternatives
            + rb")|[-0-9.]*+[^-0-9.,}])"
        )

    def candidates(self, chunk: bytes | bytearray, end: int | None = None) -> list[int] | None:
        """Start offsets of the candidate lines of ``chunk``, ascending; None: check every line.

        Args:
            chunk: whole lines (each ending with ``\\n``, the last one may lack it).
            end: only ``chunk[:end]`` is scanned (default: all of it).
        """
        stop = len(chunk) if end is None else end
        if not self.usable or stop == 0:
            return None
        braces = chunk.count(b"{", 0, stop)
        if braces != chunk.count(_CREATED_KEY, 0, stop):
            return None
        lines = chunk.count(b"\n", 0, stop) + (chunk[stop - 1] != _NEWLINE)
        if lines != braces:
            return None
        last = stop - 1
        while last > 0 and chunk[last] in _BLANKS:
            last -= 1
        if chunk[last] != _CLOSE_BRACE:
            return None
        starts: list[int] = []
        last = -1
        for match in self._pattern.finditer(chunk, 0, stop):
            if match.group("hit") is None:
                return None
            start = chunk.rfind(b"\n", 0, match.start()) + 1
            if start != last:  # a line with a nested match is listed once
                starts.append(start)
                last = start
        return starts


# -- writing --------------------------------------------------------------------------------------
#: README.md written at the root of every export built here.
EXPORT_README = (
    "# Convex snapshot export\n\n"
    "One folder per table; `<table>/documents.jsonl` holds one document per line in Convex's\n"
    "export JSON (Int64 as bare integers, Float64 with a decimal point, NaN/Infinity as\n"
    '`{"$float": ...}`, bytes as `{"$bytes": ...}`). `_tables/documents.jsonl` lists the tables.\n'
)
#: First table number given to user tables (Convex reserves the numbers up to 10000).
FIRST_TABLE_NUMBER = 10001
# Fixed timestamp for ZIP members, so the same input always gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class RawLine:
    """A line written verbatim into ``documents.jsonl`` (for malformed-input tests)."""

    text: str


def encode_value(value: Any) -> Any:
    """Turn a Python value into its export-JSON form (ready for ``json.dumps``).

    ``int`` (and ``convex.ConvexInt64``) is Int64, written bare; ``float`` is Float64, NaN/±Inf
    and -0.0 as ``{"$float"}``; ``bytes`` as ``{"$bytes"}``.

    Raises:
        TypeError: the value has no Convex equivalent.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and not (value == 0.0 and math.copysign(1.0, value) < 0):
            return value
        return {"$float": base64.b64encode(struct.pack("<d", value)).decode("ascii")}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, list | tuple):
        return [encode_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): encode_value(item) for key, item in value.items()}
    inner = getattr(value, "value", None)  # convex.ConvexInt64 without importing the client
    if type(value).__name__ == "ConvexInt64" and isinstance(inner, int):
        return inner
    raise TypeError(f"no Convex value for {type(value).__name__}")


def encode_document(doc: dict[str, Any]) -> str:
    """One ``documents.jsonl`` line (without newline): sorted keys, compact, UTF-8 text."""
    # json writes 1e16 as "1e+16" where serde_json writes "1e16": both read back as Float64.
    return json.dumps(
        encode_value(doc),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def export_members(
    docs_by_table: Mapping[str, Iterable[dict[str, Any] | RawLine]],
) -> list[tuple[str, bytes]]:
    """The members of an export holding ``docs_by_table``, in the order they are written."""
    tables = list(docs_by_table)
    listing = "".join(
        encode_document({"id": FIRST_TABLE_NUMBER + n, "name": name}) + "\n"
        for n, name in enumerate(tables)
    )
    members = [("README.md", EXPORT_README.encode()), ("_tables/documents.jsonl", listing.encode())]
    for name in tables:
        lines = [
            item.text if isinstance(item, RawLine) else encode_document(item)
            for item in docs_by_table[name]
        ]
        body = "".join(line + "\n" for line in lines).encode("utf-8")
        members.append((f"{name}/documents.jsonl", body))
        members.append((f"{name}/generated_schema.jsonl", b'"uniform"\n'))
    return members


def write_export(
    path: str | PathLike[str],
    docs_by_table: Mapping[str, Iterable[dict[str, Any] | RawLine]],
    *,
    as_zip: bool = True,
) -> Path:
    """Write a snapshot export in the layout ``npx convex export`` produces.

    Documents are written as given (include ``_id`` and ``_creationTime`` as a real export
    does). The ZIP is deterministic: fixed member timestamps, fixed order, deflate.

    Args:
        path: the ZIP file to create, or (``as_zip=False``) the folder to fill.
        docs_by_table: table name → documents (or :class:`RawLine` for verbatim lines).
        as_zip: write a ZIP (default) or a folder.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    target = Path(path)
    members = export_members(docs_by_table)
    if as_zip:
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w") as archive:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data, compresslevel=6)
    else:
        for name, data in members:
            file = target / name
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(data)
    return target
