"""A Convex snapshot export (``npx convex export``), ZIP or folder, read as a source.

The export holds ``<table>/documents.jsonl`` per table (see :mod:`.export_json` for the value
encoding) next to ``README.md``, ``_tables/documents.jsonl``, ``<table>/generated_schema.jsonl``,
``_storage/`` and ``_components/``, which are all ignored here.

Every call streams one member in fixed-size chunks, so memory stays bounded by one chunk, the
longest line and one page, whatever the export's size. For a window, each chunk is first scanned
as a whole (:class:`~.export_json.WindowScan`: a few byte counts and one regex pass find the
candidate lines at C speed); a chunk the scan cannot decide exactly (an undated line, a nested
object, an unusual ``createdAt``) is filtered line by line on raw bytes instead
(``createdAt``/``_creationTime``/``_id`` probed without a parse). Only candidates are decoded,
and anything a probe cannot decide is decoded in full and checked again.

The window rule is exactly that of the live ``listSince``: a document is delivered when its
``createdAt`` is a finite number (Int64 or Float64) with ``since <= createdAt < until``, or when it
has no ``createdAt`` and ``since <= _creationTime < until``. A NaN, string, boolean or null
``createdAt`` lies outside every numeric index range, so it is not delivered here either.
"""

from __future__ import annotations

import copy
import logging
import math
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import IO

from ..deadline import Deadline
from ..errors import CallTimeout, ContractError
from ..window import Window
from .base import WINDOW_TABLES, Document, TableReport
from .callers import one_line
from .export_json import (
    ExportJSONError,
    WindowScan,
    decode_line,
    top_level_number,
    top_level_string,
)

__all__ = ["ExportSource", "DEFAULT_PAGE_SIZE", "CHUNK_SIZE"]

logger = logging.getLogger(__name__)

#: Documents per yielded page.
DEFAULT_PAGE_SIZE = 1000
#: Bytes read at a time: large enough that the per-chunk scans run at C speed for long.
CHUNK_SIZE = 4 << 20
_TABLES_MEMBER = "_tables/documents.jsonl"
_TABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def in_window(doc: Document, window: Window) -> bool:
    """The ``listSince`` rule for one decoded document (see the module docstring)."""
    if "createdAt" in doc:
        value = doc["createdAt"]
    else:
        value = doc.get("_creationTime")
    return _is_number(value) and math.isfinite(value) and window.since <= value < window.until


