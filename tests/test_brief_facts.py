"""The brief's facts: exact counts, trend honesty, action rules, and no personal field."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from brief_data import DAY, HOUR, TIPSTER, busy_day, incident, quiet_day, result, tips_day
from convex_activity.brief.collect import collect_brief_inputs
from convex_activity.brief.facts import build_facts, summarize_text
from convex_activity.brief.history import WindowRun
from convex_activity.brief.json import render_json
from convex_activity.brief.wording import avg_text, history_text
from convex_activity.errors import CallTimeout
from convex_activity.window import Window

TZ = "America/New_York"


def history(
    counts: list[int], failed: int | None = None, incomplete: int | None = None
) -> list[WindowRun]:
    """Earlier windows (previous first) with ``counts[k-1]`` incidents; ``failed``/``incomplete``
    are 1-based offsets."""
    runs = []
    for k, n in enumerate(counts, start=1):
        w = DAY.shifted(-k)
        if k == failed:
            runs.append(WindowRun(w, None, "crimeReports:listSince timed out"))
        elif k == incomplete:
            runs.append(WindowRun(w, result(w, failed="tips")))
        else:
            runs.append(WindowRun(w, quiet_day(w, n)))
    return runs


@pytest.fixture
def facts() -> dict[str, Any]:
    return build_facts(busy_day(), history([1, 2, 99, 4, 99, 6, 7], failed=3, incomplete=5), TZ)


def trend_row(facts: dict[str, Any], metric: str) -> dict[str, Any]:
    return next(r for r in facts["trend"] if r["metric"] == metric)


def test_window_is_shown_in_the_display_zone_and_in_utc(facts: dict[str, Any]) -> None:
    w = facts["window"]
    assert (w["local_start"], w["local_end"], w["tz_abbrev"]) == (
        "Sat 14 Sep 2019 00:00",
        "Sun 15 Sep 2019 00:00",
        "EDT",
    )
    assert (w["since_iso"], w["until_iso"]) == (
        "2019-09-14T04:00:00.000Z",
        "2019-09-15T04:00:00.000Z",
    )
    assert w["hours"] == 24


def test_complete_coverage_line(facts: dict[str, Any]) -> None:
    cov = facts["coverage"]
    assert cov["complete"] is True
    assert cov["failed"] == [] and cov["degraded"] == []
    assert cov["line"] == "Complete: every source answered. Collected at 2019-09-15T04:00:01.234Z."
    assert facts["counts"] == {
        "incidents": 6,
        "tips": 3,
        "criminals": 2,
        "persons": 2,
        "locations": 1,
    }


def test_incomplete_current_window_says_so_and_raises_a_coverage_action() -> None:
    current = busy_day()
    current["complete"] = False
    current["sources"]["tips"].update(status="failed", error="tips:listSince timed out")
    current["sources"]["persons"]["status"] = "degraded"
    f = build_facts(current, [], TZ)
    assert f["coverage"]["failed"] == ["tips"]
    assert f["coverage"]["degraded"] == ["persons"]
    assert f["coverage"]["line"] == (
        "INCOMPLETE: tips failed; counts below are a lower bound. "
        "Collected at 2019-09-15T04:00:01.234Z."
    )
    first = f["actions"][0]
    assert (first["rule"], first["title"], first["detail"]) == (
        "coverage_gap",
        "Source tips failed",
        "tips:listSince timed out",
    )


def test_trend_skips_failed_and_incomplete_windows_instead_of_counting_zero(
    facts: dict[str, Any],
) -> None:
    row = trend_row(facts, "incidents")
    # Usable windows: -1, -2, -4, -6, -7 with 1, 2, 4, 6, 7 incidents → 20 / 5.
    assert row == {
        "metric": "incidents",
        "label": "Incidents",
        "current": 6,
        "previous": 1,
        "previous_status": "complete",
        "change": 5,
        "trailing_avg": 4.0,
        "vs_avg_pct": 50,
    }
    statuses = [(h["offset"], h["status"], h["incidents"]) for h in facts["history"]]
    assert statuses == [
        (-1, "complete", 1),
        (-2, "complete", 2),
        (-3, "failed", None),
        (-4, "complete", 4),
        (-5, "incomplete", None),
        (-6, "complete", 6),
        (-7, "complete", 7),
    ]
    assert facts["history"][2]["error"] == "crimeReports:listSince timed out"
    assert facts["history"][4]["error"] == "tips failed"


def test_vs_average_percentage_uses_the_exact_average_not_the_rounded_one() -> None:
    # Tips over 7 earlier days 1,0,1,1,1,1,1: average 6/7 = 0.857, shown 0.9. Five tips are
    # +483% of 0.857 (+456% would be 5 / 0.9).
    runs = [
        WindowRun(DAY.shifted(-k), tips_day(DAY.shifted(-k), n))
        for k, n in enumerate([1, 0, 1, 1, 1, 1, 1], start=1)
    ]
    f = build_facts(tips_day(DAY, 5), runs, TZ)
    row = trend_row(f, "tips")
    assert (row["current"], row["trailing_avg"], row["vs_avg_pct"]) == (5, 0.9, 483)
    assert avg_text(row) == "0.9 (+483%)"
    tips = next(r for r in json.loads(render_json(f))["trend"] if r["metric"] == "tips")
    assert (tips["trailing_avg"], tips["vs_avg_pct"]) == (0.9, 483)


def test_failed_previous_window_gives_no_change() -> None:
    f = build_facts(busy_day(), history([0, 3], failed=1), TZ)
    row = trend_row(f, "incidents")
    assert (row["previous"], row["change"], row["trailing_avg"]) == (None, None, 3.0)


def test_no_history_gives_no_trend_numbers() -> None:
    f = build_facts(busy_day(), [], TZ)
    row = trend_row(f, "weapons")
    assert row == {
        "metric": "weapons",
        "label": "Weapons involved",
        "current": 3,
        "previous": None,
        "previous_status": None,
        "change": None,
        "trailing_avg": None,
        "vs_avg_pct": None,
    }


def test_headline_counts(facts: dict[str, Any]) -> None:
    assert {r["metric"]: r["current"] for r in facts["trend"]} == {
        "incidents": 6,
        "open": 5,
        "weapons": 3,
        "drugs": 1,
        "existing_criminal": 2,
        "tips": 3,
    }


def test_breakdown(facts: dict[str, Any]) -> None:
    b = facts["breakdown"]
    assert [(r["name"], r["count"], r["share"]) for r in b["by_offense"]] == [
        ("THEFT/OTHER", 3, 50),
        ("ROBBERY", 2, 33),
        ("ASSAULT W/DANGEROUS WEAPON", 1, 17),
    ]
    assert [(r["name"], r["count"]) for r in b["by_status"]] == [
        ("active", 4),
        ("investigating", 1),
        ("resolved", 1),
    ]
    assert [(r["name"], r["count"]) for r in b["by_report_type"]] == [
        ("new_crime", 4),
        ("existing_criminal", 2),
    ]
    assert {r["flag"]: r["count"] for r in b["flags"]} == {
        "school": 0,
        "wanted_fugitive": 0,
        "drugs": 1,
        "abuse": 0,
        "weapons": 3,
    }
    assert b["not_recorded"] == []


def test_breakdown_that_is_all_not_recorded_is_left_out() -> None:
    plain = [incident(f"rep_{i}", DAY.since + i, status=None) for i in range(3)]
    mixed = incident("rep_x", DAY.since + 9, status=None, parish="Orleans")
    f = build_facts(result(DAY, plain), [], TZ)
    assert (f["breakdown"]["by_status"], f["breakdown"]["not_recorded"]) == ([], ["status"])
    assert (f["hotspots"]["by_parish"], f["hotspots"]["not_recorded"]) == ([], ["parish"])
    # One recorded value keeps the table, "(not recorded)" row included.
    f = build_facts(result(DAY, [*plain, mixed]), [], TZ)
    assert [(r["name"], r["count"]) for r in f["hotspots"]["by_parish"]] == [
        ("(not recorded)", 3),
        ("Orleans", 1),
    ]
    assert f["hotspots"]["not_recorded"] == []


def test_hotspots(facts: dict[str, Any]) -> None:
    h = facts["hotspots"]
    # No incident records a parish: that breakdown is left out and named instead.
    assert h["by_parish"] == []
    assert h["not_recorded"] == ["parish"]
    assert [(r["name"], r["count"]) for r in h["by_city"]] == [("Washington, DC", 6)]
    assert [(r["name"], r["count"]) for r in h["by_neighborhood"]] == [
        ("Cluster 7", 4),
        ("Cluster 2", 2),
    ]
    assert h["busiest_places"] == [
        {"address": "1400 - 1499 BLOCK OF 14TH STREET NW", "area": "Cluster 7", "count": 4},
        {"address": "900 - 999 BLOCK OF G STREET NW", "area": "Cluster 2", "count": 2},
    ]
    assert [(p["lat"], p["lng"], p["weapons"]) for p in h["points"]] == [
        (38.90, -77.03, False),
        (38.91, -77.02, True),
        (38.92, -77.01, True),
        (38.89, -77.00, True),
    ]
    assert h["without_coordinates"] == 2


def test_tips_resolve_person_and_location(facts: dict[str, Any]) -> None:
    t = facts["tips"]
    first, second, third = t["items"]
    assert first["details"] == "Seen near the bus shelter"
    assert (first["person_name"], first["person_alias"], first["person_crime"]) == (
        "Subject P",
        "Pee",
        "Burglary",
    )
    assert (first["coordinates"], first["police_number"]) == (
        {"lat": 38.9, "lng": -77.0},
        "876-1",
    )
    assert first["filed_local"] == "14 Sep 01:00"
    # Filed is when the tip came in; Seen is the tipster's time of sighting, as given when it
    # is not an instant, None when absent.
    assert [tip["seen_local"] for tip in t["items"]] == [None, "evening", None]
    assert (second["location_resolved"], second["coordinates"]) == (False, None)
    assert third["person_name"] == "Subject Q"
    assert len(third["details"]) == 160 and third["details"].endswith("…")
    assert t["repeat_persons"] == [{"person_id": "per_1", "name": "Subject P", "sightings": 2}]


def test_actions_name_their_rule_in_priority_order(facts: dict[str, Any]) -> None:
    got = [(a["rule"], a["title"]) for a in facts["actions"]]
    assert got == [
        ("weapons_open", "ROBBERY at 1400 - 1499 BLOCK OF 14TH STREET NW"),
        ("weapons_open", "ASSAULT W/DANGEROUS WEAPON at 900 - 999 BLOCK OF G STREET NW"),
        ("wanted_criminal", "Wanted: Subject K (Armed robbery)"),
        ("hotspot_above_trailing", "Neighbourhood Cluster 7: 4 incidents"),
        ("repeat_sighting", "Subject P: 2 tips"),
    ]
    # rep_c has weapons but is resolved; crm_2 is captured, not wanted.
    ids = [a["incident"]["id"] for a in facts["actions"] if a["incident"]]
    assert ids == ["rep_b", "rep_d", "rep_d"]
    assert facts["actions"][3]["detail"] == "trailing average 0.0 over 5 windows"
    # rep_e names crm_2, who is captured: the note says why it did not fire.
    assert {r["rule"]: r["note"] for r in facts["rules"]} == {
        "coverage_gap": None,
        "weapons_open": None,
        "wanted_criminal": "1 report names a criminal whose status is not wanted",
        "hotspot_above_trailing": None,
        "repeat_sighting": None,
    }
    assert {r["rule"]: r["fired"] for r in facts["rules"]} == {
        "coverage_gap": 0,
        "weapons_open": 2,
        "wanted_criminal": 1,
        "hotspot_above_trailing": 1,
        "repeat_sighting": 1,
    }
    assert all(a["rule_text"] for a in facts["actions"])


def test_hotspot_rule_needs_twice_the_trailing_average() -> None:
    # Cluster 7 had 2 incidents in every earlier window: 4 is exactly 2x → fires;
    # with 3 per earlier window (avg 3) 4 < 6 → does not.
    def runs(per_window: int) -> list[WindowRun]:
        return [
            WindowRun(DAY.shifted(-k), quiet_day(DAY.shifted(-k), per_window, "Cluster 7"))
            for k in range(1, 8)
        ]

    fired = [
        a["title"]
        for a in build_facts(busy_day(), runs(2), TZ)["actions"]
        if a["rule"] == "hotspot_above_trailing"
    ]
    assert fired == ["Neighbourhood Cluster 7: 4 incidents"]
    fired = [
        a
        for a in build_facts(busy_day(), runs(3), TZ)["actions"]
        if a["rule"] == "hotspot_above_trailing"
    ]
    assert fired == []


def test_hotspot_rule_needs_a_complete_trailing_window() -> None:
    f = build_facts(busy_day(), history([1], failed=1), TZ)
    assert [a for a in f["actions"] if a["rule"] == "hotspot_above_trailing"] == []


def test_quality_groups_warnings_by_code() -> None:
    current = busy_day()
    current["warnings"] += [
        {
            "code": "created_at_missing",
            "table": "tips",
            "id": "tip_9",
            "field": "createdAt",
            "message": "tip_9 has no createdAt; used _creationTime",
        },
        {
            "code": "created_at_missing",
            "table": "crimeReports",
            "id": "rep_9",
            "field": "createdAt",
            "message": "rep_9 has no createdAt; used _creationTime",
        },
    ]
    q = build_facts(current, [], TZ)["quality"]
    assert q["total"] == 3
    assert [(r["code"], r["count"], r["tables"]) for r in q["by_code"]] == [
        ("created_at_missing", 2, ["crimeReports", "tips"]),
        ("reference_unresolved", 1, ["locations"]),
    ]


def test_no_personal_field_reaches_the_facts(facts: dict[str, Any]) -> None:
    text = json.dumps(facts)
    for secret in (
        TIPSTER,
        "userId",
        "kg_storage_secret",
        "imageStorageId",
        "headshot",
        "example.invalid",
    ):
        assert secret not in text


def test_facts_do_not_depend_on_input_order() -> None:
    a = busy_day()
    b = copy.deepcopy(a)
    for key in ("incidents", "tips", "criminals", "persons", "warnings"):
        b[key].reverse()
    runs = history([1, 2, 3])
    assert build_facts(a, runs, TZ) == build_facts(b, runs, TZ)


def test_incident_without_location_or_time_is_counted_not_dropped() -> None:
    odd = incident("rep_z", DAY.since, neighborhood=None, address=None)
    odd["location"] = None
    odd["timestamp"] = None
    f = build_facts(result(DAY, [odd]), [], TZ)
    assert f["counts"]["incidents"] == 1
    assert f["hotspots"]["by_neighborhood"] == []
    assert f["hotspots"]["neighborhoods_total"] == 0
    assert f["hotspots"]["not_recorded"] == ["parish", "city", "neighbourhood"]
    assert f["hotspots"]["without_coordinates"] == 1


def test_summarize_text() -> None:
    assert summarize_text("  a\n b\tc ") == "a b c"
    assert summarize_text(None) == ""
    assert summarize_text("word " * 10, limit=12) == "word word…"


def test_collect_brief_inputs_keeps_failed_windows() -> None:
    seen: list[Window] = []

    def collect(window: Window) -> dict[str, Any]:
        seen.append(window)
        if window == DAY.shifted(-2):
            raise CallTimeout("collection ran out of time", function="crimeReports:listSince")
        return quiet_day(window, 1)

    progress: list[tuple[int, int, str]] = []
    inputs = collect_brief_inputs(
        collect, DAY, trailing=3, progress=lambda d, t, s: progress.append((d, t, s))
    )
    assert seen == [DAY, DAY.shifted(-1), DAY.shifted(-2), DAY.shifted(-3)]
    assert inputs.current["window"]["since"] == DAY.since
    assert [(r.window, r.status, r.error) for r in inputs.history] == [
        (DAY.shifted(-1), "complete", None),
        (DAY.shifted(-2), "failed", "collection ran out of time"),
        (DAY.shifted(-3), "complete", None),
    ]
    assert [p[0] for p in progress] == [0, 1, 2, 3, 4]
    assert progress[-1] == (4, 4, "done")


def test_collect_brief_inputs_propagates_a_failure_of_the_current_window() -> None:
    def collect(window: Window) -> dict[str, Any]:
        raise CallTimeout("boom")

    with pytest.raises(CallTimeout):
        collect_brief_inputs(collect, DAY, trailing=2)


def test_history_offsets_use_shifted_windows() -> None:
    f = build_facts(busy_day(), history([1, 1]), TZ)
    assert [h["since_iso"] for h in f["history"]] == [
        "2019-09-13T04:00:00.000Z",
        "2019-09-12T04:00:00.000Z",
    ]


def test_degraded_but_complete_coverage_line() -> None:
    current = busy_day()
    current["sources"]["crimeReports"]["status"] = "degraded"
    cov = build_facts(current, [], TZ)["coverage"]
    assert (cov["complete"], cov["failed"], cov["degraded"]) == (True, [], ["crimeReports"])
    assert cov["line"] == (
        "Complete, with degraded sources (crimeReports) answered through a fallback. "
        "Collected at 2019-09-15T04:00:01.234Z."
    )


def test_wanted_rule_note_counts_reports_naming_a_criminal_who_could_not_be_found() -> None:
    current = busy_day()
    s = DAY.since
    current["incidents"] += [
        incident("rep_g", s + 7 * HOUR, criminal_id="crm_gone"),
        incident("rep_h", s + 8 * HOUR, criminal_id="crm_gone"),
    ]
    rules = {r["rule"]: r for r in build_facts(current, [], TZ)["rules"]}
    assert rules["wanted_criminal"]["fired"] == 1
    assert rules["wanted_criminal"]["note"] == (
        "2 reports name a criminal who could not be found; "
        "1 report names a criminal whose status is not wanted"
    )
    current["sources"]["criminals"]["status"] = "failed"
    current["complete"] = False
    current["criminals"] = []
    rules = {r["rule"]: r for r in build_facts(current, [], TZ)["rules"]}
    assert rules["wanted_criminal"]["note"] == (
        "4 reports name a criminal who could not be looked up (the criminals source failed)"
    )


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("2019-09-14T13:43:18.000Z", "14 Sep 09:43"),
        ("2019-09-14T07:12:00-04:00", "14 Sep 07:12"),
        ("2019-09-14T07:12:00", "2019-09-14T07:12:00"),  # no offset: not an instant
        ("evening", "evening"),
        ("100000000000000000000", "100000000000000000000"),
        ("   ", None),
        (None, None),
    ],
)
def test_time_of_sighting_is_shown_in_the_display_zone_when_it_is_an_instant(
    given: str | None, shown: str | None
) -> None:
    current = busy_day()
    current["tips"][0]["time_of_sighting"] = given
    tip = build_facts(current, [], TZ)["tips"]["items"][0]
    assert (tip["filed_local"], tip["seen_local"]) == ("14 Sep 01:00", shown)


def _hotspot_rule(facts: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in facts["rules"] if r["rule"] == "hotspot_above_trailing")


@pytest.mark.parametrize(
    ("runs", "text", "note", "fired", "line"),
    [
        (
            [],
            "Place with at least 3 incidents and at least 2x its trailing average (no earlier "
            "window was collected, so it cannot fire).",
            "no earlier window was collected",
            0,
            "No earlier window was collected: there is no trend or trailing average.",
        ),
        (
            history([0]),
            "Place with at least 3 incidents and at least 2x its average over the 1 trailing "
            "window.",
            None,
            1,
            "Trailing average over 1 of 1 earlier window.",
        ),
        (
            history([0], failed=1),
            "Place with at least 3 incidents and at least 2x its average over the 1 trailing "
            "window.",
            "the one earlier window is not complete",
            0,
            "Trailing average over 0 of 1 earlier window; not counted: Fri 13 Sep (failed).",
        ),
        (
            history([5, 5, 5], failed=1, incomplete=2),
            "Place with at least 3 incidents and at least 2x its average over the 3 trailing "
            "windows.",
            None,
            1,
            "Trailing average over 1 of 3 earlier windows; not counted: Fri 13 Sep (failed), "
            "Thu 12 Sep (incomplete).",
        ),
        (
            history([5, 5], failed=1, incomplete=2),
            "Place with at least 3 incidents and at least 2x its average over the 2 trailing "
            "windows.",
            "none of the 2 earlier windows is complete",
            0,
            "Trailing average over 0 of 2 earlier windows; not counted: Fri 13 Sep (failed), "
            "Thu 12 Sep (incomplete).",
        ),
    ],
)
def test_hotspot_rule_text_says_how_many_windows_it_compares_with(
    runs: list[WindowRun], text: str, note: str | None, fired: int, line: str
) -> None:
    # The rule text follows --trailing (it said "7-window" whatever was collected), and a rule
    # that cannot fire says why instead of reading as "nothing unusual".
    facts = build_facts(busy_day(), runs, TZ)
    rule = _hotspot_rule(facts)
    assert (rule["text"], rule["note"], rule["fired"]) == (text, note, fired)
    assert history_text(facts) == line
    assert facts["trailing"] == {
        "windows": len(runs),
        "complete": sum(1 for r in runs if r.usable),
    }


def test_more_than_seven_earlier_windows_are_all_averaged() -> None:
    # --trailing 10: all ten complete windows count (the average was cut at seven before).
    runs = history([1] * 7 + [12, 12, 12])
    row = trend_row(build_facts(busy_day(), runs, TZ), "incidents")
    assert row["trailing_avg"] == 4.3  # (7 * 1 + 3 * 12) / 10
    assert len(build_facts(busy_day(), runs, TZ)["history"]) == 10
