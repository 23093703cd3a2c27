"""Where documents come from: a live deployment, a snapshot export, or the local dev server."""

from .base import Source, TableReport

__all__ = ["Source", "TableReport"]
