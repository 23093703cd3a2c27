"""Result dicts shaped as docs/design.md describes, for the brief's unit tests.

Built by hand (not by the collector) so the brief's tests pin the contract, not an implementation.
"""

from __future__ import annotations

from typing import Any

from convex_activity.window import Window, ms_to_iso

# Sat 14 Sep 2019 in America/New_York (EDT, UTC-4).
DAY = Window(since=1568433600000, until=1568520000000)
HOUR = 3_600_000
TIPSTER = "usr_secret_7"


def incident(
    rid: str,
    at: int,
    *,
    type_: str = "THEFT/OTHER",
    status: str | None = "active",
    flags: list[str] | None = None,
    neighborhood: str | None = "Cluster 7",
    parish: str | None = None,
    address: str | None = "1400 - 1499 BLOCK OF 14TH STREET NW",
    coords: dict[str, float] | None = None,
    criminal_id: str | None = None,
    description: str = "Wallet taken from a table",
) -> dict[str, Any]:
    """One incident record."""
    return {
        "id": rid,
        "type": type_,
        "description": description,
        "location": {
            "parish": parish,
            "city": "Washington, DC",
            "neighborhood": neighborhood,
            "address": address,
            "coordinates": coords,
        },
        "timestamp": at,
        "timestamp_iso": ms_to_iso(at),
        "status": status,
        "report_type": "existing_criminal" if criminal_id else "new_crime",
        "criminal_id": criminal_id,
        "criminal_name": None,
        "flags": flags or [],
    }


def sources(**status: str) -> dict[str, Any]:
    """The five table reports, all ``ok`` unless given."""
    out = {}
    for table in ("crimeReports", "tips", "criminals", "persons", "locations"):
        st = status.get(table, "ok")
        out[table] = {
            "status": st,
            "count": 0,
            "function": f"{table}:listSince",
            "pages": 1,
            "calls": 1,
            "error": None if st in ("ok", "degraded") else f"{table}:listSince timed out",
        }
    return out


def result(
    window: Window,
    incidents: list[dict[str, Any]] | None = None,
    *,
    tips: list[dict[str, Any]] | None = None,
    criminals: list[dict[str, Any]] | None = None,
    persons: list[dict[str, Any]] | None = None,
    locations: list[dict[str, Any]] | None = None,
    warnings: list[dict[str, Any]] | None = None,
    failed: str | None = None,
) -> dict[str, Any]:
    """A whole result dict; ``failed`` names a table whose source failed."""
    srcs = sources(**({failed: "failed"} if failed else {}))
    return {
        "window": window.to_dict(),
        "collected_at": ms_to_iso(window.until + 1234),
        "complete": failed is None,
        "source": "export examples/test.zip",
        "sources": srcs,
        "incidents": incidents or [],
        "tips": tips or [],
        "criminals": criminals or [],
        "persons": persons or [],
        "locations": locations or [],
        "warnings": warnings or [],
    }


