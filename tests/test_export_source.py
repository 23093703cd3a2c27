"""ExportSource: decoding, window semantics, get_many, streaming and errors, with exact values."""

from __future__ import annotations

import io
import logging
import math
import random
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from convex_activity.deadline import Deadline
from convex_activity.errors import CallTimeout, ContractError
from convex_activity.sources import Source, TableReport
from convex_activity.sources import export as export_module
from convex_activity.sources.export import CHUNK_SIZE, ExportSource
from convex_activity.sources.export_json import (
    WindowScan,
    decimal_prefixes,
    decode_line,
    encode_document,
    top_level_number,
    top_level_string,
)
from convex_activity.window import Window
from exportkit import RawLine, export_members, write_export

W = Window(since=1_000_000, until=2_000_000)


def collect(source: ExportSource, table: str, window: Window = W) -> tuple[list[Any], TableReport]:
    report = TableReport()
    docs = [d for page in source.list_window(table, window, report, Deadline(None)) for d in page]
    return docs, report


def ids(docs: list[Any]) -> list[str]:
    return [d["_id"] for d in docs]


WINDOW_DOCS: list[dict[str, Any]] = [
    {"_id": "at_since", "_creationTime": 5.0, "createdAt": 1_000_000.0},
    {"_id": "before_since", "_creationTime": 5.0, "createdAt": 999_999.999},
    {"_id": "last_inside", "_creationTime": 5.0, "createdAt": 1_999_999.9},
    {"_id": "at_until", "_creationTime": 5.0, "createdAt": 2_000_000.0},
    {"_id": "int64_inside", "_creationTime": 5.0, "createdAt": 1_500_000},
    {"_id": "int64_at_until", "_creationTime": 5.0, "createdAt": 2_000_000},
    {"_id": "undated_inside", "_creationTime": 1_200_000.25},
    {"_id": "undated_outside", "_creationTime": 2_500_000.0},
    {"_id": "nan", "_creationTime": 1_200_000.0, "createdAt": math.nan},
    {"_id": "inf", "_creationTime": 1_200_000.0, "createdAt": math.inf},
    {"_id": "string", "_creationTime": 1_200_000.0, "createdAt": "1500000"},
    {"_id": "bool", "_creationTime": 1_200_000.0, "createdAt": True},
    {"_id": "null", "_creationTime": 1_200_000.0, "createdAt": None},
    # A nested createdAt in the window must not make an out-of-window document visible ...
    {"_id": "nested_in", "_creationTime": 5.0, "a": {"createdAt": 1_500_000.0}, "createdAt": 1.0},
    # ... nor hide an undated one whose _creationTime is in the window.
    {"_id": "nested_undated", "_creationTime": 1_300_000.0, "meta": {"createdAt": 1.0}},
    # A string value that spells the key, and a key that ends in it.
    {"_id": "quoted", "_creationTime": 1_300_000.0, "b": '"createdAt":1.0,', "createdAt": 1.5e6},
    {"_id": "odd_key", "_creationTime": 5.0, 'a"createdAt': 1_500_000.0, "createdAt": 3.0},
]
EXPECTED_IN_WINDOW = [
    "at_since",
    "last_inside",
    "int64_inside",
    "undated_inside",
    "nested_undated",
    "quoted",
]


@pytest.fixture(params=["zip", "folder"])
def window_export(request: pytest.FixtureRequest, tmp_path: Path) -> ExportSource:
    as_zip = request.param == "zip"
    path = write_export(
        tmp_path / ("e.zip" if as_zip else "e"), {"crimeReports": WINDOW_DOCS}, as_zip=as_zip
    )
    return ExportSource(path)


def test_is_a_source(tmp_path: Path) -> None:
    source = ExportSource(write_export(tmp_path / "e.zip", {}))
    assert isinstance(source, Source)
    assert source.description == f"export {tmp_path / 'e.zip'}"


