"""The ``convex-activity`` command line: ``collect`` (here), ``report``, ``check``, ``dev-server``.

The option bundles every command shares live in :mod:`convex_activity.cli_options` (re-exported
here). Exit codes: 0 complete; 1 incomplete (a source failed); 2 usage or configuration error.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from . import __version__
from .brief.command import report_command
from .check import check_command
from .cli_options import (
    CONTEXT_SETTINGS,
    UsageProblem,
    build_window,
    open_source,
    out_option,
    settings_for,
    source_options,
    usage_errors,
    window_options,
    write_out,
)
from .collect import collect_activity
from .devserver import dev_server_command
from .redact import redact
from .settings import register_environment_key

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


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    # Plain one-line warnings by default, like the tool's other messages; times and logger
    # names only when asked for detail with -v.
    fmt = "%(levelname)s: %(message)s" if verbose == 0 else (
        "%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.basicConfig(level=level, stream=sys.stderr, format=fmt)


@contextmanager
def _redacted_errors() -> Iterator[None]:
    """Mask the deploy key in a usage error: click echoes option values (paths, times) in them."""
    try:
        yield
    except click.ClickException as exc:
        exc.message = redact(exc.message)  # type: ignore[misc]  # Final in stubs only
        raise


class _Group(click.Group):
    """The command group; every error click prints passes through :func:`redact` first."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        register_environment_key()  # before any option is parsed or echoed
        with _redacted_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with _redacted_errors():
            return super().invoke(ctx)


@click.group(cls=_Group, context_settings=CONTEXT_SETTINGS)
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


@main.command(
    "collect",
    context_settings=CONTEXT_SETTINGS,
    short_help="Collect one window as JSON (stdout or --out).",
)
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
        with usage_errors():
            result = collect_activity(source, window, settings=settings)
    finally:
        source.close()
    data = result.to_bytes()
    if out is not None:
        write_out(out, data)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)  # UTF-8 bytes whatever the locale's encoding
        sys.stdout.buffer.flush()
    if not result.complete:
        for table, report in result.sources.items():
            if report["status"] in ("failed", "missing_function"):
                click.echo(f"incomplete: {table} {report['status']}: {report['error']}", err=True)
        sys.exit(1)


main.add_command(report_command, "report")
main.add_command(check_command, "check")
main.add_command(dev_server_command, "dev-server")
