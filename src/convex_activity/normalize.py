"""Raw Convex documents → output records, with a warning for every value that had to be dropped.

Absent optional fields become ``None`` (never the strings ``"None"``/``"null"``); coordinates are
both finite and in range or ``None`` with a ``coordinates_invalid`` warning; parish and city are
NFC-normalized and trimmed, and an old document's ``county`` is read as ``parish``. Fields that
must not leave the service (a tip's ``userId``, file uploads, storage ids, headshots, passwords)
are simply never read.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .result import (
    Coordinates,
    Criminal,
    Incident,
    IncidentLocation,
    Person,
    Place,
    RecordWarning,
    Tip,
)
from .timestamps import Instant, reference_instant
from .values import as_number, type_name
from .window import is_representable_ms, ms_to_iso

__all__ = [
    "FLAG_FIELDS",
    "check_coordinates",
    "clean_place",
    "normalize_criminal",
    "normalize_incident",
    "normalize_person",
    "normalize_place",
    "normalize_tip",
    "parse_coordinate",
    "text",
    "time_warning",
]

#: Output flag name → crime-report boolean field, in output order.
FLAG_FIELDS: tuple[tuple[str, str], ...] = (
    ("school", "schoolRelated"),
    ("wanted_fugitive", "wantedFugitive"),
    ("drugs", "drugsInvolved"),
    ("abuse", "abuseInvolved"),
    ("weapons", "weaponsInvolved"),
)

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NON_FINITE_WORDS = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity",
                     "-infinity"}


def text(value: Any) -> str | None:
    """A string field: the string itself, ``None`` when absent or null.

    A number or boolean where text was expected is written as its JSON text (``3``, ``true``)
    rather than dropped; other types become ``None``.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    number = as_number(value)
    if number is not None and math.isfinite(number):
        return str(int(number)) if float(number).is_integer() else repr(float(number))
    return None


def clean_place(value: Any) -> str | None:
    """A parish or city name: NFC-normalized, trimmed; empty → ``None``."""
    raw = text(value)
    if raw is None:
        return None
    cleaned = unicodedata.normalize("NFC", raw).strip()
    return cleaned or None


def parse_coordinate(value: Any) -> tuple[float | None, str | None]:
    """Read one coordinate component.

    Returns:
        ``(number, None)`` for a finite number or a clean numeric string (trimmed);
        ``(None, reason)`` otherwise. A comma decimal is never guessed.
    """
    if value is None:
        return None, "missing"
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return None, "empty string"
        if stripped.lower() in _NON_FINITE_WORDS:
            return None, f"not finite ({value!r})"
        if "," in stripped:
            return None, f"comma decimal separator ({value!r}); not guessed"
        if not _DECIMAL.fullmatch(stripped):
            return None, f"not a number ({value!r})"
        return float(stripped), None
    number = as_number(value)
    if number is None:
        return None, f"{type_name(value)}, not a number"
    if not math.isfinite(number):
        return None, f"not finite ({type_name(value)})"
    return float(number), None


def check_coordinates(
    lat: Any,
    lng: Any,
    *,
    table: str,
    doc_id: str,
    fields: tuple[str, str],
    warnings: list[RecordWarning],
) -> Coordinates | None:
    """A checked ``{lat, lng}`` pair, or ``None`` (with one warning unless both are absent).

    Args:
        lat: raw latitude (number, numeric string, anything).
        lng: raw longitude.
        table: table of the document, for the warning.
        doc_id: id of the document, for the warning.
        fields: names of the latitude and longitude fields, for the warning.
        warnings: list the warning is appended to.
    """
    if lat is None and lng is None:
        return None
    lat_value, lat_problem = parse_coordinate(lat)
    lng_value, lng_problem = parse_coordinate(lng)
    problems: list[str] = []
    field: str | None = None
    if lat_problem:
        problems.append(f"latitude {lat_problem}")
        field = fields[0]
    if lng_problem:
        problems.append(f"longitude {lng_problem}")
        field = field or fields[1]
    if lat_value is not None and not -90.0 <= lat_value <= 90.0:
        problems.append(f"latitude {lat_value!r} outside [-90, 90]")
        field = field or fields[0]
    if lng_value is not None and not -180.0 <= lng_value <= 180.0:
        problems.append(f"longitude {lng_value!r} outside [-180, 180]")
        field = field or fields[1]
    if problems or lat_value is None or lng_value is None:
        warnings.append(
            RecordWarning(
                code="coordinates_invalid",
                table=table,
                id=doc_id,
                field=field,
                message=f"{table} {doc_id}: coordinates dropped: " + "; ".join(problems),
            )
        )
        return None
    return Coordinates(lat=lat_value, lng=lng_value)


