"""The earlier windows a brief compares against, each with its honest outcome.

A window whose collection raised, or came back incomplete, is kept with that status: its counts
are never read as zero, and averages say how many windows they really cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..window import Window

__all__ = ["WindowRun", "RunStatus"]

RunStatus = Literal["complete", "incomplete", "failed"]


@dataclass(frozen=True, slots=True)
class WindowRun:
    """One collected window: its result dict, or the one-line error that stopped it.

    Attributes:
        window: the window that was collected.
        result: the collector's result dict (``ActivityResult.to_dict()``), or None if the
            collection raised before producing one.
        error: one line saying why there is no result; None when ``result`` is set.
    """

    window: Window
    result: dict[str, Any] | None
    error: str | None = None

    @property
    def status(self) -> RunStatus:
        """``complete`` (every source ok/degraded), ``incomplete`` (a source failed), ``failed``."""
        if self.result is None:
            return "failed"
        return "complete" if self.result.get("complete") is True else "incomplete"

    @property
    def usable(self) -> bool:
        """True when the counts of this window can be compared: the collection was complete."""
        return self.status == "complete"
