"""Consents: answers recorded with their facts and scans, letters as PDF, who has not answered."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from planner.errors import IllegalTransition
from planner.locks.consents import (
    correct_consent,
    find_by_reference,
    record_received,
    record_refused,
    record_withdrawn,
    search_consents,
    unanswered,
)
from planner.locks.documents import MAX_BYTES, read_document
from planner.locks.errors import DocumentRefused, InvalidValue
from planner.locks.letters import LetterKind, letters_for_wave, mark_sent, render_pdf
from planner.locks.states import ConsentState, JobState
from planner.models import AuditEvent, Consent, ConsentChannel, Job, JobKind
from tests.locks.city import City, planned_job

PDF = b"%PDF-1.4\n% a scanned form\n" + b"0" * 2000
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"1" * 500
PNG = b"\x89PNG\r\n\x1a\n" + b"2" * 500
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """The documents folder (the database file lives in tmp_path too)."""
    return tmp_path / "documents"


def _receive(session: Session, city: City, docs: Path, data: bytes = PDF, name: str = "a.pdf"):  # type: ignore[no-untyped-def]
    return record_received(
        session,
        city.eken_consent,
        received_on=date(2026, 10, 20),
        channel=ConsentChannel.EMAIL,
        contact_name="Karin Ek",
        contact_phone="070-123 45 67",
        document=data,
        document_name=name,
        actor="anna",
        documents_dir=docs,
    )


def test_a_received_consent_keeps_the_contact_the_date_and_the_scanned_form(
    sessions: sessionmaker[Session], bare_city: City, docs: Path
) -> None:
    with sessions.begin() as session:
        _receive(session, bare_city, docs)
    with sessions() as session:
        consent = session.get(Consent, bare_city.eken_consent)
        assert consent is not None
        assert consent.state is ConsentState.RECEIVED
        assert consent.answered_on == date(2026, 10, 20)
        assert consent.channel is ConsentChannel.EMAIL and consent.contact_name == "Karin Ek"
        digest = hashlib.sha256(PDF).hexdigest()
        assert consent.document_sha256 == digest and consent.document_path == f"{digest}.pdf"
        assert (docs / f"{digest}.pdf").read_bytes() == PDF
        assert read_document(consent.document_path, sha256=digest, directory=docs) == PDF
        event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "consent")).one()
        assert (event.actor, event.to_state) == ("anna", "received")
        assert "per e-post" in (event.note or "")


@pytest.mark.parametrize(
    ("data", "name", "ok"),
    [
        (JPEG, "foto.txt", True),  # a photo named oddly is still a photo
        (PNG, "skanning.png", True),
        (b"Hej, vi medger.", "medgivande.pdf", False),  # named PDF, but it is text
        (b"PK\x03\x04word", "blankett.docx", False),
        (b"", "tom.pdf", False),
    ],
)
def test_a_form_is_checked_by_its_content_not_its_name(
    sessions: sessionmaker[Session],
    bare_city: City,
    docs: Path,
    data: bytes,
    name: str,
    ok: bool,
) -> None:
    with sessions.begin() as session:
        if ok:
            _receive(session, bare_city, docs, data, name)
            return
        with pytest.raises(DocumentRefused, match=name):
            _receive(session, bare_city, docs, data, name)
        # refused before anything changed
        assert session.get(Consent, bare_city.eken_consent).state is ConsentState.REQUESTED  # type: ignore[union-attr]
    assert not docs.exists() or not any(docs.iterdir())


def test_a_form_over_10_mb_is_refused_with_its_size(
    sessions: sessionmaker[Session], bare_city: City, docs: Path
) -> None:
    big = PDF + b"0" * MAX_BYTES
    with sessions.begin() as session, pytest.raises(DocumentRefused, match="största tillåtna"):
        _receive(session, bare_city, docs, big, "stor.pdf")


def test_a_form_changed_on_disk_is_noticed(
    sessions: sessionmaker[Session], bare_city: City, docs: Path
) -> None:
    with sessions.begin() as session:
        consent = _receive(session, bare_city, docs)
        path, digest = consent.document_path, consent.document_sha256
    (docs / path).write_bytes(PDF + b"changed")
    with pytest.raises(DocumentRefused, match="kontrollsumma"):
        read_document(path, sha256=digest, directory=docs)


def test_a_consent_that_was_never_requested_cannot_be_received(
    sessions: sessionmaker[Session], bare_city: City, docs: Path
) -> None:
    with sessions.begin() as session, pytest.raises(IllegalTransition, match="förfrågan skickad"):
        record_received(
            session,
            bare_city.linden_consent,
            received_on=date(2026, 10, 20),
            channel=ConsentChannel.POST,
            contact_name="Per",
            document=PDF,
            document_name="a.pdf",
            actor="anna",
            documents_dir=docs,
        )


def test_a_refusal_needs_a_reason_and_keeps_it(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    with sessions.begin() as session:
        with pytest.raises(InvalidValue, match="skälet"):
            record_refused(
                session,
                bare_city.eken_consent,
                answered_on=date(2026, 10, 3),
                reason=" ",
                actor="a",
            )
        record_refused(
            session,
            bare_city.eken_consent,
            answered_on=date(2026, 10, 3),
            reason="Styrelsen vill avvakta",
            actor="anna",
        )
    with sessions() as session:
        consent = session.get(Consent, bare_city.eken_consent)
        assert consent is not None and consent.state is ConsentState.REFUSED
        assert consent.reason == "Styrelsen vill avvakta"


def test_an_answer_dated_before_the_request_or_in_the_future_is_refused(
    sessions: sessionmaker[Session], bare_city: City, docs: Path
) -> None:
    with sessions.begin() as session:
        for day in (date(2026, 9, 1), date(2030, 1, 1)):
            with pytest.raises(InvalidValue):
                record_refused(
                    session, bare_city.eken_consent, answered_on=day, reason="Nej", actor="a"
                )


def test_a_withdrawal_cancels_the_entrance_work_not_yet_done(
    sessions: sessionmaker[Session], bare_city: City, docs: Path
) -> None:
    with sessions.begin() as session:
        _receive(session, bare_city, docs)
        entrance = planned_job(session, JobKind.INSTALL_ENTRANCE, bare_city.g12_door, 1)
        apartment = planned_job(session, JobKind.INSTALL_APARTMENT, bare_city.door_1101, 2)
        ids = entrance.id, apartment.id
    with sessions.begin() as session:
        withdrawal = record_withdrawn(
            session,
            bare_city.eken_consent,
            withdrawn_on=date(2026, 11, 1),
            reason="Ny styrelse",
            actor="anna",
        )
        assert withdrawal.cancelled_job_ids == (ids[0],)
    with sessions() as session:
        assert session.get(Job, ids[0]).state is JobState.CANCELLED  # type: ignore[union-attr]
        assert session.get(Job, ids[1]).state is JobState.PLANNED  # type: ignore[union-attr]
        assert session.get(Consent, bare_city.eken_consent).state is ConsentState.WITHDRAWN  # type: ignore[union-attr]


def test_a_correction_is_audited_with_what_changed(
    sessions: sessionmaker[Session], bare_city: City, docs: Path
) -> None:
    with sessions.begin() as session:
        _receive(session, bare_city, docs)
    with sessions.begin() as session:
        changes = correct_consent(
            session,
            bare_city.eken_consent,
            actor="bo",
            contact_name="Karin Eklund",
            contact_email="karin@eken.se",
            document=JPEG,
            document_name="ny.jpg",
            documents_dir=docs,
        )
        assert len(changes) == 3 and changes[0] == "kontaktperson: 'Karin Ek' → 'Karin Eklund'"
        assert (
            correct_consent(
                session, bare_city.eken_consent, actor="bo", contact_name="Karin Eklund"
            )
            == []
        )
    with sessions() as session:
        edits = session.scalars(select(AuditEvent).where(AuditEvent.action == "edited")).all()
        assert len(edits) == 1 and "skannad blankett ersatt" in (edits[0].note or "")
        consent = session.get(Consent, bare_city.eken_consent)
        assert consent is not None and consent.document_path.endswith(".jpg")  # type: ignore[union-attr]


def test_owners_who_have_not_answered_after_n_days_are_listed(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    with sessions() as session:
        waiting = unanswered(session, days=30, on=date(2026, 11, 28))
        assert list(waiting["fastighetsägare"]) == ["Brf Eken"]
        assert waiting["dagar utan svar"].iloc[0] == 58
        assert waiting["svarsreferenser"].iloc[0] == "MG-2026-00001"
        assert unanswered(session, days=60, on=date(2026, 11, 28)).empty
        assert len(unanswered(session, days=30, on=date(2026, 11, 28), wave=1)) == 1
        assert find_by_reference(session, "mg-2026-00001").id == bare_city.eken_consent
        assert list(search_consents(session, "Linden")["fastighet"]) == ["Stockholm Linden 2:3"]


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_request_letters_are_swedish_pdfs_listing_the_owners_properties_and_references(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    with sessions.begin() as session:
        letters = letters_for_wave(session, wave=1, kind=LetterKind.REQUEST, on=date(2026, 11, 28))
        assert [letter.owner_name for letter in letters] == ["Stadshem AB"]
        [letter] = letters
        [prop] = letter.properties
        assert prop.designation == "Stockholm Linden 2:3"
        assert prop.addresses == ("Götgatan 14, 118 46 Stockholm",)  # 16 has no customers
        reference = prop.reply_reference
        text = _pdf_text(render_pdf(letter))
        for words in (
            "Förfrågan om medgivande",
            "nyckelfri hemtjänst",
            "Stockholm Linden 2:3",
            "Götgatan 14",
            reference,
            "Svarsblankett",
            "28 december 2026",
            "Box 1",
        ):
            assert words in text, words
        assert "HK-" not in text  # no customer is named
        assert mark_sent(session, letters, actor="anna") == 1
    with sessions() as session:
        consent = session.get(Consent, bare_city.linden_consent)
        assert consent is not None and consent.state is ConsentState.REQUESTED
        assert consent.reply_reference == reference and consent.requested_on == date(2026, 11, 28)
        assert find_by_reference(session, reference).id == consent.id
        # sent once: the next run has nothing left to request
        assert (
            letters_for_wave(session, wave=1, kind=LetterKind.REQUEST, on=date(2026, 11, 28)) == []
        )


def test_reminders_go_to_owners_who_have_not_answered(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    with sessions.begin() as session:
        early = letters_for_wave(
            session, wave=1, kind=LetterKind.REMINDER, on=date(2026, 10, 20), remind_after_days=30
        )
        assert early == []
        [letter] = letters_for_wave(
            session, wave=1, kind=LetterKind.REMINDER, on=date(2026, 11, 28), remind_after_days=30
        )
        text = _pdf_text(render_pdf(letter, draft=True))
        assert "Påminnelse" in text and "1 oktober 2026" in text and "MG-2026-00001" in text
        assert "UTKAST" in text
        mark_sent(session, [letter], actor="anna")
    with sessions() as session:
        consent = session.get(Consent, bare_city.eken_consent)
        assert consent is not None and consent.state is ConsentState.REMINDED
        assert consent.reminded_on == date(2026, 11, 28)


def test_a_property_without_a_consent_row_gets_one_for_its_letter(
    sessions: sessionmaker[Session], bare_city: City
) -> None:
    with sessions.begin() as session:
        session.delete(session.get(Consent, bare_city.linden_consent))
    with sessions.begin() as session:
        [letter] = letters_for_wave(session, wave=1, kind=LetterKind.REQUEST, on=date(2026, 11, 28))
        mark_sent(session, [letter], actor="anna")
    with sessions() as session:
        count = session.scalar(select(func.count()).select_from(Consent))
        assert count == 2
