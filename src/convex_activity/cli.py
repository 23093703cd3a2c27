"""The ``convex-activity`` command line.

Commands: ``collect`` (here); ``report``, ``check`` and ``dev-server`` are registered at the end
of this module. Other commands reuse the option bundles::

    from convex_activity.cli import window_options, source_options, build_window, open_source

    @click.command()
    @window_options          # adds hours, since, until, day, tz, now
    @source_options          # adds export, timeout
    def report(hours, since, until, day, tz, now, export, timeout): ...
        settings = settings_for(timeout)
        window = build_window(hours=hours, since=since, until=until, day=day, tz=tz, now=now,
                              settings=settings)
        source = open_source(settings, export)

Exit codes: 0 complete; 1 incomplete (a source failed); 2 usage or configuration error.

Test seam: invoke with ``obj={"source_factory": f}`` (e.g. ``CliRunner().invoke(main, args,
obj=...)``) and :func:`open_source` returns ``f(settings, export)`` instead of opening a real
deployment or export.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import click

from . import __version__
from .collect import collect_activity, open_live_source
from .errors import ConfigError, WindowError
from .output import write_atomic
from .settings import Settings, load_settings
from .sources.base import Source
from .window import Window, parse_instant

__all__ = [
    "UsageProblem",
    "build_window",
    "main",
    "open_source",
    "out_option",
    "settings_for",
    "source_options",
    "window_options",
]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class UsageProblem(click.ClickException):
    """A usage or configuration error: one line on stderr, exit code 2."""

    exit_code = 2


def window_options(func: F) -> F:
    """Add ``--hours``, ``--since``/``--until``, ``--day``/``--tz`` and ``--now``."""
    options = [
        click.option("--hours", type=click.FloatRange(min=0, min_open=True), default=None,
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

            return ExportSource(export)
        return open_live_source(settings)
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="convex-activity")
@click.option("-v", "--verbose", count=True, help="-v: one line per table; -vv: debug.")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """Collect a time window of Convex activity (crime reports, tips and what they reference).

    Configuration comes from the environment or .env: CONVEX_DEPLOYMENT_URL, CONVEX_DEPLOY_KEY,
    CONVEX_ACTIVITY_TIMEZONE, CONVEX_ACTIVITY_PAGE_SIZE, CONVEX_ACTIVITY_TIMEOUT,
    CONVEX_ACTIVITY_CALL_TIMEOUT. Exit codes: 0 complete, 1 incomplete, 2 usage/config error.
    """
    ctx.ensure_object(dict)
    _configure_logging(verbose)


@main.command("collect")
@window_options
@source_options
@out_option
def collect_command(
    hours: float | None,
    since: str | None,
    until: str | None,
    day: str | None,
    tz: str | None,
    now: str | None,
    export: str | None,
    timeout: float | None,
    out: str | None,
) -> None:
    """Collect the window and print the result JSON (or write it to --out).

    Exits 1, still writing the result with "complete": false, when a source failed.
    """
    settings = settings_for(timeout)
    window = build_window(hours=hours, since=since, until=until, day=day, tz=tz, now=now,
                          settings=settings)
    source = open_source(settings, export)
    try:
        result = collect_activity(source, window, settings=settings)
    finally:
        source.close()
    data = result.to_bytes()
    if out is not None:
        write_atomic(out, data)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)  # UTF-8 bytes whatever the locale's encoding
        sys.stdout.buffer.flush()
    if not result.complete:
        for table, report in result.sources.items():
            if report["status"] in ("failed", "missing_function"):
                click.echo(f"incomplete: {table} {report['status']}: {report['error']}", err=True)
        sys.exit(1)


# ---------------------------------------------------------------------------------------------
# Commands written elsewhere are registered here by the lead, e.g.:
#     from .brief import report_command
#     main.add_command(report_command, "report")
#     from .devserver import dev_server_command
#     main.add_command(dev_server_command, "dev-server")
#     main.add_command(check_command, "check")
# ---------------------------------------------------------------------------------------------
