"""Matching addresses against a register, coordinates given directly, the online geocoder."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from geopy.exc import GeocoderTimedOut
from shapely.geometry import MultiPolygon

from planner.errors import PlannerError
from planner.geo.crs import SWEREF99_1800, SWEREF99_TM, WGS84, transformer
from planner.geo.geocode import (
    AddressMatcher,
    GeocoderChain,
    GeocodeStatus,
    MatchMethod,
    OnlineGeocoder,
    coordinates_to_wgs84,
    detect_crs,
    geocode_coordinates,
    parse_crs,
    results_to_df,
)

# --------------------------------------------------------------------------- register matching


@pytest.fixture
def matcher(small_register_df: pd.DataFrame, municipality: MultiPolygon) -> AddressMatcher:
    return AddressMatcher(small_register_df, municipality=municipality)


def test_an_exact_address_is_accepted_with_full_confidence(matcher: AddressMatcher) -> None:
    result = matcher.geocode("Götgatan 14, 118 46 Stockholm")
    assert result.status is GeocodeStatus.ACCEPTED
    assert result.method is MatchMethod.EXACT
    assert result.confidence == 1.0
    assert result.match is not None
    assert (result.match["street"], result.match["number"]) == ("Götgatan", 14)
    assert (result.lat, result.lon) == (59.31560, 18.07230)


@pytest.mark.parametrize(
    "written",
    ["GOETGATAN 14", "Gotgatan 14", "Götg. 14", "götgt 14, lgh 1101", "Götgatan 14, 11846"],
)
def test_spellings_and_abbreviations_match_exactly(matcher: AddressMatcher, written: str) -> None:
    result = matcher.geocode(written)
    assert result.method is MatchMethod.EXACT
    assert result.accepted
    assert result.best is not None and result.best.label.startswith("Götgatan 14")


def test_a_typo_is_matched_fuzzily_with_a_lower_score(matcher: AddressMatcher) -> None:
    result = matcher.geocode("Gätgatan 14")
    assert result.method is MatchMethod.FUZZY
    assert result.best is not None and result.best.label.startswith("Götgatan 14")
    assert 0.85 <= result.confidence < 1.0
    assert result.accepted
    assert any("stavningen avviker" in reason for reason in result.reasons)


def test_the_runner_up_and_its_score_are_reported(matcher: AddressMatcher) -> None:
    result = matcher.geocode("Björkvägen 5")
    assert result.best is not None and result.best.label.startswith("Björkvägen 5")
    assert result.runner_up is not None
    assert result.runner_up.label.startswith("Björkgatan 5")
    assert result.runner_up_score is not None
    assert result.runner_up_score < result.confidence


def test_a_name_in_two_parts_of_town_without_postcode_goes_to_review(
    matcher: AddressMatcher,
) -> None:
    result = matcher.geocode("Kyrkvägen 4")
    assert result.status is GeocodeStatus.NEEDS_REVIEW
    assert result.confidence < matcher.accept_threshold
    assert {c.label for c in result.candidates[:2]} == {
        "Kyrkvägen 4, 167 53 Bromma",
        "Kyrkvägen 4, 122 33 Enskede",
    }
    assert any("tvetydigt" in reason for reason in result.reasons)


def test_the_postcode_settles_a_name_in_two_parts_of_town(matcher: AddressMatcher) -> None:
    result = matcher.geocode("Kyrkvägen 4, 122 33 Enskede")
    assert result.accepted
    assert result.best is not None and result.best.label == "Kyrkvägen 4, 122 33 Enskede"
    assert result.runner_up is not None and result.runner_up.label.endswith("Bromma")


def test_a_missing_letter_picks_the_building_with_a_lower_score(matcher: AddressMatcher) -> None:
    result = matcher.geocode("Götgatan 16")
    assert result.best is not None and result.best.label.startswith("Götgatan 16A")
    assert result.confidence == pytest.approx(0.92)
    assert any("bokstav saknas" in reason for reason in result.reasons)


def test_the_asked_for_entrance_is_preferred_among_equal_rows() -> None:
    register = pd.DataFrame(
        {
            "street": ["Götgatan", "Götgatan"],
            "number": [16, 16],
            "letter": ["B", "B"],
            "entrance": ["U1", "U2"],
            "lat": [59.31530, 59.31531],
            "lon": [18.07250, 18.07252],
        }
    )
    matcher = AddressMatcher(register)
    assert matcher.geocode("Götgatan 16B U2").match == register.iloc[1].to_dict()
    assert matcher.geocode("Götgatan 16B U1").match == register.iloc[0].to_dict()


def test_a_number_missing_from_the_register_goes_to_review_with_the_nearest_number(
    matcher: AddressMatcher,
) -> None:
    result = matcher.geocode("Götgatan 20")
    assert result.status is GeocodeStatus.NEEDS_REVIEW
    assert result.method is MatchMethod.STREET_ONLY
    assert result.best is not None and result.best.label.startswith("Götgatan 16")
    assert any("finns inte på gatan" in reason for reason in result.reasons)


def test_an_unknown_street_goes_to_review_without_candidates(matcher: AddressMatcher) -> None:
    result = matcher.geocode("Kvarnholmsvägen 3")
    assert result.status is GeocodeStatus.NEEDS_REVIEW
    assert result.candidates == ()
    assert result.point is None


def test_an_unreadable_address_goes_to_review_with_the_reason(matcher: AddressMatcher) -> None:
    result = matcher.geocode("Götgatan")
    assert result.status is GeocodeStatus.NEEDS_REVIEW
    assert result.reasons == ("gatunummer saknas; skriv t.ex. 'Götgatan 12A'",)


def test_the_review_threshold_decides_the_status(small_register_df: pd.DataFrame) -> None:
    strict = AddressMatcher(small_register_df, accept_threshold=0.99)
    lenient = AddressMatcher(small_register_df, accept_threshold=0.5)
    assert strict.geocode("Gätgatan 14").status is GeocodeStatus.NEEDS_REVIEW
    assert lenient.geocode("Gätgatan 14").status is GeocodeStatus.ACCEPTED
    assert strict.geocode("Götgatan 14").status is GeocodeStatus.ACCEPTED


def test_a_range_is_matched_on_its_first_address(matcher: AddressMatcher) -> None:
    result = matcher.geocode("Sankt Eriksgatan 31-33")
    assert result.best is not None and result.best.label.startswith("Sankt Eriksgatan 31")
    assert any("intervall" in reason for reason in result.reasons)


def test_a_register_match_outside_the_municipality_is_rejected(matcher: AddressMatcher) -> None:
    result = matcher.geocode("Drottninggatan 1, 753 10 Uppsala")
    assert result.status is GeocodeStatus.REJECTED
    assert any("utanför kommunen" in reason for reason in result.reasons)


def test_a_remembered_choice_wins(matcher: AddressMatcher) -> None:
    chosen = {"kyrkvag|4|": (59.2811, 18.0751)}
    result = matcher.geocode("Kyrkvägen 4", remembered=chosen)
    assert result.method is MatchMethod.REMEMBERED
    assert result.accepted
    assert (result.lat, result.lon) == (59.2811, 18.0751)


def test_a_batch_keeps_the_order_of_the_queries(matcher: AddressMatcher) -> None:
    queries = ["Hornsgatan 33B", "Götgatan", "Götgatan 12", "Ekbacke 3, Bromma"]
    results = matcher.geocode_many(queries)
    assert [r.query for r in results] == queries
    frame = results_to_df(results)
    assert list(frame["status"]) == ["accepted", "needs_review", "accepted", "accepted"]
    assert frame.loc[0, "matched_label"] == "Hornsgatan 33B, 118 49 Stockholm"


def test_a_register_without_coordinates_is_refused(small_register_df: pd.DataFrame) -> None:
    with pytest.raises(PlannerError, match="saknar kolumnerna lat"):
        AddressMatcher(small_register_df.drop(columns=["lat"]))


def test_the_real_osm_register_matches_letters_and_ranges(mariatorget_csv: Path) -> None:
    from planner.geo.register import read_osm_address_csv

    register = read_osm_address_csv(mariatorget_csv)
    matcher = AddressMatcher(register)
    result = matcher.geocode("Maria Prastgardsg. 31 c, 118 52 Stockholm")
    assert result.method is MatchMethod.EXACT
    assert result.best is not None and result.best.label.startswith("Maria Prästgårdsgata 31C")
    assert matcher.geocode("Timmermansgatan 48").match is not None


# --------------------------------------------------------------------------- coordinates

SLUSSEN_LAT, SLUSSEN_LON = 59.3195, 18.0716


def _projected(epsg: int) -> tuple[float, float]:
    east, north = transformer(WGS84, epsg).transform(SLUSSEN_LON, SLUSSEN_LAT)
    return float(east), float(north)


@pytest.mark.parametrize("epsg", [WGS84, SWEREF99_TM, SWEREF99_1800])
def test_coordinates_in_each_crs_are_detected_by_range(epsg: int) -> None:
    x, y = (SLUSSEN_LON, SLUSSEN_LAT) if epsg == WGS84 else _projected(epsg)
    codes, swapped = detect_crs([x], [y])
    assert (int(codes[0]), bool(swapped[0])) == (epsg, False)
    lat, lon, source = coordinates_to_wgs84([x], [y])
    assert lat[0] == pytest.approx(SLUSSEN_LAT, abs=1e-7)
    assert lon[0] == pytest.approx(SLUSSEN_LON, abs=1e-7)
    assert int(source[0]) == epsg


@pytest.mark.parametrize("epsg", [WGS84, SWEREF99_TM, SWEREF99_1800])
def test_coordinates_given_the_other_way_round_are_recognised(epsg: int) -> None:
    x, y = (SLUSSEN_LON, SLUSSEN_LAT) if epsg == WGS84 else _projected(epsg)
    lat, lon, source = coordinates_to_wgs84([y], [x])
    assert (lat[0], lon[0]) == (pytest.approx(SLUSSEN_LAT), pytest.approx(SLUSSEN_LON))
    assert int(source[0]) == epsg


@pytest.mark.parametrize(
    ("crs", "epsg"),
    [("EPSG:3006", SWEREF99_TM), ("SWEREF 99 TM", SWEREF99_TM), ("sweref 99 18 00", 3011)],
)
def test_an_explicit_crs_is_used(crs: str, epsg: int) -> None:
    assert parse_crs(crs) == epsg
    x, y = _projected(epsg)
    results = geocode_coordinates([x], [y], crs=crs)
    assert results[0].accepted
    assert results[0].source_crs == epsg
    assert results[0].lat == pytest.approx(SLUSSEN_LAT)


def test_an_unknown_crs_name_is_refused_in_swedish() -> None:
    with pytest.raises(PlannerError, match="Okänt koordinatsystem"):
        parse_crs("RT90")


def test_coordinates_inside_the_municipality_are_accepted(municipality: MultiPolygon) -> None:
    east, north = _projected(SWEREF99_1800)
    results = geocode_coordinates([east], [north], municipality=municipality)
    assert results[0].status is GeocodeStatus.ACCEPTED
    assert results[0].method is MatchMethod.COORDINATES


def test_coordinates_outside_the_municipality_are_rejected(municipality: MultiPolygon) -> None:
    uppsala = geocode_coordinates([17.638], [59.858], municipality=municipality)[0]
    assert uppsala.status is GeocodeStatus.REJECTED
    assert any("utanför kommunen" in reason for reason in uppsala.reasons)
    assert uppsala.lat == pytest.approx(59.858)


def test_unrecognisable_coordinates_are_rejected_with_the_accepted_systems() -> None:
    result = geocode_coordinates([1.0], [2.0])[0]
    assert result.status is GeocodeStatus.REJECTED
    assert "SWEREF 99 TM" in result.reasons[0]


def test_a_real_point_from_the_district_file_lies_inside_the_outline(
    municipality: MultiPolygon,
) -> None:
    centroid = municipality.centroid
    assert geocode_coordinates([centroid.x], [centroid.y], municipality=municipality)[0].accepted


# --------------------------------------------------------------------------- online geocoder


class FakeGeopy:
    """Stands in for geopy's Nominatim: records calls, answers from a table, may fail."""

    def __init__(self, answers: dict[str, tuple[float, float, dict[str, str]] | None]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_next = False

    def geocode(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((query, kwargs))
        if self.fail_next:
            self.fail_next = False
            raise GeocoderTimedOut("för långsamt")
        answer = self.answers.get(query)
        if answer is None:
            return None
        lat, lon, address = answer
        return SimpleNamespace(
            latitude=lat, longitude=lon, address=f"{query} (fake)", raw={"address": address}
        )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


GOTGATAN = "Götgatan 14, 118 46 Stockholm, Sverige"
HORNSGATAN = "Hornsgatan 1, Sverige"


@pytest.fixture
def fake() -> FakeGeopy:
    return FakeGeopy(
        {
            GOTGATAN: (
                59.3156,
                18.0723,
                {"road": "Götgatan", "house_number": "14", "postcode": "118 46"},
            ),
            HORNSGATAN: (59.3203, 18.0700, {"road": "Hornsgatan", "house_number": "1"}),
        }
    )


def _online(fake: FakeGeopy, cache: Path, clock: FakeClock, **options: Any) -> OnlineGeocoder:
    return OnlineGeocoder(fake, cache_path=cache, clock=clock, sleep=clock.sleep, **options)


def test_the_online_geocoder_waits_a_second_between_requests(
    fake: FakeGeopy, tmp_path: Path
) -> None:
    clock = FakeClock()
    online = _online(fake, tmp_path / "cache.json", clock)
    online.geocode("Götgatan 14, 118 46 Stockholm")
    clock.now += 0.3
    online.geocode("Hornsgatan 1")
    online.geocode("Okändgatan 9")
    assert len(fake.calls) == 3
    assert clock.sleeps == [pytest.approx(0.7), pytest.approx(1.0)]
    assert fake.calls[0][1]["country_codes"] == "se"


def test_the_online_geocoder_asks_nothing_twice_and_keeps_its_cache_on_disk(
    fake: FakeGeopy, tmp_path: Path
) -> None:
    cache = tmp_path / "nominatim.json"
    first = _online(fake, cache, FakeClock())
    result = first.geocode("Götgatan 14, 118 46 Stockholm")
    assert result.accepted
    assert result.method is MatchMethod.ONLINE
    first.geocode("Götgatan 14, 118 46 Stockholm")
    first.geocode("Okändgatan 9")
    assert len(fake.calls) == 2
    stored = json.loads(cache.read_text(encoding="utf-8"))
    assert stored[GOTGATAN]["lat"] == 59.3156
    assert stored["Okändgatan 9, Sverige"] is None

    second = _online(fake, cache, FakeClock())
    again = second.geocode("Götgatan 14, 118 46 Stockholm")
    assert again.lat == 59.3156
    assert "svar från cachen" in again.reasons
    assert second.requests_made == 0
    assert len(fake.calls) == 2


def test_an_online_answer_for_another_number_goes_to_review(tmp_path: Path) -> None:
    fake = FakeGeopy({"Götgatan 15, Sverige": (59.3, 18.07, {"road": "Götgatan"})})
    result = _online(fake, tmp_path / "c.json", FakeClock()).geocode("Götgatan 15")
    assert result.status is GeocodeStatus.NEEDS_REVIEW
    assert result.confidence == pytest.approx(0.5)


def test_an_online_answer_outside_the_municipality_is_rejected(
    tmp_path: Path, municipality: MultiPolygon
) -> None:
    fake = FakeGeopy(
        {
            "Drottninggatan 1, Sverige": (
                59.858,
                17.638,
                {"road": "Drottninggatan", "house_number": "1"},
            )
        }
    )
    online = _online(fake, tmp_path / "c.json", FakeClock(), municipality=municipality)
    assert online.geocode("Drottninggatan 1").status is GeocodeStatus.REJECTED


def test_a_network_failure_is_not_cached(fake: FakeGeopy, tmp_path: Path) -> None:
    online = _online(fake, tmp_path / "c.json", FakeClock())
    fake.fail_next = True
    failed = online.geocode("Hornsgatan 1")
    assert failed.status is GeocodeStatus.NEEDS_REVIEW
    assert "svarade inte" in failed.reasons[0]
    assert online.geocode("Hornsgatan 1").accepted
    assert len(fake.calls) == 2


def test_the_chain_is_register_only_by_default(matcher: AddressMatcher) -> None:
    chain = GeocoderChain(matcher)
    assert chain.online is None
    assert chain.geocode("Kvarnholmsvägen 3").status is GeocodeStatus.NEEDS_REVIEW


def test_the_chain_asks_online_only_for_what_the_register_leaves(
    matcher: AddressMatcher, tmp_path: Path
) -> None:
    fake = FakeGeopy(
        {
            "Hornsgatan 1, Sverige": (
                59.3203,
                18.0700,
                {"road": "Hornsgatan", "house_number": "1"},
            ),
        }
    )
    chain = GeocoderChain(matcher, online=_online(fake, tmp_path / "c.json", FakeClock()))
    results = chain.geocode_many(["Götgatan 14", "Hornsgatan 1"])
    assert results[0].method is MatchMethod.EXACT
    assert results[1].method is MatchMethod.ONLINE
    assert results[1].accepted
    assert [query for query, _ in fake.calls] == ["Hornsgatan 1, Sverige"]
