"""Which instant a document belongs to: its ``createdAt``, else ``_creationTime``.

``createdAt`` is the app's own creation time in epoch milliseconds, stored as Float64 (or
Int64 by some writers). The rules, with the warning code each problem becomes:

- finite number → that value, exactly as stored (never rescaled, never rounded);
  below 1e11 ms (before 1973-03-03) it is kept but flagged ``created_at_implausible``,
  because it is most likely seconds written by an old import;
- absent → ``_creationTime`` (``created_at_missing``);
- NaN, ±Infinity, string, boolean, null, anything else → no instant (``created_at_invalid``):
  such a document cannot be placed in any window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from .values import as_number, type_name

__all__ = [
    "IMPLAUSIBLE_BELOW_MS",
    "Instant",
    "TimeProblem",
    "document_instant",
    "reference_instant",
]

#: Millisecond values below this (1973-03-03T09:46:40Z) are almost surely seconds.
IMPLAUSIBLE_BELOW_MS = 100_000_000_000

TimeProblem = Literal["created_at_missing", "created_at_invalid", "created_at_implausible"]


@dataclass(frozen=True, slots=True)
class Instant:
    """The instant of one document.

    Attributes:
        value: epoch ms exactly as stored (``float`` or ``int``), or None when there is none.
        field: the field it came from (``createdAt`` or ``_creationTime``), None without a value.
        problem: a warning code, or None.
        message: what the problem is, in one line (empty without a problem).
    """

    value: float | int | None
    field: str | None
    problem: TimeProblem | None = None
    message: str = ""

    @property
    def ms(self) -> int | None:
        """``floor(value)``: the integer millisecond written to the output."""
        return None if self.value is None else math.floor(self.value)


def _creation_time(doc: dict[str, Any]) -> float | int | None:
    value = as_number(doc.get("_creationTime"))
    if value is None or not math.isfinite(value):
        return None
    return value


def document_instant(doc: dict[str, Any]) -> Instant:
    """The instant a window document (crime report, tip) belongs to.

    Args:
        doc: a raw Convex document.

    Returns:
        The :class:`Instant`; ``value`` is None when the document must be excluded.
    """
    if "createdAt" not in doc:
        fallback = _creation_time(doc)
        if fallback is None:
            return Instant(
                None, None, "created_at_invalid", "no createdAt and no usable _creationTime"
            )
        return Instant(
            fallback,
            "_creationTime",
            "created_at_missing",
            "createdAt is missing; used _creationTime",
        )
    raw = doc["createdAt"]
    number = as_number(raw)
    if number is None or not math.isfinite(number):
        return Instant(
            None,
            None,
            "created_at_invalid",
            f"createdAt is {type_name(raw)} ({raw!r}), not a finite number; document excluded",
        )
    if number < IMPLAUSIBLE_BELOW_MS:
        return Instant(
            number,
            "createdAt",
            "created_at_implausible",
            f"createdAt {number!r} is before 1973-03-03 in milliseconds (seconds?); kept as stored",
        )
    return Instant(number, "createdAt", None)


def reference_instant(doc: dict[str, Any]) -> Instant:
    """The instant shown for a referenced document (criminal, person, location).

    Referenced documents are not checked against the window, so an unusable ``createdAt`` falls
    back to ``_creationTime`` (flagged ``created_at_invalid``) instead of excluding the document.
    """
    found = document_instant(doc)
    if found.value is not None or "createdAt" not in doc:
        return found
    fallback = _creation_time(doc)
    if fallback is None:
        return found
    return Instant(fallback, "_creationTime", "created_at_invalid", found.message.replace(
        "document excluded", "used _creationTime"))
