"""The brief's facts as condensed, strict JSON for a language-model writer or another tool.

Condensed means: no per-point chart data (a bounding box instead), no empty rows, and every
free-text field already cut to one line. The facts never carried personal fields to begin with
(see :mod:`.facts`); this module adds none.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["SCHEMA", "condense", "render_json"]

#: Identifies the layout of the JSON; bump when a key changes meaning.
SCHEMA = "convex-activity.brief/1"


def _bbox(points: list[Mapping[str, Any]]) -> dict[str, float] | None:
    if not points:
        return None
    lats = [float(p["lat"]) for p in points]
    lngs = [float(p["lng"]) for p in points]
    return {
        "lat_min": min(lats),
        "lat_max": max(lats),
        "lng_min": min(lngs),
        "lng_max": max(lngs),
    }


def condense(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts without chart-only data, in a stable key order."""
    hot = dict(facts["hotspots"])
    points = hot.pop("points")
    hot["with_coordinates"] = len(points)
    hot["bounding_box"] = _bbox(points)
    breakdown = dict(facts["breakdown"])
    breakdown["flags"] = {f["flag"]: f["count"] for f in breakdown["flags"]}
    tips = dict(facts["tips"])
    tips["items"] = [{k: v for k, v in t.items() if v is not None} for t in tips["items"]]
    return {
        "schema": SCHEMA,
        "title": facts["title"],
        "window": facts["window"],
        "coverage": facts["coverage"],
        "counts": facts["counts"],
        "trend": facts["trend"],
        "history": facts["history"],
        "breakdown": breakdown,
        "hotspots": hot,
        "tips": tips,
        "actions": [
            {k: v for k, v in a.items() if v is not None and k != "rule_text"}
            for a in facts["actions"]
        ],
        "rules": facts["rules"],
        "quality": facts["quality"],
    }


def render_json(facts: Mapping[str, Any]) -> str:
    """Condensed facts as strict JSON text (UTF-8 safe, no NaN), ending with a newline."""
    return json.dumps(condense(facts), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
