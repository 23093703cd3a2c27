"""The command lines as a user runs them: ``convex-activity collect`` and ``check`` as
subprocesses against the local dev server, with exit codes, time bounds and key hygiene."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from convex_activity.devserver import DevServer
from live_support import DAY, FAKE_KEY, TZ, dataset, node_ready

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(node_ready() is not None, reason=node_ready() or ""),
]

BIN = Path(sys.executable).parent
COLLECT = [str(BIN / "convex-activity"), "collect", "--day", DAY, "--tz", TZ]
CHECK = [sys.executable, "-m", "convex_activity", "check", "--now", "2019-09-15T00:00:00-04:00"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    from exportkit import write_export

    seed = write_export(tmp_path_factory.mktemp("seed") / "seed.zip", dataset())
    with DevServer(seed) as running:
        yield running


def env_for(url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVEX")}
    if url is not None:
        env["CONVEX_DEPLOYMENT_URL"] = url
    env["CONVEX_ACTIVITY_PAGE_SIZE"] = "3"
    env.update(extra)
    return env


def run(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> tuple[
    subprocess.CompletedProcess[str], float
]:
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return proc, time.monotonic() - started


def read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_bytes())
    return data


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_collect_against_dev_server(dev: DevServer, tmp_path: Path) -> None:
    """E19 first run: exits 0 on its own, well under 10 s; the key never leaks."""
    out = tmp_path / "activity.json"
    proc, elapsed = run(COLLECT + ["--out", str(out)],
                        env_for(dev.url, CONVEX_DEPLOY_KEY=FAKE_KEY), tmp_path, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 10
    result = read(out)
    assert result["complete"] is True
    assert result["source"] == f"live {dev.url}"
    assert [result["sources"][t]["count"] for t in result["sources"]] == [13, 1, 1, 1, 1]
    assert result["sources"]["crimeReports"]["pages"] == 5
    assert dev.stats()["authentications"] == 1
    for text in (proc.stdout, proc.stderr, out.read_text()):
        assert FAKE_KEY not in text
        assert "FAKEKEY" not in text


def test_collect_to_stdout_is_the_result(dev: DevServer, tmp_path: Path) -> None:
    proc, _ = run(COLLECT, env_for(dev.url), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["complete"] is True
    assert proc.stderr == ""


def test_stalled_deployment_exits_1_within_deadline(dev: DevServer, tmp_path: Path) -> None:
    dev.set_faults(stall="tips:listSince")
    out = tmp_path / "activity.json"
    proc, elapsed = run(COLLECT + ["--timeout", "3", "--out", str(out)], env_for(dev.url),
                        tmp_path)
    assert proc.returncode == 1
    # Deadline + 2 s, plus the interpreter's own start-up before the deadline starts counting.
    assert elapsed < 3 + 2 + 1
    assert read(out)["complete"] is False
    naming = [ln for ln in proc.stderr.splitlines() if dev.url in ln and "tips:listSince" in ln]
    assert len(naming) == 1
    assert naming[0].startswith(
        f"incomplete: tips failed: tips:listSince on {dev.url} did not answer within ")


def test_absent_deployment_exits_1_within_deadline(tmp_path: Path) -> None:
    """E18 case C through the CLI: a closed local port."""
    url = f"http://127.0.0.1:{_closed_port()}"
    out = tmp_path / "activity.json"
    proc, elapsed = run(COLLECT + ["--timeout", "2", "--out", str(out)], env_for(url), tmp_path)
    assert proc.returncode == 1
    assert elapsed < 2 + 2 + 1
    assert read(out)["complete"] is False
    # The client either fails at once ("channel closed", then a retry that hangs) or hangs from
    # the start: either way one line per table, naming the function and the deployment.
    incomplete = [ln for ln in proc.stderr.splitlines() if ln.startswith("incomplete:")]
    assert len(incomplete) == 2, proc.stderr
    assert incomplete[0].startswith(
        f"incomplete: crimeReports failed: crimeReports:listSince on {url} did not answer within ")
    assert incomplete[1] == (
        "incomplete: tips failed: tips:listSince was not called: collection deadline of 2 s "
        f"exceeded (live {url})")


def test_sigint_ends_a_stalled_collection(dev: DevServer, tmp_path: Path) -> None:
    """E19 second run: SIGINT after 1 s ends the process within ~2 s, non-zero.

    The signal is sent only once the stalled ``tips:listSince`` call has reached the server (and
    at least 1 s after the start), so it is the blocked call that the signal has to end.
    """
    dev.set_faults(stall="tips:listSince")
    out = tmp_path / "activity.json"
    started = time.monotonic()
    with subprocess.Popen(COLLECT + ["--out", str(out)], env=env_for(dev.url), cwd=tmp_path,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        while dev.stats()["functions"].get("tips:listSince", {}).get("calls", 0) == 0:
            assert time.monotonic() - started < 20, "tips:listSince was never called"
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)) + 0.2)
        assert proc.poll() is None  # still blocked in the stalled call
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
        elapsed = time.monotonic() - sent
    assert elapsed < 2.0
    assert proc.returncode != 0
    if out.exists():
        assert read(out)["complete"] is False


def test_tips_functions_missing_exits_1(dev: DevServer, tmp_path: Path) -> None:
    """The origin's bug (tips:list never deployed) ends incomplete, never as zero tips."""
    dev.set_faults(missing=["tips:listSince", "tips:list"])
    out = tmp_path / "activity.json"
    proc, _ = run(COLLECT + ["--out", str(out)], env_for(dev.url), tmp_path)
    assert proc.returncode == 1
    result = read(out)
    assert result["complete"] is False
    assert result["sources"]["tips"] == {
        "status": "missing_function", "count": 0, "function": "tips:listSince", "pages": 0,
        "calls": 2, "error": "neither tips:listSince nor tips:list is deployed"}
    assert result["sources"]["crimeReports"]["status"] == "ok"
    assert len(result["incidents"]) == 13
    assert proc.stderr.splitlines()[-1] == (
        "incomplete: tips missing_function: neither tips:listSince nor tips:list is deployed")


