"""The time window of a collection: half-open ``[since, until)`` in epoch milliseconds (UTC).

Examples::

    Window(since=1772893800000, until=1772980200000)
    Window.last_hours(24, now=datetime(2026, 3, 8, 14, 30, tzinfo=timezone.utc))
    Window.between(parse_instant("2026-03-07T08:30-06:00"), parse_instant("2026-03-08T09:30-05:00"))
    Window.local_day(date(2026, 3, 8), "America/Chicago")     # 23 hours: DST starts that day

Naive datetimes are refused everywhere: a naive value would be read in the host's zone, and the
same job would collect a different window on another machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import WindowError

__all__ = [
    "HOUR_MS",
    "MAX_MS",
    "MIN_MS",
    "Window",
    "is_representable_ms",
    "ms_to_iso",
    "parse_instant",
    "require_aware",
    "to_ms",
    "zone",
]

HOUR_MS = 3_600_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: First and last epoch millisecond a date-time can show (0001-01-01 .. 9999-12-31, UTC).
MIN_MS = -62_135_596_800_000
MAX_MS = 253_402_300_799_999


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Return ``value`` if it carries a UTC offset.

    Raises:
        WindowError: ``value`` is naive.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise WindowError(
            f"{what} {value.isoformat()} has no UTC offset: a timezone-aware datetime is required"
        )
    return value


def to_ms(value: datetime) -> int:
    """Epoch milliseconds of an aware datetime (exact integer arithmetic, no float rounding)."""
    require_aware(value)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def is_representable_ms(ms: float | int) -> bool:
    """True when ``ms`` is finite and in the years 1-9999, so :func:`ms_to_iso` can show it."""
    return math.isfinite(ms) and MIN_MS <= math.floor(ms) <= MAX_MS


def ms_to_iso(ms: float | int) -> str:
    """Format epoch ms as ``YYYY-MM-DDTHH:MM:SS.sssZ``, truncated (never rounded) to the ms.

    >>> ms_to_iso(1772971259999.9)
    '2026-03-08T12:00:59.999Z'

    Raises:
        ValueError: ``ms`` is not finite or lies outside the years 1-9999.
    """
    if not is_representable_ms(ms):
        raise ValueError(f"{ms!r} ms is not a date-time in the years 1-9999")
    whole = math.floor(ms)
    moment = _EPOCH + timedelta(milliseconds=whole)
    # Not strftime("%Y"): glibc leaves years before 1000 unpadded ("68-09-03"), not ISO 8601.
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.{whole % 1000:03d}Z"
    )


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``.

    Raises:
        WindowError: the zone is unknown.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise WindowError(f"unknown time zone {name!r}") from exc


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant that carries an offset (``Z`` or ``±HH:MM``).

    Raises:
        WindowError: the text is not ISO 8601, or it has no offset.
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise WindowError(f"{text!r} is not an ISO 8601 date-time") from exc
    if value.tzinfo is None or value.utcoffset() is None:
        raise WindowError(
            f"time {text.strip()!r} has no UTC offset: a timezone-aware datetime is required"
        )
    return value


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open interval ``since <= t < until`` of epoch milliseconds.

    Attributes:
        since: first millisecond inside the window.
        until: first millisecond after the window.
    """

    since: int
    until: int

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise WindowError(
                    f"window {name} must be integer epoch milliseconds, got {value!r}"
                )
            if not MIN_MS <= value <= MAX_MS:
                # Nothing could show such a window (ms_to_iso), and no datetime can hold it.
                raise WindowError(f"window {name} ({value}) is outside the years 1-9999")
        if self.until <= self.since:
            raise WindowError(f"window is empty: until ({self.until}) <= since ({self.since})")

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def last_hours(cls, hours: float, now: datetime) -> Window:
        """The ``hours`` (absolute, so a DST day is still 24 h) that end at ``now``."""
        if not hours > 0 or not math.isfinite(hours):
            raise WindowError(f"hours must be a positive number, got {hours!r}")
        until = to_ms(require_aware(now, "now"))
        span = hours * HOUR_MS
        if not math.isfinite(span) or until - span < MIN_MS:
            raise WindowError(f"hours {hours!r} reach before the year 1")
        return cls(since=until - round(span), until=until)

    @classmethod
    def between(cls, since: datetime, until: datetime) -> Window:
        """The window from ``since`` up to (not including) ``until``; both must be aware."""
        return cls(
            since=to_ms(require_aware(since, "since")), until=to_ms(require_aware(until, "until"))
        )

    @classmethod
    def local_day(cls, day: date, tz: str) -> Window:
        """The calendar ``day`` in zone ``tz``: 23, 24 or 25 hours long."""
        zi = zone(tz)
        start = datetime(day.year, day.month, day.day, tzinfo=zi)
        try:
            nxt = day + timedelta(days=1)
        except OverflowError:
            raise WindowError(f"day {day.isoformat()} ends after the year 9999") from None
        end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zi)
        return cls.between(start, end)

    # -- queries ------------------------------------------------------------------------------
    @property
    def duration_ms(self) -> int:
        """Length of the window in milliseconds."""
        return self.until - self.since

    def contains(self, ts: float) -> bool:
        """True when the raw timestamp lies inside; compares the raw float, never a rounded one."""
        return self.since <= ts < self.until

    def shifted(self, windows: int) -> Window:
        """The window ``windows`` lengths earlier (negative) or later (positive)."""
        step = self.duration_ms * windows
        return Window(since=self.since + step, until=self.until + step)

    @property
    def since_iso(self) -> str:
        """``since`` as ``YYYY-MM-DDTHH:MM:SS.sssZ``."""
        return ms_to_iso(self.since)

    @property
    def until_iso(self) -> str:
        """``until`` as ``YYYY-MM-DDTHH:MM:SS.sssZ``."""
        return ms_to_iso(self.until)

    def to_dict(self) -> dict[str, Any]:
        """The window as it appears in the result JSON."""
        return {
            "since": self.since,
            "until": self.until,
            "since_iso": self.since_iso,
            "until_iso": self.until_iso,
        }
