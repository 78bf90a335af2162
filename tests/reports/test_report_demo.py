"""The whole demo city: the report agrees with the lifecycle services it summarises."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from planner.auth import User, district_ids
from planner.locks.anomalies import find_anomalies, window
from planner.locks.faults import fault_list
from planner.locks.keyreturns import pending_key_returns
from planner.locks.readiness import readiness
from planner.models import Role
from planner.reports import Report, build_report, forecast_completion, to_pdf
from planner.reports.report import FIGURES, NO_DISTRICT
from planner.status import status
from tests.conftest import DEMO_DAY
from tests.reports.conftest import pdf_text


@pytest.fixture(scope="module")
def demo_report(demo_sessions: sessionmaker[Session]) -> Report:
    with demo_sessions() as session:
        return build_report(session, on=DEMO_DAY)


def test_readiness_at_any_date_agrees_with_the_lifecycle_rules(
    demo_sessions: sessionmaker[Session], demo_report: Report
) -> None:
    with demo_sessions() as session:
        for weeks in (0, 40):
            day = DEMO_DAY - timedelta(weeks=weeks)
            state = readiness(session, on=day, historical=True)
            report = demo_report if weeks == 0 else build_report(session, on=day)
            assert report.total["customers"] == len(state.customer_ids)
            assert report.total["ready_customers"] == len(state.ready_customer_ids)
            assert report.total["live_buildings"] == len(state.fully_live_entrance_ids)


def test_the_demo_report_agrees_with_status_faults_key_returns_and_the_log(
    demo_sessions: sessionmaker[Session], demo_report: Report
) -> None:
    with demo_sessions() as session:
        counted = status(session, on=DEMO_DAY).by_district.set_index("Stadsdelsområde")
        pending = pending_key_returns(session, on=DEMO_DAY, historical=True)
        open_faults = fault_list(session, open_only=True)
        anomalies = find_anomalies(session, **window(DEMO_DAY - timedelta(days=29), DEMO_DAY))
    rows = demo_report.district_rows().set_index("district")
    assert set(rows.index) == set(counted.index)
    for name, row in rows.iterrows():
        assert row["customers"] == counted.loc[name, "Kunder"], name
        assert row["ready_customers"] == counted.loc[name, "Nyckelfria kunder"], name
        assert row["faults_open"] == counted.loc[name, "Öppna fel"], name
    assert demo_report.total["buildings_awaiting_key_return"] == len(pending)
    assert demo_report.total["faults_open"] == len(open_faults)
    assert demo_report.total["anomalies"] == len(anomalies)
    assert NO_DISTRICT not in set(demo_report.districts["district"])  # every entrance placed


def test_the_demo_districts_add_up_to_the_city(demo_report: Report) -> None:
    counts = [f.key for f in FIGURES if f.unit == "count"]
    sums = demo_report.districts[counts].sum()
    for key in counts:
        assert sums[key] == demo_report.total[key], key
    waves = demo_report.waves[counts].sum()
    for key in counts:  # every demo district is in a wave
        assert waves[key] == demo_report.total[key], key
    assert len(demo_report.districts) == 11
    assert demo_report.total["customers"] > 13_000
    assert 0 < demo_report.total["ready_share"] < 1


def test_the_demo_forecast_follows_the_waves(demo_report: Report) -> None:
    fc = demo_report.forecast
    assert fc.available and not fc.done
    waves = fc.waves.set_index("number")
    assert list(waves.index) == [1, 2, 3, 4, 5]
    finishes = [waves.loc[n, "p50"] for n in (3, 4, 5)]
    assert finishes == sorted(finishes)
    assert fc.finish[0] <= fc.finish[1] <= fc.finish[2]  # type: ignore[operator]
    assert fc.finish[1] == waves.loc[5, "p50"]
    assert fc.finish[1] > DEMO_DAY  # type: ignore[operator]
    # a what-if runs on the report's inputs, without the database
    doubled = forecast_completion(
        demo_report.forecast_inputs, crews={"entrance": 20, "apartment": 20}
    )
    assert doubled.finish[1] < fc.finish[1]  # type: ignore[operator]


def test_a_viewer_of_sodermalm_gets_a_pdf_of_sodermalm_only(
    demo_sessions: sessionmaker[Session],
) -> None:
    viewer = User("sodermalm", "Sofia", Role.DISTRICT_VIEWER, district_names=("Södermalm",))
    with demo_sessions() as session:
        report = build_report(session, on=DEMO_DAY, district_ids=district_ids(session, viewer))
    text, pages = pdf_text(to_pdf(report))
    assert "Södermalm" in text
    for other in ("Kungsholmen", "Skärholmen", "Järva", "Bromma", "Norra innerstaden"):
        assert other not in text, other
    assert 3 <= pages <= 6
