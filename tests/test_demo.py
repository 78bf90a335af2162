"""The demo city: deterministic, realistic in size and mix, consistent with the lifecycle rules."""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from planner import _demo_geography as demo_geo
from planner.demo import build_demo
from planner.geo.spatial import assign_districts
from planner.locks.accesslog import GENESIS_HASH, event_hash
from planner.locks.states import (
    ConsentState,
    FaultState,
    JobState,
    KeyState,
    LockState,
    WaveState,
    allowed,
)
from planner.models import (
    AccessEvent,
    AuditEvent,
    Consent,
    Customer,
    DigitalKey,
    District,
    Entrance,
    FaultReport,
    Job,
    KeyReturn,
    Lock,
    Property,
    PropertyOwner,
    Shift,
    Wave,
)
from tests.conftest import DEMO_DAY

SHARED = Path(
    os.environ.get(
        "PLANNER_STOCKHOLM_DATA",
        Path(__file__).resolve().parents[2] / "shared" / "data" / "stockholm",
    )
)
ENUM_OF = {
    "consent": ConsentState,
    "lock": LockState,
    "job": JobState,
    "wave": WaveState,
    "digital_key": KeyState,
    "fault_report": FaultState,
}
ROW_OF = {
    "consent": Consent,
    "lock": Lock,
    "job": Job,
    "wave": Wave,
    "digital_key": DigitalKey,
    "fault_report": FaultReport,
}


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _fingerprint(session: Session) -> tuple[object, ...]:
    return (
        session.execute(
            select(Customer.pseudonym, Customer.apartment_number).order_by(Customer.id).limit(50)
        ).all(),
        session.execute(
            select(Entrance.street, Entrance.number, func.ST_AsText(Entrance.geom))
            .order_by(Entrance.id)
            .limit(50)
        ).all(),
        session.execute(
            select(Consent.state, func.count()).group_by(Consent.state).order_by(Consent.state)
        ).all(),
        session.execute(
            select(Lock.state, func.count()).group_by(Lock.state).order_by(Lock.state)
        ).all(),
        _count(session, AccessEvent),
        session.scalar(select(AccessEvent.hash).order_by(AccessEvent.id.desc()).limit(1)),
    )


def test_the_same_seed_builds_the_same_city_on_both_engines(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    from planner.db import make_engine, session_factory
    from planner.migrations import upgrade

    with sessions.begin() as session:
        first = build_demo(session, seed=7, today=DEMO_DAY, scale=0.04)
        fp_first = _fingerprint(session)
    other = make_engine(f"sqlite:///{tmp_path / 'again.sqlite'}")
    upgrade(other)
    with session_factory(other).begin() as session:
        again = build_demo(session, seed=7, today=DEMO_DAY, scale=0.04)
        fp_again = _fingerprint(session)
    assert fp_first == fp_again
    assert (first.customers, first.locks, first.access_events) == (
        again.customers,
        again.locks,
        again.access_events,
    )
    with session_factory(other).begin() as session:
        pass
    different = make_engine(f"sqlite:///{tmp_path / 'other.sqlite'}")
    upgrade(different)
    with session_factory(different).begin() as session:
        build_demo(session, seed=8, today=DEMO_DAY, scale=0.04)
        assert _fingerprint(session) != fp_first


def test_the_demo_city_has_stockholms_size(demo_sessions: sessionmaker[Session]) -> None:
    with demo_sessions() as s:
        assert 14_500 <= _count(s, Customer) <= 15_500
        assert 2_900 <= _count(s, PropertyOwner) <= 3_500
        assert _count(s, District) == 11
        properties_per_owner = Counter(s.scalars(select(Property.owner_id)).all())
        big = [n for n in properties_per_owner.values() if n >= 100]
        single = sum(1 for n in properties_per_owner.values() if n == 1)
        assert 3 <= len(big) <= 10, "a few large housing companies own hundreds of properties"
        assert single > 0.7 * len(properties_per_owner), "most owners are associations with one"


def test_customers_are_spread_by_the_estimated_customers_of_each_district(
    demo_sessions: sessionmaker[Session],
) -> None:
    expected = {d.name: d.est_customers for d in demo_geo.DISTRICTS}
    with demo_sessions() as s:
        got = dict(
            s.execute(
                select(District.name, func.count(Customer.id))
                .join(Entrance, Entrance.district_id == District.id)
                .join(Customer, Customer.entrance_id == Entrance.id)
                .group_by(District.name)
            ).all()
        )
    for name, want in expected.items():
        assert got[name] == pytest.approx(want, rel=0.02), name


def test_the_rollout_is_midway_with_something_in_every_state(
    demo_sessions: sessionmaker[Session],
) -> None:
    with demo_sessions() as s:
        waves = Counter(s.scalars(select(Wave.state)).all())
        consents = Counter(s.scalars(select(Consent.state)).all())
        locks = Counter(s.scalars(select(Lock.state)).all())
        jobs = Counter(s.scalars(select(Job.state)).all())
        faults = Counter(s.scalars(select(FaultReport.state)).all())
        keys = Counter(s.scalars(select(DigitalKey.state)).all())
        assert waves == {WaveState.DONE: 2, WaveState.IN_PROGRESS: 1, WaveState.NOT_STARTED: 2}
        assert set(consents) == set(ConsentState)
        assert {
            LockState.PLANNED,
            LockState.INSTALLED,
            LockState.ACTIVE,
            LockState.DEACTIVATED,
            LockState.REMOVED,
        } <= set(locks)
        assert {JobState.UNPLANNED, JobState.PLANNED, JobState.DONE, JobState.FAILED} <= set(jobs)
        assert (
            faults[FaultState.CLOSED] > 0
            and sum(v for k, v in faults.items() if k is not FaultState.CLOSED) > 0
        )
        assert keys[KeyState.ACTIVE] > 1_000
        assert _count(s, Shift) > 10_000 and _count(s, AccessEvent) > 10_000
        assert _count(s, KeyReturn) > 0
        # planned jobs sit on a crew, a day and a position
        planned = s.execute(
            select(Job.crew_id, Job.planned_date, Job.position).where(Job.state == JobState.PLANNED)
        ).all()
        assert planned and all(None not in row for row in planned)


def test_every_state_change_in_the_demo_follows_the_lifecycle_rules(
    demo_sessions: sessionmaker[Session],
) -> None:
    with demo_sessions() as s:
        paths: dict[tuple[str, int], list[str]] = {}
        for entity, entity_id, from_state, to_state in s.execute(
            select(
                AuditEvent.entity, AuditEvent.entity_id, AuditEvent.from_state, AuditEvent.to_state
            ).order_by(AuditEvent.at, AuditEvent.id)
        ):
            if entity not in ENUM_OF:
                continue  # users and other non-lifecycle rows
            path = paths.setdefault((entity, entity_id), [])
            if path:
                assert from_state == path[-1], (entity, entity_id, path, from_state)
            path.append(to_state)
        for (entity, entity_id), path in paths.items():
            enum = ENUM_OF[entity]
            for a, b in itertools.pairwise(path):
                assert allowed(enum(a), enum(b)), (entity, entity_id, a, b)
        for entity, model in ROW_OF.items():
            for row_id, state in s.execute(select(model.id, model.state)):
                assert paths[(entity, row_id)][-1] == state.value, (entity, row_id)


def test_the_demo_access_log_is_an_unbroken_hash_chain(
    demo_sessions: sessionmaker[Session],
) -> None:
    with demo_sessions() as s:
        prev = GENESIS_HASH
        for row in s.execute(
            select(
                AccessEvent.occurred_at,
                AccessEvent.key_code,
                AccessEvent.lock_serial,
                AccessEvent.result,
                AccessEvent.source,
                AccessEvent.prev_hash,
                AccessEvent.hash,
            ).order_by(AccessEvent.id)
        ):
            assert row.prev_hash == prev
            prev = event_hash(
                prev,
                occurred_at=row.occurred_at,
                key_code=row.key_code,
                lock_serial=row.lock_serial,
                result=row.result.value,
                source=row.source,
            )
            assert row.hash == prev


def test_customers_carry_pseudonyms_and_no_identity_numbers(
    demo_sessions: sessionmaker[Session],
) -> None:
    personnummer = re.compile(r"\d{6,8}[-+]?\d{4}")
    columns = {c.name for c in Customer.__table__.columns}
    assert not {"personnummer", "personal_number", "ssn"} & columns
    with demo_sessions() as s:
        ids = s.scalars(select(Customer.pseudonym)).all()
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"HK-[0-9A-F]{7}", p) for p in ids)
    assert not any(personnummer.search(p) for p in ids)


