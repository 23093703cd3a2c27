"""``convex-activity report``: collect a window and its trailing windows, write the brief.

Exit codes are those of ``collect``: 0 the window was collected completely, 1 a source failed
(the brief is still written and its coverage line says what is missing), 2 usage or
configuration error.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping
from typing import Any, TextIO

import click

from ..cli_options import (
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
from ..collect import collect_activity
from ..deadline import Deadline
from ..errors import WindowError
from ..safetext import displayable, without_surrogates
from ..window import zone
from .collect import collect_brief_inputs
from .facts import TRAILING_WINDOWS, build_facts
from .html import render_html
from .json import render_json
from .markdown import render_markdown

__all__ = ["Progress", "RENDERERS", "render", "report_command"]

logger = logging.getLogger(__name__)

RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "md": render_markdown,
    "html": render_html,
    "json": render_json,
}


def render(facts: Mapping[str, Any], fmt: str) -> str:
    """The brief in format ``fmt`` (``md``, ``html`` or ``json``).

    Lone surrogates from document text become U+FFFD here, the one point every format passes,
    and so do control characters in Markdown and HTML (JSON escapes them itself).
    """
    text = RENDERERS[fmt](facts)
    return without_surrogates(text) if fmt == "json" else displayable(text)


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


@click.command(
    "report",
    context_settings=CONTEXT_SETTINGS,
    short_help="Write the daily brief for a window (md, html, json).",
)
@window_options
@source_options
@out_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default="md",
    show_default=True,
    help="md: Markdown; html: one self-contained page with charts; json: condensed facts.",
)
@click.option(
    "--trailing",
    type=click.IntRange(0, 30),
    default=TRAILING_WINDOWS,
    show_default=True,
    help="Earlier windows collected (same engine, same length) for the trend.",
)
def report_command(
    hours: float | None,
    since: str | None,
    until: str | None,
    day: str | None,
    tz: str | None,
    now: str | None,
    export: str | None,
    timeout: float | None,
    out: str | None,
    fmt: str,
    trailing: int,
) -> None:
    """Write the daily brief for a window, with its trend over the trailing windows.

    --tz also sets the zone times are shown in (default CONVEX_ACTIVITY_TIMEZONE, else UTC).
    Exits 1, still writing the brief (its coverage line says what is missing), when a source
    failed for the window.
    """
    settings = settings_for(timeout)
    display_tz = tz or settings.timezone
    try:
        zone(display_tz)
    except WindowError as exc:
        raise UsageProblem(str(exc)) from None
    # For report, --tz is also the display zone, so it is accepted with every window form;
    # only --day reads it to build the window.
    window = build_window(
        hours=hours,
        since=since,
        until=until,
        day=day,
        tz=tz if day is not None else None,
        now=now,
        settings=settings,
    )
    try:
        window.shifted(-trailing)  # the earliest trailing window must exist too
    except WindowError as exc:
        raise UsageProblem(f"--trailing {trailing}: {exc}") from None
    source = open_source(settings, export)
    # One deadline for the command: --timeout bounds the window and its trailing windows
    # together (a stalled deployment must not cost 1 + --trailing full timeouts).
    deadline = Deadline(settings.timeout)
    try:
        with usage_errors():
            inputs = collect_brief_inputs(
                lambda w: collect_activity(
                    source, w, settings=settings, deadline=deadline
                ).to_dict(),
                window,
                trailing=trailing,
                progress=Progress(),
            )
    finally:
        source.close()
    facts = build_facts(inputs.current, inputs.history, display_tz)
    text = render(facts, fmt)
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))  # UTF-8 whatever the locale
        sys.stdout.buffer.flush()
    else:
        write_out(out, text.encode("utf-8"))
        logger.info("brief written to %s", out)
    if not facts["coverage"]["complete"]:
        click.echo(f"warning: {facts['coverage']['line']}", err=True)
        sys.exit(1)