class _Fields:
    """Reads one document's text and id fields, warning (``field_invalid``) for each value that
    has to be output as ``None`` because no text can stand for it (an object, array, bytes,
    NaN), or because an id field holds something other than a string."""

    def __init__(
        self, table: str, doc: Mapping[str, Any], warnings: list[RecordWarning]
    ) -> None:
        self.table = table
        self.doc = doc
        self.doc_id = str(doc["_id"])
        self.warnings = warnings

    def _warn(self, field: str, value: Any, expected: str) -> None:
        self.warnings.append(
            RecordWarning(
                code="field_invalid",
                table=self.table,
                id=self.doc_id,
                field=field,
                message=(
                    f"{self.table} {self.doc_id}: {field} is {type_name(value)} where "
                    f"{expected} was expected: output as null"
                ),
            )
        )

    def text(self, field: str) -> str | None:
        """The field as text (see :func:`text`)."""
        value = self.doc.get(field)
        out = text(value)
        if out is None and value is not None:
            self._warn(field, value, "text")
        return out

    def ref(self, field: str) -> str | None:
        """A reference: a document id is a string; anything else is never looked up."""
        value = self.doc.get(field)
        if value is None or isinstance(value, str):
            return value
        self._warn(field, value, "a document id")
        return None


def time_warning(table: str, doc_id: str, instant: Instant) -> RecordWarning | None:
    """The warning for an instant's problem, if it has one."""
    if instant.problem is None:
        return None
    return RecordWarning(
        code=instant.problem,
        table=table,
        id=doc_id,
        field="createdAt",
        message=f"{table} {doc_id}: {instant.message}",
    )


def _stamp(instant: Instant) -> tuple[int | None, str | None]:
    ms = instant.ms
    return ms, (None if ms is None else ms_to_iso(ms))


def normalize_incident(
    doc: Mapping[str, Any],
    instant: Instant,
    *,
    criminal_names: Mapping[str, str | None],
    warnings: list[RecordWarning],
) -> Incident:
    """A crime report as an :class:`Incident`.

    Args:
        doc: the raw report.
        instant: its instant (must have a value: the collector excluded the others).
        criminal_names: resolved criminal id → name; a report whose criminal is not in it
            falls back to its own denormalized ``criminalName``.
        warnings: list new warnings are appended to.
    """
    doc_id = str(doc["_id"])
    ms, iso = _stamp(instant)
    assert ms is not None and iso is not None, "window documents always have an instant"
    fields = _Fields("crimeReports", doc, warnings)
    criminal_id = fields.ref("criminalId")
    name = criminal_names.get(criminal_id) if criminal_id is not None else None
    parish_field = "parish" if doc.get("parish") is not None else "county"
    return Incident(
        id=doc_id,
        type=fields.text("offenseType"),
        description=fields.text("description"),
        location=IncidentLocation(
            parish=clean_place(fields.text(parish_field)),
            city=clean_place(fields.text("cityState")),
            neighborhood=clean_place(fields.text("neighborhood")),
            address=clean_place(fields.text("incidentAddress")),
            coordinates=check_coordinates(
                doc.get("locationLat"),
                doc.get("locationLng"),
                table="crimeReports",
                doc_id=doc_id,
                fields=("locationLat", "locationLng"),
                warnings=warnings,
            ),
        ),
        timestamp=ms,
        timestamp_iso=iso,
        status=fields.text("status"),
        report_type=fields.text("reportType"),
        criminal_id=criminal_id,
        criminal_name=name if name is not None else fields.text("criminalName"),
        flags=[flag for flag, field in FLAG_FIELDS if doc.get(field) is True],
    )


