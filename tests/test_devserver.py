"""The local Convex dev server, exercised through the official ``convex.ConvexClient``.

The server runs in a subprocess (the client holds the GIL while it waits); pytest-timeout guards
against the client's hang modes. Skipped when ``node_modules`` is absent (run ``npm ci``).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from convex import ConvexClient, ConvexInt64

from convex_activity.devserver import DevServer, DevServerError, dev_server_command, repo_root
from convex_activity.errors import ConfigError

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (repo_root() / "node_modules" / ".bin" / "tsx").exists(),
        reason="node_modules absent: run `npm ci` to test the dev server",
    ),
]

CRIM_A = "jh7criminalaaaaaaaaaaaaaaaaaaaa1"
CRIM_B = "jh7criminalbbbbbbbbbbbbbbbbbbbb2"
CRIM_GONE = "jh7criminaldeleteddddddddddddd3"  # referenced, absent from the export
PERSON = "kd2personaaaaaaaaaaaaaaaaaaaaaa1"
PLACE = "m57locationaaaaaaaaaaaaaaaaaaaa1"
WINDOW = {"since": 1_700_000_000_000.0, "until": 1_700_100_000_000.0}
MISSING = (
    "Could not find public function for '{}'. "
    "Did you forget to run `npx convex dev` or `npx convex deploy`?"
)


def _report(i: int, created_at: float, criminal: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": f"kx9report{i:023d}",
        # Creation order differs from createdAt order on purpose.
        "_creationTime": 1_699_000_000_000.125 + (7 - i) * 1000.5,
        "reportType": "existing_criminal" if criminal else "new_crime",
        "description": f"report {i}",
        "offenseType": "THEFT",
        "cityState": "Washington, DC",
        "status": "active",
        "schoolRelated": False,
        "wantedFugitive": False,
        "drugsInvolved": False,
        "abuseInvolved": False,
        "weaponsInvolved": False,
        "fileUploads": [],
        "fileDescriptions": [],
        "createdAt": created_at,
        "count": i,  # a Python int: written as Int64
    }
    if criminal:
        doc["criminalId"] = criminal
    return doc


REPORTS = [
    _report(1, 1_700_000_001_000.0, CRIM_A),
    _report(2, 1_700_000_005_000.0, CRIM_GONE),
    _report(3, 1_700_000_003_000.0, None),
    _report(4, 1_700_000_002_000.0, CRIM_B),
    _report(5, 1_700_000_004_000.0, CRIM_A),
    _report(6, 1_600_000_000_000.0, CRIM_A),  # before the window
]
IN_WINDOW = sorted(
    (r for r in REPORTS if r["createdAt"] >= WINDOW["since"]), key=lambda r: r["createdAt"]
)
DOCS: dict[str, list[dict[str, Any]]] = {
    "criminals": [
        {
            "_id": CRIM_A,
            "_creationTime": 1_690_000_000_000.5,
            "name": "Alice",
            "primaryCrime": "theft",
            "status": "wanted",
        },
        {
            "_id": CRIM_B,
            "_creationTime": 1_690_000_000_100.75,
            "name": "Bob",
            "primaryCrime": "fraud",
            "status": "caught",
        },
    ],
    "persons": [
        {
            "_id": PERSON,
            "_creationTime": 1_690_000_000_050.0,
            "name": "Pat",
            "location": {"frequents": [PLACE]},
            "updatedAt": 1.0,
        }
    ],
    "locations": [
        {
            "_id": PLACE,
            "_creationTime": 1_690_000_000_010.0,
            "coordinates": {"lat": 38.9, "lng": -77.0},
        }
    ],
    "crimeReports": REPORTS,
}


def _encode(value: Any) -> str:
    """Export JSON: ints bare (Int64), floats with a decimal point (Float64)."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return json.dumps(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    return "{" + ",".join(f"{json.dumps(k)}:{_encode(value[k])}" for k in sorted(value)) + "}"


