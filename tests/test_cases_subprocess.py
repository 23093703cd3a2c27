"""Cases that need a fresh interpreter: E03 (TZ set before start) and E04 (-W error)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from conftest import NOW, W24, strict_loads
from convex_activity.collect import collect_24h_activity, collect_activity
from convex_activity.settings import Settings
from convex_activity.window import Window
from fakes import FakeConvex, build_documents

TESTS = Path(__file__).parent

E03_DOCS = {"crimeReports": [
    {"_id": "rep_a", "createdAt": 1772894700000},
    {"_id": "rep_b", "createdAt": 1772893799999},
    {"_id": "rep_f", "createdAt": 1772960700000},
    {"_id": "rep_g", "createdAt": 1772979600000},
    {"_id": "rep_h", "createdAt": 1772982000000},
]}

# Runs in the child: builds W24 from the aware `now` of the cases, collects, prints JSON lines.
CHILD = """
import json, sys
from datetime import datetime
from fakes import FakeConvex, build_documents
from convex_activity.collect import collect_activity
from convex_activity.window import Window, parse_instant
docs = build_documents(json.loads(sys.argv[1]))
fake = FakeConvex(docs)
window = Window.last_hours(24, parse_instant("2026-03-08T09:30:00-05:00"))
result = collect_activity(fake, window)
calls = [c.args for c in fake.calls if c.name.endswith(":listSince")]
offset = datetime.now().astimezone().utcoffset().total_seconds()
print(json.dumps({"calls": calls, "local": offset}))
sys.stdout.write(result.to_json(indent=None) + "\\n")
"""


def run_child(code: str, spec: dict[str, object], *, env: dict[str, str],
              flags: tuple[str, ...] = ()) -> list[str]:
    full_env = {**os.environ, **env, "PYTHONPATH": str(TESTS)}
    done = subprocess.run(
        [sys.executable, *flags, "-c", code, json.dumps(spec)],
        capture_output=True, env=full_env, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout.decode("utf-8").splitlines()


def test_e03_same_window_whatever_the_host_zone() -> None:
    outputs = []
    offsets = set()
    for zone_name in ("UTC", "America/Chicago", "Asia/Kolkata"):
        calls_line, result_line = run_child(CHILD, E03_DOCS, env={"TZ": zone_name})
        info = json.loads(calls_line)
        offsets.add(info["local"])
        for args in info["calls"]:
            assert args["since"] == 1772893800000 and args["until"] == 1772980200000
        data = strict_loads(result_line)
        assert [i["id"] for i in data["incidents"]] == ["rep_a", "rep_f", "rep_g"]
        data.pop("collected_at")
        outputs.append(data)
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(offsets) == 3  # the three runs really had different host zones


def test_e03_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware datetime is required"):
        Window.last_hours(24, datetime(2026, 3, 8, 14, 30))
    with pytest.raises(ValueError, match="timezone-aware datetime is required"):
        collect_24h_activity(settings=Settings(), client=FakeConvex(),
                             now=datetime(2026, 3, 8, 14, 30))


def test_e03_collect_24h_activity_with_frozen_clock() -> None:
    fake = FakeConvex(build_documents(E03_DOCS))
    data = collect_24h_activity(settings=Settings(), client=fake, now=lambda: NOW)
    assert data["window"]["since"] == 1772893800000 and data["window"]["until"] == 1772980200000
    assert [i["id"] for i in data["incidents"]] == ["rep_a", "rep_f", "rep_g"]
    reference = collect_activity(FakeConvex(build_documents(E03_DOCS)), W24).to_dict()
    assert data["incidents"] == reference["incidents"]


def test_e03_collect_24h_activity_reads_the_clock_as_aware_utc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import convex_activity.collect as collect_module

    monkeypatch.setattr(collect_module, "_utcnow", lambda: NOW)
    data = collect_24h_activity(settings=Settings(), client=FakeConvex(build_documents(E03_DOCS)))
    assert (data["window"]["since"], data["window"]["until"]) == (1772893800000, 1772980200000)
    assert [i["id"] for i in data["incidents"]] == ["rep_a", "rep_f", "rep_g"]
    assert data["collected_at"] == "2026-03-08T14:30:00.000Z"


E04_DOCS = {"tips": [
    {"_id": "tip_1", "createdAt": 1772971200000},
    {"_id": "tip_2", "createdAt": 1772971200123},
    {"_id": "tip_3", "createdAt": 1772971259999.9},
]}


def test_e04_no_deprecation_warning_under_w_error() -> None:
    _, result_line = run_child(CHILD, E04_DOCS, env={"TZ": "UTC"},
                               flags=("-W", "error::DeprecationWarning"))
    data = strict_loads(result_line)
    assert [t["timestamp"] for t in data["tips"]] == [1772971200000, 1772971200123, 1772971259999]
    assert [t["timestamp_iso"] for t in data["tips"]] == [
        "2026-03-08T12:00:00.000Z", "2026-03-08T12:00:00.123Z", "2026-03-08T12:00:59.999Z"
    ]
