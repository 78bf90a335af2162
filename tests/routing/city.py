"""A tiny city for routing tests: a few sites on a kilometre grid, two depots, two skills.

Travel is Manhattan distance at 30 km/h (two minutes a kilometre), so expected times can be
worked out by hand. Day ``MONDAY`` is an ordinary working day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from planner.routing.problem import Crew, Job, JobKind, Objective, RoutingProblem, Skill

MONDAY = dt.date(2025, 3, 3)
TUESDAY = dt.date(2025, 3, 4)
WEDNESDAY = dt.date(2025, 3, 5)

#: Site 0 is the locksmiths' depot, site 1 Trygghetsjouren's; jobs use sites 2 and up.
SITES_KM: tuple[tuple[float, float], ...] = (
    (0.0, 0.0),
    (1.0, 0.0),
    (2.0, 1.0),
    (3.0, 1.0),
    (2.0, 3.0),
    (4.0, 2.0),
    (5.0, 5.0),
    (1.0, 4.0),
    (6.0, 1.0),
    (3.0, 4.0),
    (0.0, 5.0),
    (5.0, 3.0),
)
SECONDS_PER_KM = 120


def grid_matrix(sites: Sequence[tuple[float, float]] = SITES_KM) -> np.ndarray:
    coords = np.asarray(sites, dtype=np.float64)
    manhattan = np.abs(coords[:, None, :] - coords[None, :, :]).sum(axis=-1)
    return np.rint(manhattan * SECONDS_PER_KM).astype(np.int64)


def locksmith(crew_id: str = "L1", **options: object) -> Crew:
    return Crew(crew_id, frozenset({Skill.LOCKSMITH}), depot=0, **options)  # type: ignore[arg-type]


def trygghetsjour(crew_id: str = "T1", **options: object) -> Crew:
    return Crew(crew_id, frozenset({Skill.TRYGGHETSJOUR}), depot=1, **options)  # type: ignore[arg-type]


def entrance(job_id: str, site: int | None, **options: object) -> Job:
    return Job.create(job_id, JobKind.ENTRANCE_DOOR, site, **options)


def apartment(job_id: str, site: int | None, **options: object) -> Job:
    return Job.create(job_id, JobKind.APARTMENT_DOOR, site, **options)


def make_problem(
    jobs: Sequence[Job],
    crews: Sequence[Crew],
    days: Sequence[dt.date] = (MONDAY,),
    *,
    matrix: np.ndarray | None = None,
    objective: Objective | None = None,
    **options: object,
) -> RoutingProblem:
    return RoutingProblem(
        jobs=tuple(jobs),
        crews=tuple(crews),
        days=tuple(days),
        duration_s=grid_matrix() if matrix is None else matrix,
        objective=objective or Objective(),
        **options,  # type: ignore[arg-type]
    )


# A block of four corners about 110 m apart. The north street (a → b) is one-way eastwards;
# the other three streets are two-way. A footway and a private road cut across the block,
# and a car may use neither.
CORNERS = {
    1: (59.3100, 18.0500),  # a, north-west
    2: (59.3100, 18.0519),  # b, north-east
    3: (59.3090, 18.0519),  # c, south-east
    4: (59.3090, 18.0500),  # d, south-west
    5: (59.3095, 18.0510),  # middle of the block
}
BLOCK_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="planner tests">
{nodes}
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <way id="12" version="1"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/></way>
  <way id="13" version="1"><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/></way>
  <way id="14" version="1"><nd ref="2"/><nd ref="5"/><nd ref="1"/>
    <tag k="highway" v="footway"/></way>
  <way id="15" version="1"><nd ref="2"/><nd ref="5"/><nd ref="4"/>
    <tag k="highway" v="service"/><tag k="access" v="private"/></way>
</osm>
"""


def write_block(path: Path) -> Path:
    """The block as an OSM XML file."""
    nodes = "\n".join(
        f'  <node id="{i}" version="1" lat="{lat}" lon="{lon}"/>'
        for i, (lat, lon) in CORNERS.items()
    )
    path.write_text(BLOCK_OSM.format(nodes=nodes), encoding="utf-8")
    return path
