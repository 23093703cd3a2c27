"""Convex values, instants, normalization details, strict JSON and the atomic writer."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest
from convex.values import ConvexInt64

from convex_activity.normalize import (
    check_coordinates,
    clean_place,
    normalize_incident,
    parse_coordinate,
    text,
)
from convex_activity.output import write_atomic
from convex_activity.result import RecordWarning, dumps_strict
from convex_activity.timestamps import document_instant, reference_instant
from convex_activity.values import (
    as_number,
    decode_wire_json,
    encode_wire_json,
    is_number,
)
from fakes import int64, special_float


def test_wire_json_decoding() -> None:
    decoded = decode_wire_json({"a": 5, "b": int64(-2), "c": special_float(math.inf),
                                "d": {"$bytes": "AQI="}, "e": [1.5, None, True, "x"]})
    assert decoded["a"] == 5.0 and type(decoded["a"]) is float
    assert isinstance(decoded["b"], ConvexInt64) and decoded["b"].value == -2
    assert decoded["c"] == math.inf
    assert decoded["d"] == b"\x01\x02"
    assert decoded["e"] == [1.5, None, True, "x"]
    assert math.isnan(decode_wire_json(special_float(math.nan)))


def test_wire_json_round_trip() -> None:
    value = {"x": ConvexInt64(2**60), "y": -0.0, "z": b"\xff", "w": [1.25]}
    again = decode_wire_json(encode_wire_json(value))
    assert again["x"].value == 2**60 and math.copysign(1.0, again["y"]) == -1.0
    assert again["z"] == b"\xff" and again["w"] == [1.25]


def test_numbers_of_either_type() -> None:
    assert as_number(ConvexInt64(5)) == 5 and type(as_number(ConvexInt64(5))) is int
    assert as_number(5.5) == 5.5 and as_number(True) is None and as_number("5") is None
    assert is_number(ConvexInt64(1)) and not is_number(False)


@pytest.mark.parametrize("doc, value, field, problem", [
    ({"createdAt": 1772960700000.5}, 1772960700000.5, "createdAt", None),
    ({"createdAt": ConvexInt64(1772960700000)}, 1772960700000, "createdAt", None),
    ({"_creationTime": 1772948400000.0}, 1772948400000.0, "_creationTime", "created_at_missing"),
    ({"createdAt": math.nan, "_creationTime": 1.0}, None, None, "created_at_invalid"),
    ({"createdAt": "1772960700000"}, None, None, "created_at_invalid"),
    ({"createdAt": False}, None, None, "created_at_invalid"),
    ({"createdAt": None}, None, None, "created_at_invalid"),
    ({"createdAt": 1741390200.0}, 1741390200.0, "createdAt", "created_at_implausible"),
])
def test_document_instant(doc: dict[str, Any], value: Any, field: Any, problem: Any) -> None:
    instant = document_instant(doc)
    assert (instant.value, instant.field, instant.problem) == (value, field, problem)


def test_reference_instant_falls_back_for_invalid() -> None:
    instant = reference_instant({"createdAt": math.inf, "_creationTime": 1772913600000.0})
    assert (instant.value, instant.problem) == (1772913600000.0, "created_at_invalid")
    assert "used _creationTime" in instant.message


@pytest.mark.parametrize("raw, expected", [
    (29.9511, 29.9511), (" -90.0715 ", -90.0715), ("1e1", 10.0), (ConvexInt64(30), 30.0),
    ("29,9511", None), ("", None), ("NaN", None), ("inf", None), (math.inf, None),
    (True, None), ("12abc", None), ([], None),
])
def test_parse_coordinate(raw: Any, expected: float | None) -> None:
    assert parse_coordinate(raw)[0] == expected


def test_coordinates_range_and_pairs() -> None:
    warnings: list[RecordWarning] = []
    kwargs: dict[str, Any] = {"table": "t", "doc_id": "x", "fields": ("la", "ln"),
                              "warnings": warnings}
    assert check_coordinates(None, None, **kwargs) is None and warnings == []
    assert check_coordinates(90, -180, **kwargs) is not None
    assert check_coordinates(90.0001, 0, **kwargs) is None
    assert check_coordinates(0, 180.5, **kwargs) is None
    assert check_coordinates(1.0, None, **kwargs) is None
    assert [(w.code, w.field) for w in warnings] == [
        ("coordinates_invalid", "la"), ("coordinates_invalid", "ln"),
        ("coordinates_invalid", "ln")]


def test_place_names_and_text() -> None:
    assert clean_place(" Pointe Coupe\u0301e ") == "Pointe Coup\u00e9e"
    assert clean_place("   ") is None and clean_place(None) is None
    assert text(None) is None and text(3.0) == "3" and text(True) == "true"


def test_incident_shape_county_flags_and_private_fields() -> None:
    warnings: list[RecordWarning] = []
    doc = {"_id": "rep_1", "county": "St. Mary", "cityState": "Morgan City, LA",
           "weaponsInvolved": True, "schoolRelated": True, "drugsInvolved": False,
           "fileUploads": ["kg2abc"], "fileDescriptions": ["photo"],
           "criminalHeadshot": "https://x/h.png", "criminalName": "Subject Z",
           "criminalId": "crm_9", "createdAt": 1772960700000.0}
    incident = normalize_incident(doc, document_instant(doc), criminal_names={},
                                  warnings=warnings)
    dumped = incident.model_dump()
    assert dumped["location"]["parish"] == "St. Mary"
    assert dumped["flags"] == ["school", "weapons"]
    assert dumped["criminal_name"] == "Subject Z"
    assert "kg2abc" not in str(dumped) and "h.png" not in str(dumped)
    assert warnings == []


def test_dumps_strict_refuses_nan_and_keeps_unicode() -> None:
    with pytest.raises(ValueError):
        dumps_strict({"x": math.nan})
    assert dumps_strict({"x": "\u00e9"}, indent=None) == '{"x": "\u00e9"}'


def test_write_atomic_replaces_and_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    write_atomic(target, b"new \xc3\xa9")
    assert target.read_bytes() == b"new \xc3\xa9"

    def broken_replace(src: str, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"newer")
    assert target.read_bytes() == b"new \xc3\xa9"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
