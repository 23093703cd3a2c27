"""The brief as one self-contained HTML file: inline CSS, inline SVG charts, no script.

Nothing is fetched when the file is opened (no external URL of any kind), it reads at phone
width, and every piece of document text goes through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .svg import bar_chart, history_chart, scatter_chart
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

__all__ = ["render_html"]

_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#edf2f7;color:#1a202c;
 font:16px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:960px;margin:0 auto;padding:16px}
header{background:#1a365d;color:#fff;padding:20px 16px;border-radius:8px}
header h1{margin:0;font-size:1.6em}
header p{margin:4px 0 0;opacity:.9}
section{background:#fff;border-radius:8px;padding:16px;margin-top:16px;
 box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{margin:0 0 12px;font-size:1.3em;color:#1a365d;border-bottom:2px solid #e2e8f0;padding-bottom:6px}
h3{font-size:1.05em;margin:16px 0 6px}
.banner{margin-top:16px;padding:12px 16px;border-radius:8px;font-weight:bold}
.banner.bad{background:#fed7d7;color:#742a2a}
.banner.ok{background:#c6f6d5;color:#22543d}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px}
.card{background:#f7fafc;border:1px solid #e2e8f0;border-radius:6px;padding:10px}
.card .n{font-size:1.8em;font-weight:bold}
.card .l{font-size:.9em;color:#4a5568}
.card .t{font-size:.85em;color:#4a5568}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:4px 0 12px;font-size:.95em}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e2e8f0;vertical-align:top}
th{background:#f7fafc;font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
td.nw{white-space:nowrap}
.chart{width:100%;max-width:620px;height:auto;display:block;margin:8px 0}
.chart.bars{max-width:460px}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:16px}
ul.actions{padding-left:0;list-style:none}
ul.actions li{border-left:4px solid #c53030;background:#fff5f5;padding:8px 10px;margin:8px 0;
 border-radius:0 6px 6px 0}
ul.actions li.hotspot_above_trailing{border-color:#dd6b20;background:#fffaf0}
ul.actions li.repeat_sighting{border-color:#2b6cb0;background:#ebf8ff}
.rule{display:inline-block;font-size:.8em;color:#4a5568;font-family:monospace}
.muted{color:#4a5568;font-size:.9em}
.legend span{display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 4px 0 10px}
code{font-size:.9em}
footer{color:#4a5568;font-size:.85em;padding:16px 4px}
"""


def _e(value: Any) -> str:
    """Escaped text; ``—`` for a missing value."""
    if value is None or value == "":
        return "—"
    return escape(str(value))


def _empty(f: Mapping[str, Any], table: str, noun: str) -> str:
    """The paragraph of a section with nothing to list (see :func:`empty_text`)."""
    return f"<p>{_e(empty_text(f, table, noun))}</p>"


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    numeric: Sequence[int] = (),
    nowrap: Sequence[int] = (),
) -> str:
    """A table; cells are escaped here, ``numeric`` column indexes align right, ``nowrap``
    ones never break (a phone number split over two lines reads as two numbers)."""

    def cell(tag: str, i: int, value: Any) -> str:
        cls = "num" if i in numeric else "nw" if i in nowrap else ""
        return f'<{tag} class="{cls}">{_e(value)}</{tag}>' if cls else f"<{tag}>{_e(value)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _ranked(title: str, rows: Sequence[Mapping[str, Any]]) -> str:
    return _table(
        [title, "Incidents", "Share"],
        [[r["name"], r["count"], f"{r['share']}%"] for r in rows],
        (1, 2),
    )


def _ranked_block(heading: str, title: str, rows: Sequence[Mapping[str, Any]]) -> str:
    """Heading and table, or nothing when the field is not recorded (see _not_recorded)."""
    return f"<div><h3>{_e(heading)}</h3>{_ranked(title, rows)}</div>" if rows else ""


def _not_recorded(fields: Sequence[str]) -> str:
    return f'<p class="muted">{_e(not_recorded_text(fields))}</p>' if fields else ""


def _section(key: str, body: str) -> str:
    return f'<section id="{key}"><h2>{_e(SECTION_TITLES[key])}</h2>{body}</section>'


def _overview(f: Mapping[str, Any]) -> str:
    local, utc = window_lines(f["window"])
    cov = f["coverage"]
    # As many windows as --trailing collected (none: there is no average to name).
    avg_label = f"{len(f['history'])}-window avg" if f["history"] else "Trailing avg"
    cards = "".join(
        f'<div class="card"><div class="n">{_e(r["current"])}</div>'
        f'<div class="l">{_e(r["label"])}</div>'
        f'<div class="t">vs previous: {_e(change_text(r))}<br>'
        f"{avg_label}: {_e(avg_text(r))}</div></div>"
        for r in f["trend"]
    )
    c = f["counts"]
    body = (
        f"<p><strong>Window:</strong> {_e(local)}<br><strong>UTC:</strong> {_e(utc)}<br>"
        f"<strong>Source:</strong> {_e(cov['source'])}<br>"
        f"<strong>Referenced:</strong> {c['criminals']} criminals, {c['persons']} persons, "
        f"{c['locations']} locations</p>"
        f'<div class="cards">{cards}</div>'
        f'<p class="muted">{_e(history_text(f))}</p>'
    )
    if f["history"]:
        bars: list[tuple[str, int | None, bool]] = [
            (h["short_label"], h["incidents"], False) for h in reversed(f["history"])
        ]
        bars.append((f["window"]["short_label"], f["counts"]["incidents"], True))
        body += "<h3>Incidents per window</h3>" + history_chart(
            bars, "Incidents in this window (red) and the earlier windows"
        )
    body += "<h3>Sources</h3>" + _table(
        ["Source", "Status", "Records", "Note"],
        [[r["table"], r["status"], r["count"], r["error"] or ""] for r in cov["sources"]],
        (2,),
    )
    return _section("overview", body)


