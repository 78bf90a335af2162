"""Geocoding: Swedish addresses and raw coordinates to points in WGS 84.

Three sources sit behind one interface (:class:`Geocoder`: ``geocode`` and ``geocode_many``
returning :class:`GeocodeResult`):

* :class:`AddressMatcher` matches against an address register (a DataFrame from
  :mod:`planner.geo.register`): exact on the normalised key first, then fuzzy on the street name
  (rapidfuzz) among streets that have the house number, scored with letter, postcode and postort
  evidence. Every result carries a confidence 0..1, the matched register row, the runner-up and
  its score, and a status: ``accepted`` at or above the threshold, ``needs_review`` below it.
* :func:`geocode_coordinates` accepts coordinates given directly in WGS 84, SWEREF 99 TM
  (EPSG:3006) or SWEREF 99 18 00 (EPSG:3011), detected by range or named, and checks that they
  fall inside the municipality.
* :class:`OnlineGeocoder` asks Nominatim (through geopy) with at most one request a second and
  a persistent JSON cache. It is off by default: :class:`GeocoderChain` only uses it when given.

Confidence model (register matches). A candidate's score starts at the street-name similarity
(1.0 for the same normalised street; otherwise rapidfuzz's normalised Indel ratio on folded
names, candidates from the 30 most similar streets at or above 0.6) and is adjusted: letter
missing on one side −0.08 (−0.2 when the register also has the number with exactly the letter
asked for: "76A" is then another address than "76"), a different letter −0.2, postcode equal
+0.05, postcode different −0.2 (−0.05 when only the last two digits differ), postort different
−0.05 (−0.02 when one side is "Stockholm", often written for any address in the city). A street
that is similar but lacks the house number competes with its nearest number at similarity − 0.3
and is never accepted. The confidence is the best score damped when the runner-up (the best
candidate at another place: another street, another number, or the same address more than 40 m
away) is close: ``best × min(1, 0.75 + 2.5 × (best − runner_up))``. So an exact address that
also exists in another part of the city, given without a postcode, goes to review instead of
being guessed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from rapidfuzz import fuzz, process
from shapely.geometry.base import BaseGeometry

from planner.errors import PlannerError
from planner.geo._coordinates import (
    coordinates_to_wgs84,
    detect_crs,
    geocode_coordinates,
    municipality_of,
    outside_reason,
    parse_crs,
)
from planner.geo._online import GeopyGeocoder, OnlineGeocoder
from planner.geo._results import (
    DEFAULT_ACCEPT_THRESHOLD,
    Candidate,
    Geocoder,
    GeocodeResult,
    GeocodeStatus,
    MatchMethod,
    fmt_score,
    results_to_df,
)
from planner.geo.addresses import (
    AddressParseError,
    SwedishAddress,
    canonical_postort,
    format_postcode,
    parse_address,
    street_fuzzy_key,
    street_key,
)
from planner.geo.crs import haversine_m

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_ACCEPT_THRESHOLD",
    "REGISTER_COLUMNS",
    "AddressMatcher",
    "Candidate",
    "GeocodeResult",
    "GeocodeStatus",
    "Geocoder",
    "GeocoderChain",
    "GeopyGeocoder",
    "MatchMethod",
    "OnlineGeocoder",
    "coordinates_to_wgs84",
    "detect_crs",
    "geocode_coordinates",
    "parse_crs",
    "results_to_df",
]

REGISTER_COLUMNS: tuple[str, ...] = (
    "street",
    "number",
    "letter",
    "entrance",
    "postcode",
    "postort",
    "lat",
    "lon",
    "source",
    "source_id",
)

# Score adjustments (see the module docstring).
_LETTER_MISSING = 0.08
_LETTER_DIFFERENT = 0.2
_POSTCODE_EQUAL = 0.05
_POSTCODE_NEAR = 0.05
_POSTCODE_DIFFERENT = 0.2
_POSTORT_DIFFERENT = 0.05
_POSTORT_STOCKHOLM = 0.02
_STREET_ONLY_PENALTY = 0.3
_SAME_PLACE_M = 40.0
_TOP_STREETS = 30
_CHUNK_ROWS = 2000


# --------------------------------------------------------------------------- register matcher


@dataclass(slots=True)
class _Scored:
    pos: int
    street_id: int
    score: float
    similarity: float
    reasons: list[str]
    street_only: bool = False


class AddressMatcher:
    """Match Swedish addresses against an address register.

    ``register_df`` has one row per address point with columns ``street``, ``number``,
    ``lat``, ``lon`` and optionally ``letter``, ``entrance``, ``postcode``, ``postort``,
    ``source`` (see :data:`REGISTER_COLUMNS`; :mod:`planner.geo.register` reads them).
    ``municipality`` (a WGS 84 polygon) rejects matches outside it.
    """

    def __init__(
        self,
        register_df: pd.DataFrame,
        *,
        accept_threshold: float = DEFAULT_ACCEPT_THRESHOLD,
        min_street_similarity: float = 0.6,
        max_candidates: int = 5,
        municipality: BaseGeometry | None = None,
        workers: int = -1,
    ) -> None:
        missing = [c for c in ("street", "number", "lat", "lon") if c not in register_df.columns]
        if missing:
            msg = (
                f"Adressregistret saknar kolumnerna {', '.join(missing)}; "
                f"väntade {', '.join(REGISTER_COLUMNS)}"
            )
            raise PlannerError(msg)
        if not 0.0 < accept_threshold <= 1.0:
            msg = f"Tröskeln för godkänd träff ska vara mellan 0 och 1, inte {accept_threshold}"
            raise PlannerError(msg)
        self.accept_threshold = accept_threshold
        self.min_street_similarity = min_street_similarity
        self.max_candidates = max_candidates
        self.workers = workers
        self._municipality = municipality_of(municipality)
        started = time.perf_counter()
        frame = register_df.reset_index(drop=False)
        usable = (
            pd.to_numeric(frame["lat"], errors="coerce").notna()
            & pd.to_numeric(frame["lon"], errors="coerce").notna()
            & pd.to_numeric(frame["number"], errors="coerce").notna()
            & frame["street"].notna()
        )
        if not usable.all():
            log.warning(
                "%d register rows without street, number or point left out", (~usable).sum()
            )
        self._build(frame.loc[usable].reset_index(drop=True))
        log.info(
            "Address register indexed: %d rows, %d streets in %.2f s",
            len(self._lat),
            len(self._street_keys),
            time.perf_counter() - started,
        )

    def __len__(self) -> int:
        return len(self._lat)

    # -- building

    def _build(self, df: pd.DataFrame) -> None:
        index_column = df.columns[0]
        self._index = df[index_column].to_numpy()
        streets = df["street"].fillna("").astype(str)
        unique_streets, inverse = np.unique(streets.to_numpy(), return_inverse=True)
        key_ids: dict[str, int] = {}
        fuzzy_keys: list[str] = []
        street_ids_of_unique = np.empty(len(unique_streets), dtype=np.int64)
        for i, name in enumerate(unique_streets):
            key = street_key(name)
            if key not in key_ids:
                key_ids[key] = len(key_ids)
                fuzzy_keys.append(street_fuzzy_key(name))
            street_ids_of_unique[i] = key_ids[key]
        self._key_ids = key_ids
        self._street_keys = list(key_ids)
        self._street_fuzzy = fuzzy_keys
        self._row_street = street_ids_of_unique[inverse]

        numbers = pd.to_numeric(df["number"], errors="coerce").fillna(-1)
        self._number: NDArray[np.int64] = numbers.to_numpy(dtype=np.int64)
        self._letter = _text_column(df, "letter").str.upper().to_numpy()
        self._entrance = _text_column(df, "entrance").str.upper().str.replace(" ", "").to_numpy()
        self._postcode = _postcode_column(df).to_numpy()
        self._postort = _postort_column(df).to_numpy()
        self._lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=np.float64)
        self._lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=np.float64)
        self._street_display = streets.to_numpy()
        records = df.drop(columns=[index_column]).to_dict("records")
        self._records: list[dict[str, Any]] = [
            {str(k): v for k, v in record.items()} for record in records
        ]

        groups = pd.DataFrame({"sid": self._row_street, "num": self._number})
        self._rows_by_street_number: dict[tuple[int, int], NDArray[np.intp]] = {}
        for group_key, positions in groups.groupby(["sid", "num"]).indices.items():
            sid, num = cast(tuple[int, int], group_key)
            self._rows_by_street_number[(int(sid), int(num))] = np.asarray(positions, dtype=np.intp)
        numbers_by_street: dict[int, list[int]] = {}
        for sid, num in self._rows_by_street_number:
            numbers_by_street.setdefault(sid, []).append(num)
        self._numbers_by_street = {k: np.sort(np.array(v)) for k, v in numbers_by_street.items()}
        self._inside = (
            self._municipality.contains(self._lat, self._lon)
            if self._municipality is not None
            else None
        )

    # -- public API

    def geocode(
        self,
        query: str | SwedishAddress,
        *,
        remembered: Mapping[str, tuple[float, float]] | None = None,
    ) -> GeocodeResult:
        """Geocode one address (see :meth:`geocode_many`)."""
        return self.geocode_many([query], remembered=remembered)[0]

    def geocode_many(
        self,
        queries: Sequence[str | SwedishAddress],
        *,
        remembered: Mapping[str, tuple[float, float]] | None = None,
    ) -> list[GeocodeResult]:
        """Geocode a batch of addresses (texts or parsed addresses), in order.

        ``remembered`` maps :attr:`SwedishAddress.key` to a (lat, lon) chosen earlier by a
        manager in the review queue; such addresses are accepted with that point.
        """
        results: list[GeocodeResult | None] = [None] * len(queries)
        parsed: list[tuple[int, str, SwedishAddress]] = []
        for i, query in enumerate(queries):
            text = query.label() if isinstance(query, SwedishAddress) else str(query)
            try:
                address = query if isinstance(query, SwedishAddress) else parse_address(text)
            except AddressParseError as error:
                results[i] = GeocodeResult(
                    text,
                    GeocodeStatus.NEEDS_REVIEW,
                    0.0,
                    MatchMethod.NONE,
                    reasons=(error.reason,),
                )
                continue
            if remembered is not None and address.key in remembered:
                lat, lon = remembered[address.key]
                results[i] = GeocodeResult(
                    text,
                    GeocodeStatus.ACCEPTED,
                    1.0,
                    MatchMethod.REMEMBERED,
                    lat=lat,
                    lon=lon,
                    address=address,
                    candidates=(Candidate(address.label(), lat, lon, 1.0),),
                    reasons=("tidigare valt i granskningen",),
                )
                continue
            parsed.append((i, text, address))

        fuzzy_keys = sorted(
            {street_fuzzy_key(s) for _, _, a in parsed for s in (a.street, *a.alternatives)}
        )
        top_ids, top_sims = self._top_streets(fuzzy_keys)
        row_of_key = {key: n for n, key in enumerate(fuzzy_keys)}
        for i, text, address in parsed:
            results[i] = self._match_one(text, address, row_of_key, top_ids, top_sims)
        return [r for r in results if r is not None]

    # -- matching

    def _top_streets(
        self, fuzzy_keys: Sequence[str]
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """For each query street, the most similar register streets and their similarity."""
        n_streets = len(self._street_fuzzy)
        top = min(_TOP_STREETS, n_streets)
        ids = np.zeros((len(fuzzy_keys), top), dtype=np.int64)
        sims = np.zeros((len(fuzzy_keys), top), dtype=np.float32)
        if not fuzzy_keys or n_streets == 0:
            return ids, sims
        cutoff = 100 * self.min_street_similarity * 0.9
        for start in range(0, len(fuzzy_keys), _CHUNK_ROWS):
            chunk = fuzzy_keys[start : start + _CHUNK_ROWS]
            matrix = process.cdist(
                chunk,
                self._street_fuzzy,
                scorer=fuzz.ratio,
                score_cutoff=cutoff,
                dtype=np.float32,
                workers=self.workers,
            )
            if top < n_streets:
                best = np.argpartition(-matrix, top - 1, axis=1)[:, :top]
            else:
                best = np.tile(np.arange(n_streets), (len(chunk), 1))
            ids[start : start + len(chunk)] = best
            sims[start : start + len(chunk)] = np.take_along_axis(matrix, best, axis=1) / 100
        return ids, sims

    def _street_similarities(
        self,
        address: SwedishAddress,
        row_of_key: Mapping[str, int],
        top_ids: NDArray[np.int64],
        top_sims: NDArray[np.float32],
    ) -> dict[int, float]:
        similar: dict[int, float] = {}
        for street in (address.street, *address.alternatives):
            row = row_of_key[street_fuzzy_key(street)]
            for sid, sim in zip(top_ids[row], top_sims[row], strict=True):
                if sim >= self.min_street_similarity and sim > similar.get(int(sid), 0.0):
                    similar[int(sid)] = float(sim)
            exact = self._key_ids.get(street_key(street))
            if exact is not None:
                similar[exact] = 1.0
        return similar

    def _match_one(
        self,
        text: str,
        given: SwedishAddress,
        row_of_key: Mapping[str, int],
        top_ids: NDArray[np.int64],
        top_sims: NDArray[np.float32],
    ) -> GeocodeResult:
        reasons: list[str] = []
        address = given.first()
        if given.is_range:
            reasons.append(f"intervall angivet; första adressen ({address.house_number}) används")
        similar = self._street_similarities(address, row_of_key, top_ids, top_sims)
        if not similar:
            reasons.append(f"gatan {address.street!r} finns inte i adressregistret")
            return GeocodeResult(
                text,
                GeocodeStatus.NEEDS_REVIEW,
                0.0,
                MatchMethod.NONE,
                address=given,
                reasons=tuple(reasons),
            )
        exact_sid = self._key_ids.get(address.street_key)
        scored: list[_Scored] = []
        lacking: dict[int, float] = {}
        for sid, sim in similar.items():
            rows = self._rows_by_street_number.get((sid, address.number))
            if rows is None:
                lacking[sid] = sim
                continue
            for pos in rows:
                scored.append(self._score(int(pos), sid, sim, address))
        self._separate_letters(scored, address)
        # A street that is more like the one asked for but lacks the number competes too.
        scored.extend(self._street_only(lacking, address))
        # Ties: the asked-for entrance (UH, U1 …) first, then the first letter.
        scored.sort(
            key=lambda s: (
                -s.score,
                self._entrance[s.pos] != address.entrance,
                self._letter[s.pos],
                s.pos,
            )
        )
        best = scored[0]
        if best.street_only:
            method = MatchMethod.STREET_ONLY
            reasons.append(f"gatunumret {address.number} finns inte på gatan i adressregistret")
        elif (
            best.street_id == exact_sid
            and self._letter[best.pos] == address.letter
            and best.similarity == 1.0
        ):
            method = MatchMethod.EXACT
        else:
            method = MatchMethod.FUZZY
        return self._result(text, given, scored, method, reasons)

    def _score(self, pos: int, sid: int, similarity: float, address: SwedishAddress) -> _Scored:
        score = similarity
        reasons: list[str] = []
        if similarity < 1.0:
            reasons.append(f"stavningen avviker från registrets (likhet {fmt_score(similarity)})")
        letter = self._letter[pos]
        if letter != address.letter:
            if not address.letter:
                score -= _LETTER_MISSING
                reasons.append(f"bokstav saknas i adressen; registret har {letter}")
            elif not letter:
                score -= _LETTER_MISSING
                reasons.append(f"bokstaven {address.letter} finns inte i registret")
            else:
                score -= _LETTER_DIFFERENT
                reasons.append(f"bokstaven {address.letter} finns inte; närmast är {letter}")
        postcode = self._postcode[pos]
        if address.postcode and postcode:
            if postcode == address.postcode:
                score += _POSTCODE_EQUAL
            elif postcode[:3] == address.postcode[:3]:
                score -= _POSTCODE_NEAR
                reasons.append(f"postnumret skiljer sig från registrets ({postcode})")
            else:
                score -= _POSTCODE_DIFFERENT
                reasons.append(f"postnumret skiljer sig från registrets ({postcode})")
        postort = self._postort[pos]
        if address.postort and postort and address.postort != postort:
            # "Stockholm" is often written for any address in the city: weak evidence.
            weak = "Stockholm" in (address.postort, postort)
            score -= _POSTORT_STOCKHOLM if weak else _POSTORT_DIFFERENT
            reasons.append(f"postorten skiljer sig från registrets ({postort})")
        upper = 1.0 if similarity == 1.0 else 0.99
        return _Scored(pos, sid, min(upper, max(0.0, score)), similarity, reasons)

    def _separate_letters(self, scored: list[_Scored], address: SwedishAddress) -> None:
        """Where the register has the address with exactly the letter asked for ("76" for "76",
        "76A" for "76A"), the same number with another letter or none is another address, not
        the same one written without its letter: it scores as a different letter."""
        exact = {s.street_id for s in scored if self._letter[s.pos] == address.letter}
        extra = _LETTER_DIFFERENT - _LETTER_MISSING
        for s in scored:
            letter = self._letter[s.pos]
            one_side_only = bool(letter) != bool(address.letter)
            if s.street_id in exact and one_side_only:
                s.score = max(0.0, s.score - extra)

    def _street_only(self, similar: Mapping[int, float], address: SwedishAddress) -> list[_Scored]:
        """The nearest house number on streets that lack the number (never accepted)."""
        out: list[_Scored] = []
        for sid, sim in sorted(similar.items(), key=lambda kv: -kv[1])[: self.max_candidates]:
            numbers = self._numbers_by_street.get(sid)
            if numbers is None or len(numbers) == 0:
                continue
            # Prefer the same side of the street (same parity), then the nearest number.
            distance = np.abs(numbers - address.number) + 1000 * (
                (numbers % 2) != (address.number % 2)
            )
            nearest = int(numbers[int(np.argmin(distance))])
            pos = int(self._rows_by_street_number[(sid, nearest)][0])
            reason = f"närmaste nummer på {self._street_display[pos]} är {nearest}"
            out.append(_Scored(pos, sid, max(0.0, sim - _STREET_ONLY_PENALTY), sim, [reason], True))
        return out

    def _same_place(self, a: _Scored, b: _Scored) -> bool:
        if a.street_id != b.street_id or self._number[a.pos] != self._number[b.pos]:
            return False
        distance = haversine_m(
            self._lat[a.pos], self._lon[a.pos], self._lat[b.pos], self._lon[b.pos]
        )
        return bool(distance < _SAME_PLACE_M)

    def _label(self, pos: int) -> str:
        house = f"{self._number[pos]}{self._letter[pos]}"
        place = " ".join(p for p in (self._postcode[pos], self._postort[pos]) if p)
        label = f"{self._street_display[pos]} {house}"
        return f"{label}, {place}" if place else label

    def _candidate(self, s: _Scored) -> Candidate:
        pos = s.pos
        index = self._index[pos]
        return Candidate(
            label=self._label(pos),
            lat=float(self._lat[pos]),
            lon=float(self._lon[pos]),
            score=round(s.score, 4),
            index=index.item() if isinstance(index, np.generic) else index,
            row=self._records[pos],
        )

    def _result(
        self,
        text: str,
        given: SwedishAddress,
        scored: list[_Scored],
        method: MatchMethod,
        reasons: list[str],
    ) -> GeocodeResult:
        distinct: list[_Scored] = []
        for s in scored:
            if not any(self._same_place(s, d) for d in distinct):
                distinct.append(s)
            if len(distinct) >= self.max_candidates:
                break
        best = distinct[0]
        confidence = best.score
        if method is MatchMethod.STREET_ONLY:
            confidence = min(confidence, self.accept_threshold - 0.01)
        elif len(distinct) > 1:
            margin = best.score - distinct[1].score
            confidence = best.score * min(1.0, 0.75 + 2.5 * margin)
            if margin < 0.1:
                reasons.append(
                    f"tvetydigt: {self._label(distinct[1].pos)} är nästan lika trolig "
                    f"({fmt_score(distinct[1].score)})"
                )
        reasons = reasons + best.reasons
        if method is MatchMethod.EXACT and not reasons:
            reasons.append("exakt träff i adressregistret")
        status = (
            GeocodeStatus.ACCEPTED
            if confidence >= self.accept_threshold
            else GeocodeStatus.NEEDS_REVIEW
        )
        if self._inside is not None and not self._inside[best.pos]:
            assert self._municipality is not None
            status = GeocodeStatus.REJECTED
            reasons.append(
                outside_reason(self._municipality, self._lat[best.pos], self._lon[best.pos])
            )
        return GeocodeResult(
            text,
            status,
            round(confidence, 4),
            method,
            lat=float(self._lat[best.pos]),
            lon=float(self._lon[best.pos]),
            address=given,
            candidates=tuple(self._candidate(s) for s in distinct),
            reasons=tuple(reasons),
        )


def _text_column(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df.columns:
        return pd.Series([""] * len(df), index=df.index, dtype=object)
    return df[column].fillna("").astype(str).str.strip()


def _postcode_column(df: pd.DataFrame) -> pd.Series:
    raw = _text_column(df, "postcode")
    mapping: dict[str, str] = {}
    for value in raw.unique():
        try:
            mapping[value] = format_postcode(value)
        except AddressParseError:
            mapping[value] = ""
    return raw.map(mapping)


def _postort_column(df: pd.DataFrame) -> pd.Series:
    raw = _text_column(df, "postort")
    return raw.map({value: canonical_postort(value) for value in raw.unique()})


# --------------------------------------------------------------------------- online geocoder
class GeocoderChain:
    """The register first; the online geocoder (when given) for what the register leaves.

    Results the register cannot accept are asked online; an accepted online answer replaces
    the register result and keeps the register's best candidates behind it for the review map.
    """

    def __init__(self, matcher: AddressMatcher, *, online: OnlineGeocoder | None = None) -> None:
        self.matcher = matcher
        self.online = online

    def geocode(self, query: str | SwedishAddress) -> GeocodeResult:
        return self.geocode_many([query])[0]

    def geocode_many(
        self,
        queries: Sequence[str | SwedishAddress],
        *,
        remembered: Mapping[str, tuple[float, float]] | None = None,
    ) -> list[GeocodeResult]:
        results = self.matcher.geocode_many(queries, remembered=remembered)
        if self.online is None:
            return results
        for i, result in enumerate(results):
            if result.status is not GeocodeStatus.NEEDS_REVIEW or result.address is None:
                continue
            answer = self.online.geocode(result.address)
            if answer.status is GeocodeStatus.ACCEPTED:
                results[i] = replace(
                    answer,
                    query=result.query,
                    address=result.address,
                    candidates=answer.candidates + result.candidates,
                    reasons=(*answer.reasons, "registret gav ingen säker träff"),
                )
        return results
