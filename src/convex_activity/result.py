"""The collector's result: record models, warnings and strict UTF-8 JSON.

Every record model forbids extra fields, so a field that must never reach the output (a tip's
``userId``, file uploads, storage ids, passwords) cannot slip in by accident.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from .safetext import without_surrogates

__all__ = [
    "ActivityResult",
    "Coordinates",
    "Criminal",
    "Incident",
    "IncidentLocation",
    "Person",
    "Place",
    "Tip",
    "RecordWarning",
    "WarningCode",
    "dumps_strict",
]

WarningCode = Literal[
    "created_at_missing",
    "created_at_invalid",
    "created_at_implausible",
    "coordinates_invalid",
    "reference_unresolved",
    "duplicate_document",
    "field_invalid",
]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Coordinates(_Record):
    """A checked position: both finite, latitude in [-90, 90], longitude in [-180, 180]."""

    lat: float
    lng: float


class IncidentLocation(_Record):
    """Where a crime report happened."""

    parish: str | None
    city: str | None
    neighborhood: str | None
    address: str | None
    coordinates: Coordinates | None


class Incident(_Record):
    """A crime report inside the window."""

    id: str
    type: str | None
    description: str | None
    location: IncidentLocation
    timestamp: StrictInt
    timestamp_iso: str
    status: str | None
    report_type: str | None
    criminal_id: str | None
    criminal_name: str | None
    flags: list[str]


class Tip(_Record):
    """A tip inside the window (never its tipster)."""

    id: str
    details: str | None
    timestamp: StrictInt
    timestamp_iso: str
    time_of_sighting: str | None
    person_id: str | None
    person_name: str | None
    location_id: str | None
    coordinates: Coordinates | None


class Criminal(_Record):
    """A criminal referenced by an incident (never the headshot)."""

    id: str
    name: str | None
    primary_crime: str | None
    status: str | None
    description: str | None
    coordinates: Coordinates | None
    timestamp: StrictInt | None
    timestamp_iso: str | None


class Person(_Record):
    """A person referenced by a tip (never the image storage id)."""

    id: str
    name: str | None
    alias: str | None
    crime: str | None
    timestamp: StrictInt | None
    timestamp_iso: str | None


class Place(_Record):
    """A location referenced by a tip."""

    id: str
    coordinates: Coordinates | None
    police_number: str | None
    timestamp: StrictInt | None
    timestamp_iso: str | None


class RecordWarning(_Record):
    """A problem with one document, kept in the result instead of being dropped silently."""

    code: WarningCode
    table: str
    id: str
    field: str | None
    message: str


class ActivityResult(BaseModel):
    """Everything one collection produced (see docs/design.md, "Result JSON")."""

    model_config = ConfigDict(extra="forbid")

    window: dict[str, Any]
    collected_at: str
    complete: bool
    source: str
    sources: dict[str, dict[str, Any]]
    incidents: list[Incident] = Field(default_factory=list)
    tips: list[Tip] = Field(default_factory=list)
    criminals: list[Criminal] = Field(default_factory=list)
    persons: list[Person] = Field(default_factory=list)
    locations: list[Place] = Field(default_factory=list)
    warnings: list[RecordWarning] = Field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict in the documented key order."""
        return self.model_dump(mode="python")

    def to_json(self, *, indent: int | None = 2) -> str:
        """Strict JSON text: no NaN/Infinity tokens, non-ASCII kept as is."""
        return dumps_strict(self.to_dict(), indent=indent)

    def to_bytes(self, *, indent: int | None = 2) -> bytes:
        """:meth:`to_json` as UTF-8 bytes with a final newline."""
        return (self.to_json(indent=indent) + "\n").encode("utf-8")


def dumps_strict(data: Any, *, indent: int | None = 2) -> str:
    """``json.dumps`` that refuses NaN/±Infinity and keeps non-ASCII text.

    Lone surrogates (from ``"\\ud800"`` in a document) become U+FFFD, so the text always
    encodes as UTF-8.

    Raises:
        ValueError: ``data`` contains a non-finite float.
    """
    return without_surrogates(
        json.dumps(data, allow_nan=False, ensure_ascii=False, indent=indent)
    )
