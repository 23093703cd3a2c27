"""The benchmark's data generator: deterministic, exact counts, the project's export encoding.

No timing here; performance numbers live in ``bench/`` and ``docs/benchmarks.md``. The last
test runs ``bench/run.py`` once at a tiny size to hold its output contract.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from convex_activity.sources.export_json import export_members
from live_support import node_ready

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


gen = _generate()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    first = gen.write_dataset(gen.DataSet(300), tmp_path / "a.zip")
    second = gen.write_dataset(gen.DataSet(300), tmp_path / "b.zip")
    other = gen.write_dataset(gen.DataSet(300, seed=1), tmp_path / "c.zip")
    assert _digest(tmp_path / "a.zip") == _digest(tmp_path / "b.zip")
    assert _digest(tmp_path / "a.zip") != _digest(tmp_path / "c.zip")
    assert first == second
    assert other.reports == 300


def test_counts_and_window_are_exact(tmp_path: Path) -> None:
    counts = gen.write_dataset(gen.DataSet(3000), tmp_path / "d.zip")
    assert (counts.reports, counts.tips, counts.criminals) == (3000, 300, 300)
    assert (counts.persons, counts.locations) == (60, 60)
    # One report per 1/3000 of 30 days: the last 24 hours hold exactly 100 (and 10 tips).
    assert counts.window_reports == 100
    assert counts.window_tips == 10
    with zipfile.ZipFile(tmp_path / "d.zip") as archive:
        lines = archive.read("crimeReports/documents.jsonl").splitlines()
        tables = [json.loads(x)["name"] for x in archive.read("_tables/documents.jsonl").split()]
        schema = archive.read("crimeReports/generated_schema.jsonl")
    docs = [json.loads(line) for line in lines]
    since, until = gen.WINDOW
    in_window = [d for d in docs if since <= d["createdAt"] < until]
    assert len(docs) == 3000
    assert len(in_window) == 100
    assert counts.window_criminal_refs == len(
        {d["criminalId"] for d in in_window if "criminalId" in d}
    )
    assert all(len(d["_id"]) == 32 for d in docs)
    assert len({d["_id"] for d in docs}) == 3000
    assert all(isinstance(d["createdAt"], float) for d in docs)  # Float64, never Int64
    assert sorted(tables) == ["crimeReports", "criminals", "locations", "persons", "tips"]
    assert schema == b'"uniform"\n'


def test_lines_match_the_project_export_writer(tmp_path: Path) -> None:
    data = gen.DataSet(200)
    gen.write_dataset(data, tmp_path / "e", folder=True)
    expected = dict(export_members({name: list(docs) for name, docs in data.tables().items()}))
    for table in ("crimeReports", "tips", "criminals", "persons", "locations"):
        written = (tmp_path / "e" / table / "documents.jsonl").read_bytes()
        assert written == expected[f"{table}/documents.jsonl"]


@pytest.mark.live
@pytest.mark.skipif(node_ready() is not None, reason=node_ready() or "")
def test_run_prints_its_headline_as_the_last_line(tmp_path: Path) -> None:
    """The benchmark's contract with CI and the docs: the last stdout line is the headline JSON,
    computed from the runs it made (no timing is asserted here, only what the run recorded)."""
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--sizes", "300", "--repeat", "1",
         "--skip-export", "--latency-ms", "0", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    line = json.loads(proc.stdout.splitlines()[-1])
    summary = json.loads((tmp_path / "results.json").read_text())
    assert summary["headline"] == line
    (size,) = summary["sizes"]
    indexed, original = size["indexed"], size["original"]
    assert line["speedup"] == round(original["wall_s"] / indexed["wall_s"], 2)
    assert {k: v for k, v in line.items() if k not in ("speedup", "elapsed_s")} == {
        "speedup_at_reports": 300, "transfer_ratio": 1.0, "calls_within_target": True,
        "same_incidents": True, "original_failed_at": [], "indexed_completed_at": [300],
        "latency_ms": 0}
    # 10 reports + 1 tip in the window, referencing 5 criminals, 1 person, 1 location.
    assert (indexed["server"]["calls"], indexed["server"]["documents"]) == (5, 18)
    # The seed's pattern: both whole tables (300 + 30 documents) and one get per criminal (5).
    assert (original["server"]["calls"], original["server"]["documents"]) == (7, 335)
