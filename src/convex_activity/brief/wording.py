"""Plain-text wording shared by the Markdown and HTML renderers (no markup here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "SECTION_TITLES",
    "avg_text",
    "change_text",
    "empty_text",
    "history_text",
    "not_recorded_text",
    "plural",
    "wanted_note_text",
    "tip_person_text",
    "tip_place_text",
    "window_lines",
]

SECTION_TITLES: dict[str, str] = {
    "overview": "Overview",
    "breakdown": "Incident Breakdown",
    "hotspots": "Hotspot Analysis",
    "tips": "Tips and Leads",
    "actions": "Action Items",
    "quality": "Data Quality",
}


def plural(count: int, noun: str) -> str:
    """``1 window``, ``7 windows``: a count with its noun, plural unless the count is one.

    Args:
        count: how many.
        noun: the singular noun phrase; the plural adds ``s``.
    """
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def change_text(row: Mapping[str, Any]) -> str:
    """``+5``, ``-3``, ``±0``, or why there is no comparison."""
    change = row.get("change")
    if change is None:
        status = row.get("previous_status")
        if status is None:
            return "n/a (previous window not collected)"
        return f"n/a (previous window {status})"
    if change == 0:
        return "±0"
    return f"{change:+d}"


def avg_text(row: Mapping[str, Any]) -> str:
    """``99.3 (+4%)`` or ``n/a``.

    The percentage was computed from the exact average; the average is shown to one decimal
    (``<0.1`` when it is above zero but rounds to 0.0, so a percentage never sits beside 0.0).
    """
    avg = row.get("trailing_avg")
    if avg is None:
        return "n/a (no complete earlier window)"
    pct = row.get("vs_avg_pct")
    shown = "<0.1" if pct is not None and avg == 0 else f"{avg:.1f}"
    return shown + (f" ({pct:+d}%)" if pct is not None else "")


def empty_text(facts: Mapping[str, Any], table: str, noun: str) -> str:
    """What an empty section says: none in the window, or that the source could not tell.

    Args:
        facts: the brief's facts.
        table: the source table behind the section (``crimeReports`` or ``tips``).
        noun: what the section lists, plural (``incidents``, ``tips``).
    """
    row = next((r for r in facts["coverage"]["sources"] if r["table"] == table), None)
    if row is not None and row["status"] not in ("ok", "degraded"):
        state = {"failed": "failed", "missing_function": "has no deployed function"}.get(
            row["status"], f"is {row['status']}"
        )
        return f"No {noun} could be collected: the {table} source {state} (see Overview)."
    return f"No {noun} in this window."


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
    if not rows:
        return "No earlier window was collected: there is no trend or trailing average."
    usable = sum(1 for r in rows if r["status"] == "complete")
    missing = [f"{r['label']} ({r['status']})" for r in rows if r["status"] != "complete"]
    text = f"Trailing average over {usable} of {plural(len(rows), 'earlier window')}"
    if missing:
        text += "; not counted: " + ", ".join(missing)
    return text + "."


def tip_person_text(tip: Mapping[str, Any]) -> str:
    """Who a tip is about: name (or id), alias, crime, and whether the person was found."""
    text = str(tip["person_name"] or tip["person_id"] or "—")
    if tip["person_alias"]:
        text += f" (alias {tip['person_alias']})"
    if tip["person_crime"]:
        text += f"; {tip['person_crime']}"
    if not tip["person_resolved"]:
        text += " — not found"
    return text


def tip_place_text(tip: Mapping[str, Any]) -> str:
    """Where a tip was sighted: coordinates, or why there are none.

    The location's police line has its own column, so it cannot be read as part of them.
    """
    coords = tip["coordinates"]
    if coords:
        return f"{coords['lat']:.4f}, {coords['lng']:.4f}"
    return "not found" if tip["location_id"] else "—"


def not_recorded_text(fields: Sequence[str]) -> str:
    """One line for breakdowns left out because no incident records their field."""
    names = [str(f) for f in fields]
    if len(names) == 1:
        subject = f"{names[0].capitalize()} is"
    else:
        subject = f"{', '.join(names[:-1]).capitalize()} and {names[-1]} are"
    return f"{subject} not recorded in this data."


def wanted_note_text(facts: Mapping[str, Any]) -> str | None:
    """Beside the "Wanted fugitive" flag count: how many reports fired the rule, and why the
    others did not, so the two numbers reconcile. None when every named criminal was wanted."""
    rule = next((r for r in facts["rules"] if r["rule"] == "wanted_criminal"), None)
    if rule is None or not rule["note"]:
        return None
    return f"Rule wanted_criminal fired {plural(rule['fired'], 'time')}; {rule['note']}."
