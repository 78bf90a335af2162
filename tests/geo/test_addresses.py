"""Parsing and normalising Swedish addresses."""

from __future__ import annotations

import pytest

from planner.errors import PlannerError
from planner.geo.addresses import (
    AddressParseError,
    canonical_postort,
    format_postcode,
    is_stockholm_postort,
    normalise_street,
    parse_address,
    parse_house_number,
    street_key,
)


def test_case_and_swedish_letters_and_ascii_stand_ins_meet_in_one_key() -> None:
    spellings = ["Götgatan", "GÖTGATAN", "götgatan", "Gotgatan", "Goetgatan", "GOETGATAN"]
    assert {street_key(s) for s in spellings} == {street_key("Götgatan")}
    assert street_key("Bjoerkvaegen") == street_key("Björkvägen") == street_key("Bjorkvagen")
    assert street_key("Tegnérgatan") == street_key("Tegnergatan")
    assert street_key("Skaanegatan") == street_key("Skånegatan")


def test_different_streets_keep_different_keys() -> None:
    assert street_key("Björkvägen") != street_key("Björkgatan")
    assert street_key("Västra Björkvägen") != street_key("Östra Björkvägen")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Götg.", "Götgatan"),
        ("Götgt.", "Götgatan"),
        ("Götgt", "Götgatan"),
        ("Göt g.", "Götgatan"),
        ("Sveav.", "Sveavägen"),
        ("Sveavg", "Sveavägen"),
        ("Björkpl.", "Björkplatsen"),
        ("S:t Eriksgatan", "Sankt Eriksgatan"),
        ("St. Eriksgatan", "Sankt Eriksgatan"),
        ("St Eriksg.", "Sankt Eriksgatan"),
        ("S:ta Clara Kyrkogata", "Sankta Clara Kyrkogata"),
        ("sankt eriksgatan", "Sankt Eriksgatan"),
    ],
)
def test_abbreviations_are_expanded(written: str, expected: str) -> None:
    assert normalise_street(written) == expected
    assert street_key(written) == street_key(expected)


def test_backe_and_backen_and_gata_and_gatan_meet() -> None:
    assert street_key("Högbergsbacke") == street_key("Högbergsbacken")
    assert street_key("Maria Prästgårdsgata") == street_key("Maria Prästgårdsgatan")
    assert street_key("Maria Prästgårdsg.") == street_key("Maria Prästgårdsgata")


@pytest.mark.parametrize(
    "written", ["Götgatan 12A", "Götgatan 12 A", "Götgatan 12a", "götgatan 12 a"]
)
def test_letter_suffix_is_read_with_or_without_space_and_in_any_case(written: str) -> None:
    address = parse_address(written)
    assert (address.street_key, address.number, address.letter) == ("gotgata", 12, "A")
    assert address.key == "gotgata|12|a"


def test_a_full_address_is_split_into_its_parts() -> None:
    address = parse_address("Götgatan 12A, 118 46 Stockholm, lgh 1101")
    assert address.street == "Götgatan"
    assert address.number == 12
    assert address.letter == "A"
    assert address.postcode == "118 46"
    assert address.postort == "Stockholm"
    assert address.apartment == "1101"
    assert address.label() == "Götgatan 12A, 118 46 Stockholm, lgh 1101"


@pytest.mark.parametrize(
    "written",
    [
        "Götgatan 12, lgh 1101",
        "Götgatan 12 lgh 1101",
        "Götgatan 12, lägenhet 1101",
        "Götgatan 12, Lgh.nr 1101",
        "Götgatan 12, 1101",
        "Götgatan 12, 118 46 Stockholm, 1101",
        "Götgatan 12 lgh1101 11846 Stockholm",
    ],
)
def test_apartment_numbers_are_split_off(written: str) -> None:
    address = parse_address(written)
    assert address.apartment == "1101"
    assert address.number == 12
    assert address.letter == ""


@pytest.mark.parametrize("written", ["118 46", "11846", "SE-118 46", "S-11846", 11846, "11846.0"])
def test_postcodes_are_written_with_a_space(written: str | int) -> None:
    assert format_postcode(written) == "118 46"


def test_postcode_without_space_is_read_inside_an_address() -> None:
    assert parse_address("Götgatan 12 11846 Stockholm").postcode == "118 46"
    assert parse_address("Götgatan 12, SE-118 46 STOCKHOLM, Sverige").postcode == "118 46"


def test_a_bad_postcode_is_refused_with_a_swedish_reason() -> None:
    with pytest.raises(AddressParseError, match="postnumret ska ha fem siffror"):
        format_postcode("1184")