def _time_of_sighting(fields: _Fields) -> str | None:
    value = fields.doc.get("timeOfSighting")
    number = as_number(value)
    if number is not None and is_representable_ms(number) and number >= 0:
        return ms_to_iso(number)  # stored as epoch ms by some writers
    return fields.text("timeOfSighting") if not isinstance(value, bool) else None


def normalize_tip(
    doc: Mapping[str, Any],
    instant: Instant,
    *,
    persons: Mapping[str, Person],
    places: Mapping[str, Place],
    warnings: list[RecordWarning],
) -> Tip:
    """A tip as a :class:`Tip`; the tipster (``userId``) is never read."""
    ms, iso = _stamp(instant)
    assert ms is not None and iso is not None, "window documents always have an instant"
    fields = _Fields("tips", doc, warnings)
    person_id = fields.ref("personId")
    location_id = fields.ref("locationId")
    person = persons.get(person_id) if person_id is not None else None
    place = places.get(location_id) if location_id is not None else None
    return Tip(
        id=str(doc["_id"]),
        details=fields.text("details"),
        timestamp=ms,
        timestamp_iso=iso,
        time_of_sighting=_time_of_sighting(fields),
        person_id=person_id,
        person_name=person.name if person is not None else None,
        location_id=location_id,
        coordinates=place.coordinates if place is not None else None,
    )


def _reference_time(
    table: str, doc: Mapping[str, Any], warnings: list[RecordWarning]
) -> tuple[int | None, str | None]:
    instant = reference_instant(dict(doc))
    warning = time_warning(table, str(doc["_id"]), instant)
    if warning is not None:
        warnings.append(warning)
    return _stamp(instant)


def normalize_criminal(doc: Mapping[str, Any], *, warnings: list[RecordWarning]) -> Criminal:
    """A criminal as a :class:`Criminal` (the headshot is never read)."""
    doc_id = str(doc["_id"])
    ms, iso = _reference_time("criminals", doc, warnings)
    fields = _Fields("criminals", doc, warnings)
    return Criminal(
        id=doc_id,
        name=fields.text("name"),
        primary_crime=fields.text("primaryCrime"),
        status=fields.text("status"),
        description=fields.text("description"),
        coordinates=check_coordinates(
            doc.get("locationLat"),
            doc.get("locationLng"),
            table="criminals",
            doc_id=doc_id,
            fields=("locationLat", "locationLng"),
            warnings=warnings,
        ),
        timestamp=ms,
        timestamp_iso=iso,
    )


def normalize_person(doc: Mapping[str, Any], *, warnings: list[RecordWarning]) -> Person:
    """A person as a :class:`Person` (the image storage id is never read)."""
    ms, iso = _reference_time("persons", doc, warnings)
    fields = _Fields("persons", doc, warnings)
    return Person(
        id=str(doc["_id"]),
        name=fields.text("name"),
        alias=fields.text("alias"),
        crime=fields.text("crime"),
        timestamp=ms,
        timestamp_iso=iso,
    )


def normalize_place(doc: Mapping[str, Any], *, warnings: list[RecordWarning]) -> Place:
    """A location as a :class:`Place`."""
    doc_id = str(doc["_id"])
    ms, iso = _reference_time("locations", doc, warnings)
    raw = doc.get("coordinates")
    if isinstance(raw, Mapping):
        lat, lng = raw.get("lat"), raw.get("lng")
    else:
        lat, lng = (None, None) if raw is None else (raw, raw)
    return Place(
        id=doc_id,
        coordinates=check_coordinates(
            lat,
            lng,
            table="locations",
            doc_id=doc_id,
            fields=("coordinates.lat", "coordinates.lng"),
            warnings=warnings,
        ),
        police_number=_Fields("locations", doc, warnings).text("policeNumber"),
        timestamp=ms,
        timestamp_iso=iso,
    )
