"""The lock-lifecycle pages through AppTest: the demo city read-only, the tiny city for changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from planner.db import make_engine, session_factory
from planner.locks.states import ConsentState, FaultState, JobState, LockState
from planner.migrations import upgrade
from planner.models import AuditEvent, Consent, FaultReport, Job, JobKind, Lock
from tests.app.conftest import MANAGER, open_page
from tests.locks.city import City, build_city, fit, planned_job

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n% a scanned consent form\n" + b"0" * 1000


def _page(path: str) -> AppTest:
    at = open_page(path)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture
def demo_app(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANNER_DATABASE_URL", demo_url)
    monkeypatch.chdir(ROOT)


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, City]]:
    """The tiny city of tests/locks/city.py in its own SpatiaLite file, with Götgatan 14 fitted."""
    url = f"sqlite:///{tmp_path / 'tiny.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine).begin() as session:
        city = build_city(session)
        fit(session, city.g14_door, "SL-G14")
        fit(session, city.door_1201, "SL-1201")
    monkeypatch.setenv("PLANNER_DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_DOCUMENTS_DIR", str(tmp_path / "documents"))
    monkeypatch.chdir(ROOT)
    yield url, city
    engine.dispose()


def _sessions(url: str):  # type: ignore[no-untyped-def]
    return session_factory(make_engine(url))


@pytest.mark.parametrize(
    "page", ["medgivanden.py", "installationer.py", "nycklar.py", "felanmalningar.py"]
)
def test_each_lock_page_opens_on_the_demo_city(demo_app: None, page: str) -> None:
    at = _page(f"app_pages/{page}")
    assert at.title[0].value in {
        "Medgivanden",
        "Installationer",
        "Nycklar och logg",
        "Felanmälningar",
    }


def test_the_keys_page_lists_the_demo_anomalies_and_the_locks_nobody_can_open(
    demo_app: None,
) -> None:
    at = _page("app_pages/nycklar.py")
    at.date_input(key="since").set_value(date(2026, 11, 20))
    at.date_input(key="until").set_value(date(2026, 11, 28))
    _run(at)
    metrics = {m.label: int(m.value) for m in at.metric}
    assert metrics["Okänd nyckel"] > 0 and metrics["Öppning utanför arbetspass"] > 0
    anomalies, gaps = at.dataframe[0].value, at.dataframe[1].value
    assert len(anomalies) == sum(metrics.values())
    assert {"tid", "avvikelse", "nyckel", "lås", "adress"} <= set(anomalies.columns)
    assert len(gaps) > 0 and set(gaps["orsak"]) <= {
        "inga aktuella kunder bakom dörren",
        "kundernas utförare har ingen aktiv nyckel",
    }


def test_a_consent_is_recorded_with_its_scanned_form(
    tiny: tuple[str, City], tmp_path: Path
) -> None:
    url, city = tiny
    at = _page("app_pages/medgivanden.py")
    at.text_input(key="query").set_value("Eken")
    _run(at)
    at.radio(key="action").set_value("received")
    at.date_input(key="day").set_value(date(2026, 10, 20))
    at.file_uploader(key="scan").upload("medgivande.pdf", PDF, "application/pdf")
    at.text_input(key="contact").set_value("Karin Ek")
    _run(at)
    at.checkbox(key="confirm_consent").check()
    _run(at)
    at.button(key="save_consent").click()
    _run(at)
    assert "Sparat" in at.success[0].value and "2026-10-20" in at.success[0].value
    with _sessions(url)() as session:
        consent = session.get(Consent, city.eken_consent)
        assert consent is not None and consent.state is ConsentState.RECEIVED
        assert consent.contact_name == "Karin Ek" and consent.document_sha256
        actors = session.scalars(
            select(AuditEvent.actor).where(
                AuditEvent.entity == "consent", AuditEvent.entity_id == city.eken_consent
            )
        ).all()
        assert actors[-1] == MANAGER.username  # the signed-in user, not a typed name
    assert (tmp_path / "documents" / str(consent.document_path)).exists()


def test_a_scan_that_is_not_a_pdf_jpeg_or_png_is_refused_in_swedish(tiny: tuple[str, City]) -> None:
    url, city = tiny
    at = _page("app_pages/medgivanden.py")
    at.text_input(key="query").set_value("Eken")
    _run(at)
    at.radio(key="action").set_value("received")
    at.date_input(key="day").set_value(date(2026, 10, 20))
    at.file_uploader(key="scan").upload("medgivande.pdf", b"just text", "application/pdf")
    at.text_input(key="contact").set_value("Karin Ek")
    at.checkbox(key="confirm_consent").check()
    _run(at)
    at.button(key="save_consent").click()
    _run(at)
    assert "varken PDF, JPEG eller PNG" in at.error[0].value
    with _sessions(url)() as session:
        assert session.get(Consent, city.eken_consent).state is ConsentState.REQUESTED  # type: ignore[union-attr]


def test_letters_are_previewed_then_marked_sent(tiny: tuple[str, City]) -> None:
    url, city = tiny
    at = _page("app_pages/medgivanden.py")
    assert any(b.label == "Ladda ned utkast (PDF)" for b in at.get("download_button"))
    _run(at)
    at.checkbox(key="confirm_letters").check()
    _run(at)
    at.button(key="send").click()
    _run(at)
    assert any("1 medgivanden markerade som skickade" in s.value for s in at.success)
    with _sessions(url)() as session:
        assert session.get(Consent, city.linden_consent).state is ConsentState.REQUESTED  # type: ignore[union-attr]


def test_an_installation_result_is_recorded_in_the_app(tiny: tuple[str, City]) -> None:
    url, city = tiny
    with _sessions(url).begin() as session:
        job_id = planned_job(
            session, JobKind.INSTALL_APARTMENT, city.door_1101, city.apartment_crew
        ).id
    at = _page("app_pages/installationer.py")
    at.number_input(key="job").set_value(job_id)
    _run(at)
    at.text_input(key="serial").set_value("SL-7001")
    at.date_input(key="day").set_value(date(2026, 11, 20))
    at.checkbox(key="confirm_result").check()
    _run(at)
    at.button(key="save_result").click()
    _run(at)
    assert "SL-7001" in at.success[0].value and "utförd" in at.success[0].value
    with _sessions(url)() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state is JobState.DONE
        assert session.get(Lock, job.lock_id).state is LockState.ACTIVE  # type: ignore[union-attr]


def test_a_results_file_is_checked_first_then_saved(tiny: tuple[str, City]) -> None:
    url, city = tiny
    with _sessions(url).begin() as session:
        job_id = planned_job(
            session, JobKind.INSTALL_APARTMENT, city.door_1102, city.apartment_crew
        ).id
    data = f"arbetsorder;resultat;datum;orsak\n{job_id};misslyckat;2026-11-20;kund_ej_hemma\n"
    at = _page("app_pages/installationer.py")
    at.file_uploader(key="results_file").upload("resultat.csv", data.encode(), "text/csv")
    _run(at)
    assert {m.label: int(m.value) for m in at.metric}["Misslyckade"] == 1
    with _sessions(url)() as session:  # the check changed nothing
        assert session.get(Job, job_id).state is JobState.PLANNED  # type: ignore[union-attr]
    at.checkbox(key="confirm_file").check()
    _run(at)
    at.button(key="save_file").click()
    _run(at)
    assert "1 misslyckat" in at.success[0].value
    with _sessions(url)() as session:
        assert session.get(Job, job_id).state is JobState.FAILED  # type: ignore[union-attr]


def test_a_fault_is_registered_assigned_and_closed_in_the_app(tiny: tuple[str, City]) -> None:
    url, city = tiny
    at = _page("app_pages/felanmalningar.py")
    at.text_input(key="serial").set_value("SL-G14")
    at.selectbox(key="category").set_value("Nyckeln öppnar inte")
    at.text_input(key="reporter").set_value("Nora Norr")
    _run(at)
    at.checkbox(key="confirm_new").check()
    _run(at)
    at.button(key="register").click()
    _run(at)
    assert "registrerad" in at.success[0].value
    at.radio(key="fault_action").set_value("assign")
    _run(at)
    at.selectbox(key="org").set_value(city.city_org)
    at.checkbox(key="confirm_action").check()
    _run(at)
    at.button(key="save_fault").click()
    _run(at)
    assert "väntar på planering" in at.success[0].value
    with _sessions(url)() as session:
        fault = session.scalars(select(FaultReport)).one()
        assert fault.state is FaultState.ASSIGNED
        repair = session.scalars(select(Job).where(Job.kind == JobKind.REPAIR)).one()
        assert repair.priority == 3
    at.radio(key="fault_action").set_value("close")
    _run(at)
    at.text_input(key="note").set_value("Bytt cylinder")
    _run(at)
    at.button(key="save_fault").click()
    _run(at)
    with _sessions(url)() as session:
        assert session.scalars(select(FaultReport)).one().state is FaultState.CLOSED
