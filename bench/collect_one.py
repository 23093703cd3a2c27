"""Collect the benchmark window once, with one strategy, in this (fresh) process.

``bench/run.py`` starts one of these per measurement so that peak memory belongs to one run:
the script connects (one warm-up call), prints ``READY``, waits for a line on stdin, collects,
and prints one JSON object. Peak memory is
``ru_maxrss`` of this process (the collector) and of its reaped children (the worker process in
which ``ProcessCaller`` runs the official ``ConvexClient``).

Strategies, both through ``ProcessCaller`` (the official client) against the same server:

* ``indexed``: the project's path, ``collect_activity(LiveSource(caller), window)``: bounded
  ``listSince`` pages and batched ``getMany``.
* ``original``: the seed's pattern, call for call: ``crimeReports:list({})``, keep reports with
  ``createdAt >= since`` on the client, one ``criminals:get({id})`` per distinct referenced
  criminal, ``tips:list({})`` filtered the same way. The seed swallows a failed call and goes on
  with an empty list; we do the same, but record the failure so it is reported, not hidden.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import traceback
from typing import Any


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:400]


class TimedCaller:
    """Wraps a caller and records how long each call took (seconds, per function)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.times: dict[str, list[float]] = {}

    def call(self, name: str, args: dict[str, Any], timeout: float) -> Any:
        started = time.perf_counter()
        try:
            return self.inner.call(name, args, timeout)
        finally:
            self.times.setdefault(name, []).append(time.perf_counter() - started)

    def close(self) -> None:
        self.inner.close()

    def summary(self) -> dict[str, dict[str, float]]:
        """Per function: calls, total and longest seconds."""
        return {
            name: {"calls": len(t), "total_s": round(sum(t), 4), "max_s": round(max(t), 4)}
            for name, t in self.times.items()
        }


def run_original(
    caller: Any, since: int, until: int, call_timeout: float, page_size: int
) -> dict[str, Any]:
    """The seed's collection pattern (``activity_collector.py``) over ``caller``."""
    errors: list[str] = []
    calls = 0

    def call(name: str, args: dict[str, Any]) -> Any:
        nonlocal calls
        calls += 1
        return caller.call(name, args, call_timeout)

    try:
        reports = call("crimeReports:list", {})
        # The seed keeps createdAt >= cutoff; our window also ends at `until` (the data's end).
        incidents = [r for r in reports if since <= r.get("createdAt", 0) < until]
        del reports
    except Exception as exc:  # the seed catches everything here and returns []
        errors.append(f"crimeReports:list: {_short(exc)}")
        incidents = []
    criminal_ids = {i.get("criminalId") for i in incidents if i.get("criminalId")}
    criminals = []
    for cid in sorted(criminal_ids):
        try:
            doc = call("criminals:get", {"id": cid})
            if doc:
                criminals.append(doc)
        except Exception as exc:
            errors.append(f"criminals:get: {_short(exc)}")
    try:
        tips = [t for t in call("tips:list", {}) if since <= t.get("createdAt", 0) < until]
    except Exception as exc:
        errors.append(f"tips:list: {_short(exc)}")
        tips = []
    return {
        "status": "failed" if errors else "ok",
        "errors": errors,
        "client_calls": calls,
        "incident_ids": sorted(i["_id"] for i in incidents),
        "tips": len(tips),
        "criminals": len(criminals),
    }


def run_indexed(
    caller: Any, since: int, until: int, call_timeout: float, page_size: int
) -> dict[str, Any]:
    """The project's collection path over ``caller``."""
    from convex_activity.collect import collect_activity
    from convex_activity.deadline import Deadline
    from convex_activity.sources.live import LiveSource
    from convex_activity.window import Window

    source = LiveSource(caller, page_size=page_size, call_timeout=call_timeout)
    window = Window(since=since, until=until)
    data = collect_activity(source, window, deadline=Deadline(call_timeout * 5)).to_dict()
    sources = data["sources"]
    bad = [f"{t}: {s['status']}: {s['error']}" for t, s in sources.items() if s["status"] != "ok"]
    return {
        "status": "ok" if data["complete"] and not bad else "failed",
        "errors": bad,
        "client_calls": sum(int(s["calls"]) for s in sources.values()),
        "incident_ids": sorted(i["id"] for i in data["incidents"]),
        "tips": len(data["tips"]),
        "criminals": len(data["criminals"]),
        "persons": len(data["persons"]),
        "locations": len(data["locations"]),
        "warnings": len(data["warnings"]),
        "sources": sources,
    }


def main() -> None:
    """Command line: one collection; prints one JSON object on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategy", choices=["indexed", "original"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--since", type=int, required=True)
    parser.add_argument("--until", type=int, required=True)
    parser.add_argument("--call-timeout", type=float, default=120.0)
    parser.add_argument("--page-size", type=int, default=500, help="listSince numItems")
    args = parser.parse_args()
    deploy_key = sys.stdin.readline().strip() or None  # never on the command line

    from convex_activity.sources.process_caller import ProcessCaller

    out: dict[str, Any] = {"strategy": args.strategy}
    started = time.perf_counter()
    caller = ProcessCaller(args.url, deploy_key)
    # Warm up: start the client's worker process and connect, so the timed part is the
    # collection itself. The harness resets the server's statistics between READY and GO.
    caller.call("criminals:getMany", {"ids": []}, args.call_timeout)
    out["connect_s"] = time.perf_counter() - started
    print("READY", flush=True)
    sys.stdin.readline()
    ready = time.perf_counter()
    timed = TimedCaller(caller)
    try:
        runner = run_indexed if args.strategy == "indexed" else run_original
        out.update(runner(timed, args.since, args.until, args.call_timeout, args.page_size))
    except Exception as exc:
        out.update(status="crashed", errors=[_short(exc)], trace=traceback.format_exc()[-2000:])
    finished = time.perf_counter()
    caller.close()
    out["wall_s"] = finished - ready
    out["call_times"] = timed.summary()
    out["peak_rss_collector_mb"] = _rss_mb(resource.RUSAGE_SELF)
    out["peak_rss_client_worker_mb"] = _rss_mb(resource.RUSAGE_CHILDREN)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