class ExportSource:
    """Documents read from a snapshot export.

    Examples::

        with ExportSource("examples/dc-crime-2019-09.zip") as source:
            for page in source.list_window("crimeReports", window, TableReport(), Deadline(None)):
                ...

    Args:
        path: the export ZIP, or the folder ``npx convex export --path DIR`` wrote (or it unzipped).
        page_size: documents per page yielded by :meth:`list_window`.
        chunk_size: bytes read at a time (tests use small chunks to split lines across reads).
        chunk_scan: find window candidates per chunk (default); False checks every line, the
            reference the chunk scan is tested and benchmarked against.

    The path is opened on first use; a missing or unreadable export raises
    :class:`~convex_activity.errors.ContractError` from that call, so the collector records it per
    table.
    """

    def __init__(
        self,
        path: str | PathLike[str],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        chunk_size: int = CHUNK_SIZE,
        chunk_scan: bool = True,
    ) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
        self.chunk_size = chunk_size
        self.chunk_scan = chunk_scan
        self.path = Path(path)
        self.description = f"export {path}"
        self.page_size = page_size
        self._zip: zipfile.ZipFile | None = None
        self._root = ""  # member prefix (ZIP) or sub-folder holding the export's tables
        self._opened = False
        self._listed: set[str] | None = None  # tables named in _tables/documents.jsonl

    # -- opening -------------------------------------------------------------------------------
    def open(self) -> ExportSource:
        """Open the export now and check it is one; the CLI does this to refuse a wrong path early.

        Raises:
            ContractError: the path is missing, not a ZIP or folder, holds no export, or its
                export has neither a ``crimeReports`` nor a ``tips`` table (another app's data
                would otherwise read as a quiet day).
        """
        self._open()
        if not any(self._has_table(t) for t in WINDOW_TABLES):
            self.close()
            raise self._error(
                f"has no {' or '.join(WINDOW_TABLES)} table: not an export of the "
                "crime-reporting app"
            )
        return self

    def _error(self, message: str, member: str | None = None) -> ContractError:
        return ContractError(one_line(f"{self.description}: {message}"), function=member)

    def _open(self) -> None:
        if self._opened:
            return
        if self.path.is_dir():
            if not (self.path / _TABLES_MEMBER).is_file():
                nested = sorted(p.parent.parent for p in self.path.glob("*/" + _TABLES_MEMBER))
                tables = [p.parent.name for p in self.path.glob("*/documents.jsonl")]
                self._root = self._single_root([n.name + "/" for n in nested], tables)
            if (self.path / self._root / "_components").is_dir():
                logger.debug("%s: ignoring _components/ (component tables)", self.description)
        elif self.path.is_file():
            try:
                archive = zipfile.ZipFile(self.path)
                names = archive.namelist()
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise self._error(f"not a readable ZIP file ({exc})") from None
            self._zip = archive
            if _TABLES_MEMBER not in names:
                roots = sorted(
                    n[: -len(_TABLES_MEMBER)]
                    for n in names
                    if n.endswith("/" + _TABLES_MEMBER) and "_components/" not in n
                )
                tables = [n.partition("/")[0] for n in names if n.count("/") == 1
                          and n.endswith("/documents.jsonl")]
                self._root = self._single_root(roots, tables)
            if any(n.startswith(self._root + "_components/") for n in names):
                logger.debug("%s: ignoring _components/ (component tables)", self.description)
        elif self.path.exists():
            raise self._error("is neither a file nor a folder")
        else:
            raise self._error("does not exist")
        self._opened = True
        self._listed = self._listed_tables()

    def _listed_tables(self) -> set[str] | None:
        """Table names in ``_tables/documents.jsonl`` (None when the export has no listing)."""
        stream = self._open_member(_TABLES_MEMBER)
        if stream is None:
            return None
        names: set[str] = set()
        with stream:
            for line_start, line in self._lines(stream, _TABLES_MEMBER, Deadline(None)):
                name = self._decode(line, _TABLES_MEMBER, line_start).get("name")
                if isinstance(name, str):
                    names.add(name)
        return names

    def _has_table(self, table: str) -> bool:
        if self._listed is not None and table in self._listed:
            return True
        name = self._root + f"{table}/documents.jsonl"
        if self._zip is not None:
            try:
                self._zip.getinfo(name)
            except KeyError:
                return False
            return True
        return (self.path / name).exists()

    def _table_member(self, table: str, member: str) -> IO[bytes] | None:
        """Open a table's member; None for a table the export does not have at all.

        Raises:
            ContractError: the table is listed in ``_tables/documents.jsonl`` but its member is
                missing (a damaged or partly copied export is not an empty table).
        """
        stream = self._open_member(member)
        if stream is None and self._listed is not None and table in self._listed:
            raise self._error(f"{member} is missing, but {_TABLES_MEMBER} lists {table}", member)
        if stream is None:
            logger.warning("%s has no %s table: read as empty", self.description, table)
        return stream

    def _single_root(self, roots: list[str], top_tables: list[str]) -> str:
        """Where the export's tables are, when ``_tables/`` is not at the top.

        Args:
            roots: sub-folders holding ``_tables/documents.jsonl``.
            top_tables: names ``<name>`` of top-level ``<name>/documents.jsonl`` members (a
                hand-made export without ``_tables/`` still has these).

        Raises:
            ContractError: no export at all (reading it would report every table as empty: a
                quiet day that never happened), or several side by side.
        """
        if not roots:
            if any(_TABLE_NAME.match(name) for name in top_tables):
                return ""
            raise self._error(
                f"not a Convex snapshot export (no {_TABLES_MEMBER} or <table>/documents.jsonl)"
            )
        if len(roots) > 1:
            raise self._error(
                f"holds {len(roots)} exports ({', '.join(roots)}); point --export at one of them"
            )
        return roots[0]

    def _open_member(self, member: str) -> IO[bytes] | None:
        """Open ``member`` for reading; None when the export has no such member."""
        self._open()
        name = self._root + member
        try:
            if self._zip is not None:
                try:
                    info = self._zip.getinfo(name)
                except KeyError:
                    return None
                return self._zip.open(info)
            file = self.path / name
            if not file.exists() and not file.is_symlink():
                return None
            if not file.is_file():  # a dangling link or a folder is damage, not an empty table
                raise self._error(f"{member}: cannot be opened (not a regular file)", member)
            return file.open("rb")
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError,
                RuntimeError) as exc:  # RuntimeError: an encrypted member
            raise self._error(f"{member}: cannot be opened ({exc})", member) from None

    def _blocks(
        self, stream: IO[bytes], member: str, deadline: Deadline
    ) -> Iterator[tuple[int, bytearray, int]]:
        """Yield ``(byte offset, buffer, end)``: ``buffer[:end]`` holds whole lines.

        Each line in ``buffer[:end]`` ends with ``\\n`` except perhaps the member's last. The
        buffer is reused by the next step (read into in place, which saves a copy and fresh pages
        per chunk), so callers copy what they keep. Line numbers are not counted here (that would
        cost a pass over every byte); :meth:`_line_number` finds one when a message needs it.
        """
        offset = 0
        buf = bytearray(self.chunk_size)
        keep = 0  # bytes of an unfinished line at the start of buf
        while True:
            if deadline.expired():
                raise CallTimeout(
                    one_line(
                        f"{self.description}: deadline exceeded while reading {member} "
                        f"(line {self._line_number(member, offset)})"
                    ),
                    function=member,
                )
            if keep == len(buf):  # a line longer than the buffer: grow it
                buf = buf + bytearray(len(buf))
            try:
                with memoryview(buf) as view:
                    got = stream.readinto(view[keep:])  # type: ignore[attr-defined]
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
                where = self._line_number(member, offset)
                raise self._error(
                    f"{member} line {where}: unreadable ({type(exc).__name__}: {exc})", member
                ) from None
            if not got:
                break
            filled = keep + got
            cut = buf.rfind(b"\n", 0, filled) + 1
            if cut == 0:  # no line ends yet: keep reading
                keep = filled
                continue
            yield offset, buf, cut
            offset += cut
            keep = filled - cut
            buf[:keep] = buf[cut:filled]
        if keep:
            yield offset, buf, keep

    def _line_number(self, member: str, offset: int) -> int:
        """The number of the line starting at byte ``offset`` of ``member`` (for messages only).

        Counted by reading the member again up to ``offset``; a member that cannot be read again
        gives the lines counted so far.
        """
        lines = 1
        stream = self._open_member(member)
        if stream is None:
            return lines
        try:
            with stream:
                left = offset
                while left > 0:
                    data = stream.read(min(left, self.chunk_size))
                    if not data:
                        break
                    lines += data.count(b"\n")
                    left -= len(data)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
            pass
        return lines

    def _lines(
        self, stream: IO[bytes], member: str, deadline: Deadline
    ) -> Iterator[tuple[int, bytes]]:
        """Yield ``(byte offset, line)`` for each non-blank line, white space stripped."""
        for offset, buf, filled in self._blocks(stream, member, deadline):
            start = offset
            for raw in bytes(buf[:filled]).split(b"\n"):
                line_start, start = start, start + len(raw) + 1
                line = raw.strip()
                if line:
                    yield line_start, line

    def _decode(self, line: bytes, member: str, offset: int) -> Document:
        """Decode the line that starts at byte ``offset`` of ``member``."""
        try:
            return decode_line(line)
        except ExportJSONError as exc:
            where = self._line_number(member, offset)
            raise self._error(f"{member} line {where}: {exc}", member) from None

    def _check_table(self, table: str) -> str:
        if not _TABLE_NAME.match(table):
            raise ValueError(f"not a Convex table name: {table!r}")
        return f"{table}/documents.jsonl"

    # -- Source protocol -----------------------------------------------------------------------
    def list_window(
        self, table: str, window: Window, report: TableReport, deadline: Deadline
    ) -> Iterator[list[Document]]:
        """Yield pages of the documents of ``table`` that ``listSince`` would return for ``window``.

        Pages hold up to ``page_size`` documents in file order; at least one page (maybe empty)
        is yielded. A table absent from the export (and from its ``_tables`` listing) is empty,
        with a warning logged.

        Raises:
            ContractError: the export or the member is unreadable, or a line is not export JSON.
            CallTimeout: the deadline passed while reading.
        """
        member = self._check_table(table)
        report.function = member
        report.calls += 1
        stream = self._table_member(table, member)
        if stream is None:
            report.pages += 1
            yield []
            return
        scan = WindowScan(window.since, window.until) if self.chunk_scan else None
        page: list[Document] = []
        pages = 0
        scanned_blocks = blocks = 0
        with stream:
            for offset, buf, filled in self._blocks(stream, member, deadline):
                blocks += 1
                starts = scan.candidates(buf, filled) if scan is not None else None
                if starts is None:
                    self._filter_lines(bytes(buf[:filled]), offset, member, window, page)
                else:
                    scanned_blocks += 1
                    for start in starts:
                        end = buf.find(b"\n", start, filled)
                        line = bytes(buf[start : filled if end == -1 else end]).strip()
                        doc = self._decode(line, member, offset + start)
                        if in_window(doc, window):
                            page.append(doc)
                if len(page) >= self.page_size:
                    while len(page) >= self.page_size:
                        out, page = page[: self.page_size], page[self.page_size :]
                        pages += 1
                        report.pages += 1
                        yield out
        if page or pages == 0:
            report.pages += 1
            yield page
        logger.debug(
            "%s: %s: %d of %d chunks decided by the chunk scan",
            self.description,
            member,
            scanned_blocks,
            blocks,
        )

    def _filter_lines(
        self, block: bytes, offset: int, member: str, window: Window, page: list[Document]
    ) -> None:
        """Append the documents of ``block`` in ``window`` to ``page``, probing line by line."""
        since, until = window.since, window.until
        start = offset
        for raw in block.split(b"\n"):
            line_start, start = start, start + len(raw) + 1
            line = raw.strip()
            if not line:
                continue
            known, stamp = top_level_number(line, b"createdAt")
            if known and stamp is None:
                known, stamp = top_level_number(line, b"_creationTime")
            if known and stamp is not None and not since <= stamp < until:
                continue  # certainly outside the window
            doc = self._decode(line, member, line_start)
            if in_window(doc, window):
                page.append(doc)

    def get_many(
        self, table: str, ids: Sequence[str], report: TableReport, deadline: Deadline
    ) -> list[Document | None]:
        """Return the documents of ``table`` with ``ids``, aligned; None where absent.

        One pass over the member serves every id (it stops early once all are found). An id of
        another table, a malformed id or a deleted document is simply not there: None.

        Raises:
            ContractError: the export or the member is unreadable, or a line is not export JSON.
            CallTimeout: the deadline passed while reading.
        """
        member = self._check_table(table)
        report.function = member
        if not ids:
            return []
        report.calls += 1
        wanted = {i for i in ids if isinstance(i, str)}
        found: dict[str, Document] = {}
        stream = self._table_member(table, member)
        if stream is not None:
            with stream:
                for line_start, line in self._lines(stream, member, deadline):
                    known, doc_id = top_level_string(line, b"_id")
                    if known and (doc_id is None or doc_id not in wanted):
                        continue
                    doc = self._decode(line, member, line_start)
                    key = doc.get("_id")
                    if isinstance(key, str) and key in wanted and key not in found:
                        found[key] = doc
                        if len(found) == len(wanted):
                            break
        report.pages += 1
        result: list[Document | None] = []
        handed_out: set[str] = set()
        for doc_id in ids:
            hit = found.get(doc_id) if isinstance(doc_id, str) else None
            if hit is not None and doc_id in handed_out:
                hit = copy.deepcopy(hit)  # like getMany: a repeated id gets its own object
            if hit is not None:
                handed_out.add(doc_id)
            result.append(hit)
        return result

    def close(self) -> None:
        """Close the ZIP file, if one is open."""
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        self._opened = False

    def __enter__(self) -> ExportSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ExportSource({str(self.path)!r})"
