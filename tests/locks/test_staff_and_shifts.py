"""Staff and key imports, shift schedules, key activation and deactivation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from planner.locks.errors import FileRejected, InvalidValue
from planner.locks.keys import activate_key, deactivate_key, import_staff, issue_key, revoke_key
from planner.locks.shifts import add_shift, import_shifts
from planner.locks.states import KeyState
from planner.models import AuditEvent, DigitalKey, HomeCareStaff, Shift
from tests.locks.city import City

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

STAFF = """personalkod;namn;utförare;nyckel;aktiv
N-2;Nils Norr;Hemtjänst Norr AB;K-N2;ja
S-2;Sara Syd;Hemtjänst Syd AB;K-S2;
N-3;Nina Norr;559100-0001;;ja
"""


def _staff(sessions: sessionmaker[Session], data: str, **options: bool):  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        return import_staff(session, data.encode(), file="personal.csv", actor="t", **options)


def _shifts(sessions: sessionmaker[Session], data: str, **options: bool):  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        return import_shifts(session, data.encode(), file="pass.csv", actor="t", **options)


def _key(session: Session, code: str) -> DigitalKey:
    return session.scalars(select(DigitalKey).where(DigitalKey.key_code == code)).one()


def test_staff_are_imported_with_their_keys_and_a_second_import_changes_nothing(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    first = _staff(sessions, STAFF)
    assert (first.created, first.changed, first.unchanged) == (3, 0, 0)
    second = _staff(sessions, STAFF)
    assert (second.created, second.changed, second.unchanged) == (0, 0, 3)
    with sessions() as session:
        n3 = session.scalars(select(HomeCareStaff).where(HomeCareStaff.staff_code == "N-3")).one()
        assert n3.provider_id == bare_city.norr  # found by org number
        assert _key(session, "K-N2").state is KeyState.ACTIVE


def test_a_new_key_replaces_the_old_and_leaving_staff_lose_their_keys(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    _staff(sessions, STAFF)
    report = _staff(
        sessions,
        "personalkod;utförare;nyckel;aktiv\n"
        "N-2;Hemtjänst Norr AB;K-N2B;ja\n"
        "S-2;Hemtjänst Syd AB;;nej\n",
    )
    assert report.changed == 2
    with sessions() as session:
        assert _key(session, "K-N2").state is KeyState.DEACTIVATED
        assert _key(session, "K-N2B").state is KeyState.ACTIVE
        assert _key(session, "K-S2").state is KeyState.DEACTIVATED
        notes = session.scalars(
            select(AuditEvent.note).where(AuditEvent.to_state == "deactivated")
        ).all()
        assert "ersatt av K-N2B" in notes and "personalen är inte längre aktiv" in notes


def test_a_staff_file_with_bad_rows_is_refused_whole(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    data = (
        "personalkod;utförare;nyckel\n"
        "N-2;Hemtjänst Norr AB;K-N2\n"
        "N-2;Hemtjänst Norr AB;\n"  # the same person twice
        "X-1;Hemtjänst Väst AB;\n"  # no such provider
        "N-4;Hemtjänst Norr AB;K-S1\n"  # a key that belongs to S-1
    )
    with pytest.raises(FileRejected) as raised:
        _staff(sessions, data)
    rows = [(p.row, p.column) for p in raised.value.problems]
    assert rows == [(3, "personalkod"), (4, "utförare"), (5, "nyckel")]
    assert "Hemtjänst Norr AB" in raised.value.problems[1].message  # says what would do
    with sessions() as session:
        assert session.scalars(select(HomeCareStaff.staff_code)).all() == ["N-1", "S-1"]


def test_shifts_without_zone_are_stockholm_time_and_it_is_said(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    report = _shifts(
        sessions,
        "personalkod;start;slut\nN-1;2026-11-21 07:00;2026-11-21 16:00\n"
        "S-1;2026-07-01T07:00+02:00;2026-07-01T15:00+02:00\n",
    )
    assert report.created == 2
    assert any("2 tider saknade tidszon: Europe/Stockholm" in note for note in report.notes)
    with sessions() as session:
        shift = session.scalars(select(Shift).order_by(Shift.id.desc())).first()
        stored = session.scalars(select(Shift.starts_at).order_by(Shift.starts_at)).all()
    assert datetime(2026, 11, 21, 6, 0, tzinfo=UTC) in stored  # 07:00 CET
    assert shift is not None


def test_a_date_and_clock_layout_with_a_night_shift_ends_the_next_day(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    _shifts(sessions, "personalkod;datum;start;slut\nN-1;2026-11-21;22:00;07:00\n")
    with sessions() as session:
        shift = session.scalars(select(Shift).order_by(Shift.id.desc())).first()
    assert shift is not None
    assert (shift.starts_at, shift.ends_at) == (
        datetime(2026, 11, 21, 21, 0, tzinfo=UTC),
        datetime(2026, 11, 22, 6, 0, tzinfo=UTC),
    )


def test_overlapping_shifts_are_reported_by_row_and_the_file_refused(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    data = (
        "personalkod;start;slut\n"
        "N-1;2026-11-22 07:00;2026-11-22 16:00\n"
        "N-1;2026-11-22 15:00;2026-11-22 20:00\n"  # overlaps the row above
        "S-1;2026-11-20 12:00;2026-11-20 18:00\n"  # overlaps S-1's stored 07–16
        "S-1;2026-11-23 16:00;2026-11-23 08:00\n"  # ends before it starts
        "Z-9;2026-11-23 08:00;2026-11-23 16:00\n"  # unknown staff
    )
    with pytest.raises(FileRejected) as raised:
        _shifts(sessions, data)
    problems = {p.row: p.message for p in raised.value.problems}
    assert set(problems) == {3, 4, 5, 6}
    assert "överlappar passet på rad 2" in problems[3]
    assert "överlappar ett sparat pass" in problems[4]
    report = _shifts(sessions, data, skip_bad_rows=True)
    assert report.created == 1 and len(report.skipped) == 4


def test_a_shift_file_imported_twice_stores_each_shift_once(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    data = (
        "personalkod;start;slut\n"
        "N-1;2026-11-22 07:00;2026-11-22 16:00\n"
        "N-1;2026-11-22 07:00;2026-11-22 16:00\n"  # listed twice
    )
    first = _shifts(sessions, data)
    assert first.created == 1 and any("samma pass som rad 2" in n for n in first.notes)
    second = _shifts(sessions, data)
    assert second.created == 0 and second.unchanged == 2


def test_a_single_shift_that_overlaps_is_refused(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    with sessions.begin() as session, pytest.raises(InvalidValue, match="överlappar"):
        add_shift(
            session,
            staff_code="N-1",
            starts_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
            ends_at=datetime(2026, 11, 20, 12, tzinfo=UTC),
            actor="t",
        )


def test_key_activation_and_deactivation_are_recorded_with_who_and_when(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    with sessions.begin() as session:
        deactivate_key(session, "K-N1", actor="chef", note="semester")
        activate_key(session, "K-N1", actor="chef")
        issue_key(session, staff_code="S-1", key_code="K-S1B", actor="chef")
        revoke_key(session, "K-S1B", actor="chef", note="borttappad")
    with sessions() as session:
        rows = session.execute(
            select(AuditEvent.from_state, AuditEvent.to_state, AuditEvent.actor, AuditEvent.note)
            .where(AuditEvent.entity == "digital_key", AuditEvent.actor == "chef")
            .order_by(AuditEvent.id)
        ).all()
        assert [(r[0], r[1]) for r in rows] == [
            ("active", "deactivated"),
            ("deactivated", "active"),
            ("active", "deactivated"),  # K-S1 stops when K-S1B is issued
            (None, "active"),
            ("active", "revoked"),
        ]
        assert _key(session, "K-S1").state is KeyState.DEACTIVATED
        assert _key(session, "K-N1").activated_at is not None
