"""The failure cases of ../shared/cases/README.md, run in-process against FakeConvex.

Each test uses the case's documents and asserts the exact values the case lists. Cases that need
a fresh interpreter (E03's TZ runs, E04's -W error run) are in test_cases_subprocess.py; the CLI
parts are in test_cli.py.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Any

from convex.values import ConvexInt64

from conftest import W24, check_output
from convex_activity.collect import collect_activity
from convex_activity.settings import Settings
from fakes import (
    ABSENT,
    TOO_MANY_READS,
    FakeConvex,
    block_forever,
    build_documents,
    int64,
    raise_on,
    special_float,
)


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [record["id"] for record in records]


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["id"]: record for record in records}


def warning_keys(data: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [(w["table"], w["id"], w["field"]) for w in data["warnings"]]


# -- E02 -------------------------------------------------------------------------------------
def test_e02_epoch_units() -> None:
    docs = build_documents({
        "crimeReports": [
            {"_id": "rep_ms", "createdAt": 1772974800000, "reportType": "existing_criminal",
             "criminalId": "crm_s", "_ts": 1772974800000123456},
            {"_id": "rep_old", "createdAt": 1772820000000},
        ],
        "criminals": [
            {"_id": "crm_s", "_creationTime": 1741390200123.0, "createdAt": 1741390200,
             "name": "Subject S", "primaryCrime": "Vehicle burglary", "status": "wanted"},
        ],
    })
    fake = FakeConvex(docs)
    data = check_output(collect_activity(fake, W24))
    for name in ("crimeReports:listSince", "tips:listSince"):
        (args,) = fake.calls_to(name)
        assert args["since"] == 1772893800000 and args["until"] == 1772980200000
    assert ids(data["incidents"]) == ["rep_ms"]
    incident = data["incidents"][0]
    assert incident["timestamp"] == 1772974800000
    assert incident["timestamp_iso"] == "2026-03-08T13:00:00.000Z"
    assert incident["criminal_id"] == "crm_s"
    assert ids(data["criminals"]) == ["crm_s"]
    criminal = data["criminals"][0]
    assert criminal["timestamp"] == 1741390200
    assert criminal["timestamp_iso"] == "1970-01-21T03:43:10.200Z"
    assert warning_keys(data) == [("criminals", "crm_s", "createdAt")]
    assert data["warnings"][0]["code"] == "created_at_implausible"
    assert "_ts" not in collect_activity(FakeConvex(docs), W24).to_json()


# -- E04 (in-process values; the -W error::DeprecationWarning run is a subprocess test) ------
def test_e04_timestamp_shapes() -> None:
    docs = build_documents({"tips": [
        {"_id": "tip_1", "createdAt": 1772971200000},
        {"_id": "tip_2", "createdAt": 1772971200123},
        {"_id": "tip_3", "createdAt": 1772971259999.9},
    ]})
    data = check_output(collect_activity(FakeConvex(docs), W24))
    assert [t["timestamp"] for t in data["tips"]] == [1772971200000, 1772971200123, 1772971259999]
    isos = [t["timestamp_iso"] for t in data["tips"]]
    assert isos == [
        "2026-03-08T12:00:00.000Z", "2026-03-08T12:00:00.123Z", "2026-03-08T12:00:59.999Z"
    ]
    assert all(len(v) == 24 for v in isos) and sorted(isos) == isos
    for tip in data["tips"]:
        parsed = datetime.fromisoformat(tip["timestamp_iso"])
        assert parsed.utcoffset() is not None and parsed.tzinfo is not None
        assert parsed == datetime(1970, 1, 1, tzinfo=UTC) + (parsed - datetime(1970, 1, 1,
                                                                               tzinfo=UTC))
        delta = parsed - datetime(1970, 1, 1, tzinfo=UTC)
        assert (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000 == (
            tip["timestamp"])


# -- E05 -------------------------------------------------------------------------------------
def test_e05_float_edges_and_formatting() -> None:
    docs = build_documents({
        "crimeReports": [
            {"_id": "rep_eq", "createdAt": 1772893800000.0},
            {"_id": "rep_lt", "createdAt": 1772893799999.0},
            {"_id": "rep_last", "createdAt": 1772980199999.0},
            {"_id": "rep_now", "createdAt": 1772980200000.0},
        ],
        "tips": [{"_id": "tip_f", "createdAt": 1772971200000.0, "_creationTime": 1772971200123.9}],
    })
    fake = FakeConvex(docs)
    result = collect_activity(fake, W24)
    data = check_output(result)
    assert ids(data["incidents"]) == ["rep_eq", "rep_last"]
    eq, last = data["incidents"]
    assert (eq["timestamp"], eq["timestamp_iso"]) == (1772893800000, "2026-03-07T14:30:00.000Z")
    assert (last["timestamp"], last["timestamp_iso"]) == (
        1772980199999, "2026-03-08T14:29:59.999Z")
    (tip,) = data["tips"]
    assert (tip["timestamp"], tip["timestamp_iso"]) == (1772971200000, "2026-03-08T12:00:00.000Z")
    text = result.to_json()
    assert "1772971200000.0" not in text and "e+12" not in text
    assert '"since": 1772893800000,' in text and '"until": 1772980200000,' in text
    assert fake.calls_to("crimeReports:listSince")[0]["since"] == 1772893800000


# -- E08 -------------------------------------------------------------------------------------
def test_e08_optional_fields_absent() -> None:
    bare = {"_id": "rep_bare", "_creationTime": 1772960700000.0, "reportType": "new_crime",
            "description": "Tailgate taken from a pickup overnight", "offenseType": "Theft",
            "cityState": "Lafayette, LA", "schoolRelated": False, "wantedFugitive": False,
            "drugsInvolved": False, "abuseInvolved": False, "weaponsInvolved": False,
            "fileUploads": [], "fileDescriptions": [], "status": "active",
            "createdAt": 1772960700000,
            "parish": ABSENT, "locationLat": ABSENT, "locationLng": ABSENT}
    docs = build_documents({
        "crimeReports": [
            bare,
            {"_id": "rep_half", "parish": "Calcasieu", "cityState": "Lake Charles, LA",
             "locationLat": 30.2266, "locationLng": ABSENT},
            {"_id": "rep_ref", "reportType": "existing_criminal", "criminalId": "crm_bare"},
        ],
        "criminals": [{"_id": "crm_bare", "_creationTime": 1772913600000.0, "name": "Subject B",
                       "primaryCrime": "Burglary", "status": "wanted",
                       "createdAt": 1772913600000}],
        "tips": [{"_id": "tip_bare", "_creationTime": 1772960700000.0, "personId": "per_bare",
                  "locationId": "loc_1", "userId": ABSENT,
                  "details": "Pickup from the earlier report parked behind a laundromat",
                  "createdAt": 1772960700000}],
        "persons": [{"_id": "per_bare", "_creationTime": 1772820000000.0, "name": "Subject Q",
                     "createdAt": 1772820000000}],
    })
    result = collect_activity(FakeConvex(docs), W24)
    data = check_output(result)
    incidents = by_id(data["incidents"])
    assert set(incidents) == {"rep_bare", "rep_half", "rep_ref"}
    assert incidents["rep_bare"]["location"] == {
        "parish": None, "city": "Lafayette, LA", "neighborhood": None, "address": None,
        "coordinates": None,
    }
    assert incidents["rep_bare"]["criminal_id"] is None
    assert incidents["rep_bare"]["criminal_name"] is None
    assert incidents["rep_half"]["location"]["coordinates"] is None
    assert incidents["rep_ref"]["criminal_id"] == "crm_bare"
    (crm,) = data["criminals"]
    assert crm == {"id": "crm_bare", "name": "Subject B", "primary_crime": "Burglary",
                   "status": "wanted", "description": None, "coordinates": None,
                   "timestamp": 1772913600000, "timestamp_iso": "2026-03-07T20:00:00.000Z"}
    (tip,) = data["tips"]
    assert tip["time_of_sighting"] is None
    assert tip["person_id"] == "per_bare" and tip["person_name"] == "Subject Q"
    assert tip["coordinates"] == {"lat": 29.9511, "lng": -90.0715}
    assert ids(data["persons"]) == ["per_bare"]
    text = result.to_json()
    for bad in ('"None"', '"null"', '"undefined"'):
        assert bad not in text
    # The only warning allowed: rep_half's lone locationLat.
    assert warning_keys(data) == [("crimeReports", "rep_half", "locationLng")]
    assert data["warnings"][0]["code"] == "coordinates_invalid"


# -- E09 (a) ---------------------------------------------------------------------------------
def test_e09a_missing_created_at_uses_creation_time() -> None:
    docs = build_documents({"crimeReports": [
        {"_id": "rep_legacy", "_creationTime": 1772948400000.0, "createdAt": ABSENT},
        {"_id": "rep_legacy_old", "_creationTime": 1772820000000.0, "createdAt": ABSENT},
        {"_id": "rep_frac", "_creationTime": 1772893799999.6, "createdAt": ABSENT},
        {"_id": "rep_ok", "createdAt": 1772960700000},
    ]})
    fake = FakeConvex(docs, filter_window=False)
    result = collect_activity(fake, W24)
    data = check_output(result)
    assert ids(data["incidents"]) == ["rep_legacy", "rep_ok"]
    legacy = data["incidents"][0]
    assert (legacy["timestamp"], legacy["timestamp_iso"]) == (
        1772948400000, "2026-03-08T05:40:00.000Z")
    assert warning_keys(data) == [("crimeReports", "rep_legacy", "createdAt")]
    assert "_creationTime" in data["warnings"][0]["message"]
    assert data["warnings"][0]["code"] == "created_at_missing"


def test_e09a_fake_really_over_delivers() -> None:
    docs = build_documents({"crimeReports": [
        {"_id": "rep_frac", "_creationTime": 1772893799999.6, "createdAt": ABSENT}]})
    reply = FakeConvex(docs, filter_window=False).query(
        "crimeReports:listSince",
        {"since": W24.since, "until": W24.until,
         "paginationOpts": {"numItems": 10, "cursor": None}},
    )
    assert [d["_id"] for d in reply["page"]] == ["rep_frac"]


# -- E10 -------------------------------------------------------------------------------------
def test_e10_coordinates() -> None:
    coords = {
        "loc_s1": {"lat": "29.9511", "lng": "-90.0715"},
        "loc_s2": {"lat": " 30.4515 ", "lng": "-91.1871"},
        "loc_s3": {"lat": "29,9511", "lng": "-90,0715"},
        "loc_s4": {"lat": "", "lng": ""},
        "loc_s5": {"lat": "NaN", "lng": "-90.0715"},
        "loc_s6": {"lat": -90.0715, "lng": 29.9511},
        "loc_s7": {"lat": 29.9511, "lng": -90.0715},
    }
    docs = build_documents({
        "tips": [{"_id": f"tip_s{n}", "locationId": f"loc_s{n}"} for n in range(1, 8)],
        "locations": [{"_id": k, "coordinates": v} for k, v in coords.items()],
        "crimeReports": [{"_id": "rep_s8", "locationLat": "30.2241", "locationLng": "-92.0198"}],
    })
    result = collect_activity(FakeConvex(docs), W24)
    data = check_output(result)
    tips = by_id(data["tips"])
    assert len(tips) == 7
    assert tips["tip_s1"]["coordinates"] == {"lat": 29.9511, "lng": -90.0715}
    assert tips["tip_s2"]["coordinates"] == {"lat": 30.4515, "lng": -91.1871}
    for n in (3, 4, 5, 6):
        assert tips[f"tip_s{n}"]["coordinates"] is None
    assert tips["tip_s7"]["coordinates"] == {"lat": 29.9511, "lng": -90.0715}
    assert data["incidents"][0]["location"]["coordinates"] == {"lat": 30.2241, "lng": -92.0198}
    coordinate_warnings = [w for w in data["warnings"] if w["code"] == "coordinates_invalid"]
    assert [(w["table"], w["id"]) for w in coordinate_warnings] == [
        ("locations", "loc_s3"), ("locations", "loc_s4"), ("locations", "loc_s5"),
        ("locations", "loc_s6"),
    ]
    reasons = [w["message"] for w in coordinate_warnings]
    assert "comma decimal" in reasons[0]
    assert "empty" in reasons[1]
    assert "not finite" in reasons[2]
    assert "outside [-90, 90]" in reasons[3]
    assert len(data["warnings"]) == 4
    places = by_id(data["locations"])
    for place in places.values():
        coordinates = place["coordinates"]
        assert coordinates is None or all(type(v) is float for v in coordinates.values())
    assert places["loc_s2"]["coordinates"] == {"lat": 30.4515, "lng": -91.1871}


# -- E12 -------------------------------------------------------------------------------------
def test_e12_deleted_between_list_and_get() -> None:
    docs = build_documents({
        "crimeReports": [
            {"_id": "rep_x", "reportType": "existing_criminal", "criminalId": "crm_1"},
            {"_id": "rep_y", "reportType": "existing_criminal", "criminalId": "crm_gone"},
            {"_id": "rep_z", "reportType": "existing_criminal", "criminalId": "crm_gone"},
        ],
        "criminals": [{"_id": "crm_1"}],
        "tips": [{"_id": "tip_d", "locationId": "loc_gone"}],
    })
    # crm_gone and loc_gone never exist by the time getMany runs.
    fake = FakeConvex(docs)
    data = check_output(collect_activity(fake, W24))
    incidents = by_id(data["incidents"])
    assert set(incidents) == {"rep_x", "rep_y", "rep_z"}
    assert incidents["rep_y"]["criminal_id"] == incidents["rep_z"]["criminal_id"] == "crm_gone"
    assert ids(data["criminals"]) == ["crm_1"]
    assert sorted(fake.calls_to("criminals:getMany")[0]["ids"]) == ["crm_1", "crm_gone"]
    gone = [w for w in data["warnings"] if w["id"] == "crm_gone"]
    assert len(gone) == 1 and gone[0]["field"] == "criminalId"
    assert gone[0]["code"] == "reference_unresolved"
    assert gone[0]["message"] == (
        "criminal crm_gone not found; referenced by crimeReports rep_y, rep_z"
    )
    (tip,) = data["tips"]
    assert tip["location_id"] == "loc_gone" and tip["coordinates"] is None
    loc = [w for w in data["warnings"] if w["id"] == "loc_gone"]
    assert [(w["table"], w["field"]) for w in loc] == [("locations", "locationId")]
    assert "tip_d" in loc[0]["message"]
    assert "loc_gone" not in ids(data["locations"])
    assert len(data["warnings"]) == 2
    assert data["complete"] is True


def test_e12_cursor_document_deleted_between_pages() -> None:
    docs = build_documents({"crimeReports": [
        {"_id": f"rep_p{n}", "createdAt": 1772960700000 + n} for n in range(4)]})

    def delete_p1(fake: FakeConvex, name: str, args: dict[str, Any]) -> None:
        if name == "crimeReports:listSince" and args["paginationOpts"]["cursor"] is None:
            fake.delete("rep_p1")

    fake = FakeConvex(docs, page_limit=2, after_call=delete_p1)
    data = check_output(collect_activity(fake, W24))
    assert ids(data["incidents"]) == ["rep_p0", "rep_p1", "rep_p2", "rep_p3"]
    cursors = [a["paginationOpts"]["cursor"] for a in fake.calls_to("crimeReports:listSince")]
    assert cursors == [None, "c1"]
    assert data["sources"]["crimeReports"]["pages"] == 2
    assert data["complete"] is True


# -- E14 -------------------------------------------------------------------------------------
def _too_many(name: str) -> Exception:
    return Exception(TOO_MANY_READS.format(name=name))


def test_e14a_pages_stay_small_and_legacy_whole_table_is_not_used() -> None:
    def guard(name: str) -> Any:
        def fault(n: int, args: dict[str, Any]) -> None:
            opts = args.get("paginationOpts")
            if not isinstance(opts, dict) or opts.get("numItems", 0) > 1000:
                raise _too_many(name)
        return fault

    def always(name: str) -> Any:
        def fault(n: int, args: dict[str, Any]) -> None:
            raise _too_many(name)
        return fault

    docs = build_documents({"crimeReports": [{"_id": "rep_1"}], "tips": [{"_id": "tip_1"}]})
    fake = FakeConvex(docs, faults={
        "crimeReports:listSince": guard("crimeReports:listSince"),
        "tips:listSince": guard("tips:listSince"),
        "crimeReports:list": always("crimeReports:list"),
        "tips:list": always("tips:list"),
    })
    data = check_output(collect_activity(fake, W24))
    for name in ("crimeReports:listSince", "tips:listSince"):
        calls = fake.calls_to(name)
        assert calls and all(c["paginationOpts"]["numItems"] <= 1000 for c in calls)
    assert fake.calls_to("crimeReports:list") == [] and fake.calls_to("tips:list") == []
    assert data["complete"] is True


def test_e14b_read_limit_on_third_page_fails_the_table() -> None:
    docs = build_documents({"crimeReports": [
        {"_id": f"rep_{n:02d}", "createdAt": 1772960700000 + n} for n in range(10)]})
    fake = FakeConvex(docs, page_limit=2, faults={
        "crimeReports:listSince": raise_on([3], lambda: _too_many("crimeReports:listSince"))
    })
    data = check_output(collect_activity(fake, W24))
    assert data["complete"] is False
    report = data["sources"]["crimeReports"]
    assert report["status"] == "failed"
    assert report["function"] == "crimeReports:listSince"
    assert "Too many documents read" in report["error"]
    assert "\n" not in report["error"]
    assert report["pages"] == 2 and report["calls"] == 3
    calls = fake.calls_to("crimeReports:listSince")
    failing_cursor = calls[2]["paginationOpts"]["cursor"]
    assert sum(1 for c in calls if c["paginationOpts"]["cursor"] == failing_cursor) <= 2
    assert len(calls) == 3


# -- E15 -------------------------------------------------------------------------------------
def test_e15a_one_batched_lookup_per_table() -> None:
    reports = [{"_id": f"rep_{n:02d}", "reportType": "existing_criminal", "criminalId": "crm_1"}
               for n in range(1, 21)]
    reports += [{"_id": f"rep_{n:02d}", "reportType": "existing_criminal",
                 "criminalId": f"crm_{2 + (n - 21) // 2}"} for n in range(21, 31)]
    reports += [{"_id": f"rep_{n:02d}"} for n in range(31, 41)]
    person = {1: "per_1", 2: "per_1", 3: "per_1", 4: "per_1", 5: "per_1", 6: "per_1",
              7: "per_2", 8: "per_2", 9: "per_2", 10: "per_3"}
    place = {n: "loc_1" if n <= 5 else "loc_2" if n <= 8 else "loc_3" for n in range(1, 11)}
    tips = [{"_id": f"tip_{n:02d}", "personId": person[n], "locationId": place[n]}
            for n in range(1, 11)]
    docs = build_documents({
        "crimeReports": reports,
        "tips": tips,
        "criminals": [{"_id": f"crm_{n}"} for n in range(1, 7)],
        "persons": [{"_id": "per_2"}, {"_id": "per_3"}],
        "locations": [{"_id": "loc_2"}, {"_id": "loc_3"}],
    })
    fake = FakeConvex(docs)
    data = check_output(collect_activity(fake, W24))
    (criminal_call,) = fake.calls_to("criminals:getMany")
    assert sorted(criminal_call["ids"]) == [f"crm_{n}" for n in range(1, 7)]
    (person_call,) = fake.calls_to("persons:getMany")
    assert sorted(person_call["ids"]) == ["per_1", "per_2", "per_3"]
    (place_call,) = fake.calls_to("locations:getMany")
    assert sorted(place_call["ids"]) == ["loc_1", "loc_2", "loc_3"]
    assert fake.calls_to("criminals:get") == []
    assert len(data["incidents"]) == 40 and len(data["tips"]) == 10
    assert ids(data["criminals"]) == [f"crm_{n}" for n in range(1, 7)]
    assert data["warnings"] == []


def test_e15b_batches_of_at_most_1000() -> None:
    reports = [{"_id": f"rep_{n:04d}", "reportType": "existing_criminal",
                "criminalId": f"crm_{n:04d}", "createdAt": 1772900000000 + n}
               for n in range(1, 2501)]
    docs = build_documents({
        "crimeReports": reports,
        "criminals": [{"_id": f"crm_{n:04d}"} for n in range(1, 2501)],
    })
    fake = FakeConvex(docs)
    data = check_output(collect_activity(fake, W24))
    calls = fake.calls_to("criminals:getMany")
    assert len(calls) == 3 and all(len(c["ids"]) <= 1000 for c in calls)
    requested = [i for c in calls for i in c["ids"]]
    assert sorted(requested) == [f"crm_{n:04d}" for n in range(1, 2501)]
    assert len(set(requested)) == 2500
    assert len(data["criminals"]) == 2500 and len(data["incidents"]) == 2500
    assert data["sources"]["crimeReports"]["pages"] == 5  # 500 per page
    assert data["sources"]["criminals"]["pages"] == 3


# -- E16 -------------------------------------------------------------------------------------
def test_e16_duplicates_by_id_only() -> None:
    details = "Two people trying door handles along a row of parked cars"
    docs = build_documents({
        "crimeReports": [
            {"_id": "rep_1", "createdAt": 1772906400000, "reportType": "existing_criminal",
             "criminalId": "crm_1"},
            {"_id": "rep_2", "createdAt": 1772921700000, "reportType": "existing_criminal",
             "criminalId": "crm_1"},
            {"_id": "rep_3", "createdAt": 1772941200000, "reportType": "existing_criminal",
             "criminalId": "crm_1"},
        ],
        "tips": [
            {"_id": "tip_a", "createdAt": 1772949600000},
            {"_id": "tip_b", "createdAt": 1772968320000, "details": details},
            {"_id": "tip_c", "createdAt": 1772968321000, "details": details},
        ],
        "criminals": [{"_id": "crm_1"}],
    })
    fake = FakeConvex(docs, pages={
        "crimeReports": [["rep_1", "rep_2"], ["rep_2", "rep_3"]],
        "tips": [["tip_a", "tip_b"], ["tip_a", "tip_c"]],
    })
    data = check_output(collect_activity(fake, W24))
    assert ids(data["incidents"]) == ["rep_1", "rep_2", "rep_3"]
    assert ids(data["tips"]) == ["tip_a", "tip_b", "tip_c"]
    assert ids(data["criminals"]) == ["crm_1"]
    assert ids(data["persons"]) == ["per_1"]
    assert ids(data["locations"]) == ["loc_1"]
    for name in ("criminals:getMany", "persons:getMany", "locations:getMany"):
        (call,) = fake.calls_to(name)
        assert len(call["ids"]) == len(set(call["ids"])) == 1
    assert data["warnings"] == []  # identical re-deliveries are not a problem
    assert data["complete"] is True


def test_e16_changed_redelivery_is_warned() -> None:
    docs = build_documents({"crimeReports": [{"_id": "rep_1"}]})
    changed = dict(docs["crimeReports"][0], status="resolved")

    class Flip(FakeConvex):
        def _scripted_page(self, table: str, cursor: Any) -> dict[str, Any]:
            reply = super()._scripted_page(table, cursor)
            if cursor == "c1":
                reply["page"] = [changed]
            return reply

    fake = Flip(docs, pages={"crimeReports": [["rep_1"], ["rep_1"]]})
    data = check_output(collect_activity(fake, W24))
    assert data["incidents"][0]["status"] == "active"  # first delivery wins
    assert warning_keys(data) == [("crimeReports", "rep_1", None)]
    assert data["warnings"][0]["code"] == "duplicate_document"


# -- E18 -------------------------------------------------------------------------------------
def test_e18a_blocked_call_ends_at_the_deadline() -> None:
    docs = build_documents({"crimeReports": [{"_id": "rep_1"}], "tips": [{"_id": "tip_1"}]})
    fake = FakeConvex(docs)
    fake.faults["tips:listSince"] = block_forever(fake)
    started = time.monotonic()
    try:
        data = check_output(collect_activity(fake, W24, settings=Settings(timeout=2)))
    finally:
        fake.release.set()
    assert time.monotonic() - started < 2 + 5
    assert data["complete"] is False
    tips = data["sources"]["tips"]
    assert tips["status"] == "failed" and tips["function"] == "tips:listSince"
    assert "timed out" in tips["error"]
    assert ids(data["incidents"]) == ["rep_1"]


def test_e18b_connection_error_is_retried_with_the_same_arguments() -> None:
    spec = {"crimeReports": [{"_id": f"rep_{n}", "createdAt": 1772960700000 + n}
                             for n in range(5)], "tips": [{"_id": "tip_1"}]}
    clean = check_output(collect_activity(FakeConvex(build_documents(spec), page_limit=2), W24))
    fake = FakeConvex(build_documents(spec), page_limit=2, faults={
        "crimeReports:listSince": raise_on([1], lambda: ConnectionError("connection refused"))
    })
    data = check_output(collect_activity(fake, W24))
    for key in ("collected_at", "sources"):
        clean.pop(key)
        data.pop(key)
    assert data == clean
    calls = fake.calls_to("crimeReports:listSince")
    assert calls[0] == calls[1]
    assert ids(data["incidents"]) == [f"rep_{n}" for n in range(5)]
    assert data["complete"] is True


def test_e18b_retry_is_counted() -> None:
    docs = build_documents({"crimeReports": [{"_id": "rep_1"}]})
    fake = FakeConvex(docs, faults={
        "crimeReports:listSince": raise_on([1], lambda: ConnectionError("connection refused"))
    })
    data = check_output(collect_activity(fake, W24))
    assert data["sources"]["crimeReports"]["calls"] == 2
    assert data["sources"]["crimeReports"]["pages"] == 1
    assert data["sources"]["crimeReports"]["status"] == "ok"


# -- Int64 createdAt (issue 2 item 5) --------------------------------------------------------
def test_int64_created_at_counts() -> None:
    docs = build_documents({"crimeReports": [
        {"_id": "rep_i", "createdAt": int64(1772960700001)},
        {"_id": "rep_i_old", "createdAt": int64(1772820000000)},
    ]})
    data = check_output(collect_activity(FakeConvex(docs), W24))
    assert ids(data["incidents"]) == ["rep_i"]
    assert data["incidents"][0]["timestamp"] == 1772960700001
    assert data["incidents"][0]["timestamp_iso"] == "2026-03-08T09:05:00.001Z"


def test_invalid_created_at_is_excluded_with_a_warning() -> None:
    docs = build_documents({"crimeReports": [
        {"_id": "rep_nan", "createdAt": special_float(math.nan)},
        {"_id": "rep_inf", "createdAt": special_float(math.inf)},
        {"_id": "rep_str", "createdAt": "1772960700000"},
        {"_id": "rep_bool", "createdAt": True},
        {"_id": "rep_ok"},
    ]})
    data = check_output(collect_activity(FakeConvex(docs, filter_window=False), W24))
    assert ids(data["incidents"]) == ["rep_ok"]
    assert sorted((w["code"], w["id"], w["field"]) for w in data["warnings"]) == [
        ("created_at_invalid", "rep_bool", "createdAt"),
        ("created_at_invalid", "rep_inf", "createdAt"),
        ("created_at_invalid", "rep_nan", "createdAt"),
        ("created_at_invalid", "rep_str", "createdAt"),
    ]
    assert data["complete"] is True


def test_fake_orders_nan_after_infinity_and_types_first() -> None:
    docs = build_documents({"crimeReports": [
        {"_id": "rep_nan", "createdAt": special_float(math.nan)},
        {"_id": "rep_inf", "createdAt": special_float(math.inf)},
        {"_id": "rep_f", "createdAt": 1772960700000.0},
        {"_id": "rep_i", "createdAt": int64(1772960700000)},
        {"_id": "rep_m", "createdAt": ABSENT, "_creationTime": 1772960700000.0},
    ]})
    reply = FakeConvex(docs, filter_window=False).query(
        "crimeReports:listSince",
        {"since": 0, "until": 1, "paginationOpts": {"numItems": 10, "cursor": None}},
    )
    assert [d["_id"] for d in reply["page"]] == ["rep_m", "rep_i", "rep_f", "rep_inf", "rep_nan"]
    assert isinstance(reply["page"][2]["createdAt"], float)
    assert isinstance(reply["page"][1]["createdAt"], ConvexInt64)