def busy_day() -> dict[str, Any]:
    """The current window used across the tests: 6 incidents, 3 tips, 1 warning."""
    s = DAY.since
    incidents = [
        incident("rep_a", s + 1 * HOUR, coords={"lat": 38.90, "lng": -77.03}),
        incident(
            "rep_b",
            s + 2 * HOUR,
            type_="ROBBERY",
            flags=["weapons"],
            coords={"lat": 38.91, "lng": -77.02},
        ),
        incident(
            "rep_c",
            s + 3 * HOUR,
            type_="ROBBERY",
            flags=["drugs", "weapons"],
            status="resolved",
            coords={"lat": 38.92, "lng": -77.01},
        ),
        incident(
            "rep_d",
            s + 4 * HOUR,
            type_="ASSAULT W/DANGEROUS WEAPON",
            flags=["weapons"],
            status="investigating",
            criminal_id="crm_1",
            neighborhood="Cluster 2",
            address="900 - 999 BLOCK OF G STREET NW",
            coords={"lat": 38.89, "lng": -77.00},
        ),
        incident(
            "rep_e",
            s + 5 * HOUR,
            criminal_id="crm_2",
            neighborhood="Cluster 2",
            address="900 - 999 BLOCK OF G STREET NW",
        ),
        incident(
            "rep_f",
            s + 6 * HOUR,
            description="<script>alert('x')</script> | *bold* [link](javascript:x)",
        ),
    ]
    tips = [
        {
            "id": "tip_1",
            "details": "Seen near   the bus shelter",
            "timestamp": s + HOUR,
            "timestamp_iso": ms_to_iso(s + HOUR),
            "time_of_sighting": None,
            "person_id": "per_1",
            "person_name": "Subject P",
            "location_id": "loc_1",
            "coordinates": {"lat": 38.9, "lng": -77.0},
            "userId": TIPSTER,
        },
        {
            "id": "tip_2",
            "details": "Again at the corner store",
            "timestamp": s + 2 * HOUR,
            "timestamp_iso": ms_to_iso(s + 2 * HOUR),
            "time_of_sighting": "evening",
            "person_id": "per_1",
            "person_name": "Subject P",
            "location_id": "loc_gone",
            "coordinates": None,
        },
        {
            "id": "tip_3",
            "details": "x" * 300,
            "timestamp": s + 3 * HOUR,
            "timestamp_iso": ms_to_iso(s + 3 * HOUR),
            "time_of_sighting": None,
            "person_id": "per_2",
            "person_name": None,
            "location_id": "loc_1",
            "coordinates": {"lat": 38.9, "lng": -77.0},
        },
    ]
    return result(
        DAY,
        incidents,
        tips=tips,
        criminals=[
            {
                "id": "crm_1",
                "name": "Subject K",
                "primary_crime": "Armed robbery",
                "status": "wanted",
                "description": None,
                "coordinates": None,
                "timestamp": s - 100 * HOUR,
                "timestamp_iso": ms_to_iso(s - 100 * HOUR),
                "headshotUrl": "https://example.invalid/face.jpg",
            },
            {
                "id": "crm_2",
                "name": "Subject L",
                "primary_crime": "Fraud",
                "status": "captured",
                "description": None,
                "coordinates": None,
                "timestamp": s - 90 * HOUR,
                "timestamp_iso": ms_to_iso(s - 90 * HOUR),
            },
        ],
        persons=[
            {
                "id": "per_1",
                "name": "Subject P",
                "alias": "Pee",
                "crime": "Burglary",
                "timestamp": s - 50 * HOUR,
                "timestamp_iso": ms_to_iso(s - 50 * HOUR),
                "imageStorageId": "kg_storage_secret",
            },
            {
                "id": "per_2",
                "name": "Subject Q",
                "alias": None,
                "crime": None,
                "timestamp": s - 40 * HOUR,
                "timestamp_iso": ms_to_iso(s - 40 * HOUR),
            },
        ],
        locations=[
            {
                "id": "loc_1",
                "coordinates": {"lat": 38.9, "lng": -77.0},
                "police_number": "876-1",
                "timestamp": s - 60 * HOUR,
                "timestamp_iso": ms_to_iso(s - 60 * HOUR),
            },
        ],
        warnings=[
            {
                "code": "reference_unresolved",
                "table": "locations",
                "id": "loc_gone",
                "field": "locationId",
                "message": "location loc_gone not found; referenced by tips tip_2",
            },
        ],
    )


def quiet_day(window: Window, n: int, neighborhood: str = "Cluster 9") -> dict[str, Any]:
    """An earlier window with ``n`` plain thefts in one neighbourhood."""
    return result(
        window,
        [
            incident(f"old_{window.since}_{i}", window.since + i * 1000, neighborhood=neighborhood)
            for i in range(n)
        ],
    )


def tip(tid: str, at: int, person_id: str | None = None) -> dict[str, Any]:
    """One tip record, with no person or location unless given."""
    return {
        "id": tid,
        "details": f"Tip {tid}",
        "timestamp": at,
        "timestamp_iso": ms_to_iso(at),
        "time_of_sighting": None,
        "person_id": person_id,
        "person_name": None,
        "location_id": None,
        "coordinates": None,
    }


def tips_day(window: Window, n: int) -> dict[str, Any]:
    """A window with ``n`` tips and no incident."""
    return result(window, tips=[tip(f"tip_{window.since}_{i}", window.since + i) for i in range(n)])
