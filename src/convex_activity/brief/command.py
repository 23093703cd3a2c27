"""``convex-activity report``: collect a window and its trailing windows, write the brief.

Exit codes are those of ``collect``: 0 the window was collected completely, 1 a source failed
(the brief is still written and its coverage line says what is missing), 2 usage or
configuration error.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

import click

from ..collect import collect_activity, open_live_source
from ..errors import ConfigError, ConvexActivityError, WindowError
from ..settings import load_settings
from ..sources.base import Source
from ..sources.export import ExportSource
from ..window import Window, parse_instant, zone
from .collect import collect_brief_inputs
from .facts import TRAILING_WINDOWS, build_facts
from .html import render_html
from .json import render_json
from .markdown import render_markdown

__all__ = ["report_command", "render", "build_window", "Progress"]

logger = logging.getLogger(__name__)

RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "md": render_markdown,
    "html": render_html,
    "json": render_json,
}


def render(facts: Mapping[str, Any], fmt: str) -> str:
    """The brief in format ``fmt`` (``md``, ``html`` or ``json``)."""
    return RENDERERS[fmt](facts)


def build_window(
    day: date | None,
    tz: str,
    hours: float | None,
    since: str | None,
    until: str | None,
    now: str | None,
) -> Window:
    """The window the options describe: a local ``day``, ``since``/``until``, or ``hours`` to now.

    Raises:
        WindowError: the options conflict or a value is invalid.
    """
    if day is not None:
        if since or until or hours is not None:
            raise WindowError("--day cannot be combined with --since/--until/--hours")
        return Window.local_day(day, tz)
    if since or until:
        if not (since and until):
            raise WindowError("--since and --until go together")
        if hours is not None:
            raise WindowError("--hours cannot be combined with --since/--until")
        return Window.between(parse_instant(since), parse_instant(until))
    end = parse_instant(now) if now else datetime.now(UTC)
    return Window.last_hours(hours if hours is not None else 24.0, end)


class Progress:
    """A one-line progress display on stderr, drawn only when stderr is a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled:
            return
        if done >= total:
            self.stream.write("\r\x1b[2K")
        else:
            self.stream.write(f"\r\x1b[2Kcollecting {done + 1}/{total}: {label}")
        self.stream.flush()


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` through a temp file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a brief is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fail_usage(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(2)


@click.command("report")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Calendar day in --tz.")
@click.option("--tz", default=None, help="IANA zone for --day and display (default: settings).")
@click.option("--hours", type=float, default=None, help="Window length ending at --now (24).")
@click.option("--since", default=None, help="Window start, ISO 8601 with offset.")
@click.option("--until", default=None, help="Window end (excluded), ISO 8601 with offset.")
@click.option("--now", default=None, help="End of an --hours window (default: the clock).")
@click.option(
    "--export",
    "export_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Read a snapshot export (ZIP or folder) instead of the live deployment.",
)
@click.option(
    "--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="md", show_default=True
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Default: stdout."
)
@click.option(
    "--trailing",
    type=click.IntRange(0, 30),
    default=TRAILING_WINDOWS,
    show_default=True,
    help="Earlier windows collected for the trend.",
)
@click.option("--timeout", type=float, default=None, help="Seconds per window collection.")
def report_command(
    day: datetime | None,
    tz: str | None,
    hours: float | None,
    since: str | None,
    until: str | None,
    now: str | None,
    export_path: Path | None,
    fmt: str,
    out: Path | None,
    trailing: int,
    timeout: float | None,
) -> None:
    """Write the daily brief (Markdown, HTML or JSON) for a window and its trend."""
    try:
        settings = load_settings(**({"timeout": timeout} if timeout is not None else {}))
        display_tz = tz or settings.timezone
        zone(display_tz)
        window = build_window(day.date() if day else None, display_tz, hours, since, until, now)
        source: Source = (
            ExportSource(export_path) if export_path is not None else open_live_source(settings)
        )
    except (ConfigError, WindowError) as exc:
        _fail_usage(str(exc))
        return
    except ConvexActivityError as exc:  # an unreadable export is a usage problem here
        _fail_usage(str(exc))
        return
    try:
        inputs = collect_brief_inputs(
            lambda w: collect_activity(source, w, settings=settings).to_dict(),
            window,
            trailing=trailing,
            progress=Progress(),
        )
    finally:
        source.close()
    facts = build_facts(inputs.current, inputs.history, display_tz)
    text = render(facts, fmt)
    if out is None:
        click.echo(text, nl=False)
    else:
        _write_atomic(out, text)
        logger.info("brief written to %s", out)
    complete = facts["coverage"]["complete"]
    if not complete:
        click.echo(f"warning: {facts['coverage']['line']}", err=True)
    raise SystemExit(0 if complete else 1)
