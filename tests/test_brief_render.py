"""Renderers: Markdown escaping, a self-contained HTML with charts, condensed JSON, screenshots."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from brief_data import DAY, TIPSTER, busy_day, quiet_day, result
from convex_activity.brief.facts import build_facts
from convex_activity.brief.history import WindowRun
from convex_activity.brief.html import render_html
from convex_activity.brief.json import SCHEMA, render_json
from convex_activity.brief.markdown import render_markdown
from convex_activity.brief.wording import not_recorded_text, wanted_note_text

TZ = "America/New_York"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def facts() -> dict[str, Any]:
    runs = [WindowRun(DAY.shifted(-k), quiet_day(DAY.shifted(-k), k)) for k in range(1, 8)]
    runs[2] = WindowRun(DAY.shifted(-3), None, "crimeReports:listSince timed out")
    return build_facts(busy_day(), runs, TZ)


class Tree(HTMLParser):
    """Collects tags, attributes and text, and checks every opened element is closed."""

    VOID = {"meta", "br", "rect", "circle", "line", "img", "input", "link"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.svg_depth = 0
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    tree.close()
    assert tree.errors == []
    assert tree.stack == []
    return tree


# -- Markdown ---------------------------------------------------------------------------------
def test_markdown_has_every_section_and_escapes_document_text(facts: dict[str, Any]) -> None:
    md = render_markdown(facts)
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings == [
        "# Daily Crime Brief — Sat 14 Sep 2019",
        "## Overview",
        "## Incident Breakdown",
        "## Hotspot Analysis",
        "## Tips and Leads",
        "## Action Items",
        "## Data Quality",
    ]
    assert "<script>" not in md
    assert "| Incidents | 6 | +5 | 4.2 (+44%) |" in md  # 25 / 6 = 4.17 (+44%; 4.2 would be +43%)
    assert "| Wed 11 Sep | failed: crimeReports:listSince timed out | — | — |" in md
    # Every table row has the same number of unescaped pipes as its header.
    for block in re.split(r"\n\n", md):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        if rows:
            widths = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
            assert len(widths) == 1, block


def test_markdown_escapes_a_hostile_description_in_an_action_item() -> None:
    current = busy_day()
    current["incidents"][-1]["flags"] = ["weapons"]
    md = render_markdown(build_facts(current, [], TZ))
    line = next(x for x in md.splitlines() if "rep_f" in x)
    assert "\\<script\\>alert('x')\\</script\\> \\| \\*bold\\* \\[link\\](javascript:x)" in line


def test_incomplete_brief_leads_with_the_gap() -> None:
    md = render_markdown(build_facts(result(DAY, failed="crimeReports"), [], TZ))
    assert md.splitlines()[2] == (
        "> **INCOMPLETE: crimeReports failed; counts below are a lower bound. "
        "Collected at 2019-09-15T04:00:01.234Z.**"
    )


@pytest.mark.parametrize("failed", [None, "crimeReports", "tips"])
def test_an_empty_section_says_whether_its_source_failed(failed: str | None) -> None:
    # A failed source is never "No tips in this window.": that is the quiet-day lie.
    facts = build_facts(result(DAY, failed=failed), [], TZ)
    texts = {
        "crimeReports": "No incidents in this window.",
        "tips": "No tips in this window.",
    }
    if failed == "crimeReports":
        texts[failed] = (
            "No incidents could be collected: the crimeReports source failed (see Overview)."
        )
    elif failed == "tips":
        texts[failed] = "No tips could be collected: the tips source failed (see Overview)."
    md = render_markdown(facts).splitlines()
    assert [line for line in md if line.startswith(("No incidents", "No tips"))] == [
        texts["crimeReports"],  # Incident Breakdown
        texts["crimeReports"],  # Hotspot Analysis
        texts["tips"],
    ]
    html = render_html(facts)
    assert re.findall(r"<p>(No (?:incidents|tips) [^<]*)</p>", html) == [
        texts["crimeReports"],
        texts["crimeReports"],
        texts["tips"],
    ]


def test_markdown_tips_table_separates_filed_seen_and_police_line(facts: dict[str, Any]) -> None:
    md = render_markdown(facts)
    start = md.index("## Tips and Leads")
    rows = [r for r in md[start:].splitlines() if r.startswith("|")]
    assert rows[:4] == [
        "| Filed | Seen | Person | Location | Police line | Details |",
        "| --- | --- | --- | --- | --- | --- |",
        "| 14 Sep 01:00 | — | Subject P (alias Pee); Burglary | 38.9000, -77.0000 | 876-1 "
        "| Seen near the bus shelter |",
        "| 14 Sep 02:00 | evening | Subject P (alias Pee); Burglary | not found | — "
        "| Again at the corner store |",
    ]


def test_markdown_omits_a_not_recorded_breakdown_and_says_so(facts: dict[str, Any]) -> None:
    md = render_markdown(facts)
    assert "| Parish |" not in md and "(not recorded)" not in md
    hotspots = md[md.index("## Hotspot Analysis") : md.index("## Tips and Leads")]
    assert hotspots.splitlines()[2:8] == [
        "Parish is not recorded in this data.",
        "",
        "| City | Incidents | Share |",
        "| --- | ---: | ---: |",
        "| Washington, DC | 6 | 100% |",
        "",
    ]


def test_markdown_rule_table_explains_reports_that_did_not_fire(facts: dict[str, Any]) -> None:
    md = render_markdown(facts)
    assert "| Rule | Fires when | Fired | Not fired because |" in md
    assert (
        "| `wanted_criminal` | Report names a criminal whose status is wanted. | 1 "
        "| 1 report names a criminal whose status is not wanted |"
    ) in md
    assert "| `weapons_open` | Report involves weapons and is still open (status active or " in md
    # The same note sits under the flags table, beside the "Wanted fugitive" count.
    breakdown = md[md.index("## Incident Breakdown") : md.index("## Hotspot Analysis")]
    assert breakdown.splitlines()[-2:] == [
        "Rule wanted\\_criminal fired 1 time; 1 report names a criminal whose status is not "
        "wanted.",
        "",
    ]


def test_no_wanted_note_when_every_named_criminal_is_wanted() -> None:
    current = busy_day()
    current["criminals"][1]["status"] = "wanted"
    f = build_facts(current, [], TZ)
    assert wanted_note_text(f) is None
    assert "fired 2 times" not in render_markdown(f) + render_html(f)
    assert "| 2 | — |" in render_markdown(f)


def test_not_recorded_line_names_every_field() -> None:
    assert not_recorded_text(["parish"]) == "Parish is not recorded in this data."
    assert not_recorded_text(["parish", "city", "neighbourhood"]) == (
        "Parish, city and neighbourhood are not recorded in this data."
    )


def test_coverage_says_collected_at_not_data_as_of(facts: dict[str, Any]) -> None:
    for out in (render_markdown(facts), render_html(facts)):
        assert "as of" not in out.lower()
    assert "- **Coverage:** Complete: every source answered. Collected at " in render_markdown(
        facts
    )
    assert "; collected at 2019-09-15T04:00:01.234Z." in render_html(facts)


# -- HTML -------------------------------------------------------------------------------------
def _table_after(html: str, heading: str) -> list[list[str]]:
    """Header and body cells of the first table after ``heading``'s text."""
    chunk = html[html.index(heading) :]
    chunk = chunk[: chunk.index("</table>")]
    return [
        [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", chunk)
    ]


def test_html_tips_rules_and_not_recorded(facts: dict[str, Any]) -> None:
    html = render_html(facts)
    tips = _table_after(html, "Tips and Leads</h2>")
    assert tips[:3] == [
        ["Filed", "Seen", "Person", "Location", "Police line", "Details"],
        [
            "14 Sep 01:00",
            "—",
            "Subject P (alias Pee); Burglary",
            "38.9000, -77.0000",
            "876-1",
            "Seen near the bus shelter",
        ],
        [
            "14 Sep 02:00",
            "evening",
            "Subject P (alias Pee); Burglary",
            "not found",
            "—",
            "Again at the corner store",
        ],
    ]
    rules = _table_after(html, "<h3>Rules</h3>")
    assert rules[0] == ["Rule", "Fires when", "Fired", "Not fired because"]
    assert rules[3] == [
        "wanted_criminal",
        "Report names a criminal whose status is wanted.",
        "1",
        "1 report names a criminal whose status is not wanted",
    ]
    assert (
        "</table></div><p class=\"muted\">Rule wanted_criminal fired 1 time; 1 report names a "
        "criminal whose status is not wanted.</p></section>"
    ) in html
    assert "By parish" not in html and "(not recorded)" not in html
    assert '<p class="muted">Parish is not recorded in this data.</p>' in html
    parse(html)


def test_html_parses_and_is_self_contained(facts: dict[str, Any]) -> None:
    html = render_html(facts)
    tree = parse(html)
    assert [t for t, _ in tree.tags if t in ("script", "link", "img", "iframe", "object")] == []
    for tag, attrs in tree.tags:
        for name, value in attrs.items():
            if name in ("src", "href", "xlink:href", "action", "style") and value:
                assert not re.search(r"https?:|//|url\(", value), (tag, name, value)
    assert not re.search(r"https?://|url\(|@import", html)
    assert "src=" not in html and "href=" not in html


def test_html_escapes_an_injected_script(facts: dict[str, Any]) -> None:
    current = busy_day()
    current["incidents"][-1]["flags"] = ["weapons"]  # puts rep_f into the action items
    current["incidents"][-1]["type"] = "<script>alert(1)</script>"
    html = render_html(build_facts(current, [], TZ))
    tree = parse(html)
    assert "script" not in [t for t, _ in tree.tags]
    text = "".join(tree.text)
    assert "<script>alert(1)</script>" in text  # shown as text (chart, table, action)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert('x')</script>" in text


def test_html_charts_have_one_bar_per_offense_and_one_point_per_coordinate(
    facts: dict[str, Any],
) -> None:
    html = render_html(facts)
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    labels = [re.search(r'aria-label="([^"]*)"', s).group(1) for s in svgs]  # type: ignore[union-attr]
    assert labels == [
        "Incidents in this window (red) and the earlier windows",
        "Incidents by offense type",
        "Incident coordinates",
    ]
    history, offense, scatter = svgs
    assert len(re.findall(r'class="bar"', offense)) == 3
    assert len(re.findall(r'class="point"', scatter)) == 4
    assert len(re.findall(r'class="point" [^>]*fill="#c53030"', scatter)) == 3  # weapons
    # 8 windows: 6 counted + current, 1 failed drawn as "n/a" rather than a zero bar.
    assert len(re.findall(r'class="bar"', history)) == 7
    assert len(re.findall(r'class="bar missing"', history)) == 1
    assert ">n/a<" in history


def test_html_is_phone_ready(facts: dict[str, Any]) -> None:
    html = render_html(facts)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'class="scroll"' in html  # wide tables scroll inside their box, not the page


def test_outputs_are_deterministic_and_free_of_personal_fields(facts: dict[str, Any]) -> None:
    again = build_facts(
        busy_day(),
        [WindowRun(DAY.shifted(-k), quiet_day(DAY.shifted(-k), k)) for k in range(1, 8)],
        TZ,
    )
    for render in (render_markdown, render_html, render_json):
        out = render(facts)
        assert out == render(facts)
        assert render(again)  # renders without the failed window too
        for secret in (TIPSTER, "userId", "kg_storage_secret", "imageStorageId", "example.invalid"):
            assert secret not in out


# -- JSON -------------------------------------------------------------------------------------
def test_json_is_strict_and_condensed(facts: dict[str, Any]) -> None:
    def refuse(name: str) -> None:
        raise AssertionError(f"non-strict JSON constant {name}")

    data = json.loads(render_json(facts), parse_constant=refuse)
    assert data["schema"] == SCHEMA
    assert "points" not in data["hotspots"]
    assert data["hotspots"]["with_coordinates"] == 4
    assert data["hotspots"]["bounding_box"] == {
        "lat_min": 38.89,
        "lat_max": 38.92,
        "lng_min": -77.03,
        "lng_max": -77.0,
    }
    assert data["breakdown"]["flags"] == {
        "school": 0,
        "wanted_fugitive": 0,
        "drugs": 1,
        "abuse": 0,
        "weapons": 3,
    }
    assert [a["rule"] for a in data["actions"]] == [
        "weapons_open",
        "weapons_open",
        "wanted_criminal",
        "hotspot_above_trailing",
        "repeat_sighting",
    ]
    assert "rule_text" not in data["actions"][0]
    assert data["rules"][2] == {
        "rule": "wanted_criminal",
        "text": "Report names a criminal whose status is wanted.",
        "fired": 1,
        "note": "1 report names a criminal whose status is not wanted",
    }
    assert (data["hotspots"]["by_parish"], data["hotspots"]["not_recorded"]) == ([], ["parish"])
    assert data["tips"]["items"][1] == {
        "id": "tip_2",
        "filed_local": "14 Sep 02:00",
        "seen_local": "evening",
        "details": "Again at the corner store",
        "time_of_sighting": "evening",
        "person_id": "per_1",
        "person_name": "Subject P",
        "person_alias": "Pee",
        "person_crime": "Burglary",
        "person_resolved": True,
        "location_id": "loc_gone",
        "location_resolved": False,
    }


# -- screenshots (Chromium) -------------------------------------------------------------------
def png_pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Decode an 8-bit non-interlaced PNG (gray/RGB/RGBA) into raw rows, with zlib only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0 and color in (0, 2, 6), (depth, color, interlace)
    bpp = {0: 1, 2: 3, 6: 4}[color]
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            if ftype == 1:
                line[i] = (line[i] + left) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + up) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif ftype == 4:
                ul = prev[i - bpp] if i >= bpp else 0
                p = left + up - ul
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - ul)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else ul)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def luminance_stats(rows: list[bytes], bpp: int) -> tuple[float, float]:
    """(variance of luminance, share of pixels that differ from the most common value)."""
    values: list[int] = []
    for row in rows:
        for i in range(0, len(row), bpp):
            values.append(row[i] if bpp == 1 else (row[i] * 3 + row[i + 1] * 6 + row[i + 2]) // 10)
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    common = max(set(values), key=values.count)
    return var, sum(1 for v in values if v != common) / len(values)


def screenshot(html_path: Path, png: Path, size: str, tmp: Path) -> bytes:
    profile = tmp / f"profile-{size}"
    proc = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            f"--window-size={size}",
            html_path.as_uri(),
        ],
        capture_output=True,
        timeout=90,
        check=False,
    )
    assert png.exists(), proc.stderr.decode(errors="replace")[-2000:]
    return png.read_bytes()


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} is not installed")
@pytest.mark.parametrize("size", ["390,844", "1280,900"])
def test_screenshot_is_not_blank(facts: dict[str, Any], tmp_path: Path, size: str) -> None:
    page = tmp_path / "brief.html"
    page.write_text(render_html(facts), encoding="utf-8")
    width, height, bpp, rows = png_pixels(screenshot(page, tmp_path / "shot.png", size, tmp_path))
    assert f"{width},{height}" == size
    variance, busy = luminance_stats(rows[::2], bpp)
    # A blank page has variance 0; this one has a dark header, cards and text.
    assert variance > 500, variance
    assert busy > 0.2, busy


