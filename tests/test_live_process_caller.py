"""ProcessCaller: the real ``convex`` client in a worker process, against a tiny sync server.

The tiny server (tests/live_tiny_server.py, a subprocess) answers named probe functions and can
stall forever, which is all these transport-level tests need. The collection-level tests run
against the project's dev server (test_live_devserver_*.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from convex import ConvexInt64

from convex_activity.errors import (
    CallTimeout,
    FunctionFailed,
    MissingFunction,
    SourceUnavailable,
)
from convex_activity.sources.process_caller import ProcessCaller

FAKE_KEY = "prod:fake-deployment-123|FAKEKEYdoNotLeak0123456789"
HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    auth_log = tmp_path_factory.mktemp("tiny") / "auth.log"
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "live_tiny_server.py"), "--auth-log", str(auth_log)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("READY "), line
    yield line.split()[1], auth_log
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


@pytest.fixture
def caller(tiny: tuple[str, Path]) -> Iterator[ProcessCaller]:
    c = ProcessCaller(tiny[0])
    yield c
    c.close()


def _gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie counts: this sandbox's init does not reap)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True


def test_values_round_trip_and_one_worker_serves_every_call(caller: ProcessCaller) -> None:
    args: dict[str, Any] = {"since": 1568433600000, "big": ConvexInt64(2**60), "s": "é", "n": None}
    assert caller.call("echo:args", args, 10) == {
        "since": 1568433600000.0, "big": ConvexInt64(2**60), "s": "é", "n": None,
    }
    for k in range(5):
        assert caller.call("big:list", {"n": k}, 10) == [{"n": float(i)} for i in range(k)]
    assert caller.starts == 1


def test_errors_map_onto_the_error_tree(caller: ProcessCaller, tiny: tuple[str, Path]) -> None:
    url = tiny[0]
    with pytest.raises(FunctionFailed) as failed:
        caller.call("fail:convexError", {}, 10)
    assert str(failed.value) == f"fail:convexError failed on {url}: bad since"
    assert failed.value.data == {"code": "BAD_SINCE"}  # type: ignore[attr-defined]
    assert failed.value.function == "fail:convexError"

    with pytest.raises(FunctionFailed) as plain:
        caller.call("fail:plain", {}, 10)
    assert str(plain.value) == f"fail:plain failed: Scanned too many documents (at {url})"

    with pytest.raises(MissingFunction) as missing:
        caller.call("tips:listSince", {}, 10)
    assert missing.value.function == "tips:listSince"
    assert "Could not find public function for 'tips:listSince'" in str(missing.value)
    assert caller.starts == 1  # function errors do not cost a worker


def test_stalled_call_times_out_kills_worker_and_next_call_restarts(
    caller: ProcessCaller, tiny: tuple[str, Path]
) -> None:
    caller.call("echo:args", {}, 10)
    first = caller._worker
    assert first is not None
    started = time.monotonic()
    with pytest.raises(CallTimeout) as timeout:
        caller.call("stall:forever", {"x": 1}, 1.0)
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 2.0
    assert str(timeout.value) == f"stall:forever on {tiny[0]} did not answer within 1 s"
    assert timeout.value.function == "stall:forever"
    assert _gone(first.proc.pid)
    assert caller.call("echo:args", {"again": True}, 10) == {"again": True}
    assert caller.starts == 2


def test_timeout_works_from_a_non_main_thread(caller: ProcessCaller) -> None:
    outcome: list[Any] = []

    def worker_thread() -> None:
        started = time.monotonic()
        try:
            caller.call("stall:forever", {}, 0.8)
        except CallTimeout as exc:
            outcome.append((type(exc).__name__, time.monotonic() - started))
        outcome.append(caller.call("echo:args", {"t": "thread"}, 10))

    thread = threading.Thread(target=worker_thread)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert outcome[0][0] == "CallTimeout" and 0.8 <= outcome[0][1] < 1.8
    assert outcome[1] == {"t": "thread"}


def test_closed_port_fails_or_times_out_within_budget() -> None:
    # The client races: "channel closed" at once, or a silent reconnect loop (see the notes).
    with ProcessCaller("http://127.0.0.1:9") as dead:
        started = time.monotonic()
        with pytest.raises((SourceUnavailable, CallTimeout)) as err:
            dead.call("crimeReports:listSince", {}, 1.5)
        assert time.monotonic() - started < 2.5
    assert err.value.function == "crimeReports:listSince"
    if isinstance(err.value, CallTimeout):
        assert str(err.value) == (
            "crimeReports:listSince on http://127.0.0.1:9 did not answer within 1.5 s"
        )
    else:
        assert str(err.value) == (
            "crimeReports:listSince: deployment unreachable: Exception: channel closed"
            " (at http://127.0.0.1:9)"
        )


def test_deploy_key_goes_through_the_socket_only(tiny: tuple[str, Path]) -> None:
    url, auth_log = tiny
    with ProcessCaller(url, FAKE_KEY) as keyed:
        assert keyed.call("echo:args", {"k": 1}, 10) == {"k": 1.0}
        assert keyed._worker is not None
        pid = keyed._worker.proc.pid
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        with pytest.raises(CallTimeout) as timeout:
            keyed.call("stall:forever", {}, 0.5)
    assert FAKE_KEY.encode() not in cmdline
    assert FAKE_KEY.encode() not in environ
    assert FAKE_KEY not in str(timeout.value) and FAKE_KEY not in repr(keyed)
    assert f"Admin {FAKE_KEY}" in auth_log.read_text().splitlines()


def test_close_stops_the_worker(tiny: tuple[str, Path]) -> None:
    c = ProcessCaller(tiny[0])
    c.call("echo:args", {}, 10)
    assert c._worker is not None
    pid = c._worker.proc.pid
    c.close()
    assert _gone(pid)
    c.close()  # idempotent


_STALL_SCRIPT = textwrap.dedent(
    """
    import sys
    from convex_activity.sources.process_caller import ProcessCaller
    c = ProcessCaller(sys.argv[1])
    c.call("echo:args", {}, 10)
    print(c._worker.proc.pid, flush=True)
    c.call("stall:forever", {}, 60)
    """
)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_blocked_call_ends_on_signal_and_worker_dies_with_parent(
    tiny: tuple[str, Path], sig: signal.Signals
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _STALL_SCRIPT, tiny[0]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        worker_pid = int(proc.stdout.readline())
        time.sleep(1.0)
        sent = time.monotonic()
        proc.send_signal(sig)
        proc.wait(timeout=10)
        elapsed = time.monotonic() - sent
        last_stderr_line = (proc.stderr.read().strip().splitlines() or [""])[-1]
    assert elapsed < 2.0
    assert proc.returncode != 0
    if sig == signal.SIGINT:
        assert last_stderr_line == "KeyboardInterrupt"
    # Killed by the parent on Ctrl-C; on SIGKILL of the parent, its watchdog notices within ~1 s.
    deadline = time.monotonic() + 3.0
    while not _gone(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(worker_pid)
    if not _gone(worker_pid):  # pragma: no cover - keep a failed test from leaking a process
        os.kill(worker_pid, signal.SIGKILL)
