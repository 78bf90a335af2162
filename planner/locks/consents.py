"""Consents (medgivanden): record what owners answer, and find who has not answered.

A consent is per owner and property. Its states and transitions live in ``states``; this module
records the answers with their facts:

* received (by post or e-mail): the date, the contact person the owner names, and the signed form
  as a scan (PDF, JPEG or PNG up to 10 MB, checked by content, stored by checksum: ``documents``);
* refused, or withdrawn after it was given: always with a reason. A withdrawal cancels the
  entrance-side jobs of the property that have not been done yet;
* corrections (a misspelt contact, the scan arriving after the post) are edits with an audit row
  that says what changed.

Letters (the request and the reminder) are in ``letters``; the list of owners who have not
answered after N days is :func:`unanswered`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from planner.locks._csvfile import local_date
from planner.locks.documents import StoredDocument, check_document, store_document
from planner.locks.errors import InvalidValue, UnknownRecord
from planner.locks.lifecycle import ENTRANCE_SIDE_JOBS, audit, now, transition
from planner.locks.states import ConsentState, JobState, label
from planner.models import (
    Consent,
    ConsentChannel,
    District,
    Door,
    Entrance,
    Job,
    Property,
    PropertyOwner,
    Wave,
    WaveDistrict,
)

CHANNEL_LABELS: dict[ConsentChannel, str] = {
    ConsentChannel.POST: "post",
    ConsentChannel.EMAIL: "e-post",
    ConsentChannel.OTHER: "annat",
}
WAITING = (ConsentState.REQUESTED, ConsentState.REMINDED)
_OPEN_JOB_STATES = (JobState.UNPLANNED, JobState.PLANNED, JobState.FAILED)


def get_consent(session: Session, consent_id: int) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None:
        msg = f"Medgivande {consent_id} finns inte."
        raise UnknownRecord(msg)
    return consent


def find_by_reference(session: Session, reference: str) -> Consent:
    """The consent a reply reference (on the letter and the form) belongs to."""
    text = reference.strip().upper()
    consent = session.scalars(
        select(Consent).where(func.upper(Consent.reply_reference) == text)
    ).first()
    if consent is None:
        msg = f"Svarsreferensen {reference!r} finns inte."
        raise UnknownRecord(msg)
    return consent


def _check_day(day: date, *, what: str, today: date, not_before: date | None = None) -> None:
    if day > today:
        msg = f"{what} {day.isoformat()} ligger i framtiden."
        raise InvalidValue(msg)
    if not_before is not None and day < not_before:
        msg = (
            f"{what} {day.isoformat()} ligger före förfrågan skickades ({not_before.isoformat()})."
        )
        raise InvalidValue(msg)


def _attach(
    consent: Consent,
    document: bytes | None,
    document_name: str | None,
    directory: str | Path | None,
) -> StoredDocument | None:
    if document is None:
        return None
    stored = store_document(document, filename=document_name or "blankett", directory=directory)
    consent.document_path = stored.name
    consent.document_sha256 = stored.sha256
    return stored


def record_received(
    session: Session,
    consent_id: int,
    *,
    received_on: date,
    channel: ConsentChannel,
    contact_name: str,
    document: bytes,
    document_name: str,
    actor: str,
    contact_phone: str | None = None,
    contact_email: str | None = None,
    documents_dir: str | Path | None = None,
    at: datetime | None = None,
) -> Consent:
    """Record a signed consent: date, channel, the owner's contact person and the scanned form."""
    consent = get_consent(session, consent_id)
    when = at or now()
    if not contact_name.strip():
        msg = "Ange kontaktpersonen som fastighetsägaren har angett på blanketten."
        raise InvalidValue(msg)
    _check_day(
        received_on,
        what="Mottagningsdagen",
        today=local_date(when),
        not_before=consent.requested_on,
    )
    check_document(document, filename=document_name)  # refuse before anything changes
    note = f"mottaget {received_on.isoformat()} per {CHANNEL_LABELS[channel]}"
    transition(session, consent, ConsentState.RECEIVED, actor=actor, note=note, at=when)
    consent.answered_on = received_on
    consent.channel = channel
    consent.contact_name = contact_name.strip()
    consent.contact_phone = (contact_phone or "").strip() or None
    consent.contact_email = (contact_email or "").strip() or None
    consent.reason = None
    _attach(consent, document, document_name, documents_dir)
    return consent