# -- decoding --------------------------------------------------------------------------------------
def test_decoding_exact_values(tmp_path: Path) -> None:
    line = (
        '{"_creationTime":1724000000123.5,"_id":"jd7","big":9007199254740993,"count":42,'
        '"neg":{"$float":"AAAAAAAA8P8="},"nan":{"$float":"AAAAAAAA+H8="},'
        '"negzero":{"$float":"AAAAAAAAAIA="},"pos":{"$float":"AAAAAAAA8H8="},'
        '"nested":{"list":[1,2.0,{"$bytes":""}]},"ratio":0.5,"raw":{"$bytes":"AQI="},'
        '"ts":1724000000000.0}'
    )
    path = tmp_path / "x"
    write_export(path, {"t": [RawLine(line)]}, as_zip=False)
    source = ExportSource(path)
    (doc,) = source.get_many("t", ["jd7"], TableReport(), Deadline(None))
    assert doc is not None
    assert doc["count"] == 42 and type(doc["count"]) is int
    assert doc["big"] == 9007199254740993 and type(doc["big"]) is int
    assert doc["ts"] == 1724000000000.0 and type(doc["ts"]) is float
    assert doc["_creationTime"] == 1724000000123.5
    assert math.isnan(doc["nan"])
    assert doc["pos"] == math.inf and doc["neg"] == -math.inf
    assert doc["negzero"] == 0.0 and math.copysign(1.0, doc["negzero"]) == -1.0
    assert doc["raw"] == b"\x01\x02"
    assert doc["nested"] == {"list": [1, 2.0, b""]}
    assert [type(x) for x in doc["nested"]["list"][:2]] == [int, float]


def test_encoding_round_trip_and_format() -> None:
    doc = {
        "_id": "a",
        "_creationTime": 1.0,
        "n": 5,
        "f": 5.0,
        "nan": math.nan,
        "b": b"\x00\xff",
        "s": "Ünïcode",
        "z": -0.0,
    }
    text = encode_document(doc)
    assert text == (
        '{"_creationTime":1.0,"_id":"a","b":{"$bytes":"AP8="},"f":5.0,"n":5,'
        '"nan":{"$float":"AAAAAAAA+H8="},"s":"Ünïcode","z":{"$float":"AAAAAAAAAIA="}}'
    )
    back = decode_line(text.encode())
    assert back["n"] == 5 and type(back["n"]) is int
    assert back["f"] == 5.0 and type(back["f"]) is float
    assert math.isnan(back["nan"]) and back["b"] == b"\x00\xff" and back["s"] == "Ünïcode"


def test_probes_are_exact_or_decline() -> None:
    assert top_level_number(b'{"_id":"a","createdAt":1500,"x":1}', b"createdAt") == (True, 1500)
    assert top_level_number(b'{"_id":"a","createdAt":1.5e3}', b"createdAt") == (True, 1500.0)
    assert top_level_number(b'{"_id":"a","x":1}', b"createdAt") == (True, None)
    # Nested, quoted, non-numeric, escaped or malformed: the probe declines (False).
    assert top_level_number(b'{"a":{"createdAt":1.0},"createdAt":2.0}', b"createdAt") == (
        False,
        None,
    )
    assert top_level_number(b'{"a":"[","createdAt":2.0}', b"createdAt") == (False, None)
    assert top_level_number(b'{"x\\"createdAt":1.0}', b"createdAt") == (False, None)
    assert top_level_number(b'{"createdAt":{"$float":"AAAAAAAA+H8="}}', b"createdAt") == (
        False,
        None,
    )
    assert top_level_number(b'{"createdAt":true}', b"createdAt") == (False, None)
    assert top_level_number(b'{"cre\\u0061tedAt":1.0}', b"createdAt") == (False, None)
    assert top_level_number(b'{"createdAt":1.0', b"createdAt") == (False, None)
    assert top_level_number(b"not json", b"createdAt") == (False, None)
    assert top_level_number(b'{"createdAt" : 1.0}', b"createdAt") == (False, None)
    assert top_level_number(b'{"_id":"a","createdAt":-0.5e-3}', b"createdAt") == (True, -0.0005)
    assert top_level_string(b'{"_creationTime":1.0,"_id":"abc","x":1}', b"_id") == (True, "abc")
    assert top_level_string(b'{"_id":"a\\"b"}', b"_id") == (False, None)


