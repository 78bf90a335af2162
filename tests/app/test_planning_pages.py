"""Planering and Körlistor through AppTest on the tiny Södermalm wave, for each role."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from planner.auth import User
from planner.db import make_engine, session_factory
from planner.locks.states import JobState
from planner.migrations import upgrade
from planner.models import Job, Role
from planner.routing.planning import plan_wave
from planner.routing.wave import PlanningOptions
from tests.app.conftest import MANAGER, ROOT, open_page
from tests.routing.dbcity import CUSTOMER_NAMES, START, TODAY, DbCity, build_db_city


@pytest.fixture
def city(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, DbCity]]:
    url = f"sqlite:///{tmp_path / 'wave.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine).begin() as session:
        built = build_db_city(session)
    monkeypatch.setenv("PLANNER_DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_MAP_TILES", "none")
    monkeypatch.setattr("app_pages.common.today", lambda: TODAY)
    monkeypatch.chdir(ROOT)
    yield url, built
    engine.dispose()


@pytest.fixture
def planned(city: tuple[str, DbCity]) -> tuple[str, DbCity]:
    url, built = city
    engine = make_engine(url)
    with session_factory(engine).begin() as session:
        plan_wave(
            session,
            1,
            actor="anna",
            options=PlanningOptions(start=START, days=5),
            time_limit_s=0.5,
            today=TODAY,
        )
    engine.dispose()
    return url, built


def _run(at: AppTest, timeout: float = 60) -> AppTest:
    at.run(timeout=timeout)
    assert not at.exception, [e.message for e in at.exception]
    return at


def _jobs(url: str) -> dict[int, Job]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        rows = {job.id: job for job in session.scalars(select(Job))}
        session.expunge_all()
    engine.dispose()
    return rows


def test_planering_plans_a_wave_after_confirmation_and_shows_the_reasons(
    city: tuple[str, DbCity],
) -> None:
    url, built = city
    at = _run(open_page("app_pages/planering.py"))
    assert at.title[0].value == "Planering"
    assert at.get("vega_lite_chart"), "the waves' timeline"
    # forecast, what-if on crews and proposed waves, each a table with its finishing dates
    assert sum("Klart" in df.value.columns for df in at.dataframe) == 3
    assert not at.button, "no plan button before the confirmation"
    at.number_input(key="days").set_value(5)
    at.slider(key="limit").set_value(1)
    at.checkbox(key="confirm_plan").check()
    _run(at)
    at.button[0].click()
    _run(at, timeout=120)
    summary = at.success[0].value
    assert "Våg 1: Södermalm: 2026-11-30 – 2026-12-04" in summary
    assert "Utanför planen 2" in summary
    reasons = next(df.value for df in at.dataframe if "Orsak" in df.value.columns)
    assert list(reasons["Arbetsorder"]) == [built.jobs["no_consent"], built.jobs["late_booking"]]
    assert reasons["Orsak"].iloc[0].startswith("Fastighetsägarens medgivande saknas")
    jobs = _jobs(url)
    assert jobs[built.jobs["entrance"]].state is JobState.PLANNED
    # the map of a day's routes: numbered stops, no customer names
    assert next(box for box in at.selectbox if box.label == "Dag").options
    script = json.loads(at.get("component_instance")[0].proto.json_args)["script"]
    assert "planner-label" in script, "the stops carry their numbers"
    for name in CUSTOMER_NAMES:
        assert name not in script


def test_planering_moves_a_job_to_another_crew_and_day_and_says_what_changed(
    planned: tuple[str, DbCity],
) -> None:
    url, built = planned
    job_id = built.jobs["entrance_14"]
    at = _run(open_page("app_pages/planering.py"))
    at.number_input(key="job").set_value(job_id)
    _run(at)
    assert "Arbetsorder" in at.table[0].value.index
    at.radio(key="action").set_value("Flytta")
    _run(at)
    at.selectbox(key="to_crew").set_value(built.lock1)
    at.date_input(key="to_day").set_value("2026-12-03")
    at.checkbox(key="confirm_adjust").check()
    _run(at)
    at.button(key="adjust").click()
    _run(at)
    assert any(
        f"Arbetsorder {job_id}:" in s.value and "Lås 1 2026-12-03" in s.value for s in at.success
    )
    job = _jobs(url)[job_id]
    assert (job.crew_id, job.planned_date.isoformat(), job.pinned) == (  # type: ignore[union-attr]
        built.lock1,
        "2026-12-03",
        True,
    )


def test_karta_shows_the_routes_of_the_chosen_crews_and_day(planned: tuple[str, DbCity]) -> None:
    url, built = planned
    entrance = _jobs(url)[built.jobs["entrance"]]
    day, crew = entrance.planned_date, entrance.crew_id
    name = "Lås 1" if crew == built.lock1 else "Lås 2"
    at = _run(open_page("app_pages/karta.py"))
    before = json.loads(at.get("component_instance")[0].proto.json_args)["script"]
    assert json.dumps(name)[1:-1] not in before
    at.date_input(key="route_day").set_value(day)
    _run(at)
    crews = at.multiselect(key="route_crews")
    assert crews.options and all(" stopp)" in option for option in crews.options)
    at.multiselect(key="route_crews").set_value([crew])
    _run(at)
    script = json.loads(at.get("component_instance")[0].proto.json_args)["script"]
    assert "Rutter" in script and "planner-label" in script
    assert json.dumps(f"{name} {day}")[1:-1] in script  # the route's legend line
    for name in CUSTOMER_NAMES:
        assert name not in script


def test_korlistor_shows_a_locksmith_only_their_own_crews(planned: tuple[str, DbCity]) -> None:
    url, built = planned
    locksmith = User("lassmed", "Låssmeden", Role.LOCKSMITH, organisation_id=built.locksmith)
    jobs = _jobs(url)
    lock_day = jobs[built.jobs["entrance"]].planned_date
    at = open_page("app_pages/korlistor.py", user=locksmith)
    at.query_params["dag"] = str(lock_day)
    _run(at)
    options = at.selectbox(key="crew").options
    assert options and all(option.startswith("Lås ") for option in options)
    assert len(at.get("download_button")) == 5
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[0] == "PDF (utskrift)"
    # the manager sees every organisation's crews on the booked day
    booked_day = jobs[built.jobs["booked"]].planned_date
    at = open_page("app_pages/korlistor.py", user=MANAGER)
    at.query_params["dag"] = str(booked_day)
    _run(at)
    assert any(option.startswith("TJ ") for option in at.selectbox(key="crew").options)


def test_a_locksmith_cannot_open_or_download_another_organisations_sheet(
    planned: tuple[str, DbCity],
) -> None:
    url, built = planned
    locksmith = User("lassmed", "Låssmeden", Role.LOCKSMITH, organisation_id=built.locksmith)
    booked = _jobs(url)[built.jobs["booked"]]
    at = open_page("app_pages/korlistor.py", user=locksmith)
    at.query_params["dag"] = str(booked.planned_date)
    at.query_params["lag"] = str(booked.crew_id)  # Trygghetsjouren's crew, typed into the URL
    _run(at)
    assert any("inte behörighet till det lagets körlistor" in e.value for e in at.error)
    assert not at.get("download_button") and not at.get("iframe")


@pytest.mark.parametrize("page", ["app_pages/planering.py", "app_pages/korlistor.py"])
def test_a_district_viewer_cannot_open_either_page(city: tuple[str, DbCity], page: str) -> None:
    viewer = User("sodermalm", "Läsaren", Role.DISTRICT_VIEWER, district_names=("Södermalm",))
    at = _run(open_page(page, user=viewer))
    assert any("behörighet" in e.value for e in at.error)
    assert not at.dataframe and not at.get("download_button") and not at.get("iframe")


def test_trygghetsjouren_cannot_plan(city: tuple[str, DbCity]) -> None:
    jouren = User("jouren", "Jouren", Role.TRYGGHETSJOUR, organisation_id=city[1].trygghetsjour)
    at = _run(open_page("app_pages/planering.py", user=jouren))
    assert any("behörighet" in e.value for e in at.error)
    assert not at.button
