"""Collect the current window and its trailing windows with one engine, for an honest trend.

The collector itself is passed in (``collect(window) -> result dict``), so the same code serves
the CLI (``collect_activity`` over a live or export source) and tests (a dict per window).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ConvexActivityError
from ..window import Window
from .facts import TRAILING_WINDOWS
from .history import WindowRun

__all__ = ["BriefInputs", "collect_brief_inputs"]

logger = logging.getLogger(__name__)

CollectFn = Callable[[Window], dict[str, Any]]
#: ``progress(done, total, label)``: called before each window and once at the end.
ProgressFn = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class BriefInputs:
    """What a brief is built from.

    Attributes:
        current: the result dict of the requested window.
        history: the earlier windows, previous first; a failed one keeps its error.
    """

    current: dict[str, Any]
    history: list[WindowRun]


def collect_brief_inputs(
    collect: CollectFn,
    window: Window,
    trailing: int = TRAILING_WINDOWS,
    progress: ProgressFn | None = None,
) -> BriefInputs:
    """Collect ``window`` and the ``trailing`` windows before it.

    The current window's errors propagate (there is no brief without it). An earlier window
    that raises a :class:`~convex_activity.errors.ConvexActivityError` is kept as ``failed``
    with its one-line message, so the trend says what is missing instead of counting zero.

    Args:
        collect: collects one window and returns its result dict.
        window: the window the brief is about.
        trailing: how many earlier windows to collect (``window.shifted(-1)`` … ``-trailing``).
        progress: optional callback for a progress display.
    """
    total = trailing + 1
    if progress is not None:
        progress(0, total, f"window {window.since_iso}")
    current = collect(window)
    history: list[WindowRun] = []
    for k in range(1, trailing + 1):
        earlier = window.shifted(-k)
        if progress is not None:
            progress(k, total, f"window {earlier.since_iso}")
        try:
            history.append(WindowRun(earlier, collect(earlier)))
        except ConvexActivityError as exc:
            logger.warning("earlier window %s failed: %s", earlier.since_iso, exc)
            history.append(WindowRun(earlier, None, str(exc) or type(exc).__name__))
    if progress is not None:
        progress(total, total, "done")
    return BriefInputs(current=current, history=history)