def _breakdown(f: Mapping[str, Any]) -> str:
    b = f["breakdown"]
    if not b["total"]:
        return _section("breakdown", _empty(f, "crimeReports", "incidents"))
    body = (
        "<h3>By offense type</h3>"
        + bar_chart(b["by_offense"], "Incidents by offense type")
        + _ranked("Offense type", b["by_offense"])
        + '<div class="grid2">'
        + _ranked_block("By status", "Status", b["by_status"])
        + _ranked_block("By report type", "Report type", b["by_report_type"])
        + "</div>"
        + _not_recorded(b["not_recorded"])
        + "<h3>Flags</h3>"
        + _table(["Flag", "Incidents"], [[r["label"], r["count"]] for r in b["flags"]], (1,))
    )
    wanted = wanted_note_text(f)
    if wanted:
        body += f'<p class="muted">{_e(wanted)}</p>'
    return _section("breakdown", body)


def _hotspots(f: Mapping[str, Any]) -> str:
    h = f["hotspots"]
    if not f["breakdown"]["total"]:
        return _section("hotspots", _empty(f, "crimeReports", "incidents"))
    body = (
        "<h3>Where incidents were reported</h3>"
        + scatter_chart(h["points"], "Incident coordinates")
        + '<p class="legend muted"><span style="background:#2b6cb0"></span>incident'
        f'<span style="background:#c53030"></span>weapons involved · {len(h["points"])} '
        f"plotted, {h['without_coordinates']} without coordinates</p>"
        + _not_recorded(h["not_recorded"])  # where the parish/city tables would be
        + '<div class="grid2">'
        + _ranked_block("By parish", "Parish", h["by_parish"])
        + _ranked_block("By city", "City", h["by_city"])
        + "</div>"
        + _ranked_block(
            f"Top {len(h['by_neighborhood'])} of {h['neighborhoods_total']} neighbourhoods",
            "Neighbourhood",
            h["by_neighborhood"],
        )
        + "<h3>Busiest places</h3>"
    )
    if h["busiest_places"]:
        body += _table(
            ["Place", "Area", "Incidents"],
            [[p["address"], p["area"], p["count"]] for p in h["busiest_places"]],
            (2,),
        )
    else:
        body += "<p>No place had more than one incident.</p>"
    return _section("hotspots", body)


def _tips(f: Mapping[str, Any]) -> str:
    t = f["tips"]
    if not t["items"]:
        return _section("tips", _empty(f, "tips", "tips"))
    rows = []
    for tip in t["items"]:
        rows.append([
            tip["filed_local"],
            tip["seen_local"],
            tip_person_text(tip),
            tip_place_text(tip),
            tip["police_number"],
            tip["details"],
        ])
    body = _table(
        ["Filed", "Seen", "Person", "Location", "Police line", "Details"], rows, nowrap=(4,)
    )
    if t["repeat_persons"]:
        body += (
            "<h3>Persons sighted more than once</h3><ul>"
            + "".join(
                f"<li>{_e(p['name'] or p['person_id'])}: {p['sightings']} tips</li>"
                for p in t["repeat_persons"]
            )
            + "</ul>"
        )
    return _section("tips", body)


def _actions(f: Mapping[str, Any]) -> str:
    items = []
    for a in f["actions"]:
        inc = a["incident"]
        meta = ""
        if inc is not None:
            meta = f"<br>{_e(inc['time_local'])} · <code>{_e(inc['id'])}</code>"
            if inc["status"]:
                meta += f" · {_e(inc['status'])}"
        detail = f"<br>{_e(a['detail'])}" if a["detail"] else ""
        items.append(
            f'<li class="{_e(a["rule"])}"><strong>{_e(a["title"])}</strong>{meta}{detail}'
            f'<br><span class="rule">rule: {_e(a["rule"])}</span></li>'
        )
    body = f'<ul class="actions">{"".join(items)}</ul>' if items else "<p>No rule fired.</p>"
    body += "<h3>Rules</h3>" + _table(
        ["Rule", "Fires when", "Fired", "Not fired because"],
        [[r["rule"], r["text"], r["fired"], r["note"]] for r in f["rules"]],
        (2,),
    )
    return _section("actions", body)


def _quality(f: Mapping[str, Any]) -> str:
    q = f["quality"]
    if not q["total"]:
        return _section("quality", "<p>No data-quality warnings.</p>")
    body = _table(
        ["Warning", "Count", "Tables", "Example"],
        [
            [
                r["code"],
                r["count"],
                ", ".join(r["tables"]),
                r["examples"][0] if r["examples"] else "",
            ]
            for r in q["by_code"]
        ],
        (1,),
    )
    return _section("quality", body)


def render_html(facts: Mapping[str, Any]) -> str:
    """The whole brief as one HTML document (UTF-8 text)."""
    w, cov = facts["window"], facts["coverage"]
    title = f"{facts['title']} — {w['label']}"
    banner_class = "ok" if cov["complete"] and not cov["degraded"] else "bad"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<header><h1>{_e(facts['title'])}</h1><p>{_e(window_lines(w)[0])}</p></header>",
        f'<div class="banner {banner_class}">{_e(cov["line"])}</div>',
        _overview(facts),
        _breakdown(facts),
        _hotspots(facts),
        _tips(facts),
        _actions(facts),
        _quality(facts),
        f"<footer>Generated from {_e(cov['source'])}; collected at {_e(cov['collected_at'])}. "
        "Counts are computed, not estimated; every action item names the rule that "
        "produced it.</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"
