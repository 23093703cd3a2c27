"""The committed demo export: reproducible, real Convex ids, day count checked against the CSV."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from convex_activity.deadline import Deadline
from convex_activity.sources import TableReport
from convex_activity.sources.export import ExportSource
from convex_activity.window import Window

REPO = Path(__file__).resolve().parent.parent
ZIP = REPO / "examples" / "dc-crime-2019-09.zip"
CSV = REPO.parent / "shared" / "data" / "real" / "dc_crime_last30d_2019-10-02.csv"
needs_csv = pytest.mark.skipif(not CSV.is_file(), reason=f"real CSV not found at {CSV}")
DEMO_DAY = Window.local_day(date(2019, 9, 14), "America/New_York")


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_example_export", REPO / "scripts" / "make_example_export.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table(name: str) -> list[dict[str, Any]]:
    with zipfile.ZipFile(ZIP) as archive:
        return [json.loads(line) for line in archive.read(f"{name}/documents.jsonl").splitlines()]


def window_docs(name: str, window: Window) -> list[dict[str, Any]]:
    with ExportSource(ZIP) as source:
        pages = source.list_window(name, window, TableReport(), Deadline(None))
        return [doc for page in pages for doc in page]


def decode_id(text: str) -> tuple[int, bytes]:
    """Independent decoder: returns (table number, internal id) or raises ValueError."""
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    bits = "".join(format(alphabet.index(ch), "05b") for ch in text)
    raw = bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits) - len(bits) % 8, 8))
    number, shift, pos = 0, 0, 0
    while True:
        byte = raw[pos]
        number |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if byte < 0x80:
            break
    body, footer = raw[: pos + 16], raw[pos + 16 :]
    c0 = c1 = 0
    for byte in body:
        c0 = (c0 + byte) & 0xFF
        c1 = (c1 + c0) & 0xFF
    if footer != bytes([c0, c1]):
        raise ValueError(f"bad footer in {text}")
    return number, body[pos:]


def test_id_encoding_matches_convex_test_vector() -> None:
    # The stability vector from Convex's own id tests (table 1017, bytes 251^(i+1) mod 256).
    internal = bytes(pow(251, i + 1, 256) for i in range(16))
    assert load_script().encode_id(1017, internal) == "z43zp6c3e75gkmz1kfwj6mbbx5sw281h"
    assert decode_id("z43zp6c3e75gkmz1kfwj6mbbx5sw281h") == (1017, internal)


def test_every_id_is_a_valid_convex_id_of_its_table() -> None:
    numbers = {row["name"]: row["id"] for row in table("_tables")}
    assert numbers == {
        "crimeReports": 10001,
        "criminals": 10002,
        "locations": 10003,
        "persons": 10004,
        "tips": 10005,
        "users": 10006,
    }
    for name, number in numbers.items():
        for doc in table(name):
            assert re.fullmatch(r"[0-9a-hjkmnp-tv-z]{32}", doc["_id"])
            assert decode_id(doc["_id"])[0] == number
            assert isinstance(doc["_creationTime"], float)


def test_contents() -> None:
    reports = table("crimeReports")
    assert len(reports) == 2985
    assert all(type(r["createdAt"]) is float for r in reports)
    assert {r["cityState"] for r in reports} == {"Washington, DC"}
    assert sum(r["weaponsInvolved"] for r in reports) == sum(
        1 for r in reports if "method gun" in r["description"] or "method knife" in r["description"]
    )
    criminals = {c["_id"]: c for c in table("criminals")}
    assert sorted(c["name"] for c in criminals.values()) == [
        f"Illustrative Subject {x}" for x in "ABCDE"
    ]
    linked = [r for r in reports if r["reportType"] == "existing_criminal"]
    assert len(linked) == 22
    missing = {r["criminalId"] for r in linked} - set(criminals)
    assert len(missing) == 1  # the deleted criminal, for the unresolved-reference warning
    assert {r["criminalName"] for r in linked if r["criminalId"] in missing} == {
        "Illustrative Subject F"
    }
    assert (len(table("persons")), len(table("locations")), len(table("tips"))) == (4, 6, 25)
    users = {u["_id"] for u in table("users")}
    assert all(t["userId"] in users for t in table("tips"))
    assert all(u["password"].startswith("$2b$12$") for u in table("users"))


def test_demo_day_references() -> None:
    reports = window_docs("crimeReports", DEMO_DAY)
    linked = [r for r in reports if r["reportType"] == "existing_criminal"]
    assert len(linked) == 11
    criminals = {c["_id"] for c in table("criminals")}
    assert sum(r["criminalId"] not in criminals for r in linked) == 1
    assert len(window_docs("tips", DEMO_DAY)) == 5


@needs_csv
def test_regenerating_reproduces_the_committed_zip(tmp_path: Path) -> None:
    out = tmp_path / "again.zip"
    assert load_script().main([str(CSV), "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as new, zipfile.ZipFile(ZIP) as old:
        assert new.namelist() == old.namelist()
        for name in new.namelist():
            assert new.read(name) == old.read(name), name
    assert out.read_bytes() == ZIP.read_bytes()


@needs_csv
def test_demo_day_count_matches_an_independent_count_from_the_csv() -> None:
    eastern = ZoneInfo("America/New_York")
    with CSV.open(newline="", encoding="utf-8") as handle:
        independent = sum(
            1
            for row in csv.DictReader(handle)
            if datetime.fromisoformat(row["reported_at"]).astimezone(eastern).date()
            == date(2019, 9, 14)
        )
    assert independent == 103  # the data README's table, by report date
    assert len(window_docs("crimeReports", DEMO_DAY)) == independent


def test_demo_day_count_from_the_zip_alone() -> None:
    # Holds without the CSV: the committed export's day count is the README's 103.
    assert len(window_docs("crimeReports", DEMO_DAY)) == 103


def _row(**overrides: str) -> dict[str, str]:
    row = {
        "offense_type": "THEFT/OTHER",
        "block_address": "2698 - 2701 BLOCK OF MARTIN LUTHER KING JR AVENUE SE",
        "neighborhood": "Cluster 36",
        "district": "7",
        "occurred_at": "2019-08-31T18:30:14-04:00",
        "method": "OTHERS",
    }
    return {**row, **overrides}


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({}, " (Cluster 36, police district 7);"),
        ({"neighborhood": ""}, " (police district 7);"),
        ({"district": ""}, " (Cluster 36);"),
        ({"neighborhood": " ", "district": ""}, ";"),
    ],
)
def test_description_leaves_empty_parts_out_cleanly(overrides: dict[str, str], where: str) -> None:
    text = load_script()._description(_row(**overrides))
    assert text == (
        "THEFT/OTHER reported at 2698 - 2701 BLOCK OF MARTIN LUTHER KING JR AVENUE SE"
        f"{where} occurred 2019-08-31T18:30:14-04:00. "
        "Derived from MPD open data (no narrative in the source)."
    )


def test_no_description_in_the_zip_has_stray_punctuation() -> None:
    descriptions = [r["description"] for r in table("crimeReports")]
    assert [d for d in descriptions if re.search(r"\(\s*,|,\s*\)|\(\s*\)|,\s*,", d)] == []
    # The 45 rows without a neighbourhood name only their police district.
    no_area = [r for r in table("crimeReports") if not r["neighborhood"]]
    assert len(no_area) == 45
    assert all(re.search(r" \(police district \d\);", r["description"]) for r in no_area)


def test_default_csv_path_is_relative_to_the_repository() -> None:
    script = load_script()
    assert script.DEFAULT_CSV == REPO.parent / "shared" / "data" / "real" / CSV.name
    assert "/work/" not in (REPO / "scripts" / "make_example_export.py").read_text()
