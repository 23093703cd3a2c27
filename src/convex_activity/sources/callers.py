"""The transport seam: how a Convex function is called, with a per-call time budget.

:class:`FunctionCaller` is the one thing :class:`~convex_activity.sources.live.LiveSource` needs.
:class:`ThreadCaller` adapts any object with ``.query(name, args)`` (test fakes, pure-Python
clients). :func:`classify_error` turns whatever a client raised into the error tree; every caller
uses it, so the same failure is retried (or not) the same way whatever the transport.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol, runtime_checkable

from ..errors import (
    ArgumentRejected,
    CallTimeout,
    FunctionFailed,
    MissingFunction,
    SourceError,
    SourceUnavailable,
)
from ..redact import redact

__all__ = ["FunctionCaller", "QueryClient", "ThreadCaller", "classify_error", "one_line"]

logger = logging.getLogger(__name__)

_MISSING = ("Could not find public function", "Could not find function")
_UNAVAILABLE = ("channel closed", "Connection refused", "connection closed")
# Convex says "ArgumentValidationError: …"; convex-test (the local server) "Validator error: …".
_REJECTED = ("ArgumentValidationError", "Validator error")
_MAX_MESSAGE = 400


@runtime_checkable
class FunctionCaller(Protocol):
    """Calls one Convex query function and waits at most ``timeout`` seconds."""

    def call(self, name: str, args: dict[str, Any], timeout: float) -> Any:
        """Run query ``name`` with ``args``; return its value.

        Raises:
            SourceError: classified with :func:`classify_error`; ``CallTimeout`` after ``timeout``.
        """
        ...

    def close(self) -> None:
        """Release the client, threads or worker process."""
        ...


class QueryClient(Protocol):
    """Anything with a blocking ``query(name, args)`` (``ConvexClient``, test fakes)."""

    def query(self, name: str, args: dict[str, Any]) -> Any:
        """Run a query function."""
        ...


def one_line(text: str) -> str:
    """Collapse a multi-line message into one redacted line of bounded length."""
    joined = " ".join(part.strip() for part in text.splitlines() if part.strip())
    joined = redact(joined)
    if len(joined) > _MAX_MESSAGE:
        joined = joined[: _MAX_MESSAGE - 1] + "…"
    return joined


def classify_error(exc: BaseException, function: str) -> SourceError:
    """Map an exception raised while calling ``function`` onto the error tree.

    - already a ``SourceError`` → unchanged;
    - ``TimeoutError`` → ``CallTimeout``;
    - "Could not find (public) function" → ``MissingFunction``;
    - ``ConnectionError``/``OSError``/"channel closed" → ``SourceUnavailable``;
    - ``ArgumentValidationError``/"Validator error" → ``ArgumentRejected``;
    - anything else the function threw (read limits such as "Too many documents read", a bug)
      → ``FunctionFailed``.

    Args:
        exc: what the client raised.
        function: the Convex function path, e.g. ``"tips:listSince"``.

    Returns:
        A ``SourceError`` whose message is one redacted line naming ``function``.
    """
    if isinstance(exc, SourceError):
        return exc
    message = one_line(str(exc)) or type(exc).__name__
    if isinstance(exc, TimeoutError):
        return CallTimeout(f"{function} timed out: {message}", function=function)
    if any(marker in message for marker in _MISSING):
        return MissingFunction(f"{function} is not deployed: {message}", function=function)
    if isinstance(exc, ConnectionError | OSError) or any(m in message for m in _UNAVAILABLE):
        return SourceUnavailable(
            f"{function}: deployment unreachable: {type(exc).__name__}: {message}",
            function=function,
        )
    if any(marker in message for marker in _REJECTED):
        return ArgumentRejected(f"{function} rejected its arguments: {message}",
                                function=function)
    return FunctionFailed(f"{function} failed: {message}", function=function)


class ThreadCaller:
    """Run each ``client.query`` in a daemon thread and stop waiting after the budget.

    A blocked call cannot be cancelled from Python: its thread is abandoned (daemon, so it does
    not keep the process alive) and the caller raises :class:`CallTimeout`. Use
    ``ProcessCaller`` for the official ``ConvexClient``, which may block while holding the GIL.

    Args:
        client: any object with ``.query(name, args)``.
        close_client: call ``client.close()`` (if it has one) on :meth:`close`.
    """

    def __init__(self, client: QueryClient, *, close_client: bool = False) -> None:
        self._client = client
        self._close_client = close_client
        self._closed = False

    def call(self, name: str, args: dict[str, Any], timeout: float) -> Any:
        """Run ``name`` in a worker thread; see :class:`FunctionCaller`."""
        if self._closed:
            raise SourceUnavailable(f"{name}: caller is closed", function=name)
        outcome: dict[str, Any] = {}
        finished = threading.Event()

        def run() -> None:
            try:
                outcome["value"] = self._client.query(name, args)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                outcome["error"] = exc
            finally:
                finished.set()

        worker = threading.Thread(target=run, name=f"convex-call {name}", daemon=True)
        worker.start()
        if not finished.wait(timeout):
            logger.warning("%s did not answer within %.1f s; abandoning the call", name, timeout)
            raise CallTimeout(f"{name} timed out after {timeout:.1f} s", function=name)
        if "error" in outcome:
            error = outcome["error"]
            if isinstance(error, KeyboardInterrupt | SystemExit):
                raise error
            raise classify_error(error, name) from error
        return outcome.get("value")

    def close(self) -> None:
        """Stop accepting calls; close the client if asked to."""
        self._closed = True
        if self._close_client:
            closer = getattr(self._client, "close", None)
            if callable(closer):
                closer()