def record_refused(
    session: Session,
    consent_id: int,
    *,
    answered_on: date,
    reason: str,
    actor: str,
    channel: ConsentChannel | None = None,
    contact_name: str | None = None,
    document: bytes | None = None,
    document_name: str | None = None,
    documents_dir: str | Path | None = None,
    at: datetime | None = None,
) -> Consent:
    """Record that the owner said no, with the reason they gave (and their letter, if any)."""
    consent = get_consent(session, consent_id)
    when = at or now()
    if not reason.strip():
        msg = "Ange skälet som fastighetsägaren har angett för att neka."
        raise InvalidValue(msg)
    _check_day(
        answered_on, what="Svarsdagen", today=local_date(when), not_before=consent.requested_on
    )
    if document is not None:
        check_document(document, filename=document_name or "blankett")
    transition(session, consent, ConsentState.REFUSED, actor=actor, note=reason.strip(), at=when)
    consent.answered_on = answered_on
    consent.reason = reason.strip()
    if channel is not None:
        consent.channel = channel
    if contact_name:
        consent.contact_name = contact_name.strip()
    _attach(consent, document, document_name, documents_dir)
    return consent


@dataclass(frozen=True)
class Withdrawal:
    consent: Consent
    cancelled_job_ids: tuple[int, ...]


def record_withdrawn(
    session: Session,
    consent_id: int,
    *,
    withdrawn_on: date,
    reason: str,
    actor: str,
    at: datetime | None = None,
) -> Withdrawal:
    """Record a withdrawn consent; entrance-side jobs of the property not yet done are cancelled.

    Locks already fitted stay (they are the city's); whether to remove them is a separate decision.
    """
    consent = get_consent(session, consent_id)
    when = at or now()
    if not reason.strip():
        msg = "Ange skälet till att medgivandet återkallas."
        raise InvalidValue(msg)
    _check_day(withdrawn_on, what="Dagen för återkallelsen", today=local_date(when))
    if consent.answered_on and withdrawn_on < consent.answered_on:
        msg = (
            f"Dagen för återkallelsen {withdrawn_on.isoformat()} ligger före medgivandet "
            f"({consent.answered_on.isoformat()})."
        )
        raise InvalidValue(msg)
    transition(session, consent, ConsentState.WITHDRAWN, actor=actor, note=reason.strip(), at=when)
    consent.withdrawn_on = withdrawn_on
    consent.reason = reason.strip()
    jobs = session.scalars(
        select(Job)
        .join(Door, Door.id == Job.door_id)
        .join(Entrance, Entrance.id == Door.entrance_id)
        .where(
            Entrance.property_id == consent.property_id,
            Job.kind.in_(ENTRANCE_SIDE_JOBS),
            Job.state.in_(_OPEN_JOB_STATES),
        )
    ).all()
    for job in jobs:
        transition(
            session, job, JobState.CANCELLED, actor=actor, at=when, note="medgivandet återkallat"
        )
    return Withdrawal(consent=consent, cancelled_job_ids=tuple(j.id for j in jobs))


_UNSET = object()


