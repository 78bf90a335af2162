"""The completion forecast: the hand-counted city by hand, and the rules on made-up inputs."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy.orm import Session, sessionmaker

from planner.reports import build_report
from planner.reports.forecast import (
    ForecastInputs,
    WorkGroup,
    forecast_completion,
    working_days,
)
from tests.reports.city import EARLIER, ON, ReportCity


def test_the_hand_counted_city_finishes_when_counted_by_hand(
    sessions: sessionmaker[Session], city: ReportCity
) -> None:
    with sessions() as session:
        report = build_report(session, on=ON)
    fc = report.forecast
    assert fc.available
    # pace: Lås 1 fitted 2 entrance doors in 2 crew-days, TJ 1 2 apartment doors in 2
    paces = {p.kind: p for p in fc.pace}
    assert paces["entrance"].doors_per_crew_day == 1.0
    assert paces["apartment"].doors_per_crew_day == 1.0
    assert paces["entrance"].weeks == 2 and paces["apartment"].weeks == 2
    assert dict(fc.crews) == {"entrance": 1, "apartment": 1}
    # 2 of the 3 answers so far were yes
    assert fc.consent_rate == pytest.approx(2 / 3)
    waves = fc.waves.set_index("number")
    # wave 1: C3's apartment door, one day: Monday 2026-11-23
    assert waves.loc[1, "entrance"] == 0 and waves.loc[1, "apartment"] == 1
    assert waves.loc[1, "p50"] == date(2026, 11, 23)
    # wave 2 waits for its start (Tue 2026-12-01): 2 doors awaiting an answer × 2/3 per kind
    # = 1.33 days, so the second day, Wed 2026-12-02
    assert waves.loc[2, "entrance"] == pytest.approx(1.3)
    assert waves.loc[2, "p50"] == date(2026, 12, 2)
    assert fc.finish == (date(2026, 12, 2),) * 3  # every week had the same pace
    district = report.districts.set_index("district")
    assert district.loc["Södermalm", "p50"] == date(2026, 11, 23)
    assert district.loc["Kungsholmen", "p50"] == date(2026, 12, 2)
    assert "2 december 2026" in fc.text and "80 %" in fc.text


def test_what_if_more_crews_or_another_consent_rate(
    sessions: sessionmaker[Session], city: ReportCity
) -> None:
    with sessions() as session:
        report = build_report(session, on=ON)
    inputs = report.forecast_inputs
    two_crews = forecast_completion(inputs, crews={"entrance": 2, "apartment": 2})
    assert two_crews.finish[1] == date(2026, 12, 1)  # 0.67 of a day
    nobody_consents = forecast_completion(inputs, consent_rate=0.0)
    assert nobody_consents.finish[1] == date(2026, 11, 23)  # wave 2 has nothing to do
    everybody = forecast_completion(inputs, consent_rate=1.0)
    assert everybody.finish[1] == date(2026, 12, 2)  # 2 doors: two full days from 12-01
    assert not everybody.consent_rate_observed and "antaget" in everybody.text
    with pytest.raises(ValueError, match="mellan 0 och 1"):
        forecast_completion(inputs, consent_rate=1.5)


def test_a_forecast_from_a_month_earlier_uses_what_was_known_then(
    sessions: sessionmaker[Session], city: ReportCity
) -> None:
    with sessions() as session:
        report = build_report(session, on=EARLIER)
    fc = report.forecast
    assert {p.kind: p.weeks for p in fc.pace} == {"entrance": 1, "apartment": 2}
    assert fc.consent_rate == 1.0  # no refusal yet
    # wave 1: Götgatan 14 and door 1201 on Friday 2026-10-16; wave 2: 3 doors from 2026-12-01
    assert fc.finish_of(1)[1] == date(2026, 10, 16)
    assert fc.finish_of(2)[1] == date(2026, 12, 3)


def _inputs(
    weeks: list[tuple[str, int, int]], groups: list[WorkGroup], *, on: date = date(2026, 12, 18)
) -> ForecastInputs:
    frame = pd.DataFrame(
        [
            (kind, date(2026, 1, 5) + timedelta(weeks=i), d, c)
            for i, (kind, d, c) in enumerate(weeks)
        ],
        columns=["kind", "week", "doors", "crew_days"],
    )
    return ForecastInputs(
        on=on,
        groups=tuple(groups),
        weeks=frame,
        planned_crews={"entrance": 1, "apartment": 1},
        observed_consent_rate=0.5,
    )


def _group(number: int | None, entrance: int, available: date, pending: int = 0) -> WorkGroup:
    return WorkGroup(
        number=number,
        name=f"Våg {number}",
        available=available,
        district_ids=(number or 0,),
        consented={"entrance": entrance, "apartment": 0},
        pending={"entrance": pending, "apartment": 0},
        customers=10,
    )


def test_crews_do_not_work_weekends_or_swedish_holidays() -> None:
    days = working_days(date(2026, 12, 19), 6)
    # Sat 19 and Sun 20 off; julafton 24, juldagen 25 off; Mon 28 back
    assert days == [
        date(2026, 12, 21),
        date(2026, 12, 22),
        date(2026, 12, 23),
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
    ]
    inputs = _inputs([("entrance", 5, 1)], [_group(1, 20, date(2026, 12, 19))])
    result = forecast_completion(inputs)  # 20 doors at 5 a day: 4 working days from Monday 21
    assert result.finish == (date(2026, 12, 28),) * 3


def test_the_range_widens_with_the_spread_of_the_weeks_and_narrows_with_crews() -> None:
    steady = _inputs([("entrance", 4, 2)] * 8, [_group(1, 200, date(2026, 12, 19))])
    shaky = _inputs(
        [("entrance", d, 2) for d in (1, 7, 2, 6, 1, 7, 3, 5)], [_group(1, 200, date(2026, 12, 19))]
    )
    a, b = forecast_completion(steady), forecast_completion(shaky)
    assert a.finish[0] == a.finish[1] == a.finish[2]
    assert b.finish[0] < b.finish[1] < b.finish[2]  # type: ignore[operator]
    # the same mean pace (2 doors per crew-day), so about the same likely day
    assert abs((b.finish[1] - a.finish[1]).days) <= 5  # type: ignore[operator]
    more = forecast_completion(shaky, crews={"entrance": 4})
    assert more.finish[2] < b.finish[0]  # type: ignore[operator]
    assert (
        forecast_completion(shaky, seed=1).finish == forecast_completion(shaky, seed=1).finish
    )  # reproducible


def test_waves_are_worked_in_order_and_wait_for_their_start() -> None:
    inputs = _inputs(
        [("entrance", 1, 1)],
        [_group(1, 3, date(2026, 12, 19)), _group(2, 1, date(2027, 2, 1))],
    )
    result = forecast_completion(inputs)
    assert result.finish_of(1)[1] == date(2026, 12, 23)  # Mon 21, Tue 22, Wed 23
    assert result.finish_of(2)[1] == date(2027, 2, 1)  # idle until its start
    assert forecast_completion(inputs, scope={1}).finish[1] == date(2026, 12, 23)


def test_no_pace_measured_gives_no_forecast_and_says_why() -> None:
    inputs = _inputs([], [_group(1, 3, date(2026, 12, 19))])
    result = forecast_completion(inputs)
    assert not result.available
    assert result.reason is not None and "inga utförda monteringar av entrédörrar" in result.reason
    no_crews = forecast_completion(
        _inputs([("entrance", 2, 2)], [_group(1, 3, date(2026, 12, 19))]),
        crews={"entrance": 0},
    )
    assert not no_crews.available and "inga planerade lag" in no_crews.text


def test_pending_doors_count_with_the_consent_rate() -> None:
    inputs = _inputs([("entrance", 1, 1)], [_group(1, 2, date(2026, 12, 19), pending=4)])
    assert forecast_completion(inputs).waves["entrance"].iloc[0] == 4.0  # 2 + 0.5 × 4
    assert forecast_completion(inputs, consent_rate=0.25).waves["entrance"].iloc[0] == 3.0
