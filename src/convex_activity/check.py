"""``convex-activity check``: is this deployment ready for the collector?

Connects through the official client (in :class:`ProcessCaller`'s worker), says which functions
are deployed (indexed: ``listSince``/``getMany``; original: ``list``/``get``), then collects the
last 24 hours and prints each table's count and status.

Exit codes: 0 the indexed functions are all deployed and the 24 h collection worked; 1 an indexed
function is missing or a call failed; 2 configuration error (no URL, ``http://`` to a remote host).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import click

from .cli_options import CONTEXT_SETTINGS, UsageProblem, usage_errors
from .collect import collect_activity
from .deadline import Deadline
from .errors import ConfigError, FunctionFailed, MissingFunction, SourceError, WindowError
from .redact import safe_url
from .settings import load_settings
from .sources.live import LiveSource
from .sources.process_caller import ProcessCaller
from .window import Window, parse_instant

__all__ = ["INDEXED_FUNCTIONS", "ORIGINAL_FUNCTIONS", "check_command", "probe_function"]

INDEXED_FUNCTIONS = (
    "crimeReports:listSince",
    "tips:listSince",
    "criminals:getMany",
    "persons:getMany",
    "locations:getMany",
)
ORIGINAL_FUNCTIONS = ("crimeReports:list", "tips:list", "criminals:get")
#: An argument no function declares: a deployed function rejects it in its argument validator
#: before reading anything, a missing one says "Could not find public function".
_PROBE_ARGS: dict[str, Any] = {"__convexActivityProbe": True}


def probe_function(caller: ProcessCaller, name: str, deadline: Deadline, per_call: float) -> bool:
    """Whether ``name`` is deployed, without reading documents.

    ``getMany`` gets an empty id list (a valid, free call); other functions get an argument
    their validator rejects, which proves they exist.

    Raises:
        SourceError: the deployment could not answer (timeout, unreachable).
    """
    args: dict[str, Any] = {"ids": []} if name.endswith(":getMany") else dict(_PROBE_ARGS)
    try:
        caller.call(name, args, deadline.call_budget(per_call))
    except MissingFunction:
        return False
    except FunctionFailed:  # the argument validator rejected the probe: the function exists
        return True
    return True


@click.command(
    "check",
    context_settings=CONTEXT_SETTINGS,
    short_help="Check a deployment: functions and last 24 h counts.",
)
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS",
              help="Deadline for the whole check (default CONVEX_ACTIVITY_TIMEOUT, else 120).")
@click.option("--now", metavar="ISO",
              help="End of the 24 h window, ISO 8601 with offset (default: the current time).")
def check_command(timeout: float | None, now: str | None) -> None:
    """Check the configured deployment: deployed functions and the last 24 hours' counts."""
    try:
        settings = load_settings(**({"timeout": timeout} if timeout is not None else {}))
        url = settings.require_url()
        end = parse_instant(now) if now else datetime.now(UTC)
        window = Window.last_hours(24, end)
    except (ConfigError, WindowError) as exc:
        raise UsageProblem(str(exc)) from None

    key = settings.deploy_key.get_secret_value() if settings.deploy_key is not None else None
    caller = ProcessCaller(url, key)
    deadline = Deadline(settings.timeout)
    click.echo(f"deployment: {safe_url(url)}")
    deployed: dict[str, bool] = {}
    try:
        with usage_errors():  # the client checks the URL only when the first call starts it
            for kind, names in (("indexed", INDEXED_FUNCTIONS), ("original", ORIGINAL_FUNCTIONS)):
                for name in names:
                    deployed[name] = probe_function(caller, name, deadline, settings.call_timeout)
                    state = "deployed" if deployed[name] else "missing"
                    click.echo(f"  {kind:<8} {name:<24} {state}")
    except SourceError as exc:
        caller.close()
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except UsageProblem:
        caller.close()
        raise

    source = LiveSource(caller, page_size=settings.page_size, call_timeout=settings.call_timeout,
                        description=f"live {safe_url(url)}")
    try:
        result = collect_activity(source, window, deadline=deadline)
    finally:
        source.close()
    click.echo(f"last 24 h: {window.since_iso} .. {window.until_iso}")
    for table, report in result.sources.items():
        line = f"  {table:<13} {report['count']:>6}  {report['status']}"
        if report["function"]:
            line += f" ({report['function']})"
        click.echo(line)
        if report["error"]:
            click.echo(f"  {table}: {report['error']}", err=True)
    indexed_ok = all(deployed[name] for name in INDEXED_FUNCTIONS)
    if not indexed_ok:
        missing = ", ".join(n for n in INDEXED_FUNCTIONS if not deployed[n])
        click.echo(f"not ready: indexed functions missing: {missing}", err=True)
    ok = indexed_ok and result.complete
    click.echo("ready" if ok else "not ready")
    sys.exit(0 if ok else 1)

