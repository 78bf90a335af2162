"""Spatial queries that run in the database, on SpatiaLite and on PostGIS alike.

PostGIS uses its GiST indexes by itself. SpatiaLite's R*Tree indexes are only used when a query
asks the ``SpatialIndex`` virtual table for candidate row ids, so the SpatiaLite branch adds that
filter. Distances are metres on the ellipsoid on both engines (``ST_Distance(a, b, 1)`` on
SpatiaLite, ``geography`` on PostGIS).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    cast,
    column,
    func,
    literal,
    select,
    table,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from planner.geo.crs import WGS84
from planner.models import District, DistrictSet, Entrance

_Geom = ColumnElement[Any] | InstrumentedAttribute[Any]

M_PER_DEG_LAT = 111_320.0
# Points on quays and bridges fall just outside every district polygon: take the nearest district
# within this distance (issue: district assignment).
DISTRICT_FALLBACK_M = 200.0


@dataclass(frozen=True)
class Nearby:
    entrance_id: int
    distance_m: float


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def point(lon: float, lat: float) -> ColumnElement[Any]:
    """A WGS 84 point as an SQL expression, valid on both engines."""
    return func.ST_GeomFromText(literal(f"POINT({lon!r} {lat!r})"), WGS84)


def distance_m(session: Session, a: _Geom, b: _Geom) -> ColumnElement[Any]:
    """Ellipsoidal distance in metres between two WGS 84 geometries."""
    if _is_sqlite(session):
        return func.ST_Distance(a, b, 1)
    return func.ST_Distance(cast(a, Geography), cast(b, Geography))


def _sqlite_candidates(table_name: str, geom_column: str, frame: _Geom) -> Select[Any]:
    index = table(
        "SpatialIndex",
        column("rowid"),
        column("f_table_name"),
        column("f_geometry_column"),
        column("search_frame"),
    )
    return select(index.c.rowid).where(
        index.c.f_table_name == table_name,
        index.c.f_geometry_column == geom_column,
        index.c.search_frame == frame,
    )


def _frame(session: Session, lon: float, lat: float, radius_m: float) -> ColumnElement[Any]:
    """A square of about ``radius_m`` around a point, as a WGS 84 rectangle."""
    dlat = radius_m / M_PER_DEG_LAT
    dlon = radius_m / (M_PER_DEG_LAT * max(0.01, math.cos(math.radians(lat))))
    build = func.BuildMbr if _is_sqlite(session) else func.ST_MakeEnvelope
    return build(lon - dlon, lat - dlat, lon + dlon, lat + dlat, WGS84)


def current_district_set_id(session: Session) -> int | None:
    return session.scalar(select(DistrictSet.id).where(DistrictSet.is_current.is_(True)).limit(1))


def district_at(
    session: Session, lon: float, lat: float, *, set_id: int | None = None
) -> District | None:
    """The district (of the current set, unless given) that contains the point, or the nearest one
    within 200 m for points on quays and bridges; None when there is none."""
    set_id = set_id if set_id is not None else current_district_set_id(session)
    pt = point(lon, lat)
    stmt = select(District).where(District.set_id == set_id, func.ST_Contains(District.geom, pt))
    if _is_sqlite(session):
        stmt = stmt.where(District.id.in_(_sqlite_candidates("district", "geom", pt)))
    found = session.scalars(stmt.limit(1)).first()
    if found is not None:
        return found
    dist = distance_m(session, District.geom, pt)
    near = (
        select(District, dist.label("d")).where(District.set_id == set_id).order_by(dist).limit(1)
    )
    if _is_sqlite(session):
        near = near.where(
            District.id.in_(_sqlite_candidates("district", "geom", _frame(session, lon, lat, 250)))
        )
    row = session.execute(near).first()
    if row is not None and row.d is not None and row.d <= DISTRICT_FALLBACK_M:
        district: District = row[0]
        return district
    return None


def assign_districts(session: Session, *, set_id: int | None = None) -> int:
    """Set ``entrance.district_id`` from the entrance points, in the database; returns how many
    entrances got a district. Points outside every polygon take the nearest district within 200 m;
    the rest are left without one (and show up as such in ``planner status``)."""
    set_id = set_id if set_id is not None else current_district_set_id(session)
    if set_id is None:
        return 0
    d = District.__table__.alias("d")
    inside = select(d.c.id).where(
        d.c.set_id == bindparam("set_id"), func.ST_Contains(d.c.geom, Entrance.geom)
    )
    if _is_sqlite(session):
        inside = inside.where(d.c.id.in_(_sqlite_candidates("district", "geom", Entrance.geom)))
    session.execute(
        update(Entrance).values(district_id=inside.limit(1).scalar_subquery()),
        {"set_id": set_id},
    )
    # fallback: nearest district within DISTRICT_FALLBACK_M for the ones left outside
    dist = distance_m(session, d.c.geom, Entrance.geom)
    nearest = (
        select(d.c.id)
        .where(d.c.set_id == bindparam("set_id"), dist <= DISTRICT_FALLBACK_M)
        .order_by(dist)
        .limit(1)
        .scalar_subquery()
    )
    session.execute(
        update(Entrance).where(Entrance.district_id.is_(None)).values(district_id=nearest),
        {"set_id": set_id},
    )
    assigned = session.scalar(
        select(func.count()).select_from(Entrance).where(Entrance.district_id.is_not(None))
    )
    return int(assigned or 0)


def nearest_entrances(
    session: Session,
    lon: float,
    lat: float,
    *,
    k: int = 5,
    max_distance_m: float = 5_000.0,
) -> list[Nearby]:
    """The ``k`` entrances nearest to a point (closest first), at most ``max_distance_m`` away."""
    pt = point(lon, lat)
    dist = distance_m(session, Entrance.geom, pt).label("distance_m")
    radius = min(250.0, max_distance_m)
    while True:
        frame = _frame(session, lon, lat, radius)
        if _is_sqlite(session):
            inside = Entrance.id.in_(_sqlite_candidates("entrance", "geom", frame))
        else:
            inside = Entrance.geom.op("&&")(frame)
        stmt = select(Entrance.id, dist).where(inside).order_by(dist).limit(k)
        rows = [r for r in session.execute(stmt) if r.distance_m <= max_distance_m]
        # the square may hold a farther hit while a nearer one lies just outside its edge: only a
        # hit within the radius is certain, otherwise widen the square
        if (len(rows) >= k and rows[-1].distance_m <= radius) or radius >= max_distance_m:
            break
        radius = min(radius * 4, max_distance_m)
    return [Nearby(int(r[0]), float(r[1])) for r in rows[:k]]
