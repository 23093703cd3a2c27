"""Collect one window of activity: window tables by page, references by id, then normalize.

The collector never hides a failure. Each table's outcome is in ``result.sources[table]``; a
``SourceError`` marks that table ``failed`` (or ``missing_function``) with a one-line redacted
error and makes ``complete`` false, while the other tables are still collected.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .deadline import Deadline
from .errors import ContractError, MissingFunction, SourceError
from .normalize import (
    normalize_criminal,
    normalize_incident,
    normalize_person,
    normalize_place,
    normalize_tip,
    time_warning,
)
from .redact import redact, safe_url
from .result import ActivityResult, Criminal, Person, Place, RecordWarning
from .settings import Settings, load_settings
from .sources.base import REFERENCE_TABLES, WINDOW_TABLES, Document, Source, TableReport
from .sources.callers import ThreadCaller, one_line
from .sources.live import LiveSource
from .timestamps import Instant, document_instant
from .window import Window, ms_to_iso, require_aware, to_ms

__all__ = ["collect_24h_activity", "collect_activity", "open_live_source"]

logger = logging.getLogger(__name__)

#: Reference table → (window table, field) pairs that point into it.
REFERENCE_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "criminals": (("crimeReports", "criminalId"),),
    "persons": (("tips", "personId"),),
    "locations": (("tips", "locationId"),),
}
_SINGULAR = {"criminals": "criminal", "persons": "person", "locations": "location"}
_DEFAULT_TIMEOUT = float(Settings.model_fields["timeout"].default)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def open_live_source(settings: Settings) -> Source:
    """A :class:`LiveSource` over the official ``ConvexClient`` (in a worker process).

    Raises:
        ConfigError: no usable ``CONVEX_DEPLOYMENT_URL``.
    """
    url = settings.require_url()
    # Imported here: the worker-process transport is only needed for a live deployment.
    from .sources.process_caller import ProcessCaller

    key = settings.deploy_key.get_secret_value() if settings.deploy_key is not None else None
    return LiveSource(
        ProcessCaller(url, key),
        page_size=settings.page_size,
        call_timeout=settings.call_timeout,
        description=f"live {safe_url(url)}",
    )


def _as_source(source: Any, settings: Settings | None) -> tuple[Source, bool]:
    """Return ``(source, owned)``; wrap a bare ``.query`` client in a LiveSource."""
    if isinstance(source, Source):
        return source, False
    if callable(getattr(source, "query", None)):
        if type(source).__module__.split(".")[0] == "convex":
            # The official client blocks while holding the GIL: a thread cannot time it out.
            logger.warning(
                "collect_activity got a %s: its calls cannot be timed out in this process; "
                "use open_live_source(settings) (a worker process) for working deadlines",
                type(source).__name__,
            )
        live = LiveSource(
            ThreadCaller(source),
            page_size=settings.page_size if settings else 500,
            call_timeout=settings.call_timeout if settings else 30.0,
            description=f"live client {type(source).__name__}",
        )
        return live, True
    raise TypeError(f"{type(source).__name__} is neither a Source nor a client with .query()")


def _fail(report: TableReport, exc: SourceError) -> None:
    report.status = "missing_function" if isinstance(exc, MissingFunction) else "failed"
    if exc.function:
        report.function = exc.function
    report.error = one_line(redact(str(exc))) or type(exc).__name__


class _Collection:
    """State of one run: reports, kept documents, warnings."""

    def __init__(self, source: Source, window: Window, deadline: Deadline) -> None:
        self.source = source
        self.window = window
        self.deadline = deadline
        self.reports = {table: TableReport() for table in (*WINDOW_TABLES, *REFERENCE_TABLES)}
        self.seconds: dict[str, float] = {}
        self.warnings: list[RecordWarning] = []
        self.kept: dict[str, dict[str, tuple[Document, Instant]]] = {}

    def warn(self, code: Any, table: str, doc_id: str, field: str | None, message: str) -> None:
        self.warnings.append(
            RecordWarning(code=code, table=table, id=doc_id, field=field, message=message)
        )

    def read_window_table(self, table: str) -> None:
        report = self.reports[table]
        seen: dict[str, Document] = {}
        kept: dict[str, tuple[Document, Instant]] = {}
        duplicates: set[str] = set()
        started = time.perf_counter()
        try:
            for page in self.source.list_window(table, self.window, report, self.deadline):
                for doc in page:
                    self._accept(table, doc, seen, kept, duplicates)
        except SourceError as exc:
            _fail(report, exc)
        self.seconds[table] = time.perf_counter() - started
        self.kept[table] = kept

    def _accept(
        self,
        table: str,
        doc: Document,
        seen: dict[str, Document],
        kept: dict[str, tuple[Document, Instant]],
        duplicates: set[str],
    ) -> None:
        doc_id = doc.get("_id")
        if not isinstance(doc_id, str):
            raise ContractError(f"{table}: the source delivered a document without a string _id",
                                function=self.reports[table].function)
        if doc_id in seen:
            # First delivery wins; differing content means the source changed under us.
            if seen[doc_id] != doc and doc_id not in duplicates:
                duplicates.add(doc_id)
                self.warn("duplicate_document", table, doc_id, None,
                          f"{table} {doc_id} was delivered twice with different content; "
                          "kept the first")
            return
        seen[doc_id] = doc
        instant = document_instant(doc)
        if instant.value is None:
            warning = time_warning(table, doc_id, instant)
            if warning is not None:
                self.warnings.append(warning)
            return
        if not self.window.contains(instant.value):
            return  # sources may over-deliver; outside the window is not a problem
        warning = time_warning(table, doc_id, instant)
        if warning is not None:
            self.warnings.append(warning)
        kept[doc_id] = (doc, instant)

    def resolve(self, table: str) -> dict[str, Document]:
        """Fetch the referenced documents of ``table``; warn once per unresolved id."""
        referrers: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for window_table, field in REFERENCE_FIELDS[table]:
            for record_id, (doc, _) in self.kept.get(window_table, {}).items():
                ref = doc.get(field)
                if isinstance(ref, str):
                    referrers[ref].append((window_table, record_id, field))
        report = self.reports[table]
        ids = sorted(referrers)
        if not ids:
            return {}
        started = time.perf_counter()
        try:
            docs = self.source.get_many(table, ids, report, self.deadline)
            if len(docs) != len(ids):
                raise ContractError(
                    f"{table}: source returned {len(docs)} documents for {len(ids)} ids",
                    function=report.function,
                )
        except SourceError as exc:
            _fail(report, exc)
            self.seconds[table] = time.perf_counter() - started
            return {}
        self.seconds[table] = time.perf_counter() - started
        resolved: dict[str, Document] = {}
        for ref_id, found in zip(ids, docs, strict=True):
            if found is not None:
                resolved[ref_id] = {**found, "_id": ref_id}
                continue
            who = referrers[ref_id]
            names = ", ".join(sorted({record_id for _, record_id, _ in who}))
            source_tables = "/".join(sorted({t for t, _, _ in who}))
            fields = sorted({f for _, _, f in who})
            self.warn("reference_unresolved", table, ref_id, fields[0],
                      f"{_SINGULAR[table]} {ref_id} not found; referenced by "
                      f"{source_tables} {names}")
        return resolved


def collect_activity(
    source: Source | Any,
    window: Window,
    *,
    settings: Settings | None = None,
    deadline: Deadline | None = None,
) -> ActivityResult:
    """Collect the crime reports and tips created inside ``window`` and what they reference.

    Args:
        source: a :class:`Source`, or any client with ``.query(name, args)`` (wrapped in
            ``LiveSource(ThreadCaller(client))`` and closed afterwards). A thread cannot time
            out the official ``ConvexClient`` (it holds the GIL while it waits), so one passed
            here is warned about: use :func:`open_live_source` for working deadlines.
        window: the half-open window ``[since, until)``.
        settings: page size, per-call timeout and collection deadline; defaults otherwise
            (the environment is not read).
        deadline: an explicit deadline; defaults to ``settings.timeout`` (120 s).

    Returns:
        The :class:`ActivityResult`. It is returned even when a source failed: then
        ``complete`` is false and ``sources`` says which table failed and why.
    """
    src, owned = _as_source(source, settings)
    if deadline is None:
        deadline = Deadline(settings.timeout if settings is not None else _DEFAULT_TIMEOUT)
    run = _Collection(src, window, deadline)
    try:
        for table in WINDOW_TABLES:
            run.read_window_table(table)
        criminals_raw = run.resolve("criminals")
        persons_raw = run.resolve("persons")
        places_raw = run.resolve("locations")
    finally:
        if owned:
            src.close()

    criminals: list[Criminal] = [
        normalize_criminal(doc, warnings=run.warnings) for doc in criminals_raw.values()
    ]
    persons: list[Person] = [
        normalize_person(doc, warnings=run.warnings) for doc in persons_raw.values()
    ]
    places: list[Place] = [
        normalize_place(doc, warnings=run.warnings) for doc in places_raw.values()
    ]
    criminal_names = {c.id: c.name for c in criminals}
    incidents = [
        normalize_incident(doc, instant, criminal_names=criminal_names, warnings=run.warnings)
        for doc, instant in run.kept["crimeReports"].values()
    ]
    tips = [
        normalize_tip(
            doc,
            instant,
            persons={p.id: p for p in persons},
            places={p.id: p for p in places},
            warnings=run.warnings,
        )
        for doc, instant in run.kept["tips"].values()
    ]
    incidents.sort(key=lambda r: (r.timestamp, r.id))
    tips.sort(key=lambda r: (r.timestamp, r.id))
    criminals.sort(key=lambda r: r.id)
    persons.sort(key=lambda r: r.id)
    places.sort(key=lambda r: r.id)

    counts = {
        "crimeReports": len(incidents),
        "tips": len(tips),
        "criminals": len(criminals),
        "persons": len(persons),
        "locations": len(places),
    }
    for table, report in run.reports.items():
        report.count = counts[table]
        logger.info(
            "%s: %d records, %d pages, %d calls, %.3f s, status %s",
            table, report.count, report.pages, report.calls, run.seconds.get(table, 0.0),
            report.status,
        )
    complete = all(r.status in ("ok", "degraded") for r in run.reports.values())
    return ActivityResult(
        window=window.to_dict(),
        collected_at=ms_to_iso(to_ms(_utcnow())),
        complete=complete,
        source=redact(str(getattr(src, "description", type(src).__name__))),
        sources={table: report.to_dict() for table, report in run.reports.items()},
        incidents=incidents,
        tips=tips,
        criminals=criminals,
        persons=persons,
        locations=places,
        warnings=run.warnings,
    )


def collect_24h_activity(
    *,
    settings: Settings | None = None,
    client: Any = None,
    now: datetime | Callable[[], datetime] | None = None,
) -> dict[str, Any]:
    """The seed's entry point: the last 24 hours, as a dict.

    Keeps the seed's keys (``incidents``, ``criminals``, ``tips``, ``collected_at``) and adds
    ``window``, ``complete``, ``source``, ``sources``, ``persons``, ``locations``, ``warnings``.

    Args:
        settings: defaults to the environment and ``.env``.
        client: an object with ``.query(name, args)`` to read from instead of the configured
            deployment (tests, custom transports).
        now: the end of the window (aware datetime, or a function returning one); defaults to
            the current UTC time.

    Raises:
        ValueError: (``ConfigError``) ``CONVEX_DEPLOYMENT_URL`` is not configured and no
            ``client`` was given, or ``now`` is naive.
    """
    settings = settings if settings is not None else load_settings()
    moment = now() if callable(now) else now
    end = require_aware(moment, "now") if moment is not None else _utcnow()
    window = Window.last_hours(24, end)
    source = _as_source(client, settings)[0] if client is not None else open_live_source(settings)
    try:
        result = collect_activity(source, window, settings=settings)
    finally:
        source.close()
    return result.to_dict()
