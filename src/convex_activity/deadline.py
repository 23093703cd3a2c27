"""A monotonic deadline shared by every call of one collection."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from .errors import CallTimeout

__all__ = ["Deadline"]


class Deadline:
    """The time left for a whole collection.

    Examples::

        Deadline(120)            # 120 s from now
        Deadline(None)           # no limit (tests, library users who bring their own)
        d.call_budget(30)        # seconds the next call may take: min(30, time left)

    Args:
        seconds: total seconds allowed, or None for no limit.
        clock: monotonic clock, injectable for tests.
    """

    def __init__(
        self, seconds: float | None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self.seconds = seconds
        self._end = math.inf if seconds is None else clock() + seconds

    def remaining(self) -> float:
        """Seconds left (``inf`` without a limit, never negative)."""
        return max(0.0, self._end - self._clock())

    def expired(self) -> bool:
        """True once no time is left."""
        return self.remaining() <= 0.0

    def call_budget(self, per_call: float | None) -> float:
        """Seconds the next call may take.

        Raises:
            CallTimeout: the deadline has already passed.
        """
        left = self.remaining()
        if left <= 0.0:
            raise CallTimeout(f"collection deadline of {self.seconds:g} s exceeded")
        return left if per_call is None else min(per_call, left)