@pytest.mark.parametrize(
    ("url", "line"),
    [(None, "Error: CONVEX_DEPLOYMENT_URL is not configured: set it to your deployment URL "
            "(https://<name>.convex.cloud) in the environment or .env"),
     ("http://example.com", "Error: CONVEX_DEPLOYMENT_URL must use https:// for a remote host "
                            "(http:// is allowed only for a loopback host: localhost, "
                            "127.0.0.0/8, [::1]), got 'http://example.com'")],
)
def test_config_errors_exit_2(tmp_path: Path, url: str | None, line: str) -> None:
    for cmd in (COLLECT, CHECK):
        proc, _ = run(cmd, env_for(url), tmp_path)
        assert proc.returncode == 2, (cmd, proc.stderr)
        assert proc.stderr.splitlines() == [line]  # the same one line from every command
        assert proc.stdout == ""


def test_check_ready(dev: DevServer, tmp_path: Path) -> None:
    proc, _ = run(CHECK, env_for(dev.url, CONVEX_DEPLOY_KEY=FAKE_KEY), tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"deployment: {dev.url}"
    assert "  indexed  tips:listSince           deployed" in lines
    assert "  original criminals:get            deployed" in lines
    assert "  crimeReports      13  ok (crimeReports:listSince)" in lines
    assert lines[-1] == "ready"
    assert FAKE_KEY not in proc.stdout + proc.stderr


def test_check_missing_tips_functions(dev: DevServer, tmp_path: Path) -> None:
    dev.set_faults(missing=["tips:listSince", "tips:list"])
    proc, _ = run(CHECK, env_for(dev.url), tmp_path)
    assert proc.returncode == 1
    assert "  indexed  tips:listSince           missing" in proc.stdout.splitlines()
    assert "  original tips:list                missing" in proc.stdout.splitlines()
    assert "  tips               0  missing_function (tips:listSince)" in proc.stdout.splitlines()
    assert "not ready: indexed functions missing: tips:listSince" in proc.stderr
    assert proc.stdout.splitlines()[-1] == "not ready"


def test_check_absent_deployment_exits_1(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    proc, elapsed = run(CHECK + ["--timeout", "2"], env_for(url), tmp_path)
    assert proc.returncode == 1
    assert elapsed < 2 + 2 + 1
    assert url in proc.stderr


def test_no_stray_processes_left(dev: DevServer) -> None:
    """Guard: the collections above left no Convex worker running under this test process."""
    me = str(os.getpid())
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split()
            cmd = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if fields[3] == me and fields[2] != "Z" and b"_convex_worker" in cmd:
            workers.append(stat.parent.name)
    assert workers == []