def correct_consent(
    session: Session,
    consent_id: int,
    *,
    actor: str,
    contact_name: str | object | None = _UNSET,
    contact_phone: str | object | None = _UNSET,
    contact_email: str | object | None = _UNSET,
    channel: ConsentChannel | object | None = _UNSET,
    answered_on: date | object = _UNSET,
    reason: str | object | None = _UNSET,
    document: bytes | None = None,
    document_name: str | None = None,
    documents_dir: str | Path | None = None,
    at: datetime | None = None,
) -> list[str]:
    """Correct the facts of a consent (not its state); returns what changed, in Swedish."""
    consent = get_consent(session, consent_id)
    when = at or now()
    changes: list[str] = []
    if document is not None:
        check_document(document, filename=document_name or "blankett")
    if answered_on is not _UNSET:
        assert isinstance(answered_on, date)
        if consent.state not in (
            ConsentState.RECEIVED,
            ConsentState.REFUSED,
            ConsentState.WITHDRAWN,
        ):
            msg = f"Medgivandet är {label(consent.state)!r} och har ingen svarsdag att rätta."
            raise InvalidValue(msg)
        _check_day(
            answered_on, what="Svarsdagen", today=local_date(when), not_before=consent.requested_on
        )
    for field, value, name in (
        ("contact_name", contact_name, "kontaktperson"),
        ("contact_phone", contact_phone, "telefon"),
        ("contact_email", contact_email, "e-post"),
        ("channel", channel, "kanal"),
        ("answered_on", answered_on, "svarsdag"),
        ("reason", reason, "skäl"),
    ):
        if value is _UNSET:
            continue
        if isinstance(value, str):
            value = value.strip() or None
        old = getattr(consent, field)
        if old != value:
            setattr(consent, field, value)
            changes.append(f"{name}: {_show(old)} → {_show(value)}")
    if document is not None:
        old_sha = consent.document_sha256
        stored = _attach(consent, document, document_name, documents_dir)
        assert stored is not None
        if stored.sha256 != old_sha:
            changes.append(
                "skannad blankett "
                + ("bifogad" if old_sha is None else "ersatt")
                + f" ({stored.media_type}, sha256 {stored.sha256[:12]}…)"
            )
    if changes:
        audit(
            session,
            entity="consent",
            entity_id=consent.id,
            action="edited",
            actor=actor,
            note="; ".join(changes),
            at=when,
        )
    return changes


def _show(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, ConsentChannel):
        return CHANNEL_LABELS[value]
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


# --- lists ----------------------------------------------------------------------------------------


def wave_property_ids(session: Session, wave_number: int) -> set[int]:
    """Properties with an entrance in one of the wave's districts."""
    wave = session.scalars(select(Wave).where(Wave.number == wave_number)).first()
    if wave is None:
        numbers = ", ".join(
            str(n) for n in session.scalars(select(Wave.number).order_by(Wave.number))
        )
        msg = f"Våg {wave_number} finns inte (finns: {numbers or 'inga'})."
        raise UnknownRecord(msg)
    return set(
        session.scalars(
            select(Entrance.property_id)
            .join(WaveDistrict, WaveDistrict.district_id == Entrance.district_id)
            .where(WaveDistrict.wave_id == wave.id)
            .distinct()
        )
    )


UNANSWERED_COLUMNS = [
    "owner_id",
    "fastighetsägare",
    "organisationsnummer",
    "kontaktperson",
    "telefon",
    "e-post",
    "fastigheter",
    "svarsreferenser",
    "förfrågan skickad",
    "påminnelse skickad",
    "dagar utan svar",
]


