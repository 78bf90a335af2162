"""The optional online geocoder (Nominatim through geopy): rate-limited, cached on disk.

Re-exported by :mod:`planner.geo.geocode`. Off by default; tests use a fake geopy object.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from rapidfuzz import fuzz
from shapely.geometry.base import BaseGeometry

from planner.errors import PlannerError
from planner.geo._coordinates import municipality_of, outside_reason
from planner.geo._results import (
    DEFAULT_ACCEPT_THRESHOLD,
    Candidate,
    GeocodeResult,
    GeocodeStatus,
    MatchMethod,
    fmt_score,
)
from planner.geo.addresses import (
    AddressParseError,
    SwedishAddress,
    format_postcode,
    parse_address,
    parse_house_number,
    street_fuzzy_key,
)

# Confidence adjustments for an online answer (as for register matches).
_LETTER_MISSING = 0.08
_POSTCODE_DIFFERENT = 0.2


class GeopyGeocoder(Protocol):
    """The part of a geopy geocoder (e.g. ``geopy.geocoders.Nominatim``) that is used."""

    def geocode(self, query: str, *args: Any, **kwargs: Any) -> Any: ...


class OnlineGeocoder:
    """Nominatim (or any geopy geocoder) behind the :class:`Geocoder` interface.

    At most one request per ``min_interval_s`` (Nominatim's policy: one a second), answers
    cached in a JSON file at ``cache_path`` (misses too), so a re-run asks nothing twice.
    ``clock`` and ``sleep`` are injectable for tests. Network errors give ``needs_review``
    results and are not cached.
    """

    def __init__(
        self,
        geocoder: GeopyGeocoder,
        *,
        cache_path: str | os.PathLike[str],
        min_interval_s: float = 1.0,
        accept_threshold: float = DEFAULT_ACCEPT_THRESHOLD,
        municipality: BaseGeometry | None = None,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._geocoder = geocoder
        self.cache_path = Path(cache_path)
        self.min_interval_s = min_interval_s
        self.accept_threshold = accept_threshold
        self.timeout_s = timeout_s
        self._municipality = municipality_of(municipality)
        self._clock = clock
        self._sleep = sleep
        self._last_request: float | None = None
        self.requests_made = 0
        self._cache: dict[str, dict[str, Any] | None] = self._load_cache()

    @classmethod
    def nominatim(
        cls,
        *,
        user_agent: str,
        cache_path: str | os.PathLike[str],
        domain: str = "nominatim.openstreetmap.org",
        **options: Any,
    ) -> OnlineGeocoder:
        """An online geocoder on OpenStreetMap's Nominatim (needs internet when used)."""
        from geopy.geocoders import Nominatim

        return cls(
            Nominatim(user_agent=user_agent, domain=domain), cache_path=cache_path, **options
        )

    def _load_cache(self) -> dict[str, dict[str, Any] | None]:
        if not self.cache_path.exists():
            return {}
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            msg = f"Cachefilen {self.cache_path} för onlinegeokodning kan inte läsas: {error}"
            raise PlannerError(msg) from error
        if not isinstance(data, dict):
            msg = f"Cachefilen {self.cache_path} ska innehålla ett JSON-objekt"
            raise PlannerError(msg)
        return data

    def _save_cache(self) -> None:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=self.cache_path.parent, prefix=self.cache_path.name, suffix=".tmp"
        )
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(self._cache, out, ensure_ascii=False, indent=0, sort_keys=True)
        os.replace(temporary, self.cache_path)

    def _wait_for_slot(self) -> None:
        if self._last_request is not None:
            wait_s = self.min_interval_s - (self._clock() - self._last_request)
            if wait_s > 0:
                self._sleep(wait_s)
        self._last_request = self._clock()

    @staticmethod
    def query_text(address: SwedishAddress) -> str:
        """The text sent to the service: "Götgatan 12A, 118 46 Stockholm, Sverige"."""
        place = " ".join(p for p in (address.postcode, address.postort) if p)
        parts = [f"{address.street} {address.house_number}", place, "Sverige"]
        return ", ".join(p for p in parts if p)

    def _lookup(self, query: str) -> tuple[dict[str, Any] | None, bool]:
        """The cached or fetched answer and whether it came from the cache."""
        if query in self._cache:
            return self._cache[query], True
        from geopy.exc import GeopyError

        self._wait_for_slot()
        self.requests_made += 1
        try:
            location = self._geocoder.geocode(
                query,
                exactly_one=True,
                addressdetails=True,
                country_codes="se",
                timeout=self.timeout_s,
            )
        except GeopyError as error:
            raise _OnlineFailure(str(error)) from error
        answer = None
        if location is not None:
            raw = getattr(location, "raw", None) or {}
            answer = {
                "lat": float(location.latitude),
                "lon": float(location.longitude),
                "display_name": str(getattr(location, "address", "") or ""),
                "address": dict(raw.get("address", {})) if isinstance(raw, dict) else {},
            }
        self._cache[query] = answer
        self._save_cache()
        return answer, False

    def geocode(self, query: str | SwedishAddress) -> GeocodeResult:
        text = query.label() if isinstance(query, SwedishAddress) else str(query)
        try:
            address = query if isinstance(query, SwedishAddress) else parse_address(text)
        except AddressParseError as error:
            return GeocodeResult(
                text, GeocodeStatus.NEEDS_REVIEW, 0.0, MatchMethod.NONE, reasons=(error.reason,)
            )
        address = address.first()
        try:
            answer, cached = self._lookup(self.query_text(address))
        except _OnlineFailure as error:
            reason = f"onlinetjänsten svarade inte ({error})"
            return GeocodeResult(
                text,
                GeocodeStatus.NEEDS_REVIEW,
                0.0,
                MatchMethod.ONLINE,
                address=address,
                reasons=(reason,),
            )
        if answer is None:
            return GeocodeResult(
                text,
                GeocodeStatus.NEEDS_REVIEW,
                0.0,
                MatchMethod.ONLINE,
                address=address,
                reasons=("onlinetjänsten hittade inte adressen",),
            )
        confidence, reasons = self._confidence(address, answer.get("address") or {})
        if cached:
            reasons.append("svar från cachen")
        lat, lon = float(answer["lat"]), float(answer["lon"])
        status = (
            GeocodeStatus.ACCEPTED
            if confidence >= self.accept_threshold
            else GeocodeStatus.NEEDS_REVIEW
        )
        if self._municipality is not None and not self._municipality.contains(lat, lon)[0]:
            status = GeocodeStatus.REJECTED
            reasons.append(outside_reason(self._municipality, lat, lon))
        label = str(answer.get("display_name") or address.label())
        return GeocodeResult(
            text,
            status,
            round(confidence, 4),
            MatchMethod.ONLINE,
            lat=lat,
            lon=lon,
            address=address,
            candidates=(Candidate(label, lat, lon, round(confidence, 4), row=answer),),
            reasons=tuple(reasons),
        )

    def geocode_many(self, queries: Sequence[str | SwedishAddress]) -> list[GeocodeResult]:
        return [self.geocode(q) for q in queries]

    @staticmethod
    def _confidence(address: SwedishAddress, found: Mapping[str, Any]) -> tuple[float, list[str]]:
        """How well the service's structured answer fits the address asked for."""
        road = str(found.get("road") or found.get("pedestrian") or found.get("square") or "")
        if not road:
            return 0.3, ["onlinetjänsten gav ingen gata"]
        similarity = fuzz.ratio(street_fuzzy_key(road), street_fuzzy_key(address.street)) / 100
        reasons = [f"onlinetjänsten gav {road} (likhet {fmt_score(similarity)})"]
        house = str(found.get("house_number") or "")
        if not house:
            reasons.append("onlinetjänsten gav inget gatunummer")
            return 0.5 * similarity, reasons
        try:
            number, letter, *_ = parse_house_number(house.split(";")[0].split(",")[0])
        except AddressParseError:
            return 0.5 * similarity, [*reasons, f"okänt gatunummer {house!r}"]
        if number != address.number:
            reasons.append(f"onlinetjänsten gav nummer {house}")
            return 0.5 * similarity, reasons
        confidence = similarity if letter == address.letter else similarity - _LETTER_MISSING
        postcode = str(found.get("postcode") or "")
        if address.postcode and postcode:
            try:
                if format_postcode(postcode) != address.postcode:
                    confidence -= _POSTCODE_DIFFERENT
                    reasons.append(f"onlinetjänsten gav postnummer {postcode}")
            except AddressParseError:
                pass
        return max(0.0, min(1.0, confidence)), reasons


class _OnlineFailure(Exception):
    pass