def write_zip(path: Path, docs: dict[str, list[dict[str, Any]]]) -> Path:
    """A minimal ``npx convex export`` ZIP."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("README.md", "export\n")
        z.writestr(
            "_tables/documents.jsonl",
            "".join(json.dumps({"name": t, "id": 10001 + i}) + "\n" for i, t in enumerate(docs)),
        )
        for table, rows in docs.items():
            z.writestr(f"{table}/documents.jsonl", "".join(_encode(d) + "\n" for d in rows))
            z.writestr(f"{table}/generated_schema.jsonl", '"uniform"\n')
    return path


@pytest.fixture(scope="module")
def seed_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_zip(tmp_path_factory.mktemp("seed") / "export.zip", DOCS)


@pytest.fixture(scope="module")
def server(seed_zip: Path) -> Iterator[DevServer]:
    with DevServer(seed_zip) as s:
        yield s


def list_all(client: ConvexClient, num: int = 2) -> tuple[list[dict[str, Any]], int]:
    docs: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        page = client.query(
            "crimeReports:listSince",
            {**WINDOW, "paginationOpts": {"numItems": num, "cursor": cursor}},
        )
        pages += 1
        docs += page["page"]
        if page["isDone"]:
            return docs, pages
        cursor = page["continueCursor"]


def test_list_since_keeps_export_ids_and_creation_times(dev: DevServer) -> None:
    docs, pages = list_all(ConvexClient(dev.url))
    assert [d["_id"] for d in docs] == [r["_id"] for r in IN_WINDOW]
    assert [d["_creationTime"] for d in docs] == [r["_creationTime"] for r in IN_WINDOW]
    assert pages >= 3
    stats = dev.stats()["functions"]["crimeReports:listSince"]
    assert (stats["calls"], stats["documents"], stats["errors"]) == (pages, 5, 0)
    assert stats["bytes"] > 0


def test_references_and_int64_come_back_as_exported(dev: DevServer) -> None:
    docs, _ = list_all(ConvexClient(dev.url), num=10)
    by_id = {d["_id"]: d for d in docs}
    assert by_id["kx9report00000000000000000000001"]["criminalId"] == CRIM_A
    assert by_id["kx9report00000000000000000000002"]["criminalId"] == CRIM_GONE
    assert "criminalId" not in by_id["kx9report00000000000000000000003"]
    count = by_id["kx9report00000000000000000000004"]["count"]
    assert isinstance(count, ConvexInt64) and count.value == 4
    assert by_id["kx9report00000000000000000000004"]["createdAt"] == 1_700_000_002_000.0


def test_get_many_resolves_export_ids(dev: DevServer) -> None:
    client = ConvexClient(dev.url)
    got = client.query("criminals:getMany", {"ids": [CRIM_B, CRIM_GONE, PERSON, CRIM_A, "bad"]})
    assert [g and g["_id"] for g in got] == [CRIM_B, None, None, CRIM_A, None]
    assert got[0]["name"] == "Bob" and got[0]["_creationTime"] == 1_690_000_000_100.75
    persons = client.query("persons:getMany", {"ids": [PERSON]})
    assert persons[0]["location"] == {"frequents": [PLACE]}
    stats = dev.stats()["functions"]
    assert stats["criminals:getMany"]["documents"] == 5  # array length, nulls included
    assert stats["persons:getMany"]["calls"] == 1


def test_missing_function_message(dev: DevServer) -> None:
    with pytest.raises(Exception) as e:
        ConvexClient(dev.url).query("tips.js:nope", {})
    assert str(e.value) == MISSING.format("tips:nope")


def test_fault_missing_list(dev: DevServer) -> None:
    dev.set_faults(missing=["crimeReports:listSince"])
    with pytest.raises(Exception) as e:
        list_all(ConvexClient(dev.url))
    assert str(e.value) == MISSING.format("crimeReports:listSince")
    assert dev.stats()["functions"]["crimeReports:listSince"]["errors"] == 1


def test_fault_fail_kth_call(dev: DevServer) -> None:
    dev.set_faults(
        fail=[{"function": "crimeReports:listSince", "message": "Too many reads", "call": 2}]
    )
    client = ConvexClient(dev.url)
    first = client.query(
        "crimeReports:listSince", {**WINDOW, "paginationOpts": {"numItems": 2, "cursor": None}}
    )
    assert [d["_id"] for d in first["page"]] == [r["_id"] for r in IN_WINDOW[:2]]
    with pytest.raises(Exception) as e:
        client.query(
            "crimeReports:listSince",
            {**WINDOW, "paginationOpts": {"numItems": 2, "cursor": first["continueCursor"]}},
        )
    assert str(e.value) == "Too many reads"
    stats = dev.stats()["functions"]["crimeReports:listSince"]
    assert (stats["calls"], stats["documents"], stats["errors"]) == (2, 2, 1)


def test_fault_original_only(dev: DevServer) -> None:
    dev.set_faults(original_only=True)
    client = ConvexClient(dev.url)
    with pytest.raises(Exception) as e:
        client.query("criminals:getMany", {"ids": []})
    assert str(e.value) == MISSING.format("criminals:getMany")
    listed = client.query("crimeReports:list", {})
    assert [d["_id"] for d in listed] == [
        r["_id"] for r in sorted(REPORTS, key=lambda r: -r["createdAt"])
    ]
    assert client.query("criminals:get", {"id": CRIM_A})["name"] == "Alice"


def test_fault_latency_applies_to_each_message(dev: DevServer) -> None:
    dev.set_faults(latency_ms=400)
    client = ConvexClient(dev.url)
    start = time.monotonic()
    client.query("criminals:getMany", {"ids": [CRIM_A]})
    # Connect + ModifyQuerySet in, Transition out: at least two delays on the path.
    assert time.monotonic() - start >= 0.8


def test_fault_latency_is_pipelined_not_queued(dev: DevServer) -> None:
    """Each message is delayed N ms in its direction; queued messages do not add up delays.

    A query is one ModifyQuerySet in and one Transition out: at least 2N. The client also sends a
    Remove after each answer; with queued delays the next query's Add would wait behind it (and
    its Transition behind the QueryRemoved), about 3N to 4N a query. Upper bounds are generous
    and only guard the mechanism; bench/run.py measures.
    """
    latency = 0.2
    client = ConvexClient(dev.url)
    client.query("criminals:getMany", {"ids": []})  # connect before the latency applies
    dev.set_faults(latency_ms=int(latency * 1000))
    start = time.monotonic()
    assert client.query("criminals:get", {"id": CRIM_A})["name"] == "Alice"
    single = time.monotonic() - start
    assert 2 * latency <= single < 3 * latency
    start = time.monotonic()
    names = [client.query("criminals:get", {"id": CRIM_B})["name"] for _ in range(5)]
    five = time.monotonic() - start
    assert names == ["Bob"] * 5
    assert 5 * 2 * latency <= five < 5 * 2.5 * latency


def test_fault_drop_after_reconnects_transparently(dev: DevServer) -> None:
    dev.set_faults(drop_after=2)  # a new client's Connect is 1, its first query 2
    docs, _ = list_all(ConvexClient(dev.url))
    assert [d["_id"] for d in docs] == [r["_id"] for r in IN_WINDOW]
    assert dev.stats()["connections"] == 2


def _http_query(url: str, body: dict[str, Any], timeout: float = 10) -> dict[str, Any]:
    req = urllib.request.Request(
        url + "/api/query",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        result: dict[str, Any] = json.loads(resp.read())
        return result


def test_fault_stall_never_answers_that_function(dev: DevServer) -> None:
    dev.set_faults(stall="criminals:getMany")
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        _http_query(dev.url, {"path": "criminals:getMany", "args": {"ids": []}}, timeout=1.5)
    ok = _http_query(dev.url, {"path": "criminals:get", "args": {"id": CRIM_B}})
    assert ok["value"]["name"] == "Bob"
    assert dev.stats()["functions"]["criminals:getMany"]["calls"] == 1


def test_http_query_formats(dev: DevServer) -> None:
    args = {"ids": [CRIM_A, CRIM_GONE]}
    enc = _http_query(
        dev.url, {"path": "criminals:getMany", "args": args, "format": "convex_encoded_json"}
    )
    assert enc["status"] == "success"
    assert [d and d["_id"] for d in enc["value"]] == [CRIM_A, None]
    page = _http_query(
        dev.url,
        {
            "path": "crimeReports:listSince",
            "format": "json",
            "args": {**WINDOW, "paginationOpts": {"numItems": 1, "cursor": None}},
        },
    )
    assert page["value"]["page"][0]["count"] == "1"  # clean JSON: Int64 as a string
    err = _http_query(dev.url, {"path": "nope:x", "args": {}})
    assert err == {"status": "error", "errorMessage": MISSING.format("nope:x")}


def test_admin_auth_is_accepted_and_counted(dev: DevServer) -> None:
    client = ConvexClient(dev.url)
    client.set_admin_auth("prod:secret-deploy-key")
    assert client.query("criminals:get", {"id": CRIM_A})["name"] == "Alice"
    assert dev.stats()["authentications"] == 1


def test_sigterm_exits_zero_after_ready(seed_zip: Path) -> None:
    server = DevServer(seed_zip)
    proc = subprocess.Popen(
        server.command(),
        cwd=repo_root(),
        stdin=subprocess.PIPE,  # the --lifeline the command line carries
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert re.fullmatch(r"READY http://127\.0\.0\.1:[1-9]\d*\n", line)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None and proc.stdin is not None
        proc.stdout.close()
        proc.stdin.close()


def test_server_exits_when_its_launcher_is_killed(seed_zip: Path) -> None:
    launcher = (
        "import sys, time\n"
        "from convex_activity.devserver import DevServer\n"
        "server = DevServer(sys.argv[1]).start()\n"
        "print(server.url, flush=True)\n"
        "time.sleep(120)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", launcher, str(seed_zip)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:")
    proc.kill()  # no chance to stop the server politely
    proc.wait()
    proc.stdout.close()
    gone_by = time.monotonic() + 10
    while time.monotonic() < gone_by:
        try:
            urllib.request.urlopen(f"{url}/_dev/stats", timeout=1).close()
        except (urllib.error.URLError, ConnectionError):
            return  # the server noticed its lifeline close and exited
        time.sleep(0.2)
    pytest.fail(f"dev server at {url} still answers 10 s after its launcher was killed")


def test_python_command_prints_ready_and_stops_on_sigint(seed_zip: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "convex_activity.devserver",
            "--seed",
            str(seed_zip),
            "--original-only",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert re.fullmatch(r"READY http://127\.0\.0\.1:[1-9]\d*\n", line)
        url = line.split()[1]
        err = _http_query(url, {"path": "tips:listSince", "args": {}})
        assert err["errorMessage"] == MISSING.format("tips:listSince")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


def test_without_node_modules_says_npm_ci(seed_zip: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"run `npm ci` in "):
        DevServer(seed_zip, root=tmp_path).start()


def test_unreadable_seed_fails_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DevServerError) as e:
        DevServer(bad, start_timeout=60).start()
    assert str(e.value).startswith("dev server did not start (dev-server: error: ")
    assert "\n" not in str(e.value)


def test_fail_flag_with_a_non_numeric_call_is_a_usage_error(tmp_path: Path) -> None:
    seed = tmp_path / "seed.zip"
    seed.write_bytes(b"")  # never read: the flag is refused first
    result = CliRunner().invoke(dev_server_command, ["--seed", str(seed), "--fail", "f@x=msg"])
    assert result.exit_code == 2
    assert "K in FUNCTION@K=MESSAGE must be a number, got 'f@x=msg'" in result.stderr
