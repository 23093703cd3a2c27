"""The brief's facts: every number, list and action item, computed once, deterministically.

Renderers (Markdown, HTML, JSON) only format what :func:`build_facts` returns; they never count.
Input is the collector's result dict (``ActivityResult.to_dict()``, shape in docs/design.md) for
the current window, plus :class:`~.history.WindowRun` values for the trailing windows (the
previous window first). Only whitelisted fields are read from records, so a personal field that
slipped into a result (a tip's ``userId``, file uploads, storage ids) can never reach the brief.
The only clock is the result's own ``collected_at``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..window import Window, zone
from .history import WindowRun
from .wording import plural

__all__ = [
    "FLAG_LABELS",
    "HOTSPOT_MIN_COUNT",
    "HOTSPOT_RATIO",
    "OPEN_STATUSES",
    "rule_texts",
    "SUMMARY_CHARS",
    "TRAILING_WINDOWS",
    "build_facts",
    "summarize_text",
]

#: How many earlier windows ``report`` collects by default (``--trailing``). The brief itself
#: uses every earlier window it is given, however many that is.
TRAILING_WINDOWS = 7
#: Statuses that mean a report still needs work.
OPEN_STATUSES: tuple[str, ...] = ("active", "investigating")
#: A place is a hotspot when it has at least this many incidents ...
HOTSPOT_MIN_COUNT = 3
#: ... and at least this multiple of its trailing average.
HOTSPOT_RATIO = 2.0
#: Free text (descriptions, tip details) is cut to this many characters.
SUMMARY_CHARS = 160
#: Rows kept in "top" tables (busiest places, neighbourhoods).
TOP_N = 10

#: Result flag → label, in the result's flag order.
FLAG_LABELS: dict[str, str] = {
    "school": "School related",
    "wanted_fugitive": "Wanted fugitive",
    "drugs": "Drugs involved",
    "abuse": "Abuse involved",
    "weapons": "Weapons involved",
}

def rule_texts(trailing: int) -> dict[str, str]:
    """Every action rule, in priority order, with the one line that explains it.

    Args:
        trailing: how many earlier windows were collected (the hotspot rule compares with them).
    """
    if trailing:
        average = f"its average over the {plural(trailing, 'trailing window')}"
    else:
        average = "its trailing average (no earlier window was collected, so it cannot fire)"
    return {
        "coverage_gap": "A source failed: the brief is missing data until it is collected again.",
        "weapons_open": (
            "Report involves weapons and is still open (status active or investigating)."
        ),
        "wanted_criminal": "Report names a criminal whose status is wanted.",
        "hotspot_above_trailing": (
            f"Place with at least {HOTSPOT_MIN_COUNT} incidents and at least "
            f"{HOTSPOT_RATIO:g}x {average}."
        ),
        "repeat_sighting": "Person named in more than one tip in this window.",
    }

#: Headline counts that get a trend line: key → label.
_HEADLINES: tuple[tuple[str, str], ...] = (
    ("incidents", "Incidents"),
    ("open", "Open reports"),
    ("weapons", "Weapons involved"),
    ("drugs", "Drugs involved"),
    ("existing_criminal", "Known-offender reports"),
    ("tips", "Tips"),
)

_NONE_LABEL = "(not recorded)"
_DIM_LABELS = {"parish": "Parish", "neighborhood": "Neighbourhood"}
#: Breakdown key → the field it counts, as a reader names it.
FIELD_LABELS: dict[str, str] = {
    "by_offense": "offense type",
    "by_status": "status",
    "by_report_type": "report type",
    "by_parish": "parish",
    "by_city": "city",
    "by_neighborhood": "neighbourhood",
}


# -- small helpers ----------------------------------------------------------------------------
def summarize_text(text: Any, limit: int = SUMMARY_CHARS) -> str:
    """One line of at most ``limit`` characters: whitespace collapsed, cut at a word with '…'."""
    if not isinstance(text, str):
        return ""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _str(value: Any) -> str | None:
    """A non-empty stripped string, else None."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value:
        return int(value)
    return None


