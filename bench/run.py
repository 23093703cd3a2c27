"""Benchmark: the indexed path against the original pattern, and the export source against DuckDB.

For each size N (1,000, 10,000, 50,000 crime reports; ``--quick``: 1,000 and 10,000) this

1. generates the data set (``bench/generate.py``) as a snapshot-export ZIP,
2. starts the local Convex dev server seeded with it, with injected latency on every WebSocket
   message (default 20 ms each way),
3. collects the last 24 hours of the data once per strategy, each in a fresh process
   (``bench/collect_one.py``) through the official client (``ProcessCaller``), reading the
   server's per-function statistics after each run.

Then it times the export source against DuckDB's ``read_json`` on a large generated export
(``bench/export_vs_duckdb.py``; 1,000,000 reports ≈ 1 GB, ``--quick``: 100,000).

The last stdout line is one JSON object (``speedup``, ``transfer_ratio``, …). The full run also
writes ``bench/out/results.md`` and ``bench/out/results.json``.

Usage::

    .venv/bin/python bench/run.py --quick
    .venv/bin/python bench/run.py                       # full run (several minutes)
    .venv/bin/python bench/run.py --latency-ms 0 --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from export_vs_duckdb import compare as compare_export_duckdb
from generate import WINDOW, DataSet, write_dataset

from convex_activity.devserver import DevServer

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
FULL_SIZES = (1_000, 10_000, 50_000)
QUICK_SIZES = (1_000, 10_000)
GET_MANY_BATCH = 1000
WINDOW_FUNCTIONS = ("crimeReports:listSince", "tips:listSince")
REFERENCE_FUNCTIONS = ("criminals:getMany", "persons:getMany", "locations:getMany")


def log(message: str) -> None:
    """Progress goes to stderr so the last stdout line stays the JSON summary."""
    print(message, file=sys.stderr, flush=True)


def ensure_zip(reports: int, data_dir: Path) -> tuple[Path, dict[str, Any]]:
    """The export ZIP for ``reports`` (generated once, then reused) and its counts."""
    path = data_dir / f"n{reports}.zip"
    marker = data_dir / f"n{reports}.counts.json"
    if path.exists() and marker.exists():
        return path, json.loads(marker.read_text())
    counts = write_dataset(DataSet(reports), path).to_dict()
    marker.write_text(json.dumps(counts))
    return path, counts


def collect_once(
    strategy: str, server: DevServer, deploy_key: str | None, timeout: float, page_size: int
) -> dict[str, Any]:
    """Run ``collect_one.py`` in a fresh interpreter; reset the server's stats once it is warm."""
    cmd = [sys.executable, str(HERE / "collect_one.py"), "--strategy", strategy]
    cmd += ["--url", server.url, "--since", str(WINDOW[0]), "--until", str(WINDOW[1])]
    cmd += ["--call-timeout", str(timeout), "--page-size", str(page_size)]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write((deploy_key or "") + "\n")
        proc.stdin.flush()
        if proc.stdout.readline().strip() == "READY":
            server.reset_stats()
            proc.stdin.write("GO\n")
            proc.stdin.flush()
        stdout, stderr = proc.communicate(timeout=timeout * 3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"strategy": strategy, "status": "crashed", "errors": ["benchmark run timed out"]}
    lines = stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (stderr.strip().splitlines() or ["no output"])[-3:]
        return {"strategy": strategy, "status": "crashed", "errors": tail}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def call_target(counts: dict[str, Any], page_size: int) -> int:
    """⌈W/page⌉ per window table + ⌈R/1000⌉ per reference table + one call per table."""
    windows = (counts["window_reports"], counts["window_tips"])
    refs = (
        counts["window_criminal_refs"],
        counts["window_person_refs"],
        counts["window_location_refs"],
    )
    return (
        sum(math.ceil(w / page_size) for w in windows)
        + sum(math.ceil(r / GET_MANY_BATCH) for r in refs)
        + len(windows)
        + len(refs)
    )


