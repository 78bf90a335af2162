"""An address with and without a letter ("76" and "76A") at two places: two addresses."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.geo.geocode import AddressMatcher, GeocodeStatus

REGISTER = pd.DataFrame(
    [
        ("Humlegårdsgatan", 76, "", "114 92", "Stockholm", 59.3380, 18.0740),
        ("Humlegårdsgatan", 76, "A", "114 92", "Stockholm", 59.3395, 18.0790),
        ("Humlegårdsgatan", 78, "B", "114 92", "Stockholm", 59.3390, 18.0760),
    ],
    columns=["street", "number", "letter", "postcode", "postort", "lat", "lon"],
)


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("Humlegårdsgatan 76, 114 92 Stockholm", "Humlegårdsgatan 76, 114 92 Stockholm"),
        ("Humlegårdsgatan 76A, 114 92 Stockholm", "Humlegårdsgatan 76A, 114 92 Stockholm"),
    ],
)
def test_the_address_with_exactly_the_letter_asked_for_is_accepted(query: str, label: str) -> None:
    result = AddressMatcher(REGISTER).geocode(query)
    assert result.status is GeocodeStatus.ACCEPTED
    assert result.best is not None and result.best.label == label
    assert result.confidence == 1.0


def test_a_letter_missing_where_only_lettered_addresses_exist_still_scores_as_missing() -> None:
    result = AddressMatcher(REGISTER).geocode("Humlegårdsgatan 78, 114 92 Stockholm")
    assert result.best is not None and result.best.label.startswith("Humlegårdsgatan 78B")
    assert result.confidence == pytest.approx(0.97)
