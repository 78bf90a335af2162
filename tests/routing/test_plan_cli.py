"""`planner plan` and `planner sheets` as a user runs them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from planner.cli import app
from planner.db import make_engine, session_factory
from planner.locks.states import JobState
from planner.migrations import upgrade
from planner.models import AuditEvent, Job
from tests.routing.dbcity import build_db_city

runner = CliRunner()


@pytest.fixture
def city_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'city.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine).begin() as session:
        build_db_city(session)
    engine.dispose()
    return url


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_plan_prints_progress_the_summary_and_the_left_out_jobs_with_reasons(
    city_url: str,
) -> None:
    code, out, err = run(
        "plan", "1", "--database-url", city_url, "--start", "2026-11-30", "--days", "5",
        "--time-limit", "1", "--user", "cecilia",
    )  # fmt: skip
    assert code == 0, err
    assert "Läser vågens jobb och lag" in out and "Sparar planen" in out
    assert "Våg 1: Södermalm: 2026-11-30 – 2026-12-04 (5 arbetsdagar, 4 lag)" in out
    assert "Utanför planen 2" in out
    assert "1 × Fastighetsägarens medgivande saknas" in out
    assert "1 × Den bokade tiden ligger utanför alla arbetspass i vågen" in out
    assert "Folkungagatan 50" in out
    engine = make_engine(city_url)
    with session_factory(engine)() as session:
        planned = session.scalars(select(Job).where(Job.state == JobState.PLANNED)).all()
        assert len(planned) >= 8
        assert "cecilia" in set(session.scalars(select(AuditEvent.actor)))
    engine.dispose()


def test_plan_with_chosen_crews_leaves_the_other_trades_work_alone(city_url: str) -> None:
    code, out, err = run(
        "plan", "1", "--database-url", city_url, "--start", "2026-11-30", "--days", "3",
        "--time-limit", "1", "--crews", "Lås 1,Lås 2",
    )  # fmt: skip
    assert code == 0, err
    assert "(3 arbetsdagar, 2 lag)" in out
    engine = make_engine(city_url)
    with session_factory(engine)() as session:
        kinds = {
            job.kind.value for job in session.scalars(select(Job).where(Job.state == "planned"))
        }
        # the apartment jobs were not part of the run: only the pinned one is planned, as before
        assert "install_entrance" in kinds
        unplanned = session.scalars(
            select(Job).where(Job.state == JobState.UNPLANNED, Job.kind == "install_apartment")
        ).all()
        assert len(unplanned) == 2
    engine.dispose()


def test_sheets_writes_every_format_and_bad_input_is_one_readable_line(
    city_url: str, tmp_path: Path
) -> None:
    assert run(
        "plan", "1", "--database-url", city_url, "--start", "2026-11-30", "--days", "5",
        "--time-limit", "1",
    )[0] == 0  # fmt: skip
    out_dir = tmp_path / "sheets"
    code, out, err = run(
        "sheets", "Våg 1: Södermalm", "--database-url", city_url, "--out", str(out_dir),
        "--day", "2026-12-01", "--format", "pdf,csv,gpx,ics,html",
    )  # fmt: skip
    assert code == 0, err
    files = sorted(p.name for p in out_dir.iterdir())
    assert files and all(name.startswith("korlista-2026-12-01-") for name in files)
    assert {name.rsplit(".", 1)[1] for name in files} == {"pdf", "csv", "gpx", "ics", "html"}
    assert "filer för" in out
    for gpx in out_dir.glob("*.gpx"):
        ET.parse(gpx)
    assert all(p.read_bytes().startswith(b"%PDF") for p in out_dir.glob("*.pdf"))

    code, _, err = run(
        "sheets", "1", "--database-url", city_url, "--out", str(out_dir), "--format", "doc"
    )
    assert code == 1 and "Okänt format: doc" in err
    code, _, err = run("plan", "8", "--database-url", city_url)
    assert code == 1 and "Det finns ingen våg '8'" in err
    code, _, err = run(
        "sheets", "1", "--database-url", city_url, "--out", str(out_dir), "--day", "2027-06-01"
    )
    assert code == 1 and "Inga planerade jobb" in err


def test_waves_prints_the_forecast_what_if_and_a_proposal(city_url: str) -> None:
    code, out, err = run(
        "waves", "--database-url", city_url, "--date", "2026-11-28",
        "--locksmiths", "1", "--trygghetsjour", "1",
    )  # fmt: skip
    assert code == 0, err
    forecast = out.split("Om vågorna följer")[0]
    assert "Prognos med 1 låssmedslag och 1 lag hos Trygghetsjouren" in forecast
    assert "Våg 1: Södermalm" in forecast
    what_if = out.split("Om vågorna följer direkt på varandra, med färre eller fler lag")[1]
    rows = [line.split() for line in what_if.split("Förslag")[0].strip().splitlines()[1:]]
    # more crews never finish later: the what-if rows are sorted by crews
    finish = [row[-1] for row in rows]
    assert len(rows) >= 2 and finish == sorted(finish, reverse=True)
    assert "Förslag: stadsdelsområden som inte har börjat" in out