def server_totals(stats: dict[str, Any]) -> dict[str, Any]:
    """Sum the server's per-function statistics: calls, documents and bytes returned."""
    functions: dict[str, dict[str, Any]] = stats.get("functions", {})
    return {
        "calls": sum(int(f.get("calls", 0)) for f in functions.values()),
        "documents": sum(int(f.get("documents", 0)) for f in functions.values()),
        "bytes": sum(int(f.get("bytes", 0)) for f in functions.values()),
        "failed_calls": sum(int(f.get("errors", f.get("failures", 0))) for f in functions.values()),
        "functions": functions,
    }


def median_run(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time, plus every run's wall time.

    Calls, documents and bytes are deterministic; if they differ between runs it is flagged.
    """
    timed = sorted(results, key=lambda r: r.get("wall_s", float("inf")))
    chosen = dict(timed[(len(timed) - 1) // 2])
    chosen["walls_s"] = [round(r.get("wall_s", float("nan")), 3) for r in results]
    chosen["peak_rss_collector_mb"] = max(r.get("peak_rss_collector_mb", 0) for r in results)
    chosen["peak_rss_client_worker_mb"] = max(
        r.get("peak_rss_client_worker_mb", 0) for r in results
    )
    shapes = {
        (r["server"]["calls"], r["server"]["documents"], r["server"]["bytes"], r.get("status"))
        for r in results
    }
    chosen["runs_identical"] = len(shapes) == 1
    return chosen


def bench_size(
    reports: int, latency_ms: int, data_dir: Path, timeout: float, page_size: int, repeat: int
) -> dict[str, Any]:
    """Seed a dev server with ``reports`` reports and run both strategies against it."""
    zip_path, counts = ensure_zip(reports, data_dir)
    log(f"N={reports}: starting the dev server seeded with {zip_path.name}")
    started = time.perf_counter()
    server = DevServer(zip_path, start_timeout=600, latency_ms=latency_ms).start()
    seed_s = time.perf_counter() - started
    row: dict[str, Any] = {"reports": reports, "counts": counts, "seed_s": seed_s}
    try:
        deploy_key = None  # the dev server needs none
        runs: dict[str, list[dict[str, Any]]] = {"indexed": [], "original": []}
        for attempt in range(repeat):
            for strategy in ("indexed", "original"):  # alternate, so noise hits both alike
                result = collect_once(strategy, server, deploy_key, timeout, page_size)
                result["server"] = server_totals(server.stats())
                runs[strategy].append(result)
                wall = result.get("wall_s", 0.0)
                log(f"N={reports} #{attempt + 1}: {strategy} {result.get('status')} {wall:.2f} s")
        for strategy, results in runs.items():
            row[strategy] = median_run(results)
    finally:
        server.stop()
    derive(row, page_size)
    return row


def derive(row: dict[str, Any], page_size: int) -> None:
    """Add the ratios the issue's targets are stated in."""
    counts = row["counts"]
    needed = (
        counts["window_reports"]
        + counts["window_tips"]
        + counts["window_criminal_refs"]
        + counts["window_person_refs"]
        + counts["window_location_refs"]
    )
    indexed, original = row["indexed"], row["original"]
    row["needed_documents"] = needed
    row["call_target"] = call_target(counts, page_size)
    if indexed.get("status") == "ok":
        docs = indexed["server"]["documents"]
        row["transfer_ratio"] = docs / needed if needed else None
        row["calls_within_target"] = indexed["server"]["calls"] <= row["call_target"]
        row["indexed_ids_expected"] = len(indexed["incident_ids"]) == counts["window_reports"]
    if indexed.get("status") == "ok" and original.get("status") == "ok":
        row["speedup"] = original["wall_s"] / indexed["wall_s"]
        # Including the client's start (worker process + WebSocket connect), equal for both.
        row["cold_speedup"] = (original["wall_s"] + original["connect_s"]) / (
            indexed["wall_s"] + indexed["connect_s"]
        )
        row["same_incidents"] = indexed["incident_ids"] == original["incident_ids"]
    for result in (indexed, original):
        result["incidents"] = len(result.pop("incident_ids", []) or [])


def markdown(summary: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    nan = float("nan")
    lines = [
        f"Latency injected: {summary['latency_ms']:g} ms each way per WebSocket message. "
        f"Each strategy ran {summary['repeat']} times per size; wall time is the median run's "
        "(all runs listed in results.json), peak RSS the maximum. "
        f"Window: the last 24 h of a 30-day span ({WINDOW[0]}–{WINDOW[1]} ms).",
        "",
        "| N reports | strategy | status | wall s (min–max) | server calls | docs transferred "
        "| MB transferred | peak RSS collector / client worker (MB) | incidents "
        "| transfer ratio | call target |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in summary["sizes"]:
        for strategy in ("indexed", "original"):
            r = row[strategy]
            server = r.get("server", {})
            status = r.get("status", "?")
            if status != "ok":
                first = "; ".join(r.get("errors", [])).split(". ")[0]
                status += ": " + first[:200].replace("|", "/")
            ratio = row.get("transfer_ratio") if strategy == "indexed" else None
            walls = r.get("walls_s", [])
            spread = f" ({min(walls):.2f}–{max(walls):.2f})" if len(walls) > 1 else ""
            target = row["call_target"] if strategy == "indexed" else ""
            lines.append(
                f"| {row['reports']:,} | {strategy} | {status} "
                f"| {r.get('wall_s', nan):.2f}{spread} "
                f"| {server.get('calls', '?')} | {server.get('documents', '?'):,} "
                f"| {server.get('bytes', 0) / 1e6:.2f} "
                f"| {r.get('peak_rss_collector_mb', 0):.0f} / "
                f"{r.get('peak_rss_client_worker_mb', 0):.0f} | {r.get('incidents', '?')} "
                f"| {'' if ratio is None else f'{ratio:.3f}'} | {target} |"
            )
    lines += [""]
    for row in summary["sizes"]:
        speedup = (
            f"speedup {row['speedup']:.1f}× ({row['cold_speedup']:.1f}× counting the client's "
            "start)"
            if "speedup" in row
            else "no speedup: the original strategy did not complete"
        )
        lines.append(
            f"- N={row['reports']:,}: window holds {row['counts']['window_reports']} reports + "
            f"{row['counts']['window_tips']} tips, referencing "
            f"{row['counts']['window_criminal_refs']} criminals, "
            f"{row['counts']['window_person_refs']} persons, "
            f"{row['counts']['window_location_refs']} locations "
            f"(= {row['needed_documents']} documents needed); {speedup}; same incidents: "
            f"{row.get('same_incidents', 'n/a')}; server seeded in {row['seed_s']:.1f} s."
        )
    exp = summary.get("export_vs_duckdb")
    if exp:
        lines += [
            "",
            f"Export source vs DuckDB over `crimeReports/documents.jsonl` "
            f"({exp['documents']:,} documents, {exp['jsonl_bytes'] / 1e6:,.0f} MB):",
            "",
            "| reader | status | wall s | MB/s | peak RSS MB | window rows |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for kind in ("export", "duckdb", "duckdb_1thread"):
            r = exp.get(kind, {"status": "not run"})
            label = {"duckdb": "DuckDB (all cores)", "duckdb_1thread": "DuckDB (1 thread)"}
            lines.append(
                f"| {label.get(kind, 'ExportSource')} | {r['status']} | {r.get('wall_s', nan):.2f} "
                f"| {r.get('mb_per_s', nan):.0f} | {r.get('peak_rss_mb', nan):.0f} "
                f"| {r.get('rows', '?')} |"
            )
        lines.append("")
        ratio, one = exp.get("throughput_ratio"), exp.get("throughput_ratio_1thread")
        if ratio is not None:
            lines.append(
                f"Throughput ratio ExportSource ÷ DuckDB: {ratio:.2f} (all cores)"
                + (f", {one:.2f} (DuckDB on one thread)." if one is not None else ".")
                + " Wall time is the best of the runs; peak RSS the maximum."
            )
    return "\n".join(lines) + "\n"


def headline(summary: dict[str, Any]) -> dict[str, Any]:
    """The one-line JSON: speedup at the largest size both strategies completed, and friends."""
    both = [r for r in summary["sizes"] if "speedup" in r]
    largest = max(both, key=lambda r: r["reports"]) if both else None
    indexed_ok = [r for r in summary["sizes"] if "transfer_ratio" in r]
    out: dict[str, Any] = {
        "speedup": round(largest["speedup"], 2) if largest else None,
        "speedup_at_reports": largest["reports"] if largest else None,
        "transfer_ratio": (
            round(max(r["transfer_ratio"] for r in indexed_ok), 4) if indexed_ok else None
        ),
        "calls_within_target": all(r.get("calls_within_target") for r in indexed_ok)
        if indexed_ok
        else None,
        "same_incidents": all(r.get("same_incidents", True) for r in summary["sizes"]),
        "original_failed_at": [
            r["reports"] for r in summary["sizes"] if r["original"].get("status") != "ok"
        ],
        "indexed_completed_at": [r["reports"] for r in indexed_ok],
        "latency_ms": summary["latency_ms"],
    }
    exp = summary.get("export_vs_duckdb")
    if exp and "throughput_ratio" in exp:
        out["export_vs_duckdb_throughput"] = round(exp["throughput_ratio"], 3)
        if "throughput_ratio_1thread" in exp:
            out["export_vs_duckdb_1thread"] = round(exp["throughput_ratio_1thread"], 3)
        out["export_mb_per_s"] = round(exp["export"]["mb_per_s"], 1)
        out["export_peak_rss_mb"] = round(exp["export"]["peak_rss_mb"], 1)
    out["elapsed_s"] = round(summary["elapsed_s"], 1)
    return out


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (≤ 2 minutes)")
    parser.add_argument("--sizes", help="comma-separated report counts (overrides the default)")
    parser.add_argument("--latency-ms", type=int, default=20, help="each way per message")
    parser.add_argument("--page-size", type=int, default=500, help="listSince numItems (1–1000)")
    parser.add_argument("--call-timeout", type=float, default=120.0)
    parser.add_argument("--export-docs", type=int, help="documents in the large export")
    parser.add_argument("--repeat", type=int, default=3, help="runs per strategy (median kept)")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    started = time.perf_counter()
    sizes = (
        tuple(int(s) for s in args.sizes.split(","))
        if args.sizes
        else (QUICK_SIZES if args.quick else FULL_SIZES)
    )
    data_dir = args.out / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {
        "latency_ms": args.latency_ms,
        "repeat": args.repeat,
        "page_size": args.page_size,
        "window": list(WINDOW),
        "machine": machine(),
        "sizes": [
            bench_size(n, args.latency_ms, data_dir, args.call_timeout, args.page_size, args.repeat)
            for n in sizes
        ],
    }
    if not args.skip_export:
        docs = args.export_docs or (100_000 if args.quick else 1_000_000)
        log(f"export source vs DuckDB on {docs:,} documents …")
        summary["export_vs_duckdb"] = compare_export_duckdb(
            args.out / f"big{docs}", docs, args.repeat
        )
    summary["elapsed_s"] = time.perf_counter() - started
    line = headline(summary)
    summary["headline"] = line
    name = "results-quick" if args.quick else "results"
    (args.out / f"{name}.json").write_text(json.dumps(summary, indent=2))
    (args.out / f"{name}.md").write_text(markdown(summary))
    log(markdown(summary))
    print(json.dumps(line))


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import os

    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    mem_kb = 0
    try:
        with open("/proc/meminfo") as handle:
            mem_kb = int(handle.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "node": node.stdout.strip(),
        "platform": platform.platform(),
    }


if __name__ == "__main__":
    main()
