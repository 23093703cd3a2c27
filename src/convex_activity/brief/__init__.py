"""The daily brief: facts from collected results, rendered as Markdown, HTML or JSON.

``report_command`` (the ``convex-activity report`` click command) is loaded on first access, so
importing this package does not import the CLI.
"""

from __future__ import annotations

from typing import Any

__all__ = ["report_command"]


def __getattr__(name: str) -> Any:
    if name == "report_command":
        from .command import report_command

        return report_command
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
