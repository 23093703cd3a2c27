"""Hostile inputs found by breaking the tool on purpose: each test pins one fixed defect."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import check_output, strict_loads
from convex_activity import check as check_module
from convex_activity import collect as collect_module
from convex_activity.brief import command as brief_command
from convex_activity.cli import main
from convex_activity.collect import collect_activity
from convex_activity.deadline import Deadline
from convex_activity.errors import ConfigError, WindowError
from convex_activity.redact import redact, register_secret, safe_url
from convex_activity.settings import Settings
from convex_activity.sources.export import ExportSource
from convex_activity.sources.export_json import RawLine, encode_value
from convex_activity.timestamps import document_instant
from convex_activity.window import MAX_MS, MIN_MS, Window
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


# -- lone surrogates and control characters ---------------------------------------------------
def hostile_text_export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "text.zip", {
        "crimeReports": [
            ascii_line({"_id": "rep\ud800", "_creationTime": T, "createdAt": T,
                        "offenseType": "A\x00\x07\x1b[31mred\x9b", "description": "\udfff lone",
                        "parish": "P\ud83d", "criminalId": "crm1"}),
        ],
        "criminals": [ascii_line({"_id": "crm1", "_creationTime": T, "name": "N\udc00"})],
        "tips": [ascii_line({"_id": "tip1", "_creationTime": T, "createdAt": T,
                             "details": "x\ud800\x1b]0;pwned\x07y", "personId": "per1"})],
        "persons": [ascii_line({"_id": "per1", "_creationTime": T, "name": "\x1b[2JP\ud800"})],
    })


def test_lone_surrogates_become_replacement_characters_in_collect_json(tmp_path: Path) -> None:
    path = hostile_text_export(tmp_path)
    with ExportSource(path) as source:
        result = collect_activity(source, WINDOW)
    data = json.loads(result.to_bytes().decode("utf-8", errors="strict"))
    (incident,) = data["incidents"]
    assert incident["id"] == "rep\ufffd"
    assert incident["description"] == "\ufffd lone"
    assert incident["location"]["parish"] == "P\ufffd"
    assert incident["criminal_name"] == "N\ufffd"
    # JSON escapes control characters itself: the collect output keeps them as data.
    assert incident["type"] == "A\x00\x07\x1b[31mred\x9b"
    assert data["tips"][0]["details"] == "x\ufffd\x1b]0;pwned\x07y"
    assert data["tips"][0]["person_name"] == "\x1b[2JP\ufffd"


def test_collect_cli_writes_valid_utf8_for_lone_surrogates(tmp_path: Path) -> None:
    path = hostile_text_export(tmp_path)
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, [
        "collect", "--export", str(path), "--since", "2019-09-14T13:00:00Z",
        "--until", "2019-09-14T14:00:00Z", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = strict_loads(out.read_bytes().decode("utf-8", errors="strict"))
    assert [i["id"] for i in data["incidents"]] == ["rep\ufffd"]


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
SURROGATE = re.compile("[\ud800-\udfff]")


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_brief_has_no_control_characters_or_surrogates(tmp_path: Path, fmt: str) -> None:
    path = hostile_text_export(tmp_path)
    out = tmp_path / f"brief.{fmt}"
    result = CliRunner().invoke(main, [
        "report", "--export", str(path), "--since", "2019-09-14T13:00:00Z",
        "--until", "2019-09-14T14:00:00Z", "--trailing", "0", "--format", fmt,
        "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8", errors="strict")
    # JSON escapes C0 controls itself and may carry C1 ones as data; never a surrogate.
    assert (SURROGATE if fmt == "json" else CONTROL).findall(text) == []
    if fmt == "md":
        assert "| A\ufffd\ufffd\ufffd\\[31mred\ufffd | 1 | 100% |" in text
        assert "| \ufffd\\[2JP\ufffd | — | — | x\ufffd\ufffd\\]0;pwned\ufffdy |" in text
    elif fmt == "html":
        assert "<td>A\ufffd\ufffd\ufffd[31mred\ufffd</td>" in text
        assert "x\ufffd\ufffd]0;pwned\ufffdy" in text
    else:
        # JSON escapes control characters; only the surrogate needed replacing.
        facts = json.loads(text)
        assert facts["breakdown"]["by_offense"][0]["name"] == "A\x00\x07\x1b[31mred\x9b"
        assert facts["hotspots"]["by_parish"][0]["name"] == "P\ufffd"


# -- windows at the edges of the calendar ----------------------------------------------------
def test_window_outside_the_years_1_to_9999_is_a_window_error() -> None:
    with pytest.raises(WindowError, match=r"^window since \(-62135596800001\) is outside "
                                          r"the years 1-9999$"):
        Window(since=MIN_MS - 1, until=0)
    with pytest.raises(WindowError, match=r"^window until \(253402300800000\) is outside "
                                          r"the years 1-9999$"):
        Window(since=0, until=MAX_MS + 1)
    assert Window(since=MIN_MS, until=MAX_MS).until_iso == "9999-12-31T23:59:59.999Z"
    now = datetime(2019, 9, 14, tzinfo=UTC)
    with pytest.raises(WindowError, match=r"^hours 1e\+308 reach before the year 1$"):
        Window.last_hours(1e308, now)
    with pytest.raises(WindowError, match=r"^day 9999-12-31 ends after the year 9999$"):
        Window.local_day(date(9999, 12, 31), "UTC")


EXPORT_ARGS = ["--export", str(Path(__file__).resolve().parents[1] / "examples"
                                / "dc-crime-2019-09.zip")]


@pytest.mark.parametrize(("command", "args", "message"), [
    ("collect", ["--day", "9999-12-31", "--tz", "UTC"],
     "Error: day 9999-12-31 ends after the year 9999"),
    ("collect", ["--hours", "1e308", "--now", "2019-09-14T00:00:00Z"],
     "Error: hours 1e+308 reach before the year 1"),
    ("collect", ["--since", "0001-01-01T00:00:00+05:00", "--until", "2019-09-13T00:00:00Z"],
     "Error: window since (-62135614800000) is outside the years 1-9999"),
    ("collect", ["--now", "9999-12-31T23:59:59-05:00"],
     "Error: window until (253402318799000) is outside the years 1-9999"),
    ("report", ["--day", "0001-01-01", "--tz", "UTC"],
     "Error: --trailing 7: window since (-62136201600000) is outside the years 1-9999"),
])
def test_calendar_edge_windows_exit_2_with_one_line(
    command: str, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(main, [command, *EXPORT_ARGS, *args])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")


# -- --out -----------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["collect", "report"])
def test_out_into_a_missing_folder_exits_2(tmp_path: Path, command: str) -> None:
    target = tmp_path / "missing" / "x.out"
    result = CliRunner().invoke(main, [command, *EXPORT_ARGS, "--day", "2019-09-14",
                                       "--tz", "America/New_York", "--out", str(target)])
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"Error: cannot write --out {target}: No such file or directory\n")


# -- deployment URLs the client cannot use ---------------------------------------------------
@pytest.mark.parametrize(("url", "message"), [
    ("https://a.convex.cloud:99999",
     "CONVEX_DEPLOYMENT_URL is not a valid URL (its port is not a number from 0 to 65535)"),
    ("https://exa mple.com",
     "CONVEX_DEPLOYMENT_URL is not a valid URL (host 'exa mple.com' has a character a host "
     "name cannot have)"),
    ("https://x\u00a0y.convex.cloud",
     "CONVEX_DEPLOYMENT_URL is not a valid URL (host 'x\\xa0y.convex.cloud' has a character a "
     "host name cannot have)"),
    ("https://x.convex.cloud:abc",
     "CONVEX_DEPLOYMENT_URL is not a valid URL (its port is not a number from 0 to 65535)"),
    # A key pasted after the URL: the port text is never echoed.
    ("https://happy-otter-123.convex.cloud:prod:happy-otter-123|eyJ2MjpzZWNyZXR0b2tlbg==",
     "CONVEX_DEPLOYMENT_URL is not a valid URL (its port is not a number from 0 to 65535)"),
])
def test_unusable_urls_are_config_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings(deployment_url=url).require_url()
    assert str(info.value) == message


def test_a_key_pasted_into_the_url_path_is_never_printed(tmp_path: Path) -> None:
    url = "https://127.0.0.1:1/prod:abc|secretvalue123"
    env = {"CONVEX_DEPLOYMENT_URL": url, "CONVEX_DEPLOY_KEY": "prod:abc|secretvalue123"}
    result = CliRunner().invoke(main, ["check", "--timeout", "1"], env=env)
    assert result.stdout.splitlines()[0] == "deployment: https://127.0.0.1:1/***"
    assert "secretvalue123" not in result.stdout + result.stderr
    assert safe_url("https://x.convex.cloud/prod:abc|secretvalue123") == (
        "https://x.convex.cloud/***")


class ClientRejectsURL:
    """A source whose client refuses the URL at the first call (as ProcessCaller does)."""

    description = "live https://x.convex.cloud"

    def list_window(self, *args: Any) -> Any:
        raise ConfigError("cannot create a Convex client for https://x.convex.cloud: "
                          "Failed to create PyConvexClient: invalid port number")

    def get_many(self, *args: Any) -> Any:
        raise AssertionError("not reached")

    def close(self) -> None:
        pass


@pytest.mark.parametrize("command", ["collect", "report"])
def test_config_error_during_collection_exits_2(command: str) -> None:
    result = CliRunner().invoke(
        main, [command, "--hours", "1", "--now", "2019-09-14T00:00:00Z"],
        obj={"source_factory": lambda settings, export: ClientRejectsURL()})
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "Error: cannot create a Convex client for https://x.convex.cloud: Failed to "
               "create PyConvexClient: invalid port number\n")


class CallerRejectsURL:
    """A caller whose client refuses the URL at the first call (as ProcessCaller does)."""

    closed = False

    def __init__(self, url: str, key: str | None) -> None:
        pass

    def call(self, name: str, args: Any, timeout: float) -> Any:
        raise ConfigError("cannot create a Convex client for https://x.convex.cloud: "
                          "Failed to create PyConvexClient: invalid port number")

    def close(self) -> None:
        CallerRejectsURL.closed = True


def test_config_error_during_check_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_module, "ProcessCaller", CallerRejectsURL)
    monkeypatch.setenv("CONVEX_DEPLOYMENT_URL", "https://x.convex.cloud")
    result = CliRunner().invoke(main, ["check", "--now", "2019-09-14T00:00:00Z"])
    assert (result.exit_code, result.stderr) == (
        2, "Error: cannot create a Convex client for https://x.convex.cloud: Failed to "
           "create PyConvexClient: invalid port number\n")
    assert CallerRejectsURL.closed


# -- secrets -----------------------------------------------------------------------------------
def test_a_short_deploy_key_token_is_masked_on_its_own() -> None:
    register_secret("prod:secretdeploykey|abc123")
    assert redact("server said: key was abc123; full prod:secretdeploykey|abc123") == (
        "server said: key was ***; full ***")


# -- report's --timeout ---------------------------------------------------------------------
def test_report_timeout_bounds_the_whole_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """--timeout is one deadline for the window and all its trailing windows, not one each."""
    seen: list[tuple[int, Deadline | None]] = []
    real = collect_module.collect_activity

    def spy(source: Any, window: Window, **kwargs: Any) -> Any:
        seen.append((window.since, kwargs.get("deadline")))
        return real(source, window, **kwargs)

    monkeypatch.setattr(brief_command, "collect_activity", spy)
    result = CliRunner().invoke(main, ["report", *EXPORT_ARGS, "--day", "2019-09-14",
                                       "--tz", "UTC", "--trailing", "2", "--timeout", "7.5"])
    assert result.exit_code == 0, result.stderr
    assert [since for since, _ in seen] == [1568419200000, 1568332800000, 1568246400000]
    deadlines = {id(deadline) for _, deadline in seen}
    assert len(deadlines) == 1
    assert seen[0][1] is not None and seen[0][1].seconds == 7.5


def test_enormous_string_created_at_is_quoted_short_in_the_warning(tmp_path: Path) -> None:
    data = collect(tmp_path, {
        "crimeReports": [{"_id": "rep1", "_creationTime": T, "createdAt": T},
                         {"_id": "rep2", "_creationTime": T, "createdAt": "9" * 100_000}],
    })
    problems = [w for w in data["warnings"] if w["id"] == "rep2"]
    # The export never delivers a string createdAt for a window (listSince would not either).
    assert problems == []
    instant = document_instant({"_id": "x", "createdAt": "9" * 100_000})
    assert instant.message == (
        "createdAt is string ('" + "9" * 40 + "…' (100000 characters)), not a finite number; "
        "document excluded")


# -- text and id fields of the wrong type ----------------------------------------------------
def test_wrong_type_text_and_id_fields_are_null_with_a_warning(tmp_path: Path) -> None:
    # An object, array or bytes where text or an id belongs used to become null silently, and a
    # numeric id was printed as "123" but never looked up or warned about.
    data = collect(tmp_path, {
        "crimeReports": [
            {"_id": "rep1", "_creationTime": T, "createdAt": T, "criminalId": {"x": 1},
             "description": ["a", "b"], "offenseType": "THEFT", "status": 3},
            {"_id": "rep2", "_creationTime": T + 1, "createdAt": T + 1, "criminalId": 123,
             "description": b"bytes", "cityState": {"c": 1}},
        ],
        "tips": [
            {"_id": "tip1", "_creationTime": T, "createdAt": T, "personId": 42,
             "locationId": ["loc"], "details": {"d": 1}, "userId": "usr_7"},
        ],
        "criminals": [], "persons": [], "locations": [],
    })
    assert data["complete"] is True
    rep1, rep2 = data["incidents"]
    assert (rep1["criminal_id"], rep1["description"], rep1["type"], rep1["status"]) == (
        None, None, "THEFT", "3")  # a number is text enough: kept as its JSON text
    assert (rep2["criminal_id"], rep2["description"], rep2["location"]["city"]) == (
        None, None, None)
    (tip,) = data["tips"]
    assert (tip["person_id"], tip["location_id"], tip["details"]) == (None, None, None)
    assert [(w["code"], w["table"], w["id"], w["field"], w["message"])
            for w in data["warnings"]] == [
        ("field_invalid", "crimeReports", "rep1", "criminalId",
         "crimeReports rep1: criminalId is object where a document id was expected: "
         "output as null"),
        ("field_invalid", "crimeReports", "rep1", "description",
         "crimeReports rep1: description is array where text was expected: output as null"),
        ("field_invalid", "crimeReports", "rep2", "criminalId",
         "crimeReports rep2: criminalId is Int64 where a document id was expected: "
         "output as null"),
        ("field_invalid", "crimeReports", "rep2", "description",
         "crimeReports rep2: description is bytes where text was expected: output as null"),
        ("field_invalid", "crimeReports", "rep2", "cityState",
         "crimeReports rep2: cityState is object where text was expected: output as null"),
        ("field_invalid", "tips", "tip1", "personId",
         "tips tip1: personId is Int64 where a document id was expected: output as null"),
        ("field_invalid", "tips", "tip1", "locationId",
         "tips tip1: locationId is array where a document id was expected: output as null"),
        ("field_invalid", "tips", "tip1", "details",
         "tips tip1: details is object where text was expected: output as null"),
    ]
