"""Every exception this package raises, in one place.

The hierarchy::

    ConvexActivityError
    ├── ConfigError     (also ValueError)  bad settings: no URL, http:// to a remote host → exit 2
    ├── WindowError     (also ValueError)  naive datetime, empty or reversed window      → exit 2
    └── SourceError                             a source could not deliver; carries .function
        ├── RetriableSourceError                may succeed if tried again (inside the deadline)
        │   ├── SourceUnavailable               network error, connection refused/closed
        │   └── CallTimeout                     one call, or the whole collection, ran out of time
        └── FatalSourceError                    the same call would fail the same way again
            ├── MissingFunction                 the deployment has no such function
            ├── FunctionFailed                  the function ran and threw (read limit, a bug…)
            │   └── ArgumentRejected            its argument validator refused the arguments
            └── ContractError                   the reply breaks the function's promise
                                                (bad page shape, repeated cursor, unreadable export)

The collector never turns a ``SourceError`` into an empty list: it records the failure in
``result.sources[table]`` (status ``failed`` or ``missing_function``) and sets ``complete`` to
false. Messages never contain a deploy key (see :func:`convex_activity.redact.redact`).
"""

from __future__ import annotations

__all__ = [
    "CallTimeout",
    "ConfigError",
    "ArgumentRejected",
    "ContractError",
    "ConvexActivityError",
    "FatalSourceError",
    "FunctionFailed",
    "MissingFunction",
    "RetriableSourceError",
    "SourceError",
    "SourceUnavailable",
    "WindowError",
]


class ConvexActivityError(Exception):
    """Root of every error raised by convex_activity."""


class ConfigError(ConvexActivityError, ValueError):
    """The settings cannot work (missing URL, bad URL scheme, bad page size…)."""


class WindowError(ConvexActivityError, ValueError):
    """A time window cannot be built (naive datetime, until <= since, unknown zone…)."""


class SourceError(ConvexActivityError):
    """A source failed to deliver documents.

    Args:
        message: one line saying what went wrong (already redacted).
        function: the Convex function (``"tips:listSince"``) or export member involved, if any.
    """

    def __init__(self, message: str, *, function: str | None = None) -> None:
        super().__init__(message)
        self.function = function


class RetriableSourceError(SourceError):
    """A failure that may pass if the same call is made again."""


class SourceUnavailable(RetriableSourceError):
    """The deployment could not be reached or dropped the connection."""


class CallTimeout(RetriableSourceError):
    """A call, or the whole collection, exceeded its deadline."""


class FatalSourceError(SourceError):
    """A failure that the same call would repeat: never retried."""


class MissingFunction(FatalSourceError):
    """The deployment does not have the function that was called."""


class FunctionFailed(FatalSourceError):
    """The function ran and threw: a read limit, an argument validation error, a bug."""


class ArgumentRejected(FunctionFailed):
    """The function's argument validator refused the arguments before it read anything.

    Told apart from other failures because it proves the function exists (``check``) and, for
    the original ``criminals:get({id: v.id("criminals")})``, means "not an id of this table".
    """


class ContractError(FatalSourceError):
    """The reply breaks the function's contract, or an export cannot be read."""