def test_entrances_lie_in_the_district_that_contains_them(
    demo_sessions: sessionmaker[Session],
) -> None:
    with demo_sessions() as s:
        before = dict(s.execute(select(Entrance.id, Entrance.district_id)).all())
        assert None not in before.values()
        assign_districts(s)
        after = dict(s.execute(select(Entrance.id, Entrance.district_id)).all())
        s.rollback()
    moved = sum(1 for k in before if before[k] != after[k])
    assert moved <= 0.002 * len(before), moved  # only points on a shared border may flip


def test_entrances_are_on_land_inside_the_real_municipality(
    demo_sessions: sessionmaker[Session],
) -> None:
    water_file = SHARED / "water" / "water_wgs84.geojson"
    outline_file = SHARED / "districts_2023" / "stockholm_kommun_outline.geojson"
    if not (water_file.exists() and outline_file.exists()):
        pytest.skip(f"real Stockholm data not found under {SHARED}")
    water = gpd.read_file(water_file).union_all()
    outline = gpd.read_file(outline_file).union_all()
    with demo_sessions() as s:
        points = np.array(
            s.execute(select(func.ST_X(Entrance.geom), func.ST_Y(Entrance.geom))).all()
        )
    wet = shapely.contains_xy(water, points[:, 0], points[:, 1]).mean()
    inside = shapely.contains_xy(outline, points[:, 0], points[:, 1]).mean()
    assert wet < 0.02, f"{wet:.1%} of entrances in water"
    assert inside > 0.98, f"only {inside:.1%} inside the municipality"


def test_demo_districts_resemble_the_real_ones(demo_sessions: sessionmaker[Session]) -> None:
    real_file = SHARED / "districts_2023" / "stadsdelsomraden_11_2023.geojson"
    if not real_file.exists():
        pytest.skip(f"real Stockholm data not found under {SHARED}")
    real = gpd.read_file(real_file).set_index("name").to_crs(3006)
    ours = gpd.GeoSeries(demo_geo.district_polygons(), crs=4326).to_crs(3006)
    assert set(ours.index) == set(real.index)
    for name in real.index:
        a, b = ours[name], real.geometry[name]
        iou = a.intersection(b).area / a.union(b).area
        assert iou > 0.4, f"{name}: overlap {iou:.2f}"


def test_the_demo_leaves_no_work_for_reconcile_to_create(
    demo_sessions: sessionmaker[Session],
) -> None:
    from planner.locks.work import WorkCreated, reconcile_work

    with demo_sessions() as s:
        work = reconcile_work(s, on=DEMO_DAY, actor="test")
        s.rollback()
    assert work == WorkCreated()
