"""``ProcessCaller``: the official ``convex.ConvexClient`` in a worker process, with real timeouts.

Why a process (measured in the shared notes, "Real Python client"): ``ConvexClient.query()`` holds
the GIL while it blocks and retries network failures forever. A thread-based timeout never fires
and a signal-based one only works in the main thread, so the one bound that works from any thread
is a separate process that is killed when a call overruns its budget.

Why ``subprocess`` + a socket pair rather than ``multiprocessing`` (spawn): spawn re-imports the
parent's ``__main__`` in the child (side effects in console scripts and web apps, and it fails for
``python -c``), and its resource tracker adds a second helper process. ``python -m`` on our own
worker module gives a clean interpreter that imports only ``convex``; the socket pair carries
``multiprocessing.connection`` framing (length-prefixed pickles, ``poll(timeout)``), and stdout,
where the Convex client prints function log lines, stays out of the protocol.
"""

from __future__ import annotations

import builtins
import logging
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from ..errors import (
    CallTimeout,
    ConfigError,
    FunctionFailed,
    SourceError,
    SourceUnavailable,
)
from ..redact import redact, safe_url
from .callers import classify_error, one_line

__all__ = ["ProcessCaller"]

log = logging.getLogger(__name__)

_WORKER_MODULE = "convex_activity.sources._convex_worker"
#: Seconds ``close()`` lets an idle worker exit on its own before killing it.
_CLOSE_GRACE = 1.0
#: Environment variables the worker must not inherit (the key travels through the socket).
_SECRET_ENV = ("CONVEX_DEPLOY_KEY",)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL not reaped in 5 s
        log.warning("convex worker pid %d did not exit after SIGKILL", proc.pid)


class _Worker:
    """One running worker process and its end of the socket pair."""

    def __init__(self, proc: subprocess.Popen[bytes], conn: Connection, stderr: IO[bytes]) -> None:
        self.proc = proc
        self.conn = conn
        self.stderr = stderr
        # Kills the worker if the caller is garbage-collected or the interpreter exits unclosed.
        self._finalizer = weakref.finalize(self, _Worker._cleanup, proc, conn, stderr)

    @staticmethod
    def _cleanup(proc: subprocess.Popen[bytes], conn: Connection, stderr: IO[bytes]) -> None:
        conn.close()
        _kill(proc)
        stderr.close()

    def kill(self) -> None:
        self._finalizer()

    def stop(self) -> None:
        """Close the socket (the idle worker exits on EOF), then make sure it is gone."""
        self.conn.close()
        try:
            self.proc.wait(timeout=_CLOSE_GRACE)
        except subprocess.TimeoutExpired:
            pass
        self._finalizer()

    def last_stderr_line(self) -> str:
        """The worker's last stderr line (why it died), for error messages."""
        try:
            self.stderr.seek(0)
            lines = [ln for ln in self.stderr.read().decode("utf-8", "replace").splitlines() if ln]
        except (OSError, ValueError):
            return ""
        return lines[-1] if lines else ""


