"""Window: half-open epoch-ms intervals, DST days, naive datetimes refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from conftest import NOW
from convex_activity.errors import WindowError
from convex_activity.window import Window, ms_to_iso, parse_instant


def test_last_24_hours_is_86_400_000_ms_even_on_a_dst_day() -> None:
    window = Window.last_hours(24, NOW)
    assert (window.since, window.until) == (1772893800000, 1772980200000)
    assert window.duration_ms == 86_400_000


def test_chicago_dst_day_is_23_hours() -> None:
    window = Window.local_day(date(2026, 3, 8), "America/Chicago")
    assert window.duration_ms == 23 * 3_600_000
    assert window.since_iso == "2026-03-08T06:00:00.000Z"
    assert window.until_iso == "2026-03-09T05:00:00.000Z"


def test_chicago_fall_back_day_is_25_hours() -> None:
    assert Window.local_day(date(2026, 11, 1), "America/Chicago").duration_ms == 25 * 3_600_000


def test_half_open() -> None:
    window = Window(since=10, until=20)
    assert window.contains(10) and window.contains(19.999) and not window.contains(20)
    assert not window.contains(9.9999)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(WindowError, match="timezone-aware"):
        Window.between(datetime(2026, 3, 7), datetime(2026, 3, 8, tzinfo=UTC))
    with pytest.raises(WindowError, match="timezone-aware"):
        parse_instant("2026-03-08T14:30:00")


def test_offsets_are_equivalent() -> None:
    a = parse_instant("2026-03-08T09:30:00-05:00")
    b = parse_instant("2026-03-08T14:30:00Z")
    c = datetime(2026, 3, 8, 20, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert Window.last_hours(1, a) == Window.last_hours(1, b) == Window.last_hours(1, c)


def test_ms_to_iso_truncates() -> None:
    assert ms_to_iso(1772971259999.9) == "2026-03-08T12:00:59.999Z"
    assert ms_to_iso(0) == "1970-01-01T00:00:00.000Z"
    assert ms_to_iso(1741390200) == "1970-01-21T03:43:10.200Z"


@pytest.mark.parametrize(
    ("ms", "iso"),
    [
        (-6e13, "0068-09-03T13:20:00.000Z"),
        (-62135596800000, "0001-01-01T00:00:00.000Z"),
        (253402300799999, "9999-12-31T23:59:59.999Z"),
    ],
)
def test_ms_to_iso_pads_the_year_to_four_digits(ms: float, iso: str) -> None:
    # strftime("%Y") wrote "68-09-03…" for year 68: not ISO 8601, fromisoformat refused it.
    assert ms_to_iso(ms) == iso
    assert datetime.fromisoformat(iso).timestamp() * 1000 == pytest.approx(ms, abs=1)


def test_empty_window_is_an_error() -> None:
    with pytest.raises(WindowError, match="empty"):
        Window(since=5, until=5)