def unanswered(session: Session, *, days: int, on: date, wave: int | None = None) -> pd.DataFrame:
    """Owners who have not answered a request sent at least ``days`` days before ``on``.

    One row per owner (Swedish column names), the longest wait first.
    """
    if days < 0:
        msg = "Antalet dagar kan inte vara negativt."
        raise InvalidValue(msg)
    cutoff = on - timedelta(days=days)
    stmt = (
        select(
            PropertyOwner.id,
            PropertyOwner.name,
            PropertyOwner.org_number,
            PropertyOwner.contact_name,
            PropertyOwner.contact_phone,
            PropertyOwner.contact_email,
            Consent.property_id,
            Consent.reply_reference,
            Consent.requested_on,
            Consent.reminded_on,
        )
        .join(PropertyOwner, PropertyOwner.id == Consent.owner_id)
        .where(Consent.state.in_(WAITING), Consent.requested_on <= cutoff)
    )
    rows = session.execute(stmt).all()
    if wave is not None:
        in_wave = wave_property_ids(session, wave)
        rows = [r for r in rows if r.property_id in in_wave]
    if not rows:
        return pd.DataFrame(columns=UNANSWERED_COLUMNS)
    frame = pd.DataFrame(
        rows,
        columns=[
            "owner_id",
            "name",
            "org",
            "contact",
            "phone",
            "email",
            "property_id",
            "ref",
            "requested",
            "reminded",
        ],
    )
    grouped = frame.groupby("owner_id", as_index=False).agg(
        name=("name", "first"),
        org=("org", "first"),
        contact=("contact", "first"),
        phone=("phone", "first"),
        email=("email", "first"),
        properties=("property_id", "nunique"),
        refs=("ref", lambda r: ", ".join(sorted(x for x in r if x))),
        requested=("requested", "min"),
        reminded=("reminded", lambda r: max((x for x in r if pd.notna(x)), default=None)),
    )
    grouped["waiting"] = grouped["requested"].map(lambda d: (on - d).days)
    out = pd.DataFrame(
        {
            "owner_id": grouped["owner_id"],
            "fastighetsägare": grouped["name"],
            "organisationsnummer": grouped["org"],
            "kontaktperson": grouped["contact"].fillna(""),
            "telefon": grouped["phone"].fillna(""),
            "e-post": grouped["email"].fillna(""),
            "fastigheter": grouped["properties"],
            "svarsreferenser": grouped["refs"],
            "förfrågan skickad": grouped["requested"],
            "påminnelse skickad": grouped["reminded"],
            "dagar utan svar": grouped["waiting"],
        }
    )
    return out.sort_values(
        ["dagar utan svar", "fastighetsägare"], ascending=[False, True]
    ).reset_index(drop=True)


CONSENT_COLUMNS = [
    "id",
    "svarsreferens",
    "fastighet",
    "fastighetsägare",
    "stadsdelsområde",
    "status",
    "förfrågan",
    "svar",
    "kontaktperson",
    "blankett",
]


def search_consents(session: Session, text: str, *, limit: int = 50) -> pd.DataFrame:
    """Consents whose reference, property, owner or org number contains ``text``."""
    pattern = f"%{text.strip()}%"
    district = (
        select(District.name)
        .join(Entrance, Entrance.district_id == District.id)
        .where(Entrance.property_id == Consent.property_id)
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(Consent, Property.designation, PropertyOwner.name, district)
        .join(Property, Property.id == Consent.property_id)
        .join(PropertyOwner, PropertyOwner.id == Consent.owner_id)
        .where(
            or_(
                Consent.reply_reference.ilike(pattern),
                Property.designation.ilike(pattern),
                PropertyOwner.name.ilike(pattern),
                PropertyOwner.org_number.ilike(pattern),
            )
        )
        .order_by(PropertyOwner.name, Property.designation)
        .limit(limit)
    )
    rows = [
        (
            c.id,
            c.reply_reference or "",
            designation,
            owner,
            district_name or "",
            label(c.state),
            c.requested_on,
            c.answered_on,
            c.contact_name or "",
            "ja" if c.document_sha256 else "nej",
        )
        for c, designation, owner, district_name in session.execute(stmt)
    ]
    return pd.DataFrame(rows, columns=CONSENT_COLUMNS)


@dataclass(frozen=True)
class ConsentCard:
    consent_id: int
    state: ConsentState
    rows: dict[str, str]  # Swedish label → value, for display
    document_name: str | None
    document_sha256: str | None


