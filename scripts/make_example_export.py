#!/usr/bin/env python3
"""Build ``examples/dc-crime-2019-09.zip``: a Convex snapshot export holding real DC incidents.

Usage::

    python scripts/make_example_export.py [CSV] [--out ZIP]

``CSV`` defaults to ``../shared/data/real/dc_crime_last30d_2019-10-02.csv`` next to the repository
root. Every CSV row becomes one ``crimeReports`` document (``createdAt`` = the report time). A
small illustrative set (criminals, persons, locations, tips, users) is added; see
``docs/example-data.md``. The output is byte-for-byte the same on every run: ids come from
hashes, randomness is seeded, and ZIP members carry a fixed timestamp.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from convex_activity.sources.export_json import (  # noqa: E402
    FIRST_TABLE_NUMBER,
    write_export,
)

DEFAULT_CSV = REPO.parent / "shared" / "data" / "real" / "dc_crime_last30d_2019-10-02.csv"
DEFAULT_OUT = REPO / "examples" / "dc-crime-2019-09.zip"
SEED = 20190914

#: Tables in the order they are written; a table's number is FIRST_TABLE_NUMBER + its index.
TABLES = ("crimeReports", "criminals", "locations", "persons", "tips", "users")
_STORAGE_TABLE_NUMBER = 7  # a system-table number, for the persons' imageStorageId
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_B32_STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


# -- Convex ids ----------------------------------------------------------------------------------
def _vint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _fletcher16(data: bytes) -> int:
    low = high = 0
    for byte in data:
        low = (low + byte) & 0xFF
        high = (high + low) & 0xFF
    return (high << 8) | low


def encode_id(table_number: int, internal: bytes) -> str:
    """A Convex document id: base32 of VInt(table) ‖ 16-byte internal id ‖ Fletcher-16 footer.

    The base32 is RFC 4648 bit order without padding, in Convex's lowercase Crockford alphabet.
    """
    if len(internal) != 16:
        raise ValueError("the internal id has 16 bytes")
    body = _vint(table_number) + internal
    raw = body + _fletcher16(body).to_bytes(2, "little")
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    return text.translate(str.maketrans(_B32_STANDARD, _ALPHABET))


def make_id(table: str, key: str) -> str:
    """The deterministic id of document ``key`` in ``table``."""
    number = FIRST_TABLE_NUMBER + TABLES.index(table)
    return encode_id(number, hashlib.sha256(f"{table}/{key}".encode()).digest()[:16])


def storage_id(key: str) -> str:
    """A deterministic ``_storage`` id (the file itself is not in the export)."""
    return encode_id(
        _STORAGE_TABLE_NUMBER, hashlib.sha256(f"_storage/{key}".encode()).digest()[:16]
    )


def ms(text: str) -> int:
    """Epoch milliseconds of an ISO 8601 time with offset."""
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return round(moment.timestamp() * 1000)


# -- the real part: one crime report per CSV row ---------------------------------------------------
def _description(row: dict[str, str]) -> str:
    """A one-sentence description built from the row's own columns (the source has none).

    Empty columns are left out with their punctuation, so a row without a neighbourhood reads
    "(police district 7)", never "(, police district 7)".
    """
    offense = row["offense_type"].strip()
    address = row["block_address"].strip()
    text = offense or "Incident"
    if address:
        text += f" reported at {address}"
    district = row["district"].strip()
    where = [
        part
        for part in (row["neighborhood"].strip(), f"police district {district}" if district else "")
        if part
    ]
    if where:
        text += f" ({', '.join(where)})"
    if row["occurred_at"].strip():
        text += f"; occurred {row['occurred_at'].strip()}"
    if row["method"] in ("GUN", "KNIFE"):
        text += f"; method {row['method'].lower()}"
    return text + ". Derived from MPD open data (no narrative in the source)."


def crime_reports(rows: list[dict[str, str]], rng: random.Random) -> list[dict[str, Any]]:
    """One ``crimeReports`` document per CSV row, ordered by ``createdAt``."""
    docs = []
    for row in rows:
        created = float(ms(row["reported_at"]))
        docs.append(
            {
                "_id": make_id("crimeReports", row["source_row"]),
                # Taken at the transaction start, so a little before createdAt (Date.now()).
                "_creationTime": created - round(rng.uniform(1.0, 40.0), 3),
                "abuseInvolved": False,
                "cityState": "Washington, DC",
                "createdAt": created,
                "description": _description(row),
                "drugsInvolved": False,
                "fileDescriptions": [],
                "fileUploads": [],
                "incidentAddress": row["block_address"],
                "locationLat": float(row["lat"]),
                "locationLng": float(row["lng"]),
                "neighborhood": row["neighborhood"],
                "offenseType": row["offense_type"],
                "reportType": "new_crime",
                "schoolRelated": False,
                "status": "active",
                "wantedFugitive": False,
                "weaponsInvolved": row["method"] in ("GUN", "KNIFE"),
            }
        )
    docs.sort(key=lambda d: (d["createdAt"], d["_id"]))
    return docs


# -- the illustrative part -------------------------------------------------------------------------
LOCATIONS = [  # name, lat, lng (public landmarks in Washington, DC)
    ("Union Station", 38.8973, -77.0063),
    ("Columbia Heights Metro", 38.9284, -77.0325),
    ("Anacostia Metro", 38.8622, -76.9950),
    ("Navy Yard", 38.8764, -77.0035),
    ("Dupont Circle", 38.9096, -77.0434),
    ("Georgetown Waterfront", 38.9026, -77.0597),
]
CRIMINALS = [  # letter, primary crime (one of the CSV's offense labels)
    ("A", "ROBBERY"),
    ("B", "MOTOR VEHICLE THEFT"),
    ("C", "BURGLARY"),
    ("D", "THEFT F/AUTO"),
    ("E", "ASSAULT W/DANGEROUS WEAPON"),
]
DELETED_CRIMINAL = ("F", "ROBBERY")  # referenced by reports, absent from the export
DEMO_DAY = "2019-09-14"
_EDT = timezone(timedelta(hours=-4))


def _stamp(rng: random.Random, day: str, tz_offset: str = "-04:00") -> float:
    hour, minute, second = rng.randrange(7, 23), rng.randrange(60), rng.randrange(60)
    return float(ms(f"{day}T{hour:02d}:{minute:02d}:{second:02d}{tz_offset}")) + rng.randrange(1000)


def illustrative(
    reports: list[dict[str, Any]], rng: random.Random
) -> dict[str, list[dict[str, Any]]]:
    """Criminals, locations, persons, users and tips; links some reports to criminals."""
    august = [f"2019-08-{d:02d}" for d in range(1, 29)]
    locations = []
    for n, (name, lat, lng) in enumerate(LOCATIONS):
        created = _stamp(rng, august[n])
        locations.append(
            {
                "_id": make_id("locations", name),
                "_creationTime": created - 2.5,
                "coordinates": {"lat": lat, "lng": lng},
                "createdAt": created,
                "policeNumber": f"(202) 555-01{n:02d}",
            }
        )
    criminals = []
    for n, (letter, crime) in enumerate(CRIMINALS):
        created = _stamp(rng, august[10 + n])
        _, lat, lng = LOCATIONS[n]
        criminals.append(
            {
                "_id": make_id("criminals", letter),
                "_creationTime": created - 3.25,
                "createdAt": created,
                "description": "Illustrative record: not a real person.",
                "headshotUrl": f"https://example.invalid/headshots/{letter.lower()}.jpg",
                "locationLat": lat,
                "locationLng": lng,
                "name": f"Illustrative Subject {letter}",
                "primaryCrime": crime,
                "status": "wanted",
            }
        )
    # Link reports to criminals: 2 per criminal on the demo day when possible, plus 2 elsewhere;
    # the deleted criminal gets 2 reports, one of them on the demo day.
    targets = [(c["_id"], c["name"], c["primaryCrime"]) for c in criminals]
    gone_letter, gone_crime = DELETED_CRIMINAL
    targets.append(
        (make_id("criminals", gone_letter), f"Illustrative Subject {gone_letter}", gone_crime)
    )
    demo_start, demo_end = ms(f"{DEMO_DAY}T00:00:00-04:00"), ms("2019-09-15T00:00:00-04:00")
    taken: set[str] = set()
    for n, (cid, name, crime) in enumerate(targets):
        same = [r for r in reports if r["offenseType"] == crime and r["_id"] not in taken]
        on_day = [r for r in same if demo_start <= r["createdAt"] < demo_end]
        other = [r for r in same if not demo_start <= r["createdAt"] < demo_end]
        picks = rng.sample(on_day, min(len(on_day), 1 if n == len(targets) - 1 else 2))
        picks += rng.sample(other, 1 if n == len(targets) - 1 else 2)
        for report in picks:
            taken.add(report["_id"])
            report.update(
                criminalCrime=crime,
                criminalId=cid,
                criminalName=name,
                reportType="existing_criminal",
                wantedFugitive=True,
            )
    users = [
        {
            "_id": make_id("users", f"tipster-{k}"),
            "_creationTime": _stamp(rng, august[k]) - 1.5,
            "createdAt": _stamp(rng, august[k]),
            "password": "$2b$12$" + hashlib.sha256(f"not-a-password-{k}".encode()).hexdigest()[:53],
            "username": f"illustrative-tipster-{k}",
        }
        for k in (1, 2, 3)
    ]
    persons = []
    for n, letter in enumerate("ABCD"):
        created = _stamp(rng, august[20 + n])
        persons.append(
            {
                "_id": make_id("persons", letter),
                "_creationTime": created - 4.75,
                "alias": f"Alias {letter}",
                "createdAt": created,
                "crime": CRIMINALS[n][1],
                "imageStorageId": storage_id(f"person-{letter}"),
                "location": {
                    "frequents": [locations[(n + 1) % 6]["_id"], locations[(n + 2) % 6]["_id"]],
                    "last_sighted": locations[(n + 3) % 6]["_id"],
                    "official_location": locations[n]["_id"],
                },
                "name": f"Illustrative Person {letter}",
                "updatedAt": created,
            }
        )
    tip_days = [f"2019-09-{d:02d}" for d in range(2, 31)]
    days = sorted(rng.sample([d for d in tip_days if d != DEMO_DAY], 20)) + [DEMO_DAY] * 5
    tips = []
    for n, day in enumerate(sorted(days)):
        created = _stamp(rng, day)
        person = persons[rng.randrange(len(persons))]
        where = rng.randrange(len(LOCATIONS))
        sighting = created - rng.randrange(10, 180) * 60_000
        tips.append(
            {
                "_id": make_id("tips", str(n)),
                "_creationTime": created - round(rng.uniform(1.0, 40.0), 3),
                "createdAt": created,
                "details": f"Illustrative tip: {person['name']} seen near {LOCATIONS[where][0]}.",
                "locationId": locations[where]["_id"],
                "personId": person["_id"],
                "timeOfSighting": _iso_eastern(sighting),
                "userId": users[n % len(users)]["_id"],
            }
        )
    return {
        "criminals": criminals,
        "locations": locations,
        "persons": persons,
        "tips": tips,
        "users": users,
    }


def _iso_eastern(stamp_ms: float) -> str:
    # September 2019 is all EDT (UTC-4); written with its offset.
    return datetime.fromtimestamp(int(stamp_ms) // 1000, tz=_EDT).isoformat()


def build(csv_path: Path) -> dict[str, list[dict[str, Any]]]:
    """All documents of the example export, by table (in :data:`TABLES` order)."""
    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(SEED)
    reports = crime_reports(rows, rng)
    extra = illustrative(reports, rng)
    tables = {"crimeReports": reports, **extra}
    return {name: tables[name] for name in TABLES}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV, help="the DC crime CSV")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the ZIP to write")
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        parser.error(f"CSV not found: {args.csv}")
    docs = build(args.csv)
    write_export(args.out, docs)
    counts = ", ".join(f"{name} {len(items)}" for name, items in docs.items())
    print(f"wrote {args.out}: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
