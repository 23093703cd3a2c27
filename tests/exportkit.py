"""Build real snapshot-export layouts for tests: ``write_export(path, docs_by_table)``.

Other test modules (collector cases, dev-server seeding) use this; keep the signature stable.
Python ``int`` (or ``convex.ConvexInt64``) is written as Int64, ``float`` as Float64 (NaN/±Inf as
``{"$float"}``), ``bytes`` as ``{"$bytes"}``; keys sorted, one document per line, plus
``README.md``, ``_tables/documents.jsonl`` and ``<table>/generated_schema.jsonl`` (``"uniform"``).
Wrap a string in :class:`RawLine` to write a line verbatim (malformed-input tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from convex_activity.sources.export_json import RawLine, encode_document, export_members
from convex_activity.sources.export_json import write_export as _write_export

__all__ = ["RawLine", "encode_document", "export_members", "write_export"]


def write_export(
    path: str | PathLike[str],
    docs_by_table: Mapping[str, Iterable[dict[str, Any] | RawLine]],
    *,
    as_zip: bool = True,
) -> Path:
    """Write ``docs_by_table`` as an ``npx convex export`` ZIP (or folder) at ``path``.

    Documents are written as given: include ``_id`` and ``_creationTime`` as a real export does.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    return _write_export(path, docs_by_table, as_zip=as_zip)
