"""Clicking a map feature: its facts, the actions the role allows, never outside the scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from planner.auth import User
from planner.geo.features import describe
from planner.locks.states import FaultState, LockState
from planner.models import Door, DoorKind, Entrance, FaultReport, Lock, Property, Role
from tests.conftest import DEMO_DAY

MANAGER = User("ansvarig", "Anna", Role.ROLLOUT_MANAGER)
SODERMALM = User("sod", "Sune", Role.DISTRICT_VIEWER, district_names=("Södermalm",))
LOCKSMITH = User("las", "Lasse", Role.LOCKSMITH, organisation_id=2)


@pytest.fixture(scope="module")
def refs(demo_sessions: sessionmaker[Session]) -> dict[str, str]:
    with demo_sessions() as s:
        in_soder = s.execute(
            select(Entrance.id, Entrance.property_id)
            .join(Entrance.district)
            .where(Entrance.district.has(name="Södermalm"))
            .limit(1)
        ).one()
        elsewhere = s.execute(
            select(Entrance.id).where(~Entrance.district.has(name="Södermalm")).limit(1)
        ).scalar_one()
        fitted = s.execute(
            select(Door.entrance_id)
            .join(Lock, Lock.door_id == Door.id)
            .where(Door.kind == DoorKind.ENTRANCE, Lock.state == LockState.ACTIVE)
            .limit(1)
        ).scalar_one()
        fault = s.scalars(
            select(FaultReport.id).where(FaultReport.state != FaultState.CLOSED).limit(1)
        ).one()
    return {
        "entrance": f"entrance:{in_soder.id}",
        "property": f"property:{in_soder.property_id}",
        "elsewhere": f"entrance:{elsewhere}",
        "fitted": f"entrance:{fitted}",
        "fault": f"fault:{fault}",
    }


def test_a_property_shows_its_owner_consent_and_an_action_for_the_manager(
    demo_sessions: sessionmaker[Session], refs: dict[str, str]
) -> None:
    with demo_sessions() as s:
        facts = describe(s, refs["property"], user=MANAGER, on=DEMO_DAY)
        designation = s.get(Property, int(refs["property"].split(":")[1])).designation  # type: ignore[union-attr]
    assert facts is not None and facts.title == designation
    labels = dict(facts.facts)
    assert {"Ägare", "Adresser", "Hemtjänstkunder", "Medgivande"} <= set(labels)
    assert facts.actions[0].page == "app_pages/medgivanden.py"
    assert facts.actions[0].prefill == {"query": designation}


def test_an_entrance_with_a_lock_offers_a_fault_report(
    demo_sessions: sessionmaker[Session], refs: dict[str, str]
) -> None:
    with demo_sessions() as s:
        facts = describe(s, refs["fitted"], user=MANAGER, on=DEMO_DAY)
    assert facts is not None
    assert "aktivt" in dict(facts.facts)["Entrélås"]
    assert any(a.page == "app_pages/felanmalningar.py" for a in facts.actions)


def test_a_fault_shows_severity_status_and_deadline(
    demo_sessions: sessionmaker[Session], refs: dict[str, str]
) -> None:
    with demo_sessions() as s:
        facts = describe(s, refs["fault"], user=MANAGER, on=DEMO_DAY)
    assert facts is not None and facts.title.startswith("Felanmälan")
    assert {"Allvar", "Status", "Åtgärdas senast"} <= set(dict(facts.facts))


def test_a_district_viewer_sees_facts_but_no_actions_and_nothing_outside_their_district(
    demo_sessions: sessionmaker[Session], refs: dict[str, str]
) -> None:
    with demo_sessions() as s:
        inside = describe(s, refs["entrance"], user=SODERMALM, on=DEMO_DAY)
        outside = describe(s, refs["elsewhere"], user=SODERMALM, on=DEMO_DAY)
        locksmith = describe(s, refs["entrance"], user=LOCKSMITH, on=DEMO_DAY)
    assert inside is not None and inside.actions == ()
    assert outside is None
    assert locksmith is None  # the locksmith has no map


def test_unknown_or_malformed_references_describe_nothing(
    demo_sessions: sessionmaker[Session],
) -> None:
    with demo_sessions() as s:
        for ref in ("entrance:999999", "lock:1", "entrance:x", "", "property"):
            assert describe(s, ref, user=MANAGER, on=DEMO_DAY) is None