def test_png_decoder_on_a_known_image() -> None:
    """2x2 RGB: red, green / blue, white; row 1 uses the Up filter, row 0 the Sub filter."""
    rows = bytes([1, 255, 0, 0, 1, 255, 0]) + bytes([2, 1, 0, 255, 255, 0, 255])

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    width, height, bpp, decoded = png_pixels(png)
    assert (width, height, bpp) == (2, 2, 3)
    assert decoded == [bytes([255, 0, 0, 0, 255, 0]), bytes([0, 0, 255, 255, 255, 255])]
    assert luminance_stats([bytes([9] * 6)], 3) == (0.0, 0.0)


def test_html_cards_name_as_many_windows_as_were_collected() -> None:
    # The cards said "7-window avg" whatever --trailing was.
    runs = [WindowRun(DAY.shifted(-k), quiet_day(DAY.shifted(-k), k)) for k in range(1, 4)]
    html = render_html(build_facts(busy_day(), runs, TZ))
    assert re.findall(r"(\d+)-window avg: ", html) == ["3"] * 6
    none = render_html(build_facts(busy_day(), [], TZ))
    assert "-window avg" not in none
    assert none.count("Trailing avg: n/a (no complete earlier window)") == 6


def test_an_empty_section_names_a_missing_function() -> None:
    current = result(DAY)
    current["sources"]["tips"]["status"] = "missing_function"
    current["complete"] = False
    md = render_markdown(build_facts(current, [], TZ))
    assert "No tips could be collected: the tips source has no deployed function (see " \
           "Overview)." in md.splitlines()
