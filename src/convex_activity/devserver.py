"""Launcher for the local Convex dev server (``devserver/``, TypeScript under Node).

The server runs this repo's ``convex/`` functions in convex-test, seeded from a snapshot export
ZIP, and speaks Convex's sync protocol and HTTP API on 127.0.0.1. It must run in its own process:
the official ``ConvexClient`` holds the GIL while it waits, so a server inside the same Python
process would deadlock it.

Use :class:`DevServer` from code and tests, or ``python -m convex_activity.devserver`` /
``convex-activity dev-server`` (:data:`dev_server_command`) from a shell.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import click

from convex_activity.cli_options import CONTEXT_SETTINGS
from convex_activity.errors import ConfigError, ConvexActivityError

__all__ = ["DevServer", "DevServerError", "dev_server_command", "repo_root"]

logger = logging.getLogger(__name__)

READY_PREFIX = "READY "
DEFAULT_START_TIMEOUT = 60.0
STOP_GRACE = 5.0

# Python keyword → the JSON name of the fault (see devserver/control.ts).
_FAULT_NAMES = {
    "latency_ms": "latencyMs",
    "stall": "stall",
    "drop_after": "dropAfter",
    "fail": "fail",
    "missing": "missing",
    "original_only": "originalOnly",
}


class DevServerError(ConvexActivityError):
    """The dev server could not start, or stopped answering its control API."""


def repo_root() -> Path:
    """The checkout holding ``devserver/``, ``convex/`` and ``node_modules/``."""
    return Path(__file__).resolve().parents[2]


def faults_json(**faults: Any) -> dict[str, Any]:
    """Translate Python fault keywords into the server's JSON fault spec.

    Args:
        **faults: ``latency_ms`` (int ms), ``stall`` (function name or ``"*"``), ``drop_after``
            (int), ``fail`` (list of ``{"function", "message", "call"?}``), ``missing`` (list of
            names), ``original_only`` (bool).

    Returns:
        The body for ``POST /_dev/faults``.

    Raises:
        TypeError: for an unknown keyword.
    """
    out: dict[str, Any] = {}
    for key, value in faults.items():
        if key not in _FAULT_NAMES:
            raise TypeError(f"unknown dev-server fault {key!r}; known: {sorted(_FAULT_NAMES)}")
        if value is not None:
            out[_FAULT_NAMES[key]] = value
    return out


class DevServer:
    """The Node dev server as a context manager.

    Example::

        with DevServer("export.zip", missing=["tips:listSince"]) as server:
            ConvexClient(server.url).query("crimeReports:listSince", {...})

    Args:
        seed: snapshot export ZIP to seed the tables from.
        port: TCP port on 127.0.0.1; 0 picks a free one.
        start_timeout: seconds to wait for the ``READY`` line.
        root: checkout holding ``devserver/`` and ``node_modules/`` (default: this one).
        **faults: initial faults, as for :meth:`set_faults`.
    """

    def __init__(
        self,
        seed: str | os.PathLike[str],
        port: int = 0,
        *,
        start_timeout: float = DEFAULT_START_TIMEOUT,
        root: Path | None = None,
        **faults: Any,
    ) -> None:
        self.seed = Path(seed)
        self.port = port
        self.start_timeout = start_timeout
        self.root = root or repo_root()
        self.faults = faults_json(**faults)
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None
        self._stderr_tail: list[str] = []
        self._drains: list[threading.Thread] = []

    def command(self) -> list[str]:
        """The Node command line that starts the server (run from :attr:`root`)."""
        tsx = self.root / "node_modules" / ".bin" / "tsx"
        if not tsx.exists() or not (self.root / "devserver" / "main.ts").exists():
            raise ConfigError(
                f"the dev server needs Node packages: run `npm ci` in {self.root} first"
            )
        if shutil.which("node") is None:
            raise ConfigError("the dev server needs Node.js (>= 20.19) on PATH")
        cmd = [str(tsx), "devserver/main.ts", "--seed", str(self.seed.resolve())]
        cmd += ["--port", str(self.port), "--lifeline"]
        if self.faults:
            cmd += ["--faults", json.dumps(self.faults)]
        return cmd

    def start(self) -> DevServer:
        """Start the server and wait for its ``READY`` line.

        Raises:
            ConfigError: Node or ``node_modules`` is missing, or the seed file does not exist.
            DevServerError: the server exited or did not get ready within ``start_timeout``.
        """
        if not self.seed.is_file():
            raise ConfigError(f"seed export not found: {self.seed}")
        cmd = self.command()
        logger.debug("starting dev server: %s", " ".join(cmd))
        self._proc = subprocess.Popen(
            cmd,
            cwd=self.root,
            stdin=subprocess.PIPE,  # the lifeline: the server exits when this pipe closes
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a Ctrl-C in the terminal is ours to forward
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        self._drains = [
            threading.Thread(target=self._drain_stderr, args=(self._proc.stderr,), daemon=True)
        ]
        self._drains[0].start()
        line = self._read_ready(self._proc.stdout)
        if line is None or not line.startswith(READY_PREFIX):
            self.stop()
            tail = " | ".join(self._stderr_tail[-3:]) or "no output"
            raise DevServerError(f"dev server did not start ({tail})")
        self.url = line[len(READY_PREFIX) :].strip()
        # Keep reading stdout so the server never blocks on a full pipe.
        self._drains.append(
            threading.Thread(target=self._drain, args=(self._proc.stdout,), daemon=True)
        )
        self._drains[-1].start()
        logger.info("dev server ready at %s", self.url)
        return self

    def _read_ready(self, stdout: IO[str]) -> str | None:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.start_timeout)
        return result[0] if result else None

    def _drain(self, stream: IO[str]) -> None:
        for _ in stream:
            pass

    def _drain_stderr(self, stream: IO[str]) -> None:
        for line in stream:
            self._stderr_tail = (self._stderr_tail + [line.rstrip()])[-20:]
            logger.debug("dev server: %s", line.rstrip())

    def stop(self) -> int | None:
        """Stop the server (SIGTERM, then SIGKILL after a grace period).

        Returns:
            The exit code, or None if it was never started.
        """
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                logger.warning("dev server ignored SIGTERM; killing it")
                proc.kill()
                proc.wait()
        # The drain threads see EOF once the process is gone; then close the pipes.
        for thread in self._drains:
            thread.join(2)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        return proc.returncode

    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._proc.pid if self._proc else None

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.loads(resp.read())
        except OSError as e:
            raise DevServerError(f"dev server control {method} {path} failed: {e}") from e

    def stats(self) -> dict[str, Any]:
        """Counters since start or the last reset: ``functions`` (per function ``calls``,
        ``documents``, ``bytes``, ``errors``), ``messagesIn``, ``messagesOut``, ``connections``,
        ``authentications``, ``httpRequests``."""
        result: dict[str, Any] = self._control("GET", "/_dev/stats")
        return result

    def reset_stats(self) -> None:
        """Zero every counter."""
        self._control("POST", "/_dev/stats/reset", {})

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """Replace the faults in force (no keywords = no faults).

        Args:
            **faults: see :func:`faults_json`.

        Returns:
            The fault spec the server now applies.
        """
        result: dict[str, Any] = self._control("POST", "/_dev/faults", faults_json(**faults))
        return result

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _parse_fail(values: tuple[str, ...]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for value in values:
        name, sep, message = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected FUNCTION[@K]=MESSAGE, got {value!r}")
        function, _, call = name.partition("@")
        if call and not call.isdigit():
            raise click.BadParameter(f"K in FUNCTION@K=MESSAGE must be a number, got {value!r}")
        rules.append(
            {"function": function, "message": message, "call": int(call) if call else None}
        )
    return rules


@click.command(
    "dev-server",
    context_settings=CONTEXT_SETTINGS,
    short_help="Run the local Convex server, seeded from an export.",
)
@click.option(
    "--seed",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="`npx convex export` ZIP to load into the server.",
)
@click.option(
    "--port", default=0, show_default=True, help="TCP port on 127.0.0.1 (0 = any free port)."
)
@click.option("--latency-ms", type=int, default=None, help="Delay every message by this many ms.")
@click.option(
    "--stall", default=None, help="Never answer this function, e.g. tips:listSince ('*' = all)."
)
@click.option(
    "--drop-after",
    type=int,
    default=None,
    help="Drop the WebSocket at the N-th client message (once).",
)
@click.option(
    "--fail",
    multiple=True,
    help="FUNCTION[@K]=MESSAGE: fail every call of FUNCTION, or only its K-th (repeatable).",
)
@click.option(
    "--missing", multiple=True, help="Pretend this function is not deployed (repeatable)."
)
@click.option(
    "--original-only", is_flag=True, help="Only crimeReports:list, criminals:get, tips:list exist."
)
def dev_server_command(
    seed: str,
    port: int,
    latency_ms: int | None,
    stall: str | None,
    drop_after: int | None,
    fail: tuple[str, ...],
    missing: tuple[str, ...],
    original_only: bool,
) -> None:
    """Run a local Convex server with this repo's functions, seeded from an export ZIP.

    Prints READY http://127.0.0.1:PORT once it serves; stops on Ctrl-C or SIGTERM.
    """
    server = DevServer(
        seed,
        port,
        latency_ms=latency_ms,
        stall=stall,
        drop_after=drop_after,
        fail=_parse_fail(fail) or None,
        missing=list(missing) or None,
        original_only=original_only or None,
    )
    try:
        server.start()
    except ConvexActivityError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{READY_PREFIX}{server.url}")
    sys.stdout.flush()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.is_set() and server.running():
        stop.wait(0.2)
    code = server.stop()
    if not stop.is_set():
        raise click.ClickException(f"dev server exited unexpectedly with code {code}")


if __name__ == "__main__":
    dev_server_command()
