"""Point-in-district and nearest-entrance queries run in the database, on both engines."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from planner.geo.spatial import assign_districts, district_at, nearest_entrances
from planner.models import District, DistrictSet, Entrance, OwnerKind, Property, PropertyOwner

# Two districts side by side, split at 18.05 E, about 2.8 km wide each.
WEST = "SRID=4326;MULTIPOLYGON(((18.00 59.30, 18.05 59.30, 18.05 59.33, 18.00 59.33, 18.00 59.30)))"
EAST = "SRID=4326;MULTIPOLYGON(((18.05 59.30, 18.10 59.30, 18.10 59.33, 18.05 59.33, 18.05 59.30)))"


def _city(session: Session) -> dict[str, int]:
    current = DistrictSet(name="2023", valid_from=date(2023, 7, 1), is_current=True)
    old = DistrictSet(name="2020", valid_from=date(2020, 1, 1), is_current=False)
    west = District(district_set=current, name="Väster", geom=WEST)
    east = District(district_set=current, name="Öster", geom=EAST)
    whole = District(
        district_set=old,
        name="Hela",
        geom="SRID=4326;MULTIPOLYGON(((18.0 59.3, 18.1 59.3, 18.1 59.33, 18.0 59.33, 18.0 59.3)))",
    )
    owner = PropertyOwner(org_number="1", name="Ägaren", kind=OwnerKind.COMPANY)
    prop = Property(designation="Stockholm Test 1:1", owner=owner)
    points = {
        "in_west": (18.02, 59.31),
        "in_east": (18.08, 59.32),
        "quay_east": (18.101, 59.315),  # ~57 m outside the east district
        "far_out": (18.14, 59.315),  # ~2.3 km outside
    }
    session.add_all([current, old, west, east, whole, owner, prop])
    for n, (name, (lon, lat)) in enumerate(points.items(), start=1):
        session.add(
            Entrance(
                property=prop,
                street=name,
                number=n,
                letter="",
                suffix="",
                postcode="111 11",
                postort="Stockholm",
                geom=f"SRID=4326;POINT({lon} {lat})",
            )
        )
    session.flush()
    return {"west": west.id, "east": east.id, "old": old.id, "whole": whole.id}


def test_a_point_gets_the_district_that_contains_it(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        ids = _city(session)
        assert district_at(session, 18.02, 59.31).id == ids["west"]  # type: ignore[union-attr]
        assert district_at(session, 18.07, 59.32).name == "Öster"  # type: ignore[union-attr]
        # an older district set answers only when asked for
        old = district_at(session, 18.07, 59.32, set_id=ids["old"])
        assert old is not None and old.name == "Hela"


def test_a_point_on_a_quay_takes_the_nearest_district_within_200_m(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        _city(session)
        near = district_at(session, 18.101, 59.315)
        assert near is not None and near.name == "Öster"
        assert district_at(session, 18.14, 59.315) is None


def test_assigning_districts_updates_every_entrance_in_the_database(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        ids = _city(session)
        assigned = assign_districts(session)
        got = dict(session.execute(select(Entrance.street, Entrance.district_id)).all())
    assert assigned == 3
    assert got == {
        "in_west": ids["west"],
        "in_east": ids["east"],
        "quay_east": ids["east"],
        "far_out": None,
    }


def test_nearest_entrances_come_closest_first_with_distances_in_metres(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        _city(session)
        streets = dict(session.execute(select(Entrance.id, Entrance.street)).all())
        found = nearest_entrances(session, 18.10, 59.315, k=2)
        assert [streets[n.entrance_id] for n in found] == ["quay_east", "in_east"]
        assert found[0].distance_m == pytest.approx(57, abs=3)
        assert 1_000 < found[1].distance_m < 1_400
        # a radius limit leaves the far ones out
        assert [
            streets[n.entrance_id]
            for n in nearest_entrances(session, 18.15, 59.315, k=3, max_distance_m=3_000)
        ] == ["far_out", "quay_east"]
