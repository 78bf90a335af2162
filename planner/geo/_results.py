"""Result types shared by every geocoder (re-exported by :mod:`planner.geo.geocode`)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import pandas as pd
from shapely.geometry import Point

from planner.geo.addresses import SwedishAddress

DEFAULT_ACCEPT_THRESHOLD = 0.85


class GeocodeStatus(StrEnum):
    """Where a geocoded address goes next.

    ``accepted`` → stored with its point; ``needs_review`` → the review queue, where a manager
    picks a candidate or places the point by hand; ``rejected`` → not usable as given (outside
    the municipality, unreadable coordinates).
    """

    ACCEPTED = "accepted"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"


class MatchMethod(StrEnum):
    EXACT = "exact"
    FUZZY = "fuzzy"
    STREET_ONLY = "street_only"
    COORDINATES = "coordinates"
    ONLINE = "online"
    REMEMBERED = "remembered"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One place an address may be: a register row (or an online hit) with its score."""

    label: str
    lat: float
    lon: float
    score: float
    index: Hashable | None = None
    row: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    """The outcome for one query; ``candidates`` are best first, one per distinct place."""

    query: str
    status: GeocodeStatus
    confidence: float
    method: MatchMethod
    lat: float | None = None
    lon: float | None = None
    address: SwedishAddress | None = None
    candidates: tuple[Candidate, ...] = ()
    reasons: tuple[str, ...] = ()
    source_crs: int | None = None

    @property
    def accepted(self) -> bool:
        return self.status is GeocodeStatus.ACCEPTED

    @property
    def point(self) -> Point | None:
        """The point in WGS 84 as (lon, lat), or None."""
        if self.lat is None or self.lon is None:
            return None
        return Point(self.lon, self.lat)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def match(self) -> Mapping[str, Any] | None:
        """The matched register row (None when nothing matched)."""
        return self.candidates[0].row if self.candidates else None

    @property
    def runner_up(self) -> Candidate | None:
        return self.candidates[1] if len(self.candidates) > 1 else None

    @property
    def runner_up_score(self) -> float | None:
        runner = self.runner_up
        return runner.score if runner is not None else None


class Geocoder(Protocol):
    """Anything that turns address texts into :class:`GeocodeResult` objects."""

    def geocode(self, query: str | SwedishAddress) -> GeocodeResult: ...

    def geocode_many(self, queries: Sequence[str | SwedishAddress]) -> list[GeocodeResult]: ...


def results_to_df(results: Iterable[GeocodeResult]) -> pd.DataFrame:
    """One row per result, for review queues, reports and the importer."""
    rows = []
    for r in results:
        best, runner = r.best, r.runner_up
        a = r.address
        rows.append(
            {
                "query": r.query,
                "status": str(r.status),
                "confidence": round(r.confidence, 4),
                "method": str(r.method),
                "lat": r.lat,
                "lon": r.lon,
                "street": a.street if a else None,
                "number": a.number if a else None,
                "letter": a.letter if a else None,
                "entrance": a.entrance if a else None,
                "postcode": a.postcode if a else None,
                "postort": a.postort if a else None,
                "apartment": a.apartment if a else None,
                "matched_label": best.label if best else None,
                "match_index": best.index if best else None,
                "runner_up_label": runner.label if runner else None,
                "runner_up_index": runner.index if runner else None,
                "runner_up_score": round(runner.score, 4) if runner else None,
                "reasons": "; ".join(r.reasons),
            }
        )
    return pd.DataFrame(rows)


def fmt_score(score: float) -> str:
    """A score the Swedish way: 0,93."""
    return f"{score:.2f}".replace(".", ",")
