"""Option bundles and helpers shared by every ``convex-activity`` command.

Kept apart from :mod:`convex_activity.cli` so that commands defined in other modules
(``report``, ``check``) can use them and still be imported by the CLI without a cycle::

    @click.command()
    @window_options          # adds hours, since, until, day, tz, now
    @source_options          # adds export, timeout
    def report(hours, since, until, day, tz, now, export, timeout): ...
        settings = settings_for(timeout)
        window = build_window(hours=hours, since=since, until=until, day=day, tz=tz, now=now,
                              settings=settings)
        source = open_source(settings, export)

Test seam: invoke with ``obj={"source_factory": f}`` (e.g. ``CliRunner().invoke(main, args,
obj=...)``) and :func:`open_source` returns ``f(settings, export)`` instead of opening a real
deployment or export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import click

from .collect import open_live_source
from .errors import ConfigError, ContractError, WindowError
from .output import write_atomic
from .settings import Settings, load_settings
from .sources.base import Source
from .window import Window, parse_instant

__all__ = [
    "CONTEXT_SETTINGS",
    "UsageProblem",
    "build_window",
    "open_source",
    "out_option",
    "settings_for",
    "source_options",
    "usage_errors",
    "window_options",
    "write_out",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Every command takes ``-h`` as well as ``--help``. Each command sets it itself: click caches a
#: command's help option, so inheriting it from the group fails when the command runs alone.
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


class UsageProblem(click.ClickException):
    """A usage or configuration error: one line on stderr, exit code 2."""

    exit_code = 2


def window_options(func: F) -> F:
    """Add ``--hours``, ``--since``/``--until``, ``--day``/``--tz`` and ``--now``."""
    options = [
        click.option("--hours", type=click.FloatRange(min=0, min_open=True), default=None,
                     metavar="N",
                     help="The last N hours ending at --now (absolute hours; default 24)."),
        click.option("--since", metavar="ISO",
                     help="Window start, ISO 8601 with offset (e.g. 2026-03-07T14:30:00Z)."),
        click.option("--until", metavar="ISO",
                     help="Window end (excluded), ISO 8601 with offset. Needs --since."),
        click.option("--day", metavar="YYYY-MM-DD",
                     help="One local calendar day (23, 24 or 25 hours) in --tz."),
        click.option("--tz", metavar="ZONE",
                     help="IANA zone for --day (default CONVEX_ACTIVITY_TIMEZONE, else UTC)."),
        click.option("--now", metavar="ISO",
                     help="Pin the clock for --hours: ISO 8601 with offset; naive is an error."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def source_options(func: F) -> F:
    """Add ``--export PATH`` and ``--timeout SECONDS``."""
    options = [
        click.option("--export", "export", metavar="PATH",
                     type=click.Path(exists=True, dir_okay=True, file_okay=True),
                     help="Read an `npx convex export` ZIP or folder instead of a deployment."),
        click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
                     metavar="SECONDS",
                     help="Deadline for the whole collection (default "
                          "CONVEX_ACTIVITY_TIMEOUT, else 120)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def out_option(func: F) -> F:
    """Add ``--out FILE`` (written atomically)."""
    return click.option(
        "--out", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
        help="Write to FILE (atomically: temp file + rename) instead of stdout.",
    )(func)


@contextmanager
def usage_errors() -> Iterator[None]:
    """Turn a :class:`ConfigError` raised while collecting into exit 2 with one line.

    The live client checks the deployment URL only when the first call starts it.
    """
    try:
        yield
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None


def write_out(out: str, data: bytes) -> None:
    """Write ``data`` to ``--out`` atomically.

    Raises:
        UsageProblem: the file cannot be written (missing folder, no permission; exit 2).
    """
    try:
        write_atomic(out, data)
    except OSError as exc:
        raise UsageProblem(f"cannot write --out {out}: {exc.strerror or exc}") from None


def settings_for(timeout: float | None = None) -> Settings:
    """Settings from the environment, with the CLI's ``--timeout`` applied.

    Raises:
        UsageProblem: an invalid setting (exit 2).
    """
    try:
        return load_settings(**({"timeout": timeout} if timeout is not None else {}))
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None


def build_window(
    *,
    hours: float | None = None,
    since: str | None = None,
    until: str | None = None,
    day: str | None = None,
    tz: str | None = None,
    now: str | None = None,
    settings: Settings | None = None,
) -> Window:
    """The window the window options describe (default: the last 24 hours).

    Raises:
        UsageProblem: contradictory options, a naive time, an unknown zone (exit 2).
    """
    try:
        if since is not None or until is not None:
            if since is None or until is None:
                raise UsageProblem("--since and --until go together")
            if hours is not None or day is not None or now is not None or tz is not None:
                raise UsageProblem("--since/--until cannot be combined with --hours, --day, "
                                   "--tz or --now")
            return Window.between(parse_instant(since), parse_instant(until))
        if day is not None:
            if hours is not None or now is not None:
                raise UsageProblem("--day cannot be combined with --hours or --now")
            try:
                parsed = date.fromisoformat(day)
            except ValueError:
                raise UsageProblem(f"--day {day!r} is not a date (YYYY-MM-DD)") from None
            zone_name = tz or (settings.timezone if settings is not None else "UTC")
            return Window.local_day(parsed, zone_name)
        if tz is not None:
            raise UsageProblem("--tz applies to --day only")
        end = parse_instant(now) if now is not None else datetime.now(UTC)
        return Window.last_hours(hours if hours is not None else 24, end)
    except (WindowError, ConfigError) as exc:
        raise UsageProblem(str(exc)) from None


def open_source(settings: Settings, export: str | None = None) -> Source:
    """The source the source options describe: an export, else the configured deployment.

    A ``source_factory`` in the root click context's ``obj`` takes precedence (test seam).

    Raises:
        UsageProblem: no usable deployment URL (exit 2).
    """
    ctx = click.get_current_context(silent=True)
    root_obj = ctx.find_root().obj if ctx is not None else None
    factory = root_obj.get("source_factory") if isinstance(root_obj, dict) else None
    try:
        if factory is not None:
            source: Source = factory(settings, export)
            return source
        if export is not None:
            from .sources.export import ExportSource  # only needed for exports

            try:
                return ExportSource(export).open()
            except ContractError as exc:
                # Pointing --export at something that is not an export is a usage error.
                raise UsageProblem(str(exc)) from None
        return open_live_source(settings)
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None
