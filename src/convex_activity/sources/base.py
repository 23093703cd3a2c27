"""The one interface every source implements, and the per-table report it fills in.

The collector only ever talks to a source through :class:`Source`: it asks for the pages of a
window table, then for referenced documents by id. A source raises
:class:`~convex_activity.errors.SourceError` subclasses; it never returns an empty list to hide a
failure.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from ..deadline import Deadline
from ..window import Window

__all__ = ["Document", "Source", "Status", "TableReport", "WINDOW_TABLES", "REFERENCE_TABLES"]

Document = dict[str, Any]
Status = Literal["ok", "degraded", "failed", "missing_function"]

#: Tables read by time window, in the order the collector reads them.
WINDOW_TABLES: tuple[str, ...] = ("crimeReports", "tips")
#: Tables read by id, because window records reference them.
REFERENCE_TABLES: tuple[str, ...] = ("criminals", "persons", "locations")


@dataclass
class TableReport:
    """What a source did for one table; becomes ``result.sources[table]``.

    Attributes:
        status: ``ok``; ``degraded`` (answered through a fallback such as the original
            whole-table ``list``); ``failed``; ``missing_function``.
        function: the function (or export member) that answered or failed, e.g.
            ``"crimeReports:listSince"`` or ``"crimeReports/documents.jsonl"``; None if unused.
        pages: pages (calls for reference tables) that returned successfully.
        calls: calls made, retries included.
        count: documents that made it into the result (set by the collector).
        error: one redacted line when status is failed or missing_function.
    """

    status: Status = "ok"
    function: str | None = None
    pages: int = 0
    calls: int = 0
    count: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report as it appears in the result JSON."""
        return {
            "status": self.status,
            "count": self.count,
            "function": self.function,
            "pages": self.pages,
            "calls": self.calls,
            "error": self.error,
        }


@runtime_checkable
class Source(Protocol):
    """A place documents can be read from."""

    #: Human-readable, secret-free description ("live https://x.convex.cloud", "export demo.zip").
    description: str

    def list_window(
        self, table: str, window: Window, report: TableReport, deadline: Deadline
    ) -> Iterator[list[Document]]:
        """Yield pages of raw documents of ``table`` created inside ``window``.

        A page may be short or empty; documents may repeat across pages (the collector
        deduplicates by ``_id`` and re-checks the window, so a source may over-deliver but must
        never under-deliver). Documents without ``createdAt`` whose ``_creationTime`` lies in the
        window must be included.

        Raises:
            SourceError: the table could not be read completely.
        """
        ...

    def get_many(
        self, table: str, ids: Sequence[str], report: TableReport, deadline: Deadline
    ) -> list[Document | None]:
        """Return the documents for ``ids``, aligned with ``ids``.

        ``None`` stands for a missing, deleted, other-table or malformed id. Any number of ids
        may be passed; the source batches as its transport requires (live: at most 1,000 per call).

        Raises:
            SourceError: the lookup failed (not: an id was not found).
        """
        ...

    def close(self) -> None:
        """Release connections, worker processes and open files."""
        ...
