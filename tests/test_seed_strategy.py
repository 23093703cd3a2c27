"""The seed's testing strategy: no URL, empty database, window bounds, references, failure."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import NOW, W24, check_output
from convex_activity.collect import collect_24h_activity, collect_activity
from convex_activity.errors import ConfigError
from convex_activity.settings import Settings
from fakes import FakeConvex, build_documents, raise_on


def test_no_url_raises_value_error_naming_the_variable() -> None:
    with pytest.raises(ValueError, match="CONVEX_DEPLOYMENT_URL") as info:
        collect_24h_activity(settings=Settings())
    assert isinstance(info.value, ConfigError)


def test_no_url_from_the_environment_either() -> None:
    with pytest.raises(ValueError, match="CONVEX_DEPLOYMENT_URL is not configured"):
        collect_24h_activity()


def test_empty_database_gives_empty_lists_and_complete() -> None:
    fake = FakeConvex(build_documents({}, with_default_references=False))
    data = check_output(collect_activity(fake, W24))
    assert data["complete"] is True
    for key in ("incidents", "tips", "criminals", "persons", "locations", "warnings"):
        assert data[key] == []
    assert {t: s["status"] for t, s in data["sources"].items()} == {
        "crimeReports": "ok", "tips": "ok", "criminals": "ok", "persons": "ok", "locations": "ok"
    }
    assert data["sources"]["crimeReports"]["pages"] == 1
    # Nothing referenced: no getMany call at all.
    assert [c.name for c in fake.calls] == ["crimeReports:listSince", "tips:listSince"]


def test_both_window_bounds() -> None:
    docs = build_documents({
        "crimeReports": [
            {"_id": "rep_since", "createdAt": W24.since},
            {"_id": "rep_before", "createdAt": W24.since - 1},
            {"_id": "rep_last", "createdAt": W24.until - 1},
            {"_id": "rep_until", "createdAt": W24.until},
        ]
    })
    data = check_output(collect_activity(FakeConvex(docs), W24))
    assert [i["id"] for i in data["incidents"]] == ["rep_since", "rep_last"]
    assert [i["timestamp"] for i in data["incidents"]] == [1772893800000, 1772980199999]


def test_cross_references_resolve_and_seed_keys_stay() -> None:
    docs = build_documents({
        "crimeReports": [{"_id": "rep_1", "reportType": "existing_criminal",
                          "criminalId": "crm_1", "criminalName": "Old name"}],
        "criminals": [{"_id": "crm_1"}],
        "tips": [{"_id": "tip_1"}],
    })
    fake = FakeConvex(docs)
    data = collect_24h_activity(settings=Settings(), client=fake, now=NOW)
    assert {"incidents", "criminals", "tips", "collected_at"} <= set(data)
    assert data["incidents"][0]["criminal_id"] == "crm_1"
    assert data["incidents"][0]["criminal_name"] == "Subject K"  # resolved beats denormalized
    assert [c["id"] for c in data["criminals"]] == ["crm_1"]
    assert data["criminals"][0]["name"] == "Subject K"
    assert data["tips"][0]["person_name"] == "Subject P"
    assert data["tips"][0]["coordinates"] == {"lat": 29.9511, "lng": -90.0715}
    assert [p["id"] for p in data["persons"]] == ["per_1"]
    assert [p["id"] for p in data["locations"]] == ["loc_1"]
    assert fake.calls_to("criminals:getMany") == [{"ids": ["crm_1"]}]
    assert data["complete"] is True


def test_failing_source_is_not_complete_and_not_empty_quietly() -> None:
    docs = build_documents({"crimeReports": [{"_id": "rep_1"}], "tips": [{"_id": "tip_1"}]})
    fake = FakeConvex(docs, faults={
        "tips:listSince": raise_on([1, 2, 3, 4, 5, 6], lambda: Exception("Uncaught Error: boom"))
    })
    data = check_output(collect_activity(fake, W24))
    assert data["complete"] is False
    assert data["sources"]["tips"]["status"] == "failed"
    assert data["sources"]["tips"]["error"] == "tips:listSince failed: Uncaught Error: boom"
    assert [i["id"] for i in data["incidents"]] == ["rep_1"]
    assert len(fake.calls_to("tips:listSince")) == 1  # a function error is not retried



class BareSource:
    """A minimal Source (not LiveSource) that hands the collector whatever it is given."""

    description = "bare"

    def __init__(self, pages: dict[str, list[list[dict[str, Any]]]]) -> None:
        self.pages = pages

    def list_window(self, table: str, window: Any, report: Any, deadline: Any) -> Any:
        yield from self.pages.get(table, [])

    def get_many(self, table: str, ids: Any, report: Any, deadline: Any) -> list[Any]:
        return [None for _ in ids]

    def close(self) -> None:
        pass


def test_document_without_string_id_fails_the_table_not_the_run() -> None:
    good = build_documents({"crimeReports": [{"_id": "rep_1", "criminalId": "crm_x"}]})
    source = BareSource({
        "crimeReports": [good["crimeReports"]],
        "tips": [[{"_id": 7, "createdAt": 1772960700000.0}]],
    })
    data = check_output(collect_activity(source, W24))
    assert data["sources"]["tips"]["status"] == "failed"
    assert data["sources"]["tips"]["error"] == (
        "tips: the source delivered a document without a string _id")
    assert [i["id"] for i in data["incidents"]] == ["rep_1"]
    assert [(w["code"], w["id"]) for w in data["warnings"]] == [
        ("reference_unresolved", "crm_x")]
    assert data["source"] == "bare"
    assert data["complete"] is False