def _coords(value: Any) -> dict[str, float] | None:
    """``{"lat", "lng"}`` when both are finite numbers, else None."""
    if not isinstance(value, Mapping):
        return None
    lat, lng = value.get("lat"), value.get("lng")
    for v in (lat, lng):
        if isinstance(v, bool) or not isinstance(v, int | float) or v != v:
            return None
        if v in (float("inf"), float("-inf")):
            return None
    assert isinstance(lat, int | float) and isinstance(lng, int | float)
    return {"lat": float(lat), "lng": float(lng)}


def _ranked(counter: Counter[str], total: int, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows ``{name, count, share}`` by count descending, then name; share in whole percent."""
    rows = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    if limit is not None:
        rows = rows[:limit]
    return [
        {"name": name, "count": count, "share": round(100 * count / total) if total else 0}
        for name, count in rows
    ]


def _drop_unrecorded(tables: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Empty every table whose only row is "(not recorded)"; return their field labels.

    A 100 % "(not recorded)" table (e.g. parish for DC, which has none) says nothing a reader
    can use, so the brief replaces it with one line naming the field.
    """
    dropped = []
    for key, rows in tables.items():
        if len(rows) == 1 and rows[0]["name"] == _NONE_LABEL:
            tables[key] = []
            dropped.append(FIELD_LABELS[key])
    return dropped


def _local(ms: int, tz: str, fmt: str) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(zone(tz)).strftime(fmt)


def _seen_text(value: Any, tz: str) -> str | None:
    """A tip's ``time_of_sighting`` for a reader: an ISO instant in the display zone, other text
    as given (the tipster may have written "evening"), None when absent."""
    text = summarize_text(value)  # free text: one line, cut like a tip's details
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            return text  # a local time without a zone is not an instant: do not guess one
        return moment.astimezone(zone(tz)).strftime("%d %b %H:%M")
    except (ValueError, OverflowError):
        return text


def _records(result: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = result.get(key)
    if not isinstance(value, list):
        return []
    return [r for r in value if isinstance(r, Mapping)]


# -- per-window counting ----------------------------------------------------------------------
def _place_keys(incident: Mapping[str, Any]) -> dict[str, str | None]:
    loc = incident.get("location")
    loc = loc if isinstance(loc, Mapping) else {}
    return {
        "parish": _str(loc.get("parish")),
        "city": _str(loc.get("city")),
        "neighborhood": _str(loc.get("neighborhood")),
        "address": _str(loc.get("address")),
    }


def _flags(incident: Mapping[str, Any]) -> list[str]:
    raw = incident.get("flags")
    if not isinstance(raw, list):
        return []
    return [f for f in FLAG_LABELS if f in raw]


def _is_open(incident: Mapping[str, Any]) -> bool:
    return _str(incident.get("status")) in OPEN_STATUSES


def headline_counts(result: Mapping[str, Any]) -> dict[str, int]:
    """The counts that get a trend line, for one result."""
    incidents = _records(result, "incidents")
    return {
        "incidents": len(incidents),
        "open": sum(1 for i in incidents if _is_open(i)),
        "weapons": sum(1 for i in incidents if "weapons" in _flags(i)),
        "drugs": sum(1 for i in incidents if "drugs" in _flags(i)),
        "existing_criminal": sum(
            1 for i in incidents if i.get("report_type") == "existing_criminal"
        ),
        "tips": len(_records(result, "tips")),
    }


def _place_counts(result: Mapping[str, Any]) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {"parish": Counter(), "neighborhood": Counter()}
    for incident in _records(result, "incidents"):
        keys = _place_keys(incident)
        for dim in counts:
            name = keys[dim]
            if name is not None:
                counts[dim][name] += 1
    return counts


# -- sections ---------------------------------------------------------------------------------
def _window_facts(window: Mapping[str, Any], tz: str) -> dict[str, Any]:
    since, until = int(window["since"]), int(window["until"])
    w = Window(since=since, until=until)
    start_fmt = "%a %d %b %Y %H:%M"
    return {
        "since": since,
        "until": until,
        "since_iso": w.since_iso,
        "until_iso": w.until_iso,
        "tz": tz,
        "local_start": _local(since, tz, start_fmt),
        "local_end": _local(until, tz, start_fmt),
        "tz_abbrev": _local(since, tz, "%Z"),
        "utc_start": _local(since, "UTC", "%a %d %b %Y %H:%M"),
        "utc_end": _local(until, "UTC", "%a %d %b %Y %H:%M"),
        "hours": round(w.duration_ms / 3_600_000, 2),
        "label": _local(since, tz, "%a %d %b %Y"),
        "short_label": _local(since, tz, "%d %b"),
    }


def _coverage(result: Mapping[str, Any]) -> dict[str, Any]:
    sources = result.get("sources")
    sources = sources if isinstance(sources, Mapping) else {}
    rows: list[dict[str, Any]] = []
    for table in sorted(sources):
        rep = sources[table]
        if not isinstance(rep, Mapping):
            continue
        rows.append(
            {
                "table": table,
                "status": _str(rep.get("status")) or "unknown",
                "count": _int(rep.get("count")) or 0,
                "function": _str(rep.get("function")),
                "error": _str(rep.get("error")),
            }
        )
    failed = [r["table"] for r in rows if r["status"] not in ("ok", "degraded")]
    degraded = [r["table"] for r in rows if r["status"] == "degraded"]
    complete = result.get("complete") is True
    collected_at = _str(result.get("collected_at")) or "unknown"
    # collected_at is when the tool ran, not how fresh the data is: the window says that.
    if complete and not degraded:
        line = f"Complete: every source answered. Collected at {collected_at}."
    elif complete:
        line = (
            f"Complete, with degraded sources ({', '.join(degraded)}) answered through a "
            f"fallback. Collected at {collected_at}."
        )
    else:
        line = (
            f"INCOMPLETE: {', '.join(failed) or 'a source'} failed; counts below are a lower "
            f"bound. Collected at {collected_at}."
        )
    return {
        "collected_at": collected_at,
        "source": _str(result.get("source")) or "unknown",
        "complete": complete,
        "failed": failed,
        "degraded": degraded,
        "sources": rows,
        "line": line,
    }


def _history_rows(history: Sequence[WindowRun], tz: str) -> list[dict[str, Any]]:
    rows = []
    for k, run in enumerate(history, start=1):
        counts = headline_counts(run.result) if run.result is not None else None
        rows.append(
            {
                "offset": -k,
                "since_iso": run.window.since_iso,
                "label": _local(run.window.since, tz, "%a %d %b"),
                "short_label": _local(run.window.since, tz, "%d %b"),
                "status": run.status,
                # An incomplete or failed window has no trustworthy count: None, never 0.
                "incidents": counts["incidents"] if counts and run.usable else None,
                "tips": counts["tips"] if counts and run.usable else None,
                "error": run.error
                or (None if run.usable else _incomplete_reason(run.result or {})),
            }
        )
    return rows


def _incomplete_reason(result: Mapping[str, Any]) -> str:
    failed = _coverage(result)["failed"]
    return f"{', '.join(failed) or 'a source'} failed"


def _trend(current: Mapping[str, Any], history: Sequence[WindowRun]) -> list[dict[str, Any]]:
    now = headline_counts(current)
    usable = [headline_counts(r.result) for r in history if r.usable and r.result is not None]
    prev = history[0] if history else None
    rows = []
    for key, label in _HEADLINES:
        previous = (
            headline_counts(prev.result)[key]
            if prev is not None and prev.usable and prev.result is not None
            else None
        )
        # The percentage comes from the exact average; only the shown average is rounded.
        avg = sum(c[key] for c in usable) / len(usable) if usable else None
        rows.append(
            {
                "metric": key,
                "label": label,
                "current": now[key],
                "previous": previous,
                "previous_status": prev.status if prev is not None else None,
                "change": now[key] - previous if previous is not None else None,
                "trailing_avg": round(avg, 1) if avg is not None else None,
                "vs_avg_pct": round(100 * (now[key] - avg) / avg) if avg else None,
            }
        )
    return rows


def _breakdown(incidents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    total = len(incidents)
    offense = Counter(_str(i.get("type")) or _NONE_LABEL for i in incidents)
    status = Counter(_str(i.get("status")) or _NONE_LABEL for i in incidents)
    report_type = Counter(_str(i.get("report_type")) or _NONE_LABEL for i in incidents)
    flag_counts = Counter(f for i in incidents for f in _flags(i))
    tables = {
        "by_offense": _ranked(offense, total),
        "by_status": _ranked(status, total),
        "by_report_type": _ranked(report_type, total),
    }
    not_recorded = _drop_unrecorded(tables)
    return {
        "total": total,
        **tables,
        "not_recorded": not_recorded,
        "flags": [
            {"flag": f, "label": FLAG_LABELS[f], "count": flag_counts[f]} for f in FLAG_LABELS
        ],
    }


def _hotspots(incidents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    total = len(incidents)
    dims: dict[str, Counter[str]] = {d: Counter() for d in ("parish", "city", "neighborhood")}
    places: Counter[tuple[str, str]] = Counter()
    points: list[dict[str, Any]] = []
    for incident in sorted(incidents, key=_record_key):
        keys = _place_keys(incident)
        for dim, counter in dims.items():
            counter[keys[dim] or _NONE_LABEL] += 1
        if keys["address"] is not None:
            places[(keys["address"], keys["neighborhood"] or keys["parish"] or "")] += 1
        loc = incident.get("location")
        coords = _coords(loc.get("coordinates")) if isinstance(loc, Mapping) else None
        if coords is not None:
            points.append(
                {
                    "lat": coords["lat"],
                    "lng": coords["lng"],
                    "type": _str(incident.get("type")) or _NONE_LABEL,
                    "weapons": "weapons" in _flags(incident),
                }
            )
    busiest = sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))
    tables = {
        "by_parish": _ranked(dims["parish"], total),
        "by_city": _ranked(dims["city"], total),
        "by_neighborhood": _ranked(dims["neighborhood"], total, TOP_N),
    }
    not_recorded = _drop_unrecorded(tables)
    return {
        **tables,
        "not_recorded": not_recorded,
        "neighborhoods_total": len(dims["neighborhood"]) if tables["by_neighborhood"] else 0,
        "busiest_places": [
            {"address": addr, "area": area or None, "count": n}
            for (addr, area), n in busiest[:TOP_N]
            if n > 1
        ],
        "points": points,
        "without_coordinates": total - len(points),
    }


def _record_key(record: Mapping[str, Any]) -> tuple[int, str]:
    return (_int(record.get("timestamp")) or 0, str(record.get("id") or ""))


def _tips(result: Mapping[str, Any], tz: str) -> dict[str, Any]:
    persons = {str(p.get("id")): p for p in _records(result, "persons")}
    locations = {str(loc.get("id")): loc for loc in _records(result, "locations")}
    items = []
    per_person: Counter[str] = Counter()
    for tip in sorted(_records(result, "tips"), key=_record_key):
        person_id = _str(tip.get("person_id"))
        location_id = _str(tip.get("location_id"))
        person = persons.get(person_id) if person_id else None
        location = locations.get(location_id) if location_id else None
        if person_id:
            per_person[person_id] += 1
        ts = _int(tip.get("timestamp"))
        items.append(
            {
                "id": _str(tip.get("id")),
                # When the tip was filed; when the person was seen is the tipster's own field.
                "filed_local": _local(ts, tz, "%d %b %H:%M") if ts is not None else None,
                "seen_local": _seen_text(tip.get("time_of_sighting"), tz),
                "details": summarize_text(tip.get("details")),
                "time_of_sighting": summarize_text(tip.get("time_of_sighting")) or None,
                "person_id": person_id,
                "person_name": (_str(person.get("name")) if person else None)
                or _str(tip.get("person_name")),
                "person_alias": _str(person.get("alias")) if person else None,
                "person_crime": _str(person.get("crime")) if person else None,
                "person_resolved": person is not None,
                "location_id": location_id,
                "coordinates": _coords(location.get("coordinates")) if location else None,
                "police_number": _str(location.get("police_number")) if location else None,
                "location_resolved": location is not None,
            }
        )
    repeat = [
        {
            "person_id": pid,
            "name": (_str(persons[pid].get("name")) if pid in persons else None),
            "sightings": n,
        }
        for pid, n in sorted(per_person.items(), key=lambda kv: (-kv[1], kv[0]))
        if n > 1
    ]
    return {"count": len(items), "items": items, "repeat_persons": repeat}


def _incident_ref(incident: Mapping[str, Any], tz: str) -> dict[str, Any]:
    keys = _place_keys(incident)
    ts = _int(incident.get("timestamp"))
    return {
        "id": _str(incident.get("id")),
        "time_local": _local(ts, tz, "%d %b %H:%M") if ts is not None else None,
        "type": _str(incident.get("type")) or _NONE_LABEL,
        "status": _str(incident.get("status")),
        "place": keys["address"] or keys["neighborhood"] or keys["parish"] or keys["city"],
        "area": keys["neighborhood"] or keys["parish"],
        "summary": summarize_text(incident.get("description")),
    }


def _actions(
    current: Mapping[str, Any],
    history: Sequence[WindowRun],
    coverage: Mapping[str, Any],
    tips: Mapping[str, Any],
    tz: str,
    rules: Mapping[str, str],
) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    for row in coverage["sources"]:
        if row["status"] not in ("ok", "degraded"):
            actions.append(
                {
                    "rule": "coverage_gap",
                    "title": f"Source {row['table']} {row['status']}",
                    "detail": row["error"] or "no error text",
                    "incident": None,
                }
            )
    incidents = sorted(_records(current, "incidents"), key=_record_key)
    for incident in incidents:
        if "weapons" in _flags(incident) and _is_open(incident):
            ref = _incident_ref(incident, tz)
            actions.append(
                {
                    "rule": "weapons_open",
                    "title": f"{ref['type']} at {ref['place'] or 'unknown place'}",
                    "detail": ref["summary"] or None,
                    "incident": ref,
                }
            )
    criminals = {str(c.get("id")): c for c in _records(current, "criminals")}
    for incident in incidents:
        crim_id = _str(incident.get("criminal_id"))
        criminal = criminals.get(crim_id) if crim_id else None
        if criminal is not None and _str(criminal.get("status")) == "wanted":
            ref = _incident_ref(incident, tz)
            name = _str(criminal.get("name")) or _str(incident.get("criminal_name")) or crim_id
            crime = _str(criminal.get("primary_crime"))
            actions.append(
                {
                    "rule": "wanted_criminal",
                    "title": f"Wanted: {name}" + (f" ({crime})" if crime else ""),
                    "detail": f"{ref['type']} at {ref['place'] or 'unknown place'}",
                    "incident": ref,
                }
            )
    usable = [r.result for r in history if r.usable and r.result is not None]
    if usable:
        now = _place_counts(current)
        past = [_place_counts(r) for r in usable]
        for dim in ("parish", "neighborhood"):
            for name, count in sorted(now[dim].items(), key=lambda kv: (-kv[1], kv[0])):
                avg = sum(p[dim][name] for p in past) / len(past)
                if count >= HOTSPOT_MIN_COUNT and count >= HOTSPOT_RATIO * avg:
                    actions.append(
                        {
                            "rule": "hotspot_above_trailing",
                            "title": f"{_DIM_LABELS[dim]} {name}: {count} incidents",
                            "detail": (
                                f"trailing average {avg:.1f} over {plural(len(past), 'window')}"
                            ),
                            "incident": None,
                        }
                    )
    for person in tips["repeat_persons"]:
        actions.append(
            {
                "rule": "repeat_sighting",
                "title": f"{person['name'] or person['person_id']}: {person['sightings']} tips",
                "detail": None,
                "incident": None,
            }
        )
    for action in actions:
        action["rule_text"] = rules[action["rule"]]
    return actions


def _quality(result: Mapping[str, Any]) -> dict[str, Any]:
    by_code: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for warning in _records(result, "warnings"):
        by_code[_str(warning.get("code")) or "unknown"].append(warning)
    rows = []
    for code in sorted(by_code, key=lambda c: (-len(by_code[c]), c)):
        items = by_code[code]
        tables = sorted({_str(w.get("table")) or "?" for w in items})
        rows.append(
            {
                "code": code,
                "count": len(items),
                "tables": tables,
                "examples": [summarize_text(w.get("message"), 200) for w in items[:3]],
            }
        )
    return {"total": sum(r["count"] for r in rows), "by_code": rows}


def _reports(n: int) -> str:
    return f"{n} report names" if n == 1 else f"{n} reports name"


def _wanted_note(current: Mapping[str, Any], coverage: Mapping[str, Any]) -> str | None:
    """Why reports that name a criminal did not fire ``wanted_criminal``, so counts reconcile.

    A report flagged "wanted fugitive" whose criminal is missing from the result, or is no
    longer wanted, is counted in the flags but cannot fire the rule.
    """
    criminals = {str(c.get("id")): c for c in _records(current, "criminals")}
    missing = not_wanted = 0
    for incident in _records(current, "incidents"):
        crim_id = _str(incident.get("criminal_id"))
        if crim_id is None:
            continue
        criminal = criminals.get(crim_id)
        if criminal is None:
            missing += 1
        elif _str(criminal.get("status")) != "wanted":
            not_wanted += 1
    parts = []
    if missing:
        why = (
            "could not be looked up (the criminals source failed)"
            if "criminals" in coverage["failed"]
            else "could not be found"
        )
        parts.append(f"{_reports(missing)} a criminal who {why}")
    if not_wanted:
        parts.append(f"{_reports(not_wanted)} a criminal whose status is not wanted")
    return "; ".join(parts) or None


def _rules_fired(
    actions: Iterable[Mapping[str, Any]],
    rules: Mapping[str, str],
    notes: Mapping[str, str | None],
) -> list[dict[str, Any]]:
    fired = Counter(a["rule"] for a in actions)
    return [
        {"rule": r, "text": t, "fired": fired[r], "note": notes.get(r)} for r, t in rules.items()
    ]


def _hotspot_note(history: Sequence[WindowRun]) -> str | None:
    """Why the hotspot rule could not fire at all: nothing to compare with."""
    if not history:
        return "no earlier window was collected"
    if not any(r.usable for r in history):
        if len(history) == 1:
            return "the one earlier window is not complete"
        return f"none of the {len(history)} earlier windows is complete"
    return None


# -- entry point ------------------------------------------------------------------------------
def build_facts(
    current: Mapping[str, Any], history: Sequence[WindowRun], tz: str = "UTC"
) -> dict[str, Any]:
    """Compute every fact of the brief.

    Args:
        current: the result dict of the window the brief is about.
        history: the earlier windows, previous first (``window.shifted(-1)``, ``-2``, …); all
            of them are compared with (the complete ones averaged), none when it is empty.
        tz: IANA zone the reader lives in; times are shown there and in UTC.

    Returns:
        A JSON-ready dict (see docs/brief.md); equal inputs give equal output.
    """
    window = current.get("window")
    if not isinstance(window, Mapping):
        raise ValueError("result has no window")
    incidents = _records(current, "incidents")
    coverage = _coverage(current)
    tips = _tips(current, tz)
    rules = rule_texts(len(history))
    actions = _actions(current, history, coverage, tips, tz, rules)
    return {
        "title": "Daily Crime Brief",
        "window": _window_facts(window, tz),
        "coverage": coverage,
        "counts": {
            "incidents": len(incidents),
            "tips": tips["count"],
            "criminals": len(_records(current, "criminals")),
            "persons": len(_records(current, "persons")),
            "locations": len(_records(current, "locations")),
        },
        "trailing": {
            "windows": len(history),
            "complete": sum(1 for r in history if r.usable),
        },
        "trend": _trend(current, history),
        "history": _history_rows(history, tz),
        "breakdown": _breakdown(incidents),
        "hotspots": _hotspots(incidents),
        "tips": tips,
        "actions": actions,
        "rules": _rules_fired(
            actions,
            rules,
            {
                "wanted_criminal": _wanted_note(current, coverage),
                "hotspot_above_trailing": _hotspot_note(history),
            },
        ),
        "quality": _quality(current),
    }
