"""The live path end to end: the official ``convex`` client (in ProcessCaller's worker) against the
local dev server (``DevServer``, a Node subprocess running this repo's ``convex/`` functions).

What may differ between a live and an export collection of the same data, and nothing else:
``collected_at``, ``source``, and in each ``sources[table]`` the bookkeeping ``function``,
``pages`` and ``calls`` (an export has one member per table; the live path pages through
functions). Every record, every warning, and each table's ``status``, ``count`` and ``error``
must be equal.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from convex_activity.collect import collect_activity
from convex_activity.deadline import Deadline
from convex_activity.devserver import DevServer
from convex_activity.sources.export import ExportSource
from convex_activity.sources.live import LiveSource
from convex_activity.sources.process_caller import ProcessCaller
from convex_activity.window import Window
from live_support import FAKE_KEY, SINCE, UNTIL, dataset, node_ready

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(node_ready() is not None, reason=node_ready() or ""),
]

WINDOW = Window(since=SINCE, until=UNTIL)
BOOKKEEPING = ("function", "pages", "calls")
READ_LIMIT = "Too many documents read in a single function execution (limit: 32000)."


@pytest.fixture(scope="module")
def seed_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from exportkit import write_export

    return write_export(tmp_path_factory.mktemp("seed") / "seed.zip", dataset())


@pytest.fixture(scope="module")
def server(seed_zip: Path) -> Iterator[DevServer]:
    with DevServer(seed_zip) as running:
        yield running


@pytest.fixture(scope="module")
def export_result(seed_zip: Path) -> dict[str, Any]:
    return collect_activity(ExportSource(seed_zip), WINDOW).to_dict()


def live(url: str, seconds: float = 20.0, key: str | None = None) -> tuple[dict[str, Any], float]:
    """One live collection with 3 documents per page; returns the result and its wall time."""
    caller = ProcessCaller(url, key)
    source = LiveSource(caller, page_size=3, call_timeout=30.0, description=f"live {url}")
    started = time.monotonic()
    try:
        result = collect_activity(source, WINDOW, deadline=Deadline(seconds)).to_dict()
    finally:
        source.close()
    assert caller.starts == 1  # one worker for the whole collection
    return result, time.monotonic() - started


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    """The result without the fields a live and an export run may legitimately differ in."""
    out = {k: v for k, v in result.items() if k not in ("collected_at", "source", "sources")}
    out["sources"] = {
        table: {k: v for k, v in report.items() if k not in BOOKKEEPING}
        for table, report in result["sources"].items()
    }
    return out


def statuses(result: dict[str, Any]) -> dict[str, tuple[str, str | None, int, int, int]]:
    return {
        t: (r["status"], r["function"], r["pages"], r["calls"], r["count"])
        for t, r in result["sources"].items()
    }


CLEAN = {
    "crimeReports": ("ok", "crimeReports:listSince", 5, 5, 13),
    "tips": ("ok", "tips:listSince", 1, 1, 1),
    "criminals": ("ok", "criminals:getMany", 1, 1, 1),
    "persons": ("ok", "persons:getMany", 1, 1, 1),
    "locations": ("ok", "locations:getMany", 1, 1, 1),
}


def test_live_equals_export(dev: DevServer, export_result: dict[str, Any]) -> None:
    result, _ = live(dev.url)
    assert comparable(result) == comparable(export_result)
    assert result["complete"] is True
    assert statuses(result) == CLEAN
    ids = [r["id"] for r in result["incidents"]]
    assert ids == [f"rep_{k:02d}" for k in range(8)] + [
        "rep_int", "rep_nocreated", "rep_crim", "rep_gone", "rep_wrongtable"
    ]
    assert [w["code"] for w in result["warnings"]] == [
        "created_at_missing", "reference_unresolved", "reference_unresolved"
    ]
    # The wrong-table id (a persons id in criminalId) came back null inside a batch that also
    # resolved crm_1: one getMany call for both.
    assert result["warnings"][2]["id"] == "per_1"
    assert [c["id"] for c in result["criminals"]] == ["crm_1"]
    assert dev.stats()["functions"]["criminals:getMany"]["calls"] == 1
    text = repr(result)
    for personal in ("usr_1", "hunter2", "kg2abc", "kg2storage", "https://x/h.png"):
        assert personal not in text


def test_connection_drop_mid_pagination_equals_clean_run(
    dev: DevServer, export_result: dict[str, Any]
) -> None:
    # Client messages: Connect, then Add/Remove per query; the 6th is the Add of page 3.
    dev.set_faults(drop_after=6)
    result, _ = live(dev.url)
    assert comparable(result) == comparable(export_result)
    assert statuses(result) == CLEAN
    assert dev.stats()["connections"] == 2  # the drop happened and the client reconnected


def test_read_limit_on_one_page_fails_the_table_without_retry(dev: DevServer) -> None:
    dev.set_faults(fail=[{"function": "crimeReports:listSince", "message": READ_LIMIT, "call": 2}])
    result, _ = live(dev.url)
    assert result["complete"] is False
    report = result["sources"]["crimeReports"]
    assert (report["status"], report["pages"], report["calls"]) == ("failed", 1, 2)
    assert report["error"] == f"crimeReports:listSince failed: {READ_LIMIT} (at {dev.url})"
    assert dev.stats()["functions"]["crimeReports:listSince"]["calls"] == 2  # never retried
    assert result["sources"]["tips"]["status"] == "ok"


def test_stalled_function_fails_within_the_deadline(dev: DevServer) -> None:
    dev.set_faults(stall="tips:listSince")
    result, elapsed = live(dev.url, seconds=3.0)
    assert elapsed < 3.0 + 2.0
    assert result["complete"] is False
    tips = result["sources"]["tips"]
    assert (tips["status"], tips["function"]) == ("failed", "tips:listSince")
    assert tips["error"].startswith(f"tips:listSince on {dev.url} did not answer within ")
    assert result["sources"]["crimeReports"]["status"] == "ok"
    assert len(result["incidents"]) == 13


def test_stalled_collection_ends_within_the_deadline_from_a_worker_thread(
    dev: DevServer,
) -> None:
    """A web backend calls the library from a worker thread: the deadline still holds there."""
    dev.set_faults(stall="tips:listSince")
    outcome: list[tuple[dict[str, Any], float]] = []
    thread = threading.Thread(target=lambda: outcome.append(live(dev.url, seconds=3.0)))
    thread.start()
    thread.join(3.0 + 2.0 + 5.0)
    assert not thread.is_alive()
    result, elapsed = outcome[0]
    assert elapsed < 3.0 + 2.0
    assert result["complete"] is False
    assert result["sources"]["tips"]["status"] == "failed"
    assert result["sources"]["tips"]["error"].startswith(
        f"tips:listSince on {dev.url} did not answer within ")
    assert (result["sources"]["crimeReports"]["status"], len(result["incidents"])) == ("ok", 13)


def test_tips_functions_missing(dev: DevServer) -> None:
    dev.set_faults(missing=["tips:listSince", "tips:list"])
    result, _ = live(dev.url)
    assert result["complete"] is False
    tips = result["sources"]["tips"]
    assert (tips["status"], tips["function"], tips["count"]) == (
        "missing_function", "tips:listSince", 0
    )
    assert tips["error"] == "neither tips:listSince nor tips:list is deployed"
    assert result["tips"] == []
    assert result["sources"]["crimeReports"]["status"] == "ok"


def test_original_functions_only_is_degraded_and_correct(
    dev: DevServer, export_result: dict[str, Any]
) -> None:
    dev.set_faults(original_only=True)
    result, _ = live(dev.url)
    st = statuses(result)
    assert st["crimeReports"] == ("degraded", "crimeReports:list", 1, 2, 13)
    assert st["tips"] == ("degraded", "tips:list", 1, 2, 1)
    assert st["criminals"] == ("degraded", "criminals:get", 3, 4, 1)
    # The original app has no way to read persons or locations by id.
    assert st["persons"][0] == st["locations"][0] == "missing_function"
    assert result["complete"] is False
    for key in ("incidents", "criminals"):
        assert result[key] == export_result[key]
    assert [t["id"] for t in result["tips"]] == ["tip_1"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_absent_server_fails_like_a_timeout_within_the_deadline() -> None:
    """E18 case C: the real client against a closed local port."""
    url = f"http://127.0.0.1:{_closed_port()}"
    result, elapsed = live(url, seconds=2.0)
    assert elapsed < 2.0 + 2.0
    assert result["complete"] is False
    report = result["sources"]["crimeReports"]
    assert (report["status"], report["function"]) == ("failed", "crimeReports:listSince")
    assert url in report["error"]
    assert result["incidents"] == []


def test_deploy_key_is_sent_as_admin_auth_and_never_output(dev: DevServer) -> None:
    result, _ = live(dev.url, key=FAKE_KEY)
    assert result["complete"] is True
    assert dev.stats()["authentications"] == 1
    assert FAKE_KEY not in repr(result)
