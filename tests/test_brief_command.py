"""``convex-activity report`` on the committed demo export: golden files, exit codes, progress.

Golden files live in tests/golden/. After an intended change to the brief, regenerate them with

    BRIEF_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_brief_command.py

and review the diff before committing. Without the variable the tests only compare.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from convex_activity import collect as collect_module
from convex_activity.brief.command import Progress, report_command

ROOT = Path(__file__).resolve().parents[1]
DEMO_REL = "examples/dc-crime-2019-09.zip"
DEMO = ROOT / DEMO_REL
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("BRIEF_UPDATE_GOLDEN") == "1"
DAY_ARGS = ["--day", "2019-09-14", "--tz", "America/New_York"]
#: The collector stamps ``collected_at`` from the clock; pin it so the brief is reproducible.
COLLECTED_AT = datetime(2019, 9, 15, 4, 5, 0, tzinfo=UTC)

pytestmark = pytest.mark.skipif(not DEMO.exists(), reason=f"demo export {DEMO} not present")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collect_module, "_utcnow", lambda: COLLECTED_AT)
    # The brief names its source as given; run from the repo root with a relative path so the
    # golden files do not depend on where the clone lives.
    monkeypatch.chdir(ROOT)


def run(*args: str) -> Result:
    return CliRunner().invoke(report_command, list(args), catch_exceptions=False)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with BRIEF_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


def test_markdown_golden() -> None:
    result = run("--export", DEMO_REL, *DAY_ARGS, "--format", "md")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # not a terminal: no progress line
    check_golden("brief-2019-09-14.md", result.stdout)


def test_json_golden_and_exact_headline_numbers() -> None:
    result = run("--export", DEMO_REL, *DAY_ARGS, "--format", "json")
    assert result.exit_code == 0, result.stderr
    check_golden("brief-2019-09-14.json", result.stdout)
    data = json.loads(result.stdout)
    # 103 incidents reported on 2019-09-14 (data/real README, by report date).
    assert data["counts"]["incidents"] == 103
    assert [h["incidents"] for h in data["history"]] == [108, 120, 88, 95, 94, 93, 108]
    incidents = next(r for r in data["trend"] if r["metric"] == "incidents")
    assert (incidents["previous"], incidents["change"], incidents["trailing_avg"]) == (
        108,
        -5,
        100.9,
    )
    tips = next(r for r in data["trend"] if r["metric"] == "tips")
    # 5 tips against 6 tips over 7 days (0.857 a day, shown 0.9): +483%, not 5 / 0.9 = +456%.
    assert (tips["current"], tips["trailing_avg"], tips["vs_avg_pct"]) == (5, 0.9, 483)
    assert data["coverage"]["line"] == (
        "Complete: every source answered. Collected at 2019-09-15T04:05:00.000Z."
    )
    assert "userId" not in result.stdout and "password" not in result.stdout
    # 11 reports carry the wanted-fugitive flag; 10 fire the rule, and the brief says why the
    # 11th does not (its criminal was deleted: see docs/example-data.md).
    assert data["breakdown"]["flags"]["wanted_fugitive"] == 11
    wanted = next(r for r in data["rules"] if r["rule"] == "wanted_criminal")
    assert (wanted["fired"], wanted["note"]) == (
        10,
        "1 report names a criminal who could not be found",
    )
    # DC has no parishes: no "(not recorded) 100%" table, one line instead.
    assert (data["hotspots"]["by_parish"], data["hotspots"]["not_recorded"]) == ([], ["parish"])
    first_tip = data["tips"]["items"][0]
    assert (first_tip["filed_local"], first_tip["seen_local"], first_tip["police_number"]) == (
        "14 Sep 07:29",
        "14 Sep 05:45",
        "(202) 555-0100",
    )
    assert first_tip["time_of_sighting"] == "2019-09-14T05:45:45-04:00"


def test_html_brief_for_the_newcomer(tmp_path: Path) -> None:
    out = tmp_path / "brief.html"
    result = run("--export", DEMO_REL, *DAY_ARGS, "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    html = out.read_text(encoding="utf-8")
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    offense = next(s for s in svgs if 'aria-label="Incidents by offense type"' in s)
    scatter = next(s for s in svgs if 'aria-label="Incident coordinates"' in s)
    assert len(re.findall(r'class="bar"', offense)) == 7  # 7 offense types that day
    assert len(re.findall(r'class="point"', scatter)) == 103
    assert not re.search(r"https?://|url\(|src=|href=", html)
    assert out.stat().st_mode & 0o777 == 0o644
    assert (
        '<p class="muted">Rule wanted_criminal fired 10 times; 1 report names a criminal who '
        "could not be found.</p>"
    ) in html
    assert '<p class="muted">Parish is not recorded in this data.</p>' in html
    assert "By parish" not in html and "as of" not in html
    assert (
        '<th>Filed</th><th>Seen</th><th>Person</th><th>Location</th><th class="nw">Police line'
    ) in html
    # The police line never wraps: "(202) 555-" over "0100" reads as two numbers.
    assert '<td>38.8973, -77.0063</td><td class="nw">(202) 555-0100</td>' in html


def test_incomplete_source_still_writes_the_brief_and_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(DEMO) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "tips/documents.jsonl":
                data += b"{not json\n"
            dst.writestr(info.filename, data)
    out = tmp_path / "brief.md"
    result = run("--export", str(broken), *DAY_ARGS, "--out", str(out), "--trailing", "1")
    assert result.exit_code == 1
    text = out.read_text(encoding="utf-8")
    line = (
        "INCOMPLETE: tips failed; counts below are a lower bound. "
        "Collected at 2019-09-15T04:05:00.000Z."
    )
    assert f"> **{line}**" in text
    assert result.stderr == f"warning: {line}\n"
    assert "| Fri 13 Sep | incomplete: tips failed | — | — |" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--day", "2019-09-14", "--hours", "3"], "--day cannot be combined"),
        (["--since", "2019-09-14T00:00:00Z"], "--since and --until go together"),
        (["--day", "2019-09-14", "--tz", "Mars/Base"], "unknown time zone 'Mars/Base'"),
        (["--since", "2019-09-14T00:00:00", "--until", "2019-09-15T00:00:00Z"], "no UTC offset"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run("--export", DEMO_REL, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert result.stdout == ""


def test_live_source_without_url_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CONVEX_DEPLOYMENT_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    result = run(*DAY_ARGS)
    assert result.exit_code == 2
    assert "CONVEX_DEPLOYMENT_URL is not configured" in result.stderr


def test_tz_sets_the_display_zone_for_a_since_until_window() -> None:
    result = run(
        "--export",
        str(DEMO),
        "--since",
        "2019-09-14T16:00:00Z",
        "--until",
        "2019-09-14T18:00:00Z",
        "--tz",
        "America/New_York",
        "--trailing",
        "0",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    window = json.loads(result.stdout)["window"]
    assert (window["local_start"], window["local_end"], window["tz_abbrev"], window["hours"]) == (
        "Sat 14 Sep 2019 12:00",
        "Sat 14 Sep 2019 14:00",
        "EDT",
        2,
    )
    assert json.loads(result.stdout)["history"] == []


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_only_on_a_terminal() -> None:
    quiet = io.StringIO()
    Progress(quiet)(0, 8, "window x")
    assert quiet.getvalue() == ""
    tty = Tty()
    bar = Progress(tty)
    bar(0, 8, "window 2019-09-14T04:00:00.000Z")
    bar(8, 8, "done")
    assert tty.getvalue() == ("\r\x1b[2Kcollecting 1/8: window 2019-09-14T04:00:00.000Z\r\x1b[2K")


def test_importing_the_command_registers_it_on_the_cli_group() -> None:
    from convex_activity.cli import main

    assert main.commands["report"] is report_command


def test_without_earlier_windows_the_trend_says_none_were_collected() -> None:
    result = run("--export", DEMO_REL, *DAY_ARGS, "--format", "md", "--trailing", "0")
    assert result.exit_code == 0, result.stderr
    assert (
        "| Incidents | 103 | n/a (previous window not collected) "
        "| n/a (no complete earlier window) |" in result.stdout.splitlines()
    )