# -- window semantics ------------------------------------------------------------------------------
def test_window_semantics(window_export: ExportSource) -> None:
    docs, report = collect(window_export, "crimeReports")
    assert ids(docs) == EXPECTED_IN_WINDOW
    assert report.function == "crimeReports/documents.jsonl"
    assert (report.pages, report.calls, report.status) == (1, 1, "ok")
    int_doc = docs[2]
    assert int_doc["createdAt"] == 1_500_000 and type(int_doc["createdAt"]) is int


def test_zip_and_folder_identical(tmp_path: Path) -> None:
    z = ExportSource(write_export(tmp_path / "e.zip", {"crimeReports": WINDOW_DOCS}))
    f = ExportSource(write_export(tmp_path / "e", {"crimeReports": WINDOW_DOCS}, as_zip=False))
    wide = Window(since=0, until=10**13)
    for window in (W, wide):
        assert collect(z, "crimeReports", window)[0] == collect(f, "crimeReports", window)[0]
    assert len(collect(z, "crimeReports", wide)[0]) == 12  # all but NaN/inf/string/bool/null


def test_paging(tmp_path: Path) -> None:
    docs = [
        {"_id": f"d{i:04d}", "_creationTime": 1.0, "createdAt": 1_000_000.0 + i}
        for i in range(2500)
    ]
    source = ExportSource(write_export(tmp_path / "e.zip", {"tips": docs}))
    report = TableReport()
    pages = list(source.list_window("tips", W, report, Deadline(None)))
    assert [len(p) for p in pages] == [1000, 1000, 500]
    assert (report.pages, report.calls) == (3, 1)
    assert [d["_id"] for p in pages for d in p] == [d["_id"] for d in docs]


def test_empty_window_yields_one_empty_page(tmp_path: Path) -> None:
    source = ExportSource(write_export(tmp_path / "e.zip", {"tips": WINDOW_DOCS}))
    report = TableReport()
    pages = list(
        source.list_window("tips", Window(since=10**12, until=10**12 + 1), report, Deadline(None))
    )
    assert pages == [[]] and report.pages == 1


def test_missing_table_is_empty_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = ExportSource(write_export(tmp_path / "e.zip", {"crimeReports": WINDOW_DOCS}))
    with caplog.at_level(logging.INFO, logger="convex_activity.sources.export"):
        docs, report = collect(source, "tips")
        got = source.get_many("persons", ["p1"], TableReport(), Deadline(None))
    assert docs == [] and got == [None]
    assert report.function == "tips/documents.jsonl" and report.pages == 1
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"export {tmp_path / 'e.zip'} has no tips table: read as empty"),
        ("WARNING", f"export {tmp_path / 'e.zip'} has no persons table: read as empty"),
    ]


@pytest.mark.parametrize("as_zip", [True, False])
def test_listed_table_whose_member_is_missing_is_damage_not_empty(
    tmp_path: Path, as_zip: bool
) -> None:
    # _tables/documents.jsonl lists tips, but tips/documents.jsonl was lost (a partial copy):
    # reading it as an empty table would be a quiet day that never happened.
    members = [
        (name, body)
        for name, body in export_members({"crimeReports": WINDOW_DOCS, "tips": WINDOW_DOCS})
        if name != "tips/documents.jsonl"
    ]
    path = tmp_path / ("e.zip" if as_zip else "e")
    if as_zip:
        with zipfile.ZipFile(path, "w") as archive:
            for name, body in members:
                archive.writestr(name, body)
    else:
        for name, body in members:
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_bytes(body)
    source = ExportSource(path).open()
    assert len(collect(source, "crimeReports")[0]) == 6
    with pytest.raises(ContractError) as info:
        collect(source, "tips")
    assert str(info.value) == (
        f"export {path}: tips/documents.jsonl is missing, but _tables/documents.jsonl lists tips"
    )
    assert info.value.function == "tips/documents.jsonl"


