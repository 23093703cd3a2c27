"""The brief as Markdown: the same sections as the HTML, with tables where tables fit.

Document text is escaped so a description cannot inject markup, links or table cells.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .wording import (
    SECTION_TITLES,
    avg_text,
    change_text,
    empty_text,
    history_text,
    not_recorded_text,
    tip_person_text,
    tip_place_text,
    wanted_note_text,
    window_lines,
)

__all__ = ["render_markdown", "md_code", "md_text"]

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")


def md_text(value: Any) -> str:
    """One line of literal text: whitespace collapsed, Markdown/HTML specials backslashed."""
    if value is None:
        return "—"
    return _SPECIAL.sub(r"\\\1", " ".join(str(value).split())) or "—"


def md_code(value: Any) -> str:
    """An id or code as a code span (backticks removed: they would end the span)."""
    # GFM reads a bare pipe as a cell border even inside a code span.
    text = " ".join(str(value).replace("`", "").replace("|", "\\|").split())
    return f"`{text}`" if text else "—"


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str = "") -> list[str]:
    """A pipe table; ``align`` holds one of ``l``/``r`` per column (default left)."""
    marks = [("---:" if align[i : i + 1] == "r" else "---") for i in range(len(headers))]
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join(marks) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


def _ranked_table(title: str, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    if not rows:
        return []  # left out: its field is not recorded (see _not_recorded)
    return _table(
        [title, "Incidents", "Share"],
        [[md_text(r["name"]), r["count"], f"{r['share']}%"] for r in rows],
        "lrr",
    )


def _overview(f: Mapping[str, Any]) -> list[str]:
    local, utc = window_lines(f["window"])
    cov = f["coverage"]
    c = f["counts"]
    out = [
        f"## {SECTION_TITLES['overview']}",
        "",
        f"- **Window:** {md_text(local)}",
        f"- **UTC:** {md_text(utc)}",
        f"- **Coverage:** {md_text(cov['line'])}",
        f"- **Source:** {md_text(cov['source'])}",
        f"- **Counts:** {c['incidents']} incidents, {c['tips']} tips; referenced "
        f"{c['criminals']} criminals, {c['persons']} persons, {c['locations']} locations",
        "",
        _table_header_note(f),
        "",
    ]
    out += _table(
        ["Measure", "This window", "vs previous", "Trailing avg (vs avg)"],
        [[r["label"], r["current"], change_text(r), avg_text(r)] for r in f["trend"]],
        "lrrr",
    )
    if f["history"]:
        out += _table(
            ["Earlier window", "Status", "Incidents", "Tips"],
            [
                [
                    md_text(h["label"]),
                    md_text(h["status"] + (f": {h['error']}" if h["error"] else "")),
                    "—" if h["incidents"] is None else h["incidents"],
                    "—" if h["tips"] is None else h["tips"],
                ]
                for h in f["history"]
            ],
            "llrr",
        )
    out += _table(
        ["Source", "Status", "Records", "Note"],
        [
            [r["table"], md_text(r["status"]), r["count"], md_text(r["error"] or "")]
            for r in f["coverage"]["sources"]
        ],
        "llrl",
    )
    return out


def _not_recorded(fields: Sequence[str]) -> list[str]:
    return [md_text(not_recorded_text(fields)), ""] if fields else []


def _table_header_note(f: Mapping[str, Any]) -> str:
    return md_text(history_text(f))


def _breakdown(f: Mapping[str, Any]) -> list[str]:
    b = f["breakdown"]
    out = [f"## {SECTION_TITLES['breakdown']}", ""]
    if not b["total"]:
        return out + [md_text(empty_text(f, "crimeReports", "incidents")), ""]
    out += _ranked_table("Offense type", b["by_offense"])
    out += _ranked_table("Status", b["by_status"])
    out += _ranked_table("Report type", b["by_report_type"])
    out += _not_recorded(b["not_recorded"])
    out += _table(["Flag", "Incidents"], [[r["label"], r["count"]] for r in b["flags"]], "lr")
    wanted = wanted_note_text(f)
    if wanted:
        out += [md_text(wanted), ""]
    return out


def _hotspots(f: Mapping[str, Any]) -> list[str]:
    h = f["hotspots"]
    out = [f"## {SECTION_TITLES['hotspots']}", ""]
    if not f["breakdown"]["total"]:
        return out + [md_text(empty_text(f, "crimeReports", "incidents")), ""]
    out += _not_recorded(h["not_recorded"])  # where the parish/city tables would be
    out += _ranked_table("Parish", h["by_parish"])
    out += _ranked_table("City", h["by_city"])
    shown = len(h["by_neighborhood"])
    if shown:
        out += [f"Top {shown} of {h['neighborhoods_total']} neighbourhoods:", ""]
        out += _ranked_table("Neighbourhood", h["by_neighborhood"])
    if h["busiest_places"]:
        out += ["Busiest places (more than one incident):", ""]
        out += _table(
            ["Place", "Area", "Incidents"],
            [[md_text(p["address"]), md_text(p["area"]), p["count"]] for p in h["busiest_places"]],
            "llr",
        )
    else:
        out += ["No place had more than one incident.", ""]
    out += [
        f"{len(h['points'])} incidents have coordinates (chart in the HTML brief); "
        f"{h['without_coordinates']} have none.",
        "",
    ]
    return out


def _tips(f: Mapping[str, Any]) -> list[str]:
    t = f["tips"]
    out = [f"## {SECTION_TITLES['tips']}", ""]
    if not t["items"]:
        return out + [md_text(empty_text(f, "tips", "tips")), ""]
    rows = []
    for tip in t["items"]:
        rows.append([
            md_text(tip["filed_local"]),
            md_text(tip["seen_local"]),
            md_text(tip_person_text(tip)),
            md_text(tip_place_text(tip)),
            md_text(tip["police_number"]),
            md_text(tip["details"]),
        ])
    out += _table(["Filed", "Seen", "Person", "Location", "Police line", "Details"], rows)
    if t["repeat_persons"]:
        out += ["Persons sighted more than once:", ""]
        out += [
            f"- {md_text(p['name'] or p['person_id'])}: {p['sightings']} tips"
            for p in t["repeat_persons"]
        ] + [""]
    return out


def _actions(f: Mapping[str, Any]) -> list[str]:
    out = [f"## {SECTION_TITLES['actions']}", ""]
    if not f["actions"]:
        out += ["No rule fired.", ""]
    for a in f["actions"]:
        line = f"- **{md_text(a['title'])}**"
        inc = a["incident"]
        if inc is not None:
            line += f" — {md_text(inc['time_local'])}, {md_code(inc['id'])}"
            if inc["status"]:
                line += f", {md_text(inc['status'])}"
        if a["detail"]:
            line += f" — {md_text(a['detail'])}"
        line += f" (rule {md_code(a['rule'])})"
        out.append(line)
    out += ["", "Rules:", ""]
    out += _table(
        ["Rule", "Fires when", "Fired", "Not fired because"],
        [
            [md_code(r["rule"]), md_text(r["text"]), r["fired"], md_text(r["note"])]
            for r in f["rules"]
        ],
        "llrl",
    )
    return out


def _quality(f: Mapping[str, Any]) -> list[str]:
    q = f["quality"]
    out = [f"## {SECTION_TITLES['quality']}", ""]
    if not q["total"]:
        return out + ["No data-quality warnings.", ""]
    out += _table(
        ["Warning", "Count", "Tables", "Example"],
        [
            [
                md_code(r["code"]),
                r["count"],
                md_text(", ".join(r["tables"])),
                md_text(r["examples"][0] if r["examples"] else ""),
            ]
            for r in q["by_code"]
        ],
        "lrll",
    )
    return out


def render_markdown(facts: Mapping[str, Any]) -> str:
    """The whole brief as Markdown text (ends with one newline)."""
    w = facts["window"]
    lines = [f"# {md_text(facts['title'])} — {md_text(w['label'])}", ""]
    if not facts["coverage"]["complete"]:
        lines += [f"> **{md_text(facts['coverage']['line'])}**", ""]
    for part in (_overview, _breakdown, _hotspots, _tips, _actions, _quality):
        lines += part(facts)
    return "\n".join(lines).rstrip("\n") + "\n"
