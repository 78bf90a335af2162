"""Straight-line travel times and the matrix cache."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from planner.routing.travel import (
    STOCKHOLM_CENTRE,
    LatLon,
    MatrixCache,
    StraightLine,
    TravelMatrix,
)

CENTRE = STOCKHOLM_CENTRE
NEAR_CENTRE = (CENTRE[0] + 0.009, CENTRE[1])  # about a kilometre north
FARSTA = (59.2430, 18.0900)
FARSTA_NORTH = (FARSTA[0] + 0.009, FARSTA[1])


def test_a_kilometre_takes_longer_in_the_inner_city_than_in_the_suburbs() -> None:
    provider = StraightLine(stop_s=0)
    inner = provider.matrix([CENTRE, NEAR_CENTRE]).duration_s[0, 1]
    outer = provider.matrix([FARSTA, FARSTA_NORTH]).duration_s[0, 1]
    assert inner > outer > 0
    # 1 km × 1.35 at 20 km/h is about 243 s.
    assert 230 <= inner <= 255


def test_every_stop_costs_parking_time_but_two_jobs_at_one_door_cost_nothing() -> None:
    matrix = StraightLine(stop_s=180).matrix([CENTRE, NEAR_CENTRE, NEAR_CENTRE]).duration_s
    without = StraightLine(stop_s=0).matrix([CENTRE, NEAR_CENTRE]).duration_s
    assert matrix[0, 1] == without[0, 1] + 180
    assert matrix[1, 2] == 0
    assert (np.diag(matrix) == 0).all()


def test_matrix_is_computed_once_and_found_again_on_disk(tmp_path: Path) -> None:
    calls: list[int] = []

    class Counting:
        name = "counting"

        def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
            calls.append(len(points))
            return StraightLine().matrix(points)

    points = [CENTRE, NEAR_CENTRE, FARSTA]
    first = MatrixCache(tmp_path).get(Counting(), points)
    again = MatrixCache(tmp_path).get(Counting(), points)
    assert calls == [3]
    assert (first.duration_s == again.duration_s).all()
    assert again.points == first.points
    assert first.subset([2, 0]).duration_s[0, 1] == first.duration_s[2, 0]
