"""An in-memory Convex deployment for tests: ``FakeConvex.query(name, args)``.

It answers the functions of docs/design.md ("Convex functions") the way a deployment would:

- ``<table>:listSince`` walks the ``by_createdAt`` index in Convex value order (missing <
  null < Int64 < Float64 < boolean < string < …; NaN after +Infinity), keeping Int64 and
  Float64 values in ``[since, until)`` and documents without ``createdAt`` whose
  ``_creationTime`` is in the window; it pages with opaque cursors ``"c1"``, ``"c2"``… that
  remember the last key served, so deleting a document between pages loses nothing else;
- ``<table>:getMany`` answers by the fixture id prefix (``rep_`` crimeReports, ``crm_``
  criminals, ``tip_`` tips, ``per_`` persons, ``loc_`` locations; anything else is malformed);
- the original functions ``crimeReports:list``, ``tips:list``, ``criminals:get``.

Numbers come back as ``float`` and Int64 as ``ConvexInt64`` (fixtures are decoded as wire JSON,
so ``{"$integer": …}`` and ``{"$float": …}`` work). Every call is recorded with a deep copy of its
arguments. Faults are per function: a callable ``fault(n, args)`` run before the ``n``-th call
(1-based) of that function, which may raise or block.
"""

from __future__ import annotations

import base64
import copy
import math
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from convex.values import ConvexInt64

from convex_activity.values import decode_wire_json

ABSENT: Any = object()
"""Put as a field value in a fixture to remove that default field."""

PREFIX_TABLE = {
    "rep_": "crimeReports",
    "crm_": "criminals",
    "tip_": "tips",
    "per_": "persons",
    "loc_": "locations",
}

DEFAULTS: dict[str, dict[str, Any]] = {
    "crimeReports": {
        "reportType": "new_crime",
        "description": "Tools taken from an unlocked truck bed",
        "offenseType": "Theft",
        "parish": "Orleans",
        "cityState": "New Orleans, LA",
        "schoolRelated": False,
        "wantedFugitive": False,
        "drugsInvolved": False,
        "abuseInvolved": False,
        "weaponsInvolved": False,
        "fileUploads": [],
        "fileDescriptions": [],
        "locationLat": 29.9511,
        "locationLng": -90.0715,
        "status": "active",
        "createdAt": 1772960700000,
    },
    "criminals": {
        "name": "Subject K",
        "primaryCrime": "Armed robbery",
        "status": "wanted",
        "createdAt": 1772913600000,
    },
    "tips": {
        "userId": "usr_7",
        "personId": "per_1",
        "locationId": "loc_1",
        "details": "Person matching the report seen near a bus shelter",
        "createdAt": 1772960700000,
    },
    "persons": {"name": "Subject P", "createdAt": 1772820000000},
    "locations": {"coordinates": {"lat": 29.9511, "lng": -90.0715}, "createdAt": 1772820000000},
}

#: The default referenced documents every case may rely on (per_1, loc_1).
DEFAULT_REFERENCES: dict[str, list[dict[str, Any]]] = {
    "persons": [{"_id": "per_1"}],
    "locations": [{"_id": "loc_1"}],
}

MISSING_FUNCTION = (
    "[CONVEX Q({name})] Server Error\nCould not find public function for '{name}'. "
    "Did you forget to run `npx convex dev` or `npx convex deploy`?"
)
TOO_MANY_READS = (
    "[CONVEX Q({name})] Server Error\nUncaught Error: Too many documents read in a single "
    "function execution (limit: 32000). Consider using smaller limits in your queries, "
    "paginating your queries, or using indexed queries with a selective index range "
    "expressions."
)


def table_of(doc_id: Any) -> str | None:
    """The table a fixture id belongs to, or None for a malformed id."""
    if not isinstance(doc_id, str):
        return None
    for prefix, table in PREFIX_TABLE.items():
        if doc_id.startswith(prefix) and len(doc_id) > len(prefix):
            return table
    return None


def int64(value: int) -> dict[str, str]:
    """Wire JSON of an Int64 (``{"$integer": <base64 LE>}``) for fixtures."""
    return {"$integer": base64.b64encode(struct.pack("<q", value)).decode("ascii")}


def special_float(value: float) -> dict[str, str]:
    """Wire JSON of NaN/±Infinity (``{"$float": <base64 LE>}``) for fixtures."""
    return {"$float": base64.b64encode(struct.pack("<d", value)).decode("ascii")}