@pytest.mark.parametrize(
    ("written", "postort"),
    [
        ("BROMMA", "Bromma"),
        ("hagersten", "Hägersten"),
        ("Johanneshov", "Johanneshov"),
        ("Farsta", "Farsta"),
        ("KISTA", "Kista"),
        ("Spanga", "Spånga"),
        ("Vallingby", "Vällingby"),
        ("Hasselby", "Hässelby"),
        ("Aarsta", "Årsta"),
        ("Enskede", "Enskede"),
        ("Bandhagen", "Bandhagen"),
        ("Skarholmen", "Skärholmen"),
        ("ÄLVSJÖ", "Älvsjö"),
        ("Skarpnack", "Skarpnäck"),
        ("Sthlm", "Stockholm"),
    ],
)
def test_postort_variants_inside_stockholm_are_recognised(written: str, postort: str) -> None:
    assert canonical_postort(written) == postort
    assert is_stockholm_postort(written)
    assert parse_address(f"Storgatan 1, 123 45 {written}").postort == postort


def test_sodermalm_is_kept_as_an_area_not_as_a_postort() -> None:
    address = parse_address("Hornsgatan 12, Södermalm")
    assert address.postort == ""
    assert address.area == "Södermalm"
    assert any("inte en postort" in note for note in address.notes)
    assert not is_stockholm_postort("Södermalm")


def test_a_postort_outside_stockholm_is_kept_but_noted() -> None:
    address = parse_address("Storgatan 1, 753 10 Uppsala")
    assert address.postort == "Uppsala"
    assert not is_stockholm_postort("Uppsala")
    assert any("okänd postort" in note for note in address.notes)


@pytest.mark.parametrize(
    ("written", "entrance", "letter"),
    [
        ("Götgatan 12 UH", "UH", ""),
        ("Götgatan 12UV", "UV", ""),
        ("Götgatan 12 U1", "U1", ""),
        ("Götgatan 12 u 2", "U2", ""),
        ("Götgatan 12A UH", "UH", "A"),
        ("Götgatan 12 B uv, 118 46 Stockholm", "UV", "B"),
    ],
)
def test_entrance_suffixes_are_read_apart_from_letters(
    written: str, entrance: str, letter: str
) -> None:
    address = parse_address(written)
    assert (address.entrance, address.letter, address.number) == (entrance, letter, 12)


def test_a_letter_range_expands_to_every_letter() -> None:
    address = parse_address("Maria Prästgårdsgata 31A-D")
    assert address.is_range
    assert [a.house_number for a in address.expand()] == ["31A", "31B", "31C", "31D"]
    assert address.first().house_number == "31A"
    assert not address.first().is_range


def test_a_number_range_expands_to_the_same_side_of_the_street() -> None:
    assert [a.number for a in parse_address("Timmermansgatan 46-48").expand()] == [46, 48]
    assert [a.number for a in parse_address("Högbergsgatan 69-73").expand()] == [69, 71, 73]
    assert [a.house_number for a in parse_address("Hornsgatan 33 B-C").expand()] == ["33B", "33C"]
    assert parse_address("Hornsgatan 31-33").first().number == 31


def test_house_number_fields_are_read_like_register_values() -> None:
    assert parse_house_number("29A") == (29, "A", None, "", "")
    assert parse_house_number("31A-D") == (31, "A", None, "D", "")
    assert parse_house_number("46-48") == (46, "", 48, "", "")
    assert parse_house_number("33 B-C") == (33, "B", None, "C", "")
    assert parse_house_number("12 uh") == (12, "", None, "", "UH")
    with pytest.raises(AddressParseError):
        parse_house_number("A12")


def test_floor_notes_and_country_are_set_aside() -> None:
    address = parse_address("Hornsgatan 5, 3 tr, 118 49 Stockholm, Sverige")
    assert (address.number, address.postcode, address.postort) == (5, "118 49", "Stockholm")
    assert "våningsuppgift borttagen" in address.notes


def test_st_may_also_mean_stora() -> None:
    address = parse_address("St. Nygatan 3")
    assert address.street == "Sankt Nygatan"
    assert address.alternatives == ("Stora Nygatan",)
    assert parse_address("S:t Eriksgatan 3").alternatives == ()


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "adressen är tom"),
        ("Götgatan", "gatunummer saknas"),
        ("12", "gatunamn saknas"),
        ("Götgatan 12 99", "okänd del '99'"),
        ("Götgatan 0", "kan inte vara 0"),
    ],
)
def test_unreadable_addresses_raise_a_clear_swedish_reason(written: str, reason: str) -> None:
    with pytest.raises(AddressParseError) as caught:
        parse_address(written)
    assert reason in caught.value.reason
    assert isinstance(caught.value, PlannerError)
    assert str(caught.value).startswith("Kan inte tolka adressen")
