"""Plain-text wording shared by the Markdown and HTML renderers (no markup here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["change_text", "avg_text", "window_lines", "history_text", "SECTION_TITLES"]

SECTION_TITLES: dict[str, str] = {
    "overview": "Overview",
    "breakdown": "Incident Breakdown",
    "hotspots": "Hotspot Analysis",
    "tips": "Tips and Leads",
    "actions": "Action Items",
    "quality": "Data Quality",
}


def change_text(row: Mapping[str, Any]) -> str:
    """``+5``, ``-3``, ``±0``, or why there is no comparison."""
    change = row.get("change")
    if change is None:
        return "n/a (previous window not complete)"
    if change == 0:
        return "±0"
    return f"{change:+d}"


def avg_text(row: Mapping[str, Any]) -> str:
    """``99.3 (+4%)`` or ``n/a``."""
    avg = row.get("trailing_avg")
    if avg is None:
        return "n/a (no complete trailing window)"
    pct = row.get("vs_avg_pct")
    return f"{avg:.1f}" + (f" ({pct:+d}%)" if pct is not None else "")


def window_lines(window: Mapping[str, Any]) -> tuple[str, str]:
    """The window in the reader's zone and in UTC, one line each."""
    local = (
        f"{window['local_start']} → {window['local_end']} {window['tz_abbrev']} "
        f"({window['tz']}, {window['hours']:g} h)"
    )
    utc = f"{window['since_iso']} → {window['until_iso']} (UTC, end excluded)"
    return local, utc


def history_text(facts: Mapping[str, Any]) -> str:
    """One line on how many earlier windows the averages really cover."""
    rows = facts["history"]
    usable = sum(1 for r in rows if r["status"] == "complete")
    missing = [f"{r['label']} ({r['status']})" for r in rows if r["status"] != "complete"]
    text = f"Trailing average over {usable} of {len(rows)} earlier windows"
    if missing:
        text += "; not counted: " + ", ".join(missing)
    return text + "."
