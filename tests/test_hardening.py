"""Hostile inputs found by breaking the tool on purpose: each test pins one fixed defect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import check_output
from convex_activity.collect import collect_activity
from convex_activity.sources.export import ExportSource
from convex_activity.sources.export_json import RawLine, encode_value
from convex_activity.window import Window
from exportkit import write_export

#: 2019-09-14T13:43:18.000Z and a window of one hour around it.
T = 1568468598000.0
WINDOW = Window(since=1568466000000, until=1568469600000)


def ascii_line(doc: dict[str, Any]) -> RawLine:
    """A document as an export line with every non-ASCII character escaped (lone surrogates)."""
    return RawLine(json.dumps(encode_value(doc), sort_keys=True, separators=(",", ":")))


def collect(tmp_path: Path, tables: dict[str, list[Any]]) -> dict[str, Any]:
    path = write_export(tmp_path / "export.zip", tables)
    with ExportSource(path) as source:
        return check_output(collect_activity(source, WINDOW))


# -- instants outside the years 1-9999 -------------------------------------------------------
def test_reference_created_at_beyond_year_9999_falls_back_to_creation_time(
    tmp_path: Path,
) -> None:
    data = collect(tmp_path, {
        "crimeReports": [{"_id": "rep1", "_creationTime": T, "createdAt": T,
                          "criminalId": "crm1"}],
        "criminals": [{"_id": "crm1", "_creationTime": 1500000000000.5, "createdAt": 1e300,
                       "name": "N"}],
        "persons": [],
    })
    assert data["complete"] is True
    (criminal,) = data["criminals"]
    assert criminal["timestamp"] == 1500000000000
    assert criminal["timestamp_iso"] == "2017-07-14T02:40:00.000Z"
    assert [(w["code"], w["id"]) for w in data["warnings"]] == [
        ("created_at_invalid", "crm1")]
    assert data["warnings"][0]["message"] == (
        "criminals crm1: createdAt 1e+300 is outside the years 1-9999; used _creationTime")


def test_reference_int64_created_at_max_and_negative_huge(tmp_path: Path) -> None:
    data = collect(tmp_path, {
        "tips": [{"_id": "tip1", "_creationTime": T, "createdAt": T, "personId": "per1",
                  "locationId": "loc1"}],
        "persons": [{"_id": "per1", "_creationTime": 1500000000000.0, "createdAt": 2**63 - 1}],
        "locations": [{"_id": "loc1", "_creationTime": 1e300, "createdAt": -1e300}],
    })
    assert data["complete"] is True
    (person,) = data["persons"]
    assert (person["timestamp"], person["timestamp_iso"]) == (
        1500000000000, "2017-07-14T02:40:00.000Z")
    (place,) = data["locations"]
    assert (place["timestamp"], place["timestamp_iso"]) == (None, None)
    assert [(w["code"], w["id"], w["message"]) for w in data["warnings"]] == [
        ("created_at_invalid", "per1",
         "persons per1: createdAt 9223372036854775807 is outside the years 1-9999; "
         "used _creationTime"),
        ("created_at_invalid", "loc1",
         "locations loc1: createdAt -1e+300 is outside the years 1-9999; "
         "no usable _creationTime either"),
    ]


def test_time_of_sighting_beyond_year_9999_is_kept_as_text(tmp_path: Path) -> None:
    data = collect(tmp_path, {
        "tips": [{"_id": "tip1", "_creationTime": T, "createdAt": T, "timeOfSighting": 1e20},
                 {"_id": "tip2", "_creationTime": T, "createdAt": T + 1,
                  "timeOfSighting": 1568468598000.0}],
    })
    assert [t["time_of_sighting"] for t in data["tips"]] == [
        "100000000000000000000", "2019-09-14T13:43:18.000Z"]