class ProcessCaller:
    """Calls Convex query functions through the official client running in a worker process.

    One long-lived worker per caller, started by the first call (a ``ConvexClient`` is costly to
    create, so it is reused for every call of a collection). A call that overruns its budget kills
    the worker and raises :class:`CallTimeout`; the next call starts a fresh one. Calls from
    several threads are serialised (one client must not be shared between threads). Ctrl-C in the
    main thread interrupts the wait at once, since the parent only ever waits in ``select``.

    Args:
        url: deployment URL, e.g. ``https://happy-otter-123.convex.cloud``.
        deploy_key: applied with ``set_admin_auth`` inside the worker; sent through the socket,
            never through argv, the environment or a log line.
    """

    def __init__(self, url: str, deploy_key: str | None = None) -> None:
        self._url = url
        self._deploy_key = deploy_key or None
        self.safe_url = safe_url(url)
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        #: Worker processes started so far (tests and benchmarks check it stays at one).
        self.starts = 0

    def __repr__(self) -> str:
        return f"ProcessCaller({self.safe_url!r})"

    def call(self, name: str, args: dict[str, Any], timeout: float) -> Any:
        """Run query function ``name`` with ``args``; give up after ``timeout`` seconds.

        Raises:
            CallTimeout: no answer within ``timeout`` (the worker has been killed).
            SourceUnavailable: the worker died or the deployment could not be reached.
            MissingFunction: the deployment has no function ``name``.
            FunctionFailed: the function threw (``ConvexError`` data kept in ``.data``).
            ConfigError: the client rejected the URL.
        """
        end = time.monotonic() + timeout if math.isfinite(timeout) else math.inf
        if not self._lock.acquire(timeout=-1 if end == math.inf else max(0.0, timeout)):
            raise self._timeout(name, timeout)
        try:
            return self._call_locked(name, args, timeout, end)
        finally:
            self._lock.release()

    def close(self) -> None:
        """Stop the worker process (safe to call more than once)."""
        with self._lock:
            if self._worker is not None:
                self._worker.stop()
                self._worker = None

    def __enter__(self) -> ProcessCaller:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------------

    def _call_locked(self, name: str, args: dict[str, Any], timeout: float, end: float) -> Any:
        try:
            worker = self._worker or self._start(name, timeout, end)
            worker.conn.send(("query", name, args))
            reply = self._receive(worker, name, timeout, end)
        except SourceError:
            raise
        except (EOFError, OSError) as exc:
            detail = self._discard(died=True)
            raise SourceUnavailable(
                f"{name} on {self.safe_url}: Convex worker process exited"
                f"{': ' + detail if detail else ''} ({type(exc).__name__})",
                function=name,
            ) from None
        except BaseException:
            # KeyboardInterrupt, SystemExit…: the worker's state is unknown, so it goes.
            self._discard()
            raise
        return self._unpack(reply, name)

    def _start(self, name: str, timeout: float, end: float) -> _Worker:
        parent_sock, child_sock = socket.socketpair()
        env = {k: v for k, v in os.environ.items() if k not in _SECRET_ENV}
        # Make the worker find this package even when it is imported from a source tree.
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        stderr = tempfile.TemporaryFile()
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", _WORKER_MODULE, str(child_sock.fileno()), str(os.getpid())],
                pass_fds=(child_sock.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=env,
                close_fds=True,
            )
        except BaseException:
            parent_sock.close()
            stderr.close()
            raise
        finally:
            child_sock.close()
        self.starts += 1
        log.debug("started Convex worker pid %d for %s", proc.pid, self.safe_url)
        worker = _Worker(proc, Connection(parent_sock.detach()), stderr)
        self._worker = worker
        worker.conn.send(("init", self._url, self._deploy_key))
        reply = self._receive(worker, name, timeout, end)
        if reply[0] != "ready":
            self._discard()
            message = reply[2] if reply[0] == "error" else str(reply[1])
            raise ConfigError(f"cannot create a Convex client for {self.safe_url}: "
                              f"{self._redact(message)}")
        return worker

    def _receive(self, worker: _Worker, name: str, timeout: float, end: float) -> tuple[Any, ...]:
        wait = None if end == math.inf else max(0.0, end - time.monotonic())
        if not worker.conn.poll(wait):
            self._discard()
            raise self._timeout(name, timeout)
        reply: tuple[Any, ...] = worker.conn.recv()
        return reply

    def _timeout(self, name: str, timeout: float) -> CallTimeout:
        return CallTimeout(
            f"{name} on {self.safe_url} did not answer within {timeout:.3g} s", function=name
        )

    def _discard(self, *, died: bool = False) -> str:
        """Kill the current worker; return its last stderr line if it died on its own."""
        worker, self._worker = self._worker, None
        if worker is None:
            return ""
        detail = ""
        if died:
            try:
                worker.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
            detail = self._redact(worker.last_stderr_line())
        worker.kill()
        return detail

    def _redact(self, text: str) -> str:
        return redact(text.replace(self._url, self.safe_url), [self._deploy_key])

    def _unpack(self, reply: tuple[Any, ...], name: str) -> Any:
        kind = reply[0]
        if kind == "ok":
            return reply[1]
        if kind == "convex_error":
            message, data = self._redact(str(reply[1])), reply[2]
            failed = FunctionFailed(f"{name} failed on {self.safe_url}: {one_line(message)}",
                                    function=name)
            failed.data = data  # type: ignore[attr-defined]
            raise failed
        _, type_name, message = reply
        # The worker sends the exception's type name and text; rebuild a builtin exception of
        # that type (so ConnectionError stays one) and let the shared classifier decide.
        kind_of = getattr(builtins, type_name, None)
        cls = kind_of if isinstance(kind_of, type) and issubclass(kind_of, Exception) else Exception
        error = classify_error(cls(self._redact(str(message))), name)
        raise type(error)(f"{error} (at {self.safe_url})", function=name)
