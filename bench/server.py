"""Start the local Convex dev server for one benchmark size.

Uses the project's launcher (``convex_activity.devserver.DevServer``) when it is importable;
otherwise starts ``devserver/main.ts`` directly with ``tsx`` and talks to its ``/_dev/stats``
endpoint, which is all the benchmark needs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class BenchServer:
    """A seeded dev server with injected per-message latency.

    Args:
        seed_zip: the snapshot export to seed from.
        latency_ms: delay added to every WebSocket message, each way.
    """

    def __init__(self, seed_zip: Path, latency_ms: float) -> None:
        self._launcher: Any = None
        self._proc: subprocess.Popen[str] | None = None
        try:
            from convex_activity.devserver import DevServer
        except ImportError:
            self._start_node(seed_zip, latency_ms)
        else:
            self._launcher = DevServer(seed_zip, port=0, latency_ms=latency_ms)
            if hasattr(self._launcher, "start"):
                self._launcher.start()
            self.url: str = self._launcher.url

    def _start_node(self, seed_zip: Path, latency_ms: float) -> None:
        tsx = ROOT / "node_modules" / ".bin" / "tsx"
        cmd = [str(tsx), str(ROOT / "devserver" / "main.ts"), "--seed", str(seed_zip)]
        cmd += ["--port", "0", "--latency-ms", str(latency_ms)]
        self._proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
            start_new_session=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"dev server did not start (first line: {line!r})")
        self.url = line.split(" ", 1)[1]

    def stats(self) -> dict[str, Any]:
        """The server's per-function statistics since the last reset."""
        if self._launcher is not None:
            result: dict[str, Any] = self._launcher.stats()
            return result
        with urllib.request.urlopen(f"{self.url}/_dev/stats", timeout=30) as response:
            data: dict[str, Any] = json.load(response)
        return data

    def reset_stats(self) -> None:
        """Zero the statistics."""
        if self._launcher is not None:
            self._launcher.reset_stats()
            return
        request = urllib.request.Request(f"{self.url}/_dev/stats/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30):
            pass

    def stop(self) -> None:
        """Stop the server (only the process this object started)."""
        if self._launcher is not None:
            for name in ("stop", "close"):
                if hasattr(self._launcher, name):
                    getattr(self._launcher, name)()
                    break
            return
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