def consent_card(session: Session, consent_id: int) -> ConsentCard:
    """A consent with its owner and property, as the app shows it."""
    consent = get_consent(session, consent_id)
    prop = session.get(Property, consent.property_id)
    owner = session.get(PropertyOwner, consent.owner_id)

    def day(value: date | None) -> str:
        return value.isoformat() if value else "–"

    rows = {
        "Fastighet": prop.designation if prop else "",
        "Fastighetsägare": f"{owner.name} ({owner.org_number})" if owner else "",
        "Svarsreferens": consent.reply_reference or "–",
        "Status": label(consent.state),
        "Förfrågan skickad": day(consent.requested_on),
        "Påminnelse skickad": day(consent.reminded_on),
        "Svar": day(consent.answered_on),
        "Återkallat": day(consent.withdrawn_on),
        "Kanal": CHANNEL_LABELS[consent.channel] if consent.channel else "–",
        "Kontaktperson": consent.contact_name or "–",
        "Telefon": consent.contact_phone or "–",
        "E-post": consent.contact_email or "–",
        "Skäl": consent.reason or "–",
        "Skannad blankett": "ja" if consent.document_sha256 else "saknas",
    }
    return ConsentCard(
        consent_id=consent.id,
        state=consent.state,
        rows=rows,
        document_name=consent.document_path,
        document_sha256=consent.document_sha256,
    )


class Answer(StrEnum):
    """What the app records about a consent."""

    RECEIVED = "received"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    CORRECTION = "correction"


ANSWER_LABELS: dict[Answer, str] = {
    Answer.RECEIVED: "Medgivande mottaget",
    Answer.REFUSED: "Nekat",
    Answer.WITHDRAWN: "Återkallat",
    Answer.CORRECTION: "Rätta uppgifter",
}


def record_answer(
    session: Session,
    consent_id: int,
    answer: Answer,
    *,
    day: date,
    actor: str,
    channel: ConsentChannel | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    contact_email: str | None = None,
    reason: str | None = None,
    document: bytes | None = None,
    document_name: str | None = None,
    documents_dir: str | Path | None = None,
) -> list[str]:
    """Record one answer (or a correction) and say, in Swedish, what changed."""
    if answer is Answer.RECEIVED:
        if document is None:
            msg = "Bifoga den skannade eller fotograferade blanketten (PDF, JPEG eller PNG)."
            raise InvalidValue(msg)
        record_received(
            session,
            consent_id,
            received_on=day,
            channel=channel or ConsentChannel.POST,
            contact_name=contact_name or "",
            contact_phone=contact_phone,
            contact_email=contact_email,
            document=document,
            document_name=document_name or "blankett",
            actor=actor,
            documents_dir=documents_dir,
        )
        return [f"Medgivandet registrerat som mottaget {day.isoformat()}, med blankett."]
    if answer is Answer.REFUSED:
        record_refused(
            session,
            consent_id,
            answered_on=day,
            reason=reason or "",
            actor=actor,
            channel=channel,
            document=document,
            document_name=document_name,
            documents_dir=documents_dir,
        )
        return [f"Registrerat som nekat {day.isoformat()}: {(reason or '').strip()}"]
    if answer is Answer.WITHDRAWN:
        result = record_withdrawn(
            session, consent_id, withdrawn_on=day, reason=reason or "", actor=actor
        )
        return [
            f"Registrerat som återkallat {day.isoformat()}: {(reason or '').strip()}",
            f"{len(result.cancelled_job_ids)} arbetsordrar för entrén avbröts.",
        ]
    return correct_consent(
        session,
        consent_id,
        actor=actor,
        contact_name=contact_name or None,
        contact_phone=contact_phone or None,
        contact_email=contact_email or None,
        channel=channel,
        document=document,
        document_name=document_name,
        documents_dir=documents_dir,
    ) or ["Inget ändrades."]
