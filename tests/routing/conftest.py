"""Fixtures of the routing tests; the tiny city itself lives in ``city.py``."""

from __future__ import annotations

import pytest

from planner.routing.problem import RoutingProblem
from tests.routing.city import apartment, entrance, locksmith, make_problem, trygghetsjour


@pytest.fixture
def small_wave() -> RoutingProblem:
    """Ten jobs for two locksmiths and two Trygghetsjour crews on one Monday."""
    jobs = [entrance(f"E{site}", site) for site in (2, 3, 4, 5, 6)]
    jobs += [apartment(f"A{site}", site) for site in (7, 8, 9, 10, 11)]
    crews = [locksmith("L1"), locksmith("L2"), trygghetsjour("T1"), trygghetsjour("T2")]
    return make_problem(jobs, crews)
