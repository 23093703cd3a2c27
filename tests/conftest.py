"""Shared fixtures: the cases' clock and window, fakes, strict JSON checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from convex_activity.redact import forget_secrets
from convex_activity.result import ActivityResult
from convex_activity.window import Window

#: 2026-03-08T09:30:00-05:00 (America/Chicago, just after DST started).
NOW = datetime(2026, 3, 8, 14, 30, tzinfo=UTC)
NOW_MS = 1772980200000
W24 = Window.last_hours(24, NOW)


def _no_constants(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def strict_loads(text: str | bytes) -> Any:
    """Parse JSON refusing NaN/Infinity tokens."""
    return json.loads(text, parse_constant=_no_constants)


def check_output(result: ActivityResult) -> dict[str, Any]:
    """The checks every case makes; returns the parsed output."""
    text = result.to_json()
    data = strict_loads(text)
    assert "usr_7" not in text
    for key in ("incidents", "tips", "criminals", "persons", "locations"):
        for record in data[key]:
            stamp = record["timestamp"]
            assert stamp is None or type(stamp) is int
            iso = record["timestamp_iso"]
            if iso is not None:
                assert len(iso) == 24 and iso.endswith("Z")
    assert type(data["window"]["since"]) is int and type(data["window"]["until"]) is int
    return data


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: Any) -> Iterator[None]:
    """No test reads the developer's environment or .env."""
    for name in (
        "CONVEX_DEPLOYMENT_URL",
        "CONVEX_DEPLOY_KEY",
        "CONVEX_ACTIVITY_TIMEZONE",
        "CONVEX_ACTIVITY_PAGE_SIZE",
        "CONVEX_ACTIVITY_TIMEOUT",
        "CONVEX_ACTIVITY_CALL_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    yield
    forget_secrets()


@pytest.fixture
def dev(server: Any) -> Any:
    """The test module's own ``server`` (a running DevServer) with no faults and zeroed stats."""
    server.set_faults()
    server.reset_stats()
    return server
