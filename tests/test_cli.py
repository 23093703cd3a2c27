"""The command line: help, exit codes, window options, output, and the CLI parts of the cases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import strict_loads
from convex_activity import __version__
from convex_activity.cli import main
from convex_activity.settings import Settings
from convex_activity.sources.base import Source
from convex_activity.sources.callers import ThreadCaller
from convex_activity.sources.live import LiveSource
from exportkit import write_export
from fakes import (
    TOO_MANY_READS,
    FakeConvex,
    block_forever,
    build_documents,
    raise_on,
)

NOW_ARG = "2026-03-08T09:30:00-05:00"


def factory_for(fake: FakeConvex) -> Any:
    def make(settings: Settings, export: str | None) -> Source:
        return LiveSource(ThreadCaller(fake), page_size=settings.page_size,
                          call_timeout=settings.call_timeout, description="fake")
    return make


def invoke(args: list[str], fake: FakeConvex | None = None) -> Any:
    obj = {"source_factory": factory_for(fake)} if fake is not None else None
    return CliRunner().invoke(main, args, obj=obj)


def test_help_documents_every_option() -> None:
    result = invoke(["collect", "--help"])
    assert result.exit_code == 0
    for option in ("--hours", "--since", "--until", "--day", "--tz", "--now", "--export",
                   "--timeout", "--out", "-h, --help"):
        assert option in result.output
    top = invoke(["-h"])
    assert top.exit_code == 0 and "collect" in top.output and "-v, --verbose" in top.output


def test_version() -> None:
    result = invoke(["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_collect_prints_strict_json_and_exits_0() -> None:
    fake = FakeConvex(build_documents({"crimeReports": [{"_id": "rep_1"}]}))
    result = invoke(["collect", "--now", NOW_ARG], fake)
    assert result.exit_code == 0, result.stderr
    data = strict_loads(result.stdout_bytes)
    assert data["complete"] is True
    assert [i["id"] for i in data["incidents"]] == ["rep_1"]
    assert data["window"]["since"] == 1772893800000


@pytest.mark.parametrize(
    "args, message",
    [
        (["collect", "--now", "2026-03-08T14:30:00"],
         "Error: time '2026-03-08T14:30:00' has no UTC offset: "
         "a timezone-aware datetime is required"),
        (["collect", "--hours", "24", "--since", "2026-03-07T00:00:00Z",
          "--until", "2026-03-08T00:00:00Z"], "cannot be combined"),
        (["collect", "--since", "2026-03-07T00:00:00Z"], "--since and --until go together"),
        (["collect", "--day", "2026-03-08", "--tz", "Mars/Olympus"], "unknown time zone"),
        (["collect", "--day", "08/03/2026"], "is not a date"),
        (["collect", "--tz", "UTC"], "--tz applies to --day only"),
        (["collect", "--since", "2026-03-08T00:00:00Z", "--until", "2026-03-07T00:00:00Z"],
         "window is empty"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = invoke(args, FakeConvex())
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert result.stdout == ""


def test_missing_url_exits_2_naming_the_variable() -> None:
    result = invoke(["collect", "--now", NOW_ARG])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: CONVEX_DEPLOYMENT_URL is not configured: set it to your deployment URL "
        "(https://<name>.convex.cloud) in the environment or .env"
    ]


def test_bad_setting_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEX_ACTIVITY_PAGE_SIZE", "5000")
    result = invoke(["collect", "--now", NOW_ARG], FakeConvex())
    assert result.exit_code == 2
    assert "CONVEX_ACTIVITY_PAGE_SIZE" in result.stderr


def test_e03_now_with_z_equals_now_with_offset() -> None:
    outputs = []
    for now in ("2026-03-08T14:30:00Z", NOW_ARG):
        fake = FakeConvex(build_documents({"crimeReports": [{"_id": "rep_a"}]}))
        result = invoke(["collect", "--now", now], fake)
        assert result.exit_code == 0
        outputs.append(strict_loads(result.stdout_bytes)["window"])
        assert fake.calls_to("crimeReports:listSince")[0]["since"] == 1772893800000
    assert outputs[0] == outputs[1] == {
        "since": 1772893800000, "until": 1772980200000,
        "since_iso": "2026-03-07T14:30:00.000Z", "until_iso": "2026-03-08T14:30:00.000Z",
    }


def test_day_option_uses_local_calendar_day() -> None:
    fake = FakeConvex()
    result = invoke(["collect", "--day", "2026-03-08", "--tz", "America/Chicago"], fake)
    assert result.exit_code == 0
    window = strict_loads(result.stdout_bytes)["window"]
    assert window["until"] - window["since"] == 23 * 3_600_000
    assert window["since_iso"] == "2026-03-08T06:00:00.000Z"


def test_e14b_cli_exits_1_and_file_says_incomplete(tmp_path: Path) -> None:
    docs = build_documents({"crimeReports": [
        {"_id": f"rep_{n:02d}", "createdAt": 1772960700000 + n} for n in range(10)]})
    fake = FakeConvex(docs, page_limit=2, faults={"crimeReports:listSince": raise_on(
        [3], lambda: Exception(TOO_MANY_READS.format(name="crimeReports:listSince")))})
    out = tmp_path / "activity.json"
    result = invoke(["collect", "--now", NOW_ARG, "--out", str(out)], fake)
    assert result.exit_code == 1
    data = strict_loads(out.read_bytes())
    assert data["complete"] is False
    assert data["sources"]["crimeReports"]["status"] == "failed"
    assert "Too many documents read" in data["sources"]["crimeReports"]["error"]
    assert "incomplete: crimeReports failed" in result.stderr
    assert len(fake.calls_to("crimeReports:listSince")) == 3


def test_e18a_cli_deadline_exits_1(tmp_path: Path) -> None:
    fake = FakeConvex(build_documents({"tips": [{"_id": "tip_1"}]}))
    fake.faults["tips:listSince"] = block_forever(fake)
    out = tmp_path / "activity.json"
    try:
        result = invoke(["collect", "--now", NOW_ARG, "--timeout", "2", "--out", str(out)], fake)
    finally:
        fake.release.set()
    assert result.exit_code == 1
    data = strict_loads(out.read_bytes())
    assert data["complete"] is False
    assert data["sources"]["tips"]["status"] == "failed"
    assert "timed out" in data["sources"]["tips"]["error"]


def test_out_replaces_atomically_and_leaves_no_temp_file(tmp_path: Path) -> None:
    out = tmp_path / "activity.json"
    out.write_text("old", encoding="utf-8")
    result = invoke(["collect", "--now", NOW_ARG, "--out", str(out)], FakeConvex())
    assert result.exit_code == 0 and result.stdout == ""
    assert strict_loads(out.read_bytes())["complete"] is True
    assert [p.name for p in tmp_path.iterdir()] == ["activity.json"]


E17_SPEC: dict[str, list[dict[str, Any]]] = {"crimeReports": [
    {"_id": "rep_u1", "parish": "Pointe Coup\u00e9e", "cityState": "New Roads, LA"},
    {"_id": "rep_u2", "parish": "Pointe Coupe\u0301e", "cityState": "New Roads, LA"},
    {"_id": "rep_u3", "parish": "Pointe Coup\u00e9e ", "cityState": " New Roads, LA"},
    {"_id": "rep_u4", "parish": "Plaquemines", "cityState": "Pointe a\u0300 la Hache, LA",
     "description": "Catalytic converter cut off \U0001f697\U0001f4a8 near the levee \u2014 "
                    "\u00abflagged urgent\u00bb"},
    {"_id": "rep_u5", "parish": "Plaquemines", "cityState": "Pointe \u00e0 la Hache, LA",
     "description": "Graffiti reading \u05e9\u05dc\u05d5\u05dd painted on a floodwall"},
]}


def test_e17_unicode_through_the_cli_with_an_ascii_locale(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "convex-activity"
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    docs = build_documents(E17_SPEC)
    export = write_export(tmp_path / "e17.zip", docs)
    out = tmp_path / "activity.json"
    env = {**os.environ, "PYTHONUTF8": "0", "LC_ALL": "C", "LANG": "C"}
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run(
        [str(script), "collect", "--now", NOW_ARG, "--export", str(export), "--out", str(out)],
        capture_output=True, env=env, timeout=60, check=False, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    with open(out, encoding="utf-8") as handle:
        data = strict_loads(handle.read())
    incidents = {i["id"]: i for i in data["incidents"]}
    for rid in ("rep_u1", "rep_u2", "rep_u3"):
        assert incidents[rid]["location"]["parish"] == "Pointe Coup\u00e9e"
        assert incidents[rid]["location"]["city"] == "New Roads, LA"
    for rid in ("rep_u4", "rep_u5"):
        assert incidents[rid]["location"]["city"] == "Pointe \u00e0 la Hache, LA"
    assert incidents["rep_u4"]["description"] == E17_SPEC["crimeReports"][3]["description"]
    assert incidents["rep_u5"]["description"] == E17_SPEC["crimeReports"][4]["description"]
    raw = out.read_bytes()
    assert "Coup\u00c3\u00a9e".encode() not in raw
    assert b"\\u" not in raw  # written as UTF-8, not escaped
    assert data["complete"] is True


def test_e17_stdout_is_utf8_with_an_ascii_locale(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "convex-activity"
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    export = write_export(tmp_path / "e17", build_documents(E17_SPEC), as_zip=False)
    env = {**os.environ, "PYTHONUTF8": "0", "LC_ALL": "C", "LANG": "C"}
    done = subprocess.run(
        [str(script), "collect", "--now", NOW_ARG, "--export", str(export)],
        capture_output=True, env=env, timeout=60, check=False, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    data = strict_loads(done.stdout.decode("utf-8"))
    assert {i["location"]["parish"] for i in data["incidents"]} == {
        "Pointe Coup\u00e9e", "Plaquemines"}


def test_unwritable_out_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "missing-folder" / "activity.json"
    result = invoke(["collect", "--now", NOW_ARG, "--out", str(out)], FakeConvex())
    assert result.exit_code == 2
    assert "cannot write --out" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_package_exports_collect_activity() -> None:
    import convex_activity

    fake = FakeConvex(build_documents({"crimeReports": [{"_id": "rep_1"}]}))
    window = convex_activity.Window(since=1772893800000, until=1772980200000)
    assert [i.id for i in convex_activity.collect_activity(fake, window).incidents] == ["rep_1"]


@pytest.mark.parametrize("command", ["collect", "report"])
def test_export_that_is_not_an_export_is_a_usage_error(tmp_path: Path, command: str) -> None:
    csv = tmp_path / "incidents.csv"
    csv.write_text("id,offense\n1,THEFT\n", encoding="utf-8")
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("hello", encoding="utf-8")
    other_app = write_export(tmp_path / "chat.zip", {"messages": [], "users": []})
    for path, reason in [
        (csv, "not a readable ZIP file (File is not a zip file)"),
        (folder, "not a Convex snapshot export (no _tables/documents.jsonl or "
                 "<table>/documents.jsonl)"),
        (other_app, "has no crimeReports or tips table: not an export of the "
                    "crime-reporting app"),
    ]:
        result = invoke([command, "--export", str(path), "--day", "2019-09-14"])
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [f"Error: export {path}: {reason}"]
        assert result.stdout == ""
