"""Worker process that owns one official ``convex.ConvexClient`` (used by ``ProcessCaller``).

Run as ``python -m convex_activity.sources._convex_worker FD PARENT_PID``. ``FD`` is one end of a
socket pair inherited from the parent; every message on it is a pickled tuple framed by
:class:`multiprocessing.connection.Connection`:

- parent → worker, first: ``("init", url, deploy_key_or_None)``; reply ``("ready",)`` or an error.
- parent → worker, then: ``("query", name, args)``; reply ``("ok", value)`` or
  ``("convex_error", message, data)`` (a ``ConvexError``) or ``("error", type_name, message)``.

The deploy key only ever travels through this socket: never argv, env or a log line.

Why a process: ``ConvexClient.query()`` blocks in native code *holding the GIL* and retries
network failures forever, so the only way to bound a call is to kill the process running it.
Nothing in here ever needs to be interrupted gracefully: the parent SIGKILLs us on timeout.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from multiprocessing.connection import Connection
from typing import Any

#: Seconds between checks that the parent is still alive.
_PARENT_CHECK_INTERVAL = 0.5


def _watch_parent(parent_pid: int) -> None:
    """Exit as soon as the parent process is gone, even while a query blocks.

    A watchdog *thread* would never run (the blocked query holds the GIL), but the client polls
    Python signal handlers about once a second while it waits, so a SIGALRM interval timer does
    run. ``PR_SET_PDEATHSIG`` is not used: it fires when the parent *thread* that started us
    exits, which would kill the worker whenever a short-lived web-server thread made the first call.
    """

    def check(_signum: int, _frame: object) -> None:
        if os.getppid() != parent_pid:
            os._exit(0)

    signal.signal(signal.SIGALRM, check)
    signal.setitimer(signal.ITIMER_REAL, _PARENT_CHECK_INTERVAL, _PARENT_CHECK_INTERVAL)


def _error_reply(exc: BaseException) -> tuple[Any, ...]:
    from convex import ConvexError  # imported late: the import itself costs ~0.1 s

    if isinstance(exc, ConvexError):
        return ("convex_error", str(exc), exc.data)
    return ("error", type(exc).__name__, str(exc))


def serve(conn: Connection) -> None:
    """Answer requests on ``conn`` until the parent closes it."""
    from convex import ConvexClient

    client: Any = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        kind = request[0]
        try:
            if kind == "init":
                _, url, deploy_key = request
                client = ConvexClient(url)
                if deploy_key:
                    client.set_admin_auth(deploy_key)
                reply: tuple[Any, ...] = ("ready",)
            elif kind == "query":
                if client is None:
                    reply = ("error", "RuntimeError", "worker used before init")
                else:
                    _, name, args = request
                    reply = ("ok", client.query(name, args))
            else:
                reply = ("error", "RuntimeError", f"unknown request {kind!r}")
        except Exception as exc:  # every failure goes back to the parent to classify
            reply = _error_reply(exc)
        try:
            conn.send(reply)
        except (BrokenPipeError, ConnectionResetError, EOFError):
            return


def main(argv: list[str]) -> int:
    """Entry point: ``FD PARENT_PID``."""
    fd, parent_pid = int(argv[0]), int(argv[1])
    # Ctrl-C reaches the whole foreground process group; the parent decides what happens to us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(parent_pid)
    sock = socket.socket(fileno=fd)
    conn = Connection(sock.detach())
    try:
        serve(conn)
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