def test_export_without_window_tables_is_refused_on_open(tmp_path: Path) -> None:
    path = write_export(tmp_path / "other-app.zip", {"messages": WINDOW_DOCS, "criminals": []})
    with pytest.raises(ContractError) as info:
        ExportSource(path).open()
    assert str(info.value) == (
        f"export {path}: has no crimeReports or tips table: not an export of the "
        "crime-reporting app"
    )
    # Either table alone is enough.
    ExportSource(write_export(tmp_path / "tips-only.zip", {"tips": []})).open().close()


def test_dangling_link_for_a_member_is_an_error(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e", {"crimeReports": WINDOW_DOCS}, as_zip=False)
    (path / "tips").mkdir()
    (path / "tips" / "documents.jsonl").symlink_to(tmp_path / "gone.jsonl")
    with pytest.raises(ContractError) as info:
        collect(ExportSource(path), "tips")
    assert str(info.value) == (
        f"export {path}: tips/documents.jsonl: cannot be opened (not a regular file)"
    )


def test_components_ignored_with_debug_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_export(tmp_path / "e", {"tips": WINDOW_DOCS[:1]}, as_zip=False)
    write_export(path / "_components" / "c", {"tips": WINDOW_DOCS[2:3]}, as_zip=False)
    with caplog.at_level(logging.DEBUG, logger="convex_activity.sources.export"):
        docs, _ = collect(ExportSource(path), "tips")
    assert ids(docs) == ["at_since"]
    assert "ignoring _components/" in caplog.text


def test_zip_with_a_top_folder(tmp_path: Path) -> None:
    inner = write_export(tmp_path / "inner.zip", {"tips": WINDOW_DOCS})
    wrapped = tmp_path / "wrapped.zip"
    with zipfile.ZipFile(inner) as src, zipfile.ZipFile(wrapped, "w") as dst:
        for name in src.namelist():
            dst.writestr("snapshot_123/" + name, src.read(name))
    assert ids(collect(ExportSource(wrapped), "tips")[0]) == EXPECTED_IN_WINDOW


# -- get_many --------------------------------------------------------------------------------------
REFS = [
    {"_id": "crm_a", "_creationTime": 1.0, "name": "A"},
    {"_id": "crm_b", "_creationTime": 2.0, "name": "B", "note": {"_id": "crm_c"}},
    {"_id": "crm_c", "_creationTime": 3.0, "name": "C"},
]


@pytest.mark.parametrize("as_zip", [True, False])
def test_get_many(tmp_path: Path, as_zip: bool) -> None:
    path = write_export(
        tmp_path / "e",
        {"criminals": REFS, "persons": [{"_id": "per_1", "_creationTime": 1.0}]},
        as_zip=as_zip,
    )
    source = ExportSource(path)
    report = TableReport()
    asked = ["crm_c", "gone", "per_1", 'not an id "', "crm_a", "crm_c", ""]
    got = source.get_many("criminals", asked, report, Deadline(None))
    assert [None if d is None else d["name"] for d in got] == [
        "C",
        None,
        None,
        None,
        "A",
        "C",
        None,
    ]
    assert got[0] == got[5] and got[0] is not got[5]
    assert (report.function, report.calls, report.pages) == ("criminals/documents.jsonl", 1, 1)
    assert source.get_many("criminals", [], TableReport(), Deadline(None)) == []


def test_get_many_nested_id_does_not_match(tmp_path: Path) -> None:
    source = ExportSource(write_export(tmp_path / "e.zip", {"criminals": REFS[:2]}))
    assert source.get_many("criminals", ["crm_c"], TableReport(), Deadline(None)) == [None]


# -- streaming -------------------------------------------------------------------------------------
class CountingReader(io.RawIOBase):
    """A readable stream over ``data`` that records how many bytes were handed out."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        got = self._data.readinto(buffer)
        self.served += got
        return got


def test_pages_arrive_before_the_member_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pad = "x" * 400
    docs = [
        {"_id": f"d{i:05d}", "_creationTime": 1.0, "createdAt": 1_000_000.0 + i, "pad": pad}
        for i in range(20_000)
    ]
    path = write_export(tmp_path / "e", {"tips": docs}, as_zip=False)
    data = (path / "tips" / "documents.jsonl").read_bytes()
    assert len(data) > 9_000_000
    reader = CountingReader(data)
    source = ExportSource(path)
    monkeypatch.setattr(source, "_open_member", lambda member: reader)
    pages = source.list_window("tips", W, TableReport(), Deadline(None))
    first = next(pages)
    assert len(first) == 1000
    assert reader.served <= 2 * export_module.CHUNK_SIZE < len(data)
    assert sum(len(p) for p in pages) == 19_000


def test_deadline_stops_the_scan(tmp_path: Path) -> None:
    source = ExportSource(write_export(tmp_path / "e.zip", {"tips": WINDOW_DOCS}))
    with pytest.raises(CallTimeout) as info:
        list(source.list_window("tips", W, TableReport(), Deadline(0.0)))
    assert info.value.function == "tips/documents.jsonl"


# -- errors ----------------------------------------------------------------------------------------
def test_missing_export(tmp_path: Path) -> None:
    source = ExportSource(tmp_path / "nope.zip")
    with pytest.raises(ContractError) as info:
        collect(source, "tips")
    assert str(info.value) == f"export {tmp_path / 'nope.zip'}: does not exist"


def test_corrupt_zip(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ContractError) as info:
        ExportSource(bad).get_many("criminals", ["x"], TableReport(), Deadline(None))
    message = str(info.value)
    assert message == f"export {bad}: not a readable ZIP file (File is not a zip file)"
    assert "\n" not in message


def test_corrupted_member_bytes(tmp_path: Path) -> None:
    docs = [
        {"_id": f"d{i}", "_creationTime": 1.0, "createdAt": 1_000_000.0 + i, "text": "y" * 50}
        for i in range(200)
    ]
    path = tmp_path / "e.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tips/documents.jsonl", "".join(encode_document(d) + "\n" for d in docs))
    raw = bytearray(path.read_bytes())
    header_end = 30 + len("tips/documents.jsonl")
    raw[header_end + 200] ^= 0xFF  # a bit flip inside the stored data: CRC mismatch at the end
    path.write_bytes(bytes(raw))
    with pytest.raises(ContractError) as info:
        collect(ExportSource(path), "tips")
    assert str(info.value).startswith(f"export {path}: tips/documents.jsonl line 1: unreadable (")
    assert info.value.function == "tips/documents.jsonl"


@pytest.mark.parametrize(
    "bad, detail",
    [
        ("not json", "not valid JSON (Expecting value at column 1)"),
        (
            '{"_id":"x","createdAt":1500000.0',
            "not valid JSON (Expecting ',' delimiter at column 33)",
        ),
        ("[1,2]", "a document must be a JSON object, got list"),
        ('{"_id":"x","createdAt":NaN}', 'bare NaN token (export JSON writes {"$float": ...})'),
        ('{"_id":"x","v":{"$float":"AAAA"}}', "$float payload has 3 bytes, expected 8"),
    ],
)
def test_bad_line_names_member_and_line(tmp_path: Path, bad: str, detail: str) -> None:
    lines: list[dict[str, Any] | RawLine] = [
        WINDOW_DOCS[0],
        RawLine(""),
        WINDOW_DOCS[1],
        RawLine(bad),
    ]
    path = write_export(tmp_path / "e.zip", {"crimeReports": lines})
    with pytest.raises(ContractError) as info:
        collect(ExportSource(path), "crimeReports", Window(since=0, until=10**13))
    assert str(info.value) == f"export {path}: crimeReports/documents.jsonl line 4: {detail}"
    assert info.value.function == "crimeReports/documents.jsonl"


def test_close_and_reuse(tmp_path: Path) -> None:
    with ExportSource(write_export(tmp_path / "e.zip", {"tips": WINDOW_DOCS})) as source:
        assert len(collect(source, "tips")[0]) == 6
    assert len(collect(source, "tips")[0]) == 6  # reopens lazily after close
    source.close()


# -- not an export -------------------------------------------------------------------------------
def test_folder_that_is_not_an_export(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ContractError) as info:
        collect(ExportSource(tmp_path), "tips")
    assert str(info.value) == (
        f"export {tmp_path}: not a Convex snapshot export (no _tables/documents.jsonl "
        "or <table>/documents.jsonl)")


def test_zip_that_is_not_an_export(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tips/readme.txt", "not documents")
    with pytest.raises(ContractError) as info:
        ExportSource(path).get_many("criminals", ["x"], TableReport(), Deadline(None))
    assert str(info.value) == (
        f"export {path}: not a Convex snapshot export (no _tables/documents.jsonl "
        "or <table>/documents.jsonl)")


@pytest.mark.parametrize("as_zip", [True, False])
def test_two_exports_side_by_side_are_ambiguous(tmp_path: Path, as_zip: bool) -> None:
    inner = write_export(tmp_path / "inner", {"tips": WINDOW_DOCS}, as_zip=False)
    outer = tmp_path / "outer"
    for root in ("a", "b"):
        for file in inner.rglob("*"):
            if file.is_file():
                target = outer / root / file.relative_to(inner)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(file.read_bytes())
    path: Path = outer
    if as_zip:
        path = tmp_path / "outer.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for file in sorted(outer.rglob("*")):
                if file.is_file():
                    archive.writestr(str(file.relative_to(outer)), file.read_bytes())
    with pytest.raises(ContractError) as info:
        collect(ExportSource(path), "tips")
    assert str(info.value) == (
        f"export {path}: holds 2 exports (a/, b/); point --export at one of them")


# -- chunk-level window scan ----------------------------------------------------------------------
WB = Window(since=1_772_893_800_000, until=1_772_980_200_000)  # the benchmark's window
WD = Window(since=999_999_999_000, until=1_000_000_001_000)  # crosses 12 -> 13 digits


def _line(doc_id: str, created: str | None, extra: str = "") -> RawLine:
    """A report line with ``createdAt`` written verbatim (``None``: undated)."""
    stamp = "" if created is None else f',"createdAt":{created}'
    return RawLine(f'{{"_creationTime":1000.5,"_id":"{doc_id}"{extra}{stamp},"x":"pad"}}')


def _both(
    path: Path, window: Window, chunk_size: int, caplog: pytest.LogCaptureFixture
) -> tuple[list[str], str]:
    """ids via the per-line path and via the chunk scan (asserted equal); the scan's log."""
    lines = ExportSource(path, chunk_size=chunk_size, chunk_scan=False)
    expected = ids(collect(lines, "crimeReports", window)[0])
    caplog.clear()
    # _both returns the last "N of M chunks" message; it must come from the scan below.
    with caplog.at_level(logging.DEBUG, logger="convex_activity.sources.export"):
        got = ids(collect(ExportSource(path, chunk_size=chunk_size), "crimeReports", window)[0])
    assert got == expected
    scan_log = [r.getMessage() for r in caplog.records if "chunk scan" in r.getMessage()]
    return got, scan_log[-1].split(": ")[-1]


def test_scan_prefixes_for_the_benchmark_window() -> None:
    # Integer parts [since - 2, until + 2]: six digits are the longest prefix with <= 20 values.
    assert WindowScan(WB.since, WB.until).prefixes == [
        str(p).encode() for p in range(177289, 177299)
    ]


def test_scan_prefixes_across_a_digit_count_change() -> None:
    assert WindowScan(WD.since, WD.until).prefixes == [
        str(p).encode() for p in range(9_999_999_989, 10_000_000_000)
    ] + [str(p).encode() for p in range(10_000_000_000, 10_000_000_011)]
    assert decimal_prefixes(0, 10**12) == [str(d).encode() for d in range(10)]
    assert decimal_prefixes(5, 5) == [b"5"]


def test_scan_refuses_windows_reaching_zero() -> None:
    scan = WindowScan(1, 100)
    assert (scan.usable, scan.candidates(b'{"createdAt":5}\n')) == (False, None)


BOUNDARY_LINES = [
    _line("int_since", "1772893800000"),
    _line("int_before", "1772893799999"),
    _line("float_before", "1772893799999.999"),
    _line("float_since", "1772893800000.0"),
    _line("rounds_up_to_since", "1772893799999.99999999"),  # the double is 1772893800000.0
    _line("float_last", "1772980199999.999"),
    _line("int_last", "1772980199999"),
    _line("float_until", "1772980200000.0"),
    _line("int_until", "1772980200000"),
    _line("below_prefixes", "1772889999999.5"),
    _line("above_prefixes", "1772990000000"),
    _line("longer_number", "17728938000000"),  # a candidate by prefix, outside by value
    _line("negative", "-1772893800000"),
    _line("mid_float", "1772900000000.25"),
]


@pytest.mark.parametrize("chunk_size", [CHUNK_SIZE, 97, 7])
def test_scan_boundaries_at_prefix_edges(
    tmp_path: Path, chunk_size: int, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_export(tmp_path / "e", {"crimeReports": BOUNDARY_LINES}, as_zip=False)
    got, scanned = _both(path, WB, chunk_size, caplog)
    assert got == ["int_since", "float_since", "rounds_up_to_since", "float_last", "int_last",
                   "mid_float"]  # fmt: skip
    if chunk_size == CHUNK_SIZE:
        assert scanned == "1 of 1 chunks decided by the chunk scan"


def test_scan_window_across_digit_counts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    lines = [
        _line("since", "999999999000"),
        _line("below", "999999998999.9"),
        _line("last_12_digits", "999999999999.5"),
        _line("first_13_digits", "1000000000000"),
        _line("last", "1000000000999.99"),
        _line("until_float", "1000000001000.0"),
        _line("until_int", "1000000001000"),
        _line("eleven_digits", "99999999900"),
        _line("thirteen_nines", "9999999990000"),  # matches a 10-digit prefix; outside
    ]
    path = write_export(tmp_path / "e.zip", {"crimeReports": lines})
    got, scanned = _both(path, WD, CHUNK_SIZE, caplog)
    assert got == ["since", "last_12_digits", "first_13_digits", "last"]
    assert scanned == "1 of 1 chunks decided by the chunk scan"


# Undated, but a key ends in the bytes "createdAt": (after an escaped quote).
ESCAPED_KEY = '{"_creationTime":1772900000000.5,"_id":"trap","x\\"createdAt":1}'


@pytest.mark.parametrize(
    ("trap", "line"),
    [
        ("undated", _line("trap", None)),  # dated by _creationTime: the chunk needs lines
        ("nested", _line("trap", "1772900000000.0", ',"meta":{"k":1}')),
        ("exponent", _line("trap", "1.7729e12")),
        ("blank", RawLine('{"_creationTime":1000.5,"_id":"trap","createdAt": 1772900000000}')),
        ("escaped_key", RawLine(ESCAPED_KEY)),
        ("string", _line("trap", '"1772900000000"')),
    ],
)
def test_scan_falls_back_for_the_chunk(
    tmp_path: Path, trap: str, line: RawLine, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_export(tmp_path / "e", {"crimeReports": [*BOUNDARY_LINES, line]}, as_zip=False)
    got, scanned = _both(path, WB, CHUNK_SIZE, caplog)
    inside = ["int_since", "float_since", "rounds_up_to_since", "float_last", "int_last",
              "mid_float"]  # fmt: skip
    trap_inside = trap in ("nested", "exponent", "blank", "escaped_key")
    assert got == inside + (["trap"] if trap_inside else [])
    assert scanned == "0 of 1 chunks decided by the chunk scan"


@pytest.mark.parametrize(
    ("bad", "detail"),
    [
        (RawLine("this is not json"), "line 3: not valid JSON (Expecting value at column 1)"),
        (RawLine("[1,2,3]"), "line 3: a document must be a JSON object, got list"),
        (RawLine("42"), "line 3: a document must be a JSON object, got int"),
    ],
)
def test_scan_never_skips_a_line_that_is_not_an_object(
    tmp_path: Path, bad: RawLine, detail: str
) -> None:
    """Every other line of the chunk is dated, so only the line count can give it away."""
    lines = [_line("a", "1772900000000.0"), _line("b", "1772800000000.0"), bad,
             _line("c", "1772900000001.0")]
    path = write_export(tmp_path / "e", {"crimeReports": lines}, as_zip=False)
    with pytest.raises(ContractError) as info:
        collect(ExportSource(path), "crimeReports", WB)
    assert str(info.value) == f"export {path}: crimeReports/documents.jsonl {detail}"


@pytest.mark.parametrize(
    ("cut", "detail"),
    [
        # Cut inside the createdAt number, and after it (the line is outside the window).
        (',"createdAt":15684', "not valid JSON (Expecting ',' delimiter at column 86)"),
        (',"createdAt":1772800000000.0,"x":"pa',
         "not valid JSON (Unterminated string starting at column 101)"),
    ],
)
def test_scan_never_skips_a_member_cut_short(tmp_path: Path, cut: str, detail: str) -> None:
    lines = [_line("a", "1772900000000.0"),
             RawLine('{"_creationTime":1000.5,"_id":"cut","description":"lost at the end"' + cut)]
    path = write_export(tmp_path / "e", {"crimeReports": lines}, as_zip=False)
    member = path / "crimeReports" / "documents.jsonl"
    member.write_bytes(member.read_bytes().rstrip(b"\n"))  # a cut file has no final newline
    with pytest.raises(ContractError) as info:
        collect(ExportSource(path), "crimeReports", WB)
    assert str(info.value) == f"export {path}: crimeReports/documents.jsonl line 2: {detail}"


def test_scan_matches_the_line_path_on_random_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Seeded mix of every trap: both paths select exactly the documents of the exact rule."""
    rng = random.Random(20260308)
    lines: list[RawLine] = []
    expected: list[str] = []
    for i in range(4000):
        doc_id = f"r{i:05d}"
        kind = rng.random()
        near = rng.choice([WB.since, WB.until, 1_772_890_000_000, 1_773_000_000_000])
        value: float = near + rng.randint(-3, 3) + rng.choice([0, 0.5, 0.999, -0.25])
        if kind < 0.02:  # undated, by _creationTime
            text = f'{{"_creationTime":{value!r},"_id":"{doc_id}","x":"pad"}}'
            expected += [doc_id] if WB.since <= value < WB.until else []
        elif kind < 0.04:  # nested object, top-level createdAt decides
            nested = rng.choice([WB.since, 5])
            text = f'{{"_id":"{doc_id}","createdAt":{value!r},"m":{{"createdAt":{nested}}}}}'
            expected += [doc_id] if WB.since <= value < WB.until else []
        elif kind < 0.05:  # exponent form
            text = f'{{"_id":"{doc_id}","createdAt":{value:.15e}}}'
            expected += [doc_id] if WB.since <= float(f"{value:.15e}") < WB.until else []
        elif kind < 0.06:  # a string that looks like a number: never in a window
            text = f'{{"_id":"{doc_id}","createdAt":"{value!r}"}}'
        else:  # plain Int64 or Float64
            written: int | float = int(value) if rng.random() < 0.5 else value
            text = f'{{"_id":"{doc_id}","createdAt":{written!r},"x":"{"y" * rng.randint(0, 40)}"}}'
            expected += [doc_id] if WB.since <= written < WB.until else []
        lines.append(RawLine(text))
    path = write_export(tmp_path / "e", {"crimeReports": lines}, as_zip=False)
    got, scanned = _both(path, WB, 1500, caplog)
    assert got == expected
    assert len(expected) == 960
    decided, total = (int(n) for n in re.findall(r"\d+", scanned))
    assert 0 < decided < total  # both paths were exercised
