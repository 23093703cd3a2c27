"""Shared pieces of the live-path tests: the seeded data set and the window it is read in.

The data set exercises what differs between the live and the export path: Float64 and Int64
``createdAt``, documents without ``createdAt`` (``_creationTime`` decides), documents outside the
window, resolved references, a reference to a deleted document, a reference holding an id of
another table, and personal fields that must never reach the output. Eleven crime reports fall in
the window, so a page size of 3 gives four ``listSince`` pages.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

#: 2019-09-14 in America/New_York: [04:00Z, next day 04:00Z).
SINCE = 1568433600000
UNTIL = 1568520000000
DAY = "2019-09-14"
TZ = "America/New_York"
FAKE_KEY = "prod:fake-deployment-123|FAKEKEYdoNotLeak0123456789"
ROOT = Path(__file__).resolve().parents[1]


def node_ready() -> str | None:
    """Why the dev server cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (ROOT / "node_modules" / "tsx").is_dir():
        return "node_modules is absent: run `npm ci` to run the live tests"
    return None


def _report(rid: str, created: Any, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": rid,
        "_creationTime": float(extra.pop("creation", SINCE - 3_600_000)),
        "reportType": "new_crime",
        "description": f"report {rid}",
        "offenseType": "THEFT/OTHER",
        "cityState": "Washington, DC",
        "neighborhood": "Cluster 7",
        "incidentAddress": "1400 - 1499 BLOCK OF 14TH STREET NW",
        "schoolRelated": False,
        "wantedFugitive": False,
        "drugsInvolved": rid.endswith("3"),
        "abuseInvolved": False,
        "weaponsInvolved": rid.endswith("5"),
        "fileUploads": ["kg2abc"],
        "fileDescriptions": ["photo"],
        "locationLat": 38.909,
        "locationLng": -77.031,
        "status": "active",
    }
    if created is not None:
        doc["createdAt"] = created
    doc.update(extra)
    return doc


def dataset() -> dict[str, list[dict[str, Any]]]:
    """The documents of every table, as an export holds them."""
    hour = 3_600_000
    reports = [
        # Float64 createdAt, one per hour from 01:00 local.
        _report(f"rep_{k:02d}", float(SINCE + (k + 1) * hour)) for k in range(8)
    ]
    reports += [
        _report("rep_int", SINCE + 9 * hour),  # Int64 createdAt
        _report("rep_nocreated", None, creation=SINCE + 10 * hour + 0.5),
        _report("rep_crim", float(SINCE + 11 * hour), reportType="existing_criminal",
                criminalId="crm_1", criminalName="Ann Example", criminalHeadshot="https://x/h.png"),
        _report("rep_before", float(SINCE - 1)),
        _report("rep_after", float(UNTIL)),
        _report("rep_gone", float(SINCE + 12 * hour), reportType="existing_criminal",
                criminalId="crm_gone"),
        _report("rep_wrongtable", float(SINCE + 13 * hour), reportType="existing_criminal",
                criminalId="per_1"),
    ]
    criminals = [
        {"_id": "crm_1", "_creationTime": float(SINCE - 86_400_000), "name": "Ann Example",
         "primaryCrime": "THEFT", "status": "wanted", "description": "tall",
         "locationLat": 38.9, "locationLng": -77.0, "headshotUrl": "https://x/h.png",
         "createdAt": float(SINCE - 86_400_000)},
        {"_id": "crm_2", "_creationTime": float(SINCE - 86_400_000), "name": "Unreferenced",
         "primaryCrime": "ROBBERY", "status": "caught", "createdAt": float(SINCE - 86_400_000)},
    ]
    locations = [
        {"_id": "loc_1", "_creationTime": float(SINCE - 7_200_000),
         "coordinates": {"lat": 38.91, "lng": -77.03}, "policeNumber": "2D",
         "createdAt": float(SINCE - 7_200_000)},
    ]
    persons = [
        {"_id": "per_1", "_creationTime": float(SINCE - 7_200_000), "name": "Bo Person",
         "imageStorageId": "kg2storage", "alias": "B", "crime": "fraud",
         "location": {"frequents": ["loc_1"], "last_sighted": "loc_1"},
         "createdAt": float(SINCE - 7_200_000), "updatedAt": float(SINCE - 7_200_000)},
    ]
    users = [{"_id": "usr_1", "_creationTime": float(SINCE - 9_000_000), "username": "u",
              "password": "hunter2"}]
    tips = [
        {"_id": "tip_1", "_creationTime": float(SINCE + 2 * hour), "userId": "usr_1",
         "personId": "per_1", "locationId": "loc_1", "details": "seen near the park",
         "timeOfSighting": float(SINCE + hour), "createdAt": float(SINCE + 2 * hour)},
        {"_id": "tip_2", "_creationTime": float(SINCE - hour), "personId": "per_1",
         "locationId": "loc_1", "details": "old tip", "createdAt": float(SINCE - hour)},
    ]
    return {"crimeReports": reports, "criminals": criminals, "locations": locations,
            "persons": persons, "users": users, "tips": tips}