def build_document(table: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A case document: the table defaults, then ``fields``; ``_creationTime`` = ``createdAt``.

    Values are decoded as Convex wire JSON (plain numbers → float).
    """
    merged = {**DEFAULTS[table], **fields}
    doc = {key: value for key, value in merged.items() if value is not ABSENT}
    if "_creationTime" not in fields:
        created = doc.get("createdAt")
        if isinstance(created, int | float) and not isinstance(created, bool):
            doc["_creationTime"] = float(created)
        elif isinstance(created, dict) and "$integer" in created:
            doc["_creationTime"] = float(decode_wire_json(created).value)
        else:
            doc["_creationTime"] = 1772960700000.0
    decoded = decode_wire_json(doc)
    assert isinstance(decoded, dict)
    return decoded


def build_documents(
    spec: dict[str, list[dict[str, Any]]], *, with_default_references: bool = True
) -> dict[str, list[dict[str, Any]]]:
    """Every table of a case fixture, defaults applied (plus per_1 and loc_1 unless asked not)."""
    tables: dict[str, list[dict[str, Any]]] = {table: [] for table in DEFAULTS}
    for table, docs in spec.items():
        tables[table] = [build_document(table, doc) for doc in docs]
    if with_default_references:
        for table, docs in DEFAULT_REFERENCES.items():
            present = {d["_id"] for d in tables[table]}
            tables[table] += [build_document(table, d) for d in docs if d["_id"] not in present]
    return tables


_RANK_MISSING, _RANK_NULL, _RANK_INT64, _RANK_FLOAT64, _RANK_BOOL, _RANK_STRING = range(6)


def convex_order_key(value: Any, present: bool = True) -> tuple[Any, ...]:
    """Sort key of a Convex value in index order (type first; NaN after +Infinity)."""
    if not present:
        return (_RANK_MISSING,)
    if value is None:
        return (_RANK_NULL,)
    if isinstance(value, bool):
        return (_RANK_BOOL, value)
    if isinstance(value, ConvexInt64):
        return (_RANK_INT64, value.value)
    if isinstance(value, float):
        return (_RANK_FLOAT64, 1, 0.0) if math.isnan(value) else (_RANK_FLOAT64, 0, value)
    if isinstance(value, str):
        return (_RANK_STRING, value)
    return (_RANK_STRING + 1, repr(value))


@dataclass
class Call:
    """One recorded call."""

    name: str
    args: dict[str, Any]


Fault = Callable[[int, dict[str, Any]], None]


class FakeConvex:
    """An in-memory deployment (see the module docstring).

    Args:
        documents: table → documents (already built, e.g. with :func:`build_documents`).
        missing: function names that are "not deployed".
        faults: function name → ``fault(n, args)`` run before each call of it.
        pages: table → scripted ``listSince`` pages as lists of ids (served in order with
            cursors ``c1``, ``c2``…, whatever the bounds and page size).
        page_limit: serve at most this many documents per ``listSince`` page.
        filter_window: False to make ``listSince`` ignore the bounds (over-delivering source).
        after_call: ``after_call(fake, name, args)`` run after each successful call.
    """

    def __init__(
        self,
        documents: dict[str, list[dict[str, Any]]] | None = None,
        *,
        missing: Iterable[str] = (),
        faults: dict[str, Fault] | None = None,
        pages: dict[str, list[list[str]]] | None = None,
        page_limit: int | None = None,
        filter_window: bool = True,
        after_call: Callable[[FakeConvex, str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {table: {} for table in DEFAULTS}
        for table, docs in (documents or {}).items():
            self.tables.setdefault(table, {})
            for doc in docs:
                self.tables[table][doc["_id"]] = doc
        self.missing = set(missing)
        self.faults = dict(faults or {})
        self.pages = dict(pages or {})
        self.page_limit = page_limit
        self.filter_window = filter_window
        self.after_call = after_call
        self.calls: list[Call] = []
        self.release = threading.Event()  # set it to free calls blocked by block_forever
        self._cursors: dict[str, tuple[Any, ...]] = {}
        self._lock = threading.Lock()

    # -- inspection -------------------------------------------------------------------------
    def calls_to(self, name: str) -> list[dict[str, Any]]:
        """Arguments of every call of ``name``, in order."""
        return [call.args for call in self.calls if call.name == name]

    def delete(self, doc_id: str) -> None:
        """Delete a document (as a concurrent writer would)."""
        table = table_of(doc_id)
        if table is not None:
            self.tables[table].pop(doc_id, None)

    # -- the client surface -------------------------------------------------------------------
    def query(self, name: str, args: dict[str, Any]) -> Any:
        """Run a query function (the ``ConvexClient.query`` signature)."""
        with self._lock:
            self.calls.append(Call(name, copy.deepcopy(args)))
            n = sum(1 for call in self.calls if call.name == name)
        if name in self.missing:
            raise Exception(MISSING_FUNCTION.format(name=name))
        fault = self.faults.get(name)
        if fault is not None:
            fault(n, args)
        result = self._dispatch(name, args)
        if self.after_call is not None:
            self.after_call(self, name, args)
        return copy.deepcopy(result)

    def close(self) -> None:
        """Free anything blocked."""
        self.release.set()

    def _dispatch(self, name: str, args: dict[str, Any]) -> Any:
        module, _, function = name.partition(":")
        if function == "listSince" and module in ("crimeReports", "tips"):
            return self._list_since(module, args)
        if function == "getMany" and module in ("criminals", "persons", "locations"):
            return self._get_many(module, args)
        if name in ("crimeReports:list", "tips:list"):
            if args:
                raise Exception(f"ArgumentValidationError: unexpected arguments for {name}")
            return sorted(
                self.tables[module].values(),
                key=lambda d: convex_order_key(d.get("createdAt"), "createdAt" in d),
                reverse=True,
            )
        if name == "criminals:get":
            doc_id = args.get("id")
            if table_of(doc_id) != "criminals":
                raise Exception(
                    "ArgumentValidationError: Value does not match validator.\n"
                    f"Path: .id\nValue: {doc_id!r}\nValidator: v.id(\"criminals\")"
                )
            return self.tables["criminals"].get(doc_id)
        raise Exception(MISSING_FUNCTION.format(name=name))

    def _list_since(self, table: str, args: dict[str, Any]) -> dict[str, Any]:
        opts = args.get("paginationOpts")
        if not isinstance(opts, dict) or not isinstance(opts.get("numItems"), int | float):
            raise Exception(
                "ArgumentValidationError: Object is missing the required field `paginationOpts`."
            )
        since, until = args.get("since"), args.get("until")
        if not isinstance(since, int | float) or not isinstance(until, int | float):
            raise Exception("ArgumentValidationError: since and until must be numbers")
        cursor = opts.get("cursor")
        if table in self.pages:
            return self._scripted_page(table, cursor)
        num = int(opts["numItems"])
        if num < 1:
            raise Exception("Uncaught Error: NoDocumentsForPagination")
        if self.page_limit is not None:
            num = min(num, self.page_limit)
        entries = sorted(
            (
                (
                    convex_order_key(doc.get("createdAt"), "createdAt" in doc)
                    + (doc.get("_creationTime", 0.0), doc["_id"]),
                    doc,
                )
                for doc in self.tables[table].values()
                if not self.filter_window or _in_window(doc, since, until)
            ),
            key=lambda entry: entry[0],
        )
        if cursor is not None:
            if cursor not in self._cursors:
                raise Exception(f"Uncaught Error: InvalidCursor {cursor!r}")
            after = self._cursors[cursor]
            entries = [entry for entry in entries if entry[0] > after]
        page = entries[:num]
        done = len(entries) <= num
        last = page[-1][0] if page else self._cursors.get(cursor or "", ())
        name = f"c{len(self._cursors) + 1}"
        self._cursors[name] = last
        return {"page": [doc for _, doc in page], "isDone": done, "continueCursor": name}

    def _scripted_page(self, table: str, cursor: Any) -> dict[str, Any]:
        script = self.pages[table]
        index = 0 if cursor is None else int(str(cursor)[1:])
        ids = script[index]
        page = [self.tables[table][i] for i in ids if i in self.tables[table]]
        return {
            "page": page,
            "isDone": index == len(script) - 1,
            "continueCursor": f"c{index + 1}",
        }

    def _get_many(self, table: str, args: dict[str, Any]) -> list[dict[str, Any] | None]:
        ids = args.get("ids")
        if not isinstance(ids, list):
            raise Exception("ArgumentValidationError: ids must be an array")
        if len(ids) > 1000:
            raise Exception(f"Uncaught Error: getMany takes at most 1000 ids, got {len(ids)}")
        return [
            self.tables[table].get(doc_id) if table_of(doc_id) == table else None
            for doc_id in ids
        ]


def _in_window(doc: dict[str, Any], since: float, until: float) -> bool:
    if "createdAt" not in doc:
        created = doc.get("_creationTime")
        return isinstance(created, float) and since <= created < until
    value = doc["createdAt"]
    if isinstance(value, ConvexInt64):
        return bool(since <= value.value < until)
    if isinstance(value, float):
        return since <= value < until  # NaN compares false: outside every range
    return False


def block_forever(fake: FakeConvex) -> Fault:
    """A fault that blocks the call until ``fake.release`` is set (like a hung client)."""

    def fault(n: int, args: dict[str, Any]) -> None:
        fake.release.wait()

    return fault


def raise_on(calls: Iterable[int], exc: Callable[[], BaseException]) -> Fault:
    """A fault that raises ``exc()`` on the given call numbers (1-based)."""
    which = set(calls)

    def fault(n: int, args: dict[str, Any]) -> None:
        if n in which:
            raise exc()

    return fault
