"""The review map: numbered candidates, the chosen point, and a sensible view."""

from __future__ import annotations

from planner.geo.reviewmap import build_review_map
from planner.imports.review import ReviewCandidate

CANDIDATES = (
    ReviewCandidate(1, "Kyrkvägen 4, 167 53 Bromma", 59.334, 17.960, 1.0, 11),
    ReviewCandidate(2, "Kyrkvägen 4, 122 33 Enskede", 59.281, 18.075, 1.0, 12),
)


def test_the_candidates_are_numbered_and_the_view_holds_them_all() -> None:
    fmap = build_review_map(CANDIDATES, chosen=(59.30, 18.00), tiles=None)
    page = fmap.get_root().render()
    assert "1. Kyrkvägen 4, 167 53 Bromma (säkerhet 1,00)" in page
    assert "2. Kyrkvägen 4, 122 33 Enskede" in page
    assert "Vald punkt" in page
    assert "fitBounds" in page


def test_an_item_without_candidates_shows_stockholm() -> None:
    fmap = build_review_map((), tiles=None)
    assert fmap.location == [59.325, 18.02]
