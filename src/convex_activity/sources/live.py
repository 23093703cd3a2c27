"""A live Convex deployment, read through its query functions.

Window tables are read with ``<table>:listSince`` page by page until ``isDone`` (a page may be
short: ``SplitRequired``); referenced documents with ``<table>:getMany`` in batches of at most
1,000 distinct ids. When ``listSince``/``getMany`` are not deployed, the original app's functions
are used instead (``crimeReports:list``, ``tips:list``, ``criminals:get``) and the table is marked
``degraded``. Retriable failures are retried with backoff while the deadline allows, sending the
very same arguments again; fatal ones never are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..deadline import Deadline
from ..errors import (
    ArgumentRejected,
    CallTimeout,
    ContractError,
    MissingFunction,
    RetriableSourceError,
)
from ..window import Window
from .base import Document, TableReport
from .callers import FunctionCaller

__all__ = ["GET_MANY_LIMIT", "LEGACY_GET", "LEGACY_LIST", "LiveSource"]

logger = logging.getLogger(__name__)

#: Most ids one ``getMany`` call accepts.
GET_MANY_LIMIT = 1000
#: Original whole-table functions, used when ``listSince`` is not deployed.
LEGACY_LIST: dict[str, str] = {"crimeReports": "crimeReports:list", "tips": "tips:list"}
#: Original one-document functions, used when ``getMany`` is not deployed.
LEGACY_GET: dict[str, str] = {"criminals": "criminals:get"}


class LiveSource:
    """A :class:`~convex_activity.sources.base.Source` backed by a :class:`FunctionCaller`.

    Args:
        caller: the transport (``ThreadCaller`` around a fake, ``ProcessCaller``…).
        page_size: ``paginationOpts.numItems`` for ``listSince`` (1–1000).
        call_timeout: seconds one call may take (further capped by the deadline).
        description: secret-free text for the result's ``source`` field.
        retry_delays: pause before each retry of a retriable failure; its length is the
            maximum number of retries of one call.
        sleep: injectable for tests.
    """

    def __init__(
        self,
        caller: FunctionCaller,
        *,
        page_size: int = 500,
        call_timeout: float | None = 30.0,
        description: str = "live",
        retry_delays: Sequence[float] = (0.25, 0.5, 1.0, 2.0, 4.0),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= page_size <= 1000:
            raise ValueError(f"page_size must be between 1 and 1000, got {page_size}")
        self._caller = caller
        self.page_size = page_size
        self.call_timeout = call_timeout
        self.description = description
        self._retry_delays = tuple(retry_delays)
        self._sleep = sleep

    # -- calls ------------------------------------------------------------------------------
    def _call(
        self, name: str, args: dict[str, Any], report: TableReport, deadline: Deadline
    ) -> Any:
        """One call, retried on retriable errors while the deadline allows."""
        attempt = 0
        first: RetriableSourceError | None = None  # what went wrong before the retries
        while True:
            try:
                budget = deadline.call_budget(self.call_timeout)
            except CallTimeout as exc:
                raise CallTimeout(f"{name} was not called: {exc} ({self.description})",
                                  function=name) from None
            report.calls += 1
            try:
                return self._caller.call(name, args, budget)
            except RetriableSourceError as exc:
                if first is not None and type(exc) is not type(first):
                    # A retry that timed out after a refused connection: say both, or the
                    # line blames a slow answer for what was an unreachable deployment.
                    cause = str(first).removeprefix(f"{name}: ").removeprefix(f"{name} ")
                    retries = "1 retry" if attempt == 1 else f"{attempt} retries"
                    exc = type(exc)(f"{exc}, after {retries}; first try: {cause}",
                                    function=name)
                first = first or exc
                if attempt >= len(self._retry_delays):
                    raise exc from None
                delay = self._retry_delays[attempt]
                if deadline.remaining() <= delay:
                    if isinstance(exc, CallTimeout):
                        raise exc from None
                    raise type(exc)(f"{exc} (no time left to retry)", function=name) from exc
                attempt += 1
                # The error's text already starts with the function's name.
                logger.warning("%s; retry %d in %.2f s", exc, attempt, delay)
                self._sleep(delay)

    # -- window tables ----------------------------------------------------------------------
    def list_window(
        self, table: str, window: Window, report: TableReport, deadline: Deadline
    ) -> Iterator[list[Document]]:
        """Yield ``listSince`` pages until ``isDone`` (or the legacy whole table, degraded)."""
        name = f"{table}:listSince"
        report.function = name
        cursor: str | None = None
        used: set[str] = set()
        while True:
            args = {
                "since": window.since,
                "until": window.until,
                "paginationOpts": {"numItems": self.page_size, "cursor": cursor},
            }
            try:
                reply = self._call(name, args, report, deadline)
            except MissingFunction:
                if cursor is not None or table not in LEGACY_LIST:
                    raise
                yield from self._legacy_list(table, report, deadline, name)
                return
            page, done, next_cursor = _check_page(name, reply)
            report.pages += 1
            if reply.get("pageStatus") == "SplitRequired":
                logger.debug("%s: short page (SplitRequired), continuing from its cursor", name)
            yield page
            if done:
                return
            assert next_cursor is not None  # _check_page guarantees a cursor when not done
            if next_cursor in used or next_cursor == cursor:
                raise ContractError(
                    f"{name} returned a cursor it had already returned; stopping to avoid a loop",
                    function=name,
                )
            used.add(next_cursor)
            cursor = next_cursor

    def _legacy_list(
        self, table: str, report: TableReport, deadline: Deadline, missing: str
    ) -> Iterator[list[Document]]:
        name = LEGACY_LIST[table]
        logger.warning("%s is not deployed; falling back to %s (whole table)", missing, name)
        report.function = name
        report.status = "degraded"
        try:
            reply = self._call(name, {}, report, deadline)
        except MissingFunction as exc:
            raise MissingFunction(
                f"neither {missing} nor {name} is deployed", function=missing
            ) from exc
        if not isinstance(reply, list) or not all(isinstance(d, dict) for d in reply):
            raise ContractError(f"{name} did not return a list of documents", function=name)
        report.pages += 1
        yield reply

    # -- references -------------------------------------------------------------------------
    def get_many(
        self, table: str, ids: Sequence[str], report: TableReport, deadline: Deadline
    ) -> list[Document | None]:
        """Documents for ``ids`` through ``getMany`` batches (≤ 1,000 distinct ids each)."""
        distinct = list(dict.fromkeys(ids))
        found: dict[str, Document | None] = {}
        name = f"{table}:getMany"
        report.function = name
        for start in range(0, len(distinct), GET_MANY_LIMIT):
            batch = distinct[start : start + GET_MANY_LIMIT]
            try:
                reply = self._call(name, {"ids": batch}, report, deadline)
            except MissingFunction:
                if start != 0 or table not in LEGACY_GET:
                    raise
                return self._legacy_get(table, ids, distinct, report, deadline, name)
            if not isinstance(reply, list) or len(reply) != len(batch):
                raise ContractError(
                    f"{name} must return a list aligned with its {len(batch)} ids", function=name
                )
            for doc_id, doc in zip(batch, reply, strict=True):
                if doc is not None and not isinstance(doc, dict):
                    raise ContractError(
                        f"{name} returned a non-document for {doc_id}", function=name
                    )
                found[doc_id] = doc
            report.pages += 1
        return [found[doc_id] for doc_id in ids]

    def _legacy_get(
        self,
        table: str,
        ids: Sequence[str],
        distinct: list[str],
        report: TableReport,
        deadline: Deadline,
        missing: str,
    ) -> list[Document | None]:
        name = LEGACY_GET[table]
        logger.warning("%s is not deployed; falling back to %s per id", missing, name)
        report.function = name
        report.status = "degraded"
        found: dict[str, Document | None] = {}
        for doc_id in distinct:
            try:
                reply = self._call(name, {"id": doc_id}, report, deadline)
            except MissingFunction as exc:
                raise MissingFunction(
                    f"neither {missing} nor {name} is deployed", function=missing
                ) from exc
            except ArgumentRejected as exc:
                # The original get validates v.id("criminals"): a malformed or other-table id
                # throws instead of returning null. Treat it as not found (it is warned about).
                # Any other failure (a read limit, a bug) fails the table like everywhere else.
                logger.info("%s(%r) rejected the id, treating as not found: %s", name, doc_id, exc)
                reply = None
            if reply is not None and not isinstance(reply, dict):
                raise ContractError(f"{name} returned a non-document for {doc_id}", function=name)
            found[doc_id] = reply
            report.pages += 1
        return [found[doc_id] for doc_id in ids]

    def close(self) -> None:
        """Close the caller."""
        self._caller.close()


def _check_page(name: str, reply: Any) -> tuple[list[Document], bool, str | None]:
    """Validate a ``PaginationResult``; return ``(page, isDone, continueCursor)``."""
    if not isinstance(reply, dict):
        raise ContractError(f"{name} did not return a page object", function=name)
    page = reply.get("page")
    done = reply.get("isDone")
    cursor = reply.get("continueCursor")
    if not isinstance(page, list) or not isinstance(done, bool):
        raise ContractError(f"{name} reply lacks page/isDone", function=name)
    if not all(isinstance(doc, dict) and isinstance(doc.get("_id"), str) for doc in page):
        raise ContractError(f"{name} page holds something that is not a document", function=name)
    if not done and not isinstance(cursor, str):
        raise ContractError(f"{name} is not done but gave no continueCursor", function=name)
    return page, done, cursor if isinstance(cursor, str) else None
