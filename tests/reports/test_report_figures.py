"""Every figure of the report against the hand-counted city (``city.py``), on both engines."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy.orm import Session, sessionmaker

from planner.auth import User, district_ids
from planner.models import Role
from planner.reports import ReportError, build_report
from planner.reports.report import FIGURES, NO_DISTRICT
from tests.reports.city import BEFORE, EARLIER, ON, ReportCity

ZERO = {f.key: 0 for f in FIGURES if f.unit != "hours"}

# Counted by hand from the story in city.py, at the end of 2026-11-20.
SODERMALM_ON = {
    "customers": 3,  # C1, C2, C3
    "properties": 2,  # Eken, Linden
    "buildings": 2,  # Götgatan 12 and 14 (16 has nobody)
    "consents_requested": 2,
    "consents_requested_share": 1.0,
    "consents_received": 2,
    "consents_received_share": 1.0,
    "consents_refused": 0,
    "consents_refused_share": 0.0,
    "consents_awaiting": 0,
    "entrance_doors_fitted": 3,  # 12, 14 and the deactivated lock on 16
    "entrance_doors_remaining": 0,
    "apartment_doors_fitted": 2,  # 1101, 1102 (1201 only planned)
    "apartment_doors_remaining": 1,  # 1201
    "ready_customers": 2,  # C1, C2
    "ready_share": 2 / 3,
    "remaining_customers": 1,  # C3
    "live_buildings": 1,  # Götgatan 12
    "live_share": 1 / 2,
    "buildings_keys_returned": 1,
    "keys_returned": 3,
    "tags_returned": 1,
    "buildings_awaiting_key_return": 0,
    "faults_open": 1,  # SL-1101
    "faults_closed": 2,
    "fault_median_hours": 15.0,  # median of 24 h and 6 h
    "anomalies": 2,  # unknown key at SL-G12, outside the shift at SL-1101
}
KUNGSHOLMEN_ON = {
    **ZERO,
    "customers": 3,  # C4, C7, C8 (C5 left, C6 starts 2026-11-25)
    "properties": 3,
    "buildings": 3,
    "consents_requested": 2,  # Vinkeln, Kronan
    "consents_requested_share": 2 / 3,
    "consents_refused": 1,  # Kronan
    "consents_refused_share": 1 / 3,
    "consents_awaiting": 1,  # Vinkeln
    "entrance_doors_remaining": 3,
    "apartment_doors_remaining": 3,
    "remaining_customers": 3,
}
CITY_ON = {
    "customers": 6,
    "properties": 5,
    "buildings": 5,
    "consents_requested": 4,
    "consents_requested_share": 4 / 5,
    "consents_received": 2,
    "consents_received_share": 2 / 5,
    "consents_refused": 1,
    "consents_refused_share": 1 / 5,
    "consents_awaiting": 1,
    "entrance_doors_fitted": 3,
    "entrance_doors_remaining": 3,
    "apartment_doors_fitted": 2,
    "apartment_doors_remaining": 4,
    "ready_customers": 2,
    "ready_share": 2 / 6,
    "remaining_customers": 4,
    "live_buildings": 1,
    "live_share": 1 / 5,
    "buildings_keys_returned": 1,
    "keys_returned": 3,
    "tags_returned": 1,
    "buildings_awaiting_key_return": 0,
    "faults_open": 1,
    "faults_closed": 2,
    "fault_median_hours": 15.0,
    "anomalies": 3,  # and the unknown lock, in no district
}
# at the end of 2026-10-15
SODERMALM_EARLIER = {
    **SODERMALM_ON,
    "entrance_doors_fitted": 1,  # only Götgatan 12 (14 and 16 come on 2026-10-19)
    "entrance_doors_remaining": 1,
    "buildings_keys_returned": 0,  # keys come back 2026-10-20
    "keys_returned": 0,
    "tags_returned": 0,
    "buildings_awaiting_key_return": 1,
    "faults_open": 0,
    "faults_closed": 1,
    "fault_median_hours": 24.0,
    "anomalies": 1,  # the unknown key at SL-G14 on 2026-10-01
}
KUNGSHOLMEN_EARLIER = {
    **ZERO,
    "customers": 3,
    "properties": 3,
    "buildings": 3,
    "entrance_doors_remaining": 3,
    "apartment_doors_remaining": 3,
    "remaining_customers": 3,
}


def check(row: pd.Series, expected: dict[str, float]) -> None:
    for key, value in expected.items():
        got = row[key]
        assert got == pytest.approx(value), f"{key}: {got} != {value}"
    if "fault_median_hours" not in expected:
        assert pd.isna(row["fault_median_hours"])


def district(report_districts: pd.DataFrame, name: str) -> pd.Series:
    rows = report_districts[report_districts["district"] == name]
    assert len(rows) == 1, name
    return rows.iloc[0]


def test_every_figure_per_district_matches_the_hand_count(
    sessions: sessionmaker[Session], city: ReportCity
) -> None:
    with sessions() as session:
        report = build_report(session, on=ON)
    check(district(report.districts, "Södermalm"), SODERMALM_ON)
    check(district(report.districts, "Kungsholmen"), KUNGSHOLMEN_ON)
    check(district(report.districts, "Bromma"), ZERO)
    check(district(report.districts, NO_DISTRICT), {**ZERO, "anomalies": 1})
    check(report.total, CITY_ON)
    assert report.scope == "Hela staden"


def test_a_month_earlier_the_figures_are_those_of_that_day(
    sessions: sessionmaker[Session], city: ReportCity
) -> None:
    with sessions() as session:
        report = build_report(session, on=EARLIER)
    check(district(report.districts, "Södermalm"), SODERMALM_EARLIER)
    check(district(report.districts, "Kungsholmen"), KUNGSHOLMEN_EARLIER)
    assert NO_DISTRICT not in set(report.districts["district"])  # nothing there yet


def test_waves_add_up_their_districts(sessions: sessionmaker[Session], city: ReportCity) -> None:
    with sessions() as session:
        report = build_report(session, on=ON)
    waves = report.waves.set_index("wave")
    assert list(waves.index) == [1, 2]
    check(waves.loc[1], SODERMALM_ON)
    check(waves.loc[2], KUNGSHOLMEN_ON)
    assert list(waves["state"]) == ["in_progress", "not_started"]


def test_totals_across_districts_equal_the_city_total(
    sessions: sessionmaker[Session], city: ReportCity
) -> None:
    with sessions() as session:
        for day in (BEFORE, EARLIER, ON):
            report = build_report(session, on=day)
            counts = [f.key for f in FIGURES if f.unit == "count"]
            sums = report.districts[counts].sum()
            for key in counts:
                assert sums[key] == report.total[key], (day, key)


def test_a_date_before_the_rollout_gives_zeros_not_errors(
    sessions: sessionmaker[Session], city: ReportCity
) -> None:
    with sessions() as session:
        report = build_report(session, on=BEFORE)
    for row in [report.total, *(r for _, r in report.districts.iterrows())]:
        check(row, ZERO)
    assert list(report.trend_total["day"]) == [BEFORE]
    assert report.trend_total[list(report.trend_total.columns[1:])].to_numpy().sum() == 0
    assert not report.forecast.available
    assert "inga hemtjänstkunder" in report.forecast.text
    assert len(report.anomaly_kinds) == 0


def test_the_trend_burns_down_week_by_week(
    sessions: sessionmaker[Session], city: ReportCity
) -> None:
    with sessions() as session:
        report = build_report(session, on=ON)
    trend = report.trend_total.set_index("day")
    # Sundays from the first request (2026-09-01) to the report date, and the date itself
    assert list(trend.index) == [
        date(2026, 9, 6),
        date(2026, 9, 13),
        date(2026, 9, 20),
        date(2026, 9, 27),
        date(2026, 10, 4),
        date(2026, 10, 11),
        date(2026, 10, 18),
        date(2026, 10, 25),
        date(2026, 11, 1),
        date(2026, 11, 8),
        date(2026, 11, 15),
        ON,
    ]
    assert trend["ready_customers"].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2]
    assert trend["remaining_customers"].tolist() == [6, 6, 6, 5, 5, 5, 4, 4, 4, 4, 4, 4]
    assert trend["entrance_doors_remaining"].tolist() == [5, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 3]
    assert trend["consents_awaiting"].tolist() == [2, 1, 1, 1, 1, 0, 0, 0, 0, 2, 1, 1]
    assert trend["anomalies"].tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3]  # per week
    last = trend.loc[ON]
    for key in ("customers", "ready_customers", "live_buildings", "faults_open"):
        assert last[key] == report.total[key]
    per_district = report.trend[report.trend["district"] == "Södermalm"].set_index("day")
    assert per_district.loc[date(2026, 10, 18), "ready_customers"] == 2


def test_a_district_scope_gives_only_those_districts(
    sessions: sessionmaker[Session], city: ReportCity
) -> None:
    viewer = User("sodermalm", "Sofia", Role.DISTRICT_VIEWER, district_names=("Södermalm",))
    with sessions() as session:
        allowed = district_ids(session, viewer)
        report = build_report(session, on=ON, district_ids=allowed)
    assert allowed == {city.sodermalm}
    assert list(report.districts["district"]) == ["Södermalm"]
    assert set(report.trend["district"]) == {"Södermalm"}
    assert set(report.anomaly_kinds["district"]) == {"Södermalm"}
    assert list(report.waves["wave"]) == [1]
    assert report.district_ids == {city.sodermalm}
    check(report.total, SODERMALM_ON)
    assert report.scope == "Södermalm"
    assert list(report.forecast.waves["number"]) == [1]


def test_a_wave_scope_gives_its_districts(
    sessions: sessionmaker[Session], city: ReportCity
) -> None:
    with sessions() as session:
        report = build_report(session, on=ON, wave=2)
    assert list(report.districts["district"]) == ["Kungsholmen"]
    check(report.total, KUNGSHOLMEN_ON)
    assert report.scope == "Våg 2"


def test_an_unknown_wave_or_an_empty_scope_is_a_readable_error(
    sessions: sessionmaker[Session], city: ReportCity
) -> None:
    with sessions() as session:
        with pytest.raises(ReportError, match="Våg 9 finns inte"):
            build_report(session, on=ON, wave=9)
        with pytest.raises(ReportError, match="inga stadsdelsområden"):
            build_report(session, on=ON, wave=2, district_ids={city.sodermalm})
        with pytest.raises(ReportError, match="Urvalet innehåller inga"):
            build_report(session, on=ON, district_ids=set())
