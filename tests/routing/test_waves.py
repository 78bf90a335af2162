"""Wave planning on a case small enough to check by hand, and the work read from the database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from planner.routing.charts import timeline_chart
from planner.routing.waves import (
    Capacity,
    DistrictWork,
    WaveWork,
    forecast,
    jobs_per_crew_day,
    order_waves,
    to_frame,
    what_if,
)
from planner.routing.workload import (
    default_capacity,
    district_work,
    rollout_forecast,
    rollout_timeline,
    suggest_waves,
    what_if_crews,
)
from tests.routing.dbcity import TODAY, build_db_city

CAPACITY = Capacity(
    locksmith_crews=2, trygghetsjour_crews=1, entrance_per_crew_day=8, apartment_per_crew_day=10
)
A = DistrictWork("A", entrance_jobs=40, apartment_jobs=50, consent_ready=0.9)  # 5 + 5 crew-days
B = DistrictWork("B", entrance_jobs=16, apartment_jobs=20, consent_ready=0.5)  # 2 + 2
C = DistrictWork("C", entrance_jobs=80, apartment_jobs=30, consent_ready=0.9)  # 10 + 3
MONDAY = date(2026, 12, 14)


def test_districts_are_grouped_readiest_first_into_waves_that_fit_the_days() -> None:
    waves = order_waves([B, C, A], CAPACITY, start=MONDAY, max_days=8)
    assert [w.districts for w in waves] == [("A", "C"), ("B",)]
    first, second = waves
    # A + C: 120 entrance jobs = 15 locksmith crew-days over 2 crews = 8 days; 80 apartment
    # jobs = 8 crew-days over 1 crew = 8 days
    assert (first.locksmith_crew_days, first.trygghetsjour_crew_days) == (15, 8)
    assert first.working_days == 8 and first.crew_days == 23
    assert (first.start, first.end) == (MONDAY, date(2026, 12, 23))
    assert first.consent_ready == pytest.approx(0.9)
    # julafton, juldagen, annandag jul and the weekend are off: B starts on 28 December
    assert (second.start, second.end, second.working_days) == (
        date(2026, 12, 28),
        date(2026, 12, 29),
        2,
    )
    frame = to_frame(waves)
    assert list(frame["Klart"]) == [date(2026, 12, 23), date(2026, 12, 29)]
    assert list(frame["Medgivanden klara"]) == ["90%", "50%"]


def test_a_wave_waits_for_its_planned_start_and_more_crews_finish_sooner() -> None:
    waves = [
        WaveWork(1, "Våg 1", (A, C)),
        WaveWork(2, "Våg 2", (B,), earliest_start=date(2027, 1, 11)),
    ]
    planned = forecast(waves, CAPACITY, start=MONDAY)
    assert (planned[1].start, planned[1].end) == (date(2027, 1, 11), date(2027, 1, 12))
    quick = [WaveWork(1, "Våg 1", (A, C)), WaveWork(2, "Våg 2", (B,))]
    table = what_if(quick, CAPACITY, start=MONDAY, crews=[(2, 1), (4, 2)])
    # 4 + 2 crews: wave 1 takes 4 days (14–17 Dec), wave 2 one day (18 Dec)
    assert list(table["Klart"]) == [date(2026, 12, 29), date(2026, 12, 18)]
    assert list(table["Lagdagar"]) == [27, 27]


def test_capacity_defaults_come_from_service_time_and_a_trade_without_crews_is_an_error() -> None:
    assert jobs_per_crew_day(45) == pytest.approx(8.5 * 60 * 0.93 / 57)
    with pytest.raises(ValueError, match="inga Trygghetsjourens lag"):
        order_waves([A], Capacity(2, 0), start=MONDAY)


def test_the_work_left_and_the_timeline_come_from_the_database(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        build_db_city(session)
    with sessions() as session:
        work = district_work(session, on=TODAY)["Södermalm"]
        # entrance-side doors without a fitted lock where customers live: Götgatan 12 (entrance,
        # refuse room), Götgatan 14 (laundry; its entrance lock is active), Folkungagatan 50
        # (entrance, laundry); three of the five have the owner's consent
        assert (work.entrance_jobs, work.apartment_jobs) == (5, 5)
        assert work.consent_ready == pytest.approx(0.6)
        capacity = default_capacity(session)
        assert (capacity.locksmith_crews, capacity.trygghetsjour_crews) == (2, 2)
        timeline = rollout_timeline(session, on=TODAY)
        assert list(timeline["Typ"]) == ["planerad", "prognos"]
        assert timeline["Start"].iloc[1] == date(2026, 11, 30)
        assert len(rollout_forecast(session, on=TODAY)) == 1
        assert list(what_if_crews(session, on=TODAY)["Låssmedslag"]) == [1, 2, 6]
        assert suggest_waves(session, on=TODAY, districts=["Södermalm"])["Våg"].tolist() == [1]
    assert timeline_chart(timeline, today=TODAY).to_dict()["layer"]
