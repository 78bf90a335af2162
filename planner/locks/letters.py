"""Consent letters: the request and the reminder, one per owner and wave, as PDF.

``letters_for_wave`` gathers, per owner, the properties in the wave's districts that have
home-care customers and whose consent is waiting for the letter:

* request (``förfrågan``): consents not yet requested (a consent row is added for a property that
  has none);
* reminder (``påminnelse``): consents requested or reminded at least ``remind_after_days`` ago
  and still unanswered.

Each property on a letter carries its reply reference (``MG-<year>-<consent id>``, kept once
given), which the owner writes on the form; ``consents.find_by_reference`` finds it again.
``render_pdf`` draws the letter and the reply form (WeasyPrint, A4, Swedish); ``mark_sent``
moves the consents to requested or reminded and stores the references, in the caller's
transaction. A letter rendered before it is marked sent says "UTKAST".

Letters name no customers and give no counts of them: that a building has home-care customers is
all the owner learns.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.locks.consents import wave_property_ids
from planner.locks.errors import InvalidValue
from planner.locks.lifecycle import audit, now, transition
from planner.locks.readiness import current_customers_clause
from planner.locks.states import ConsentState
from planner.models import (
    Consent,
    Customer,
    District,
    Entrance,
    Property,
    PropertyOwner,
    Wave,
    WaveDistrict,
)

REPLY_DAYS = 30
MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


class LetterKind(StrEnum):
    REQUEST = "request"
    REMINDER = "reminder"


KIND_LABELS = {LetterKind.REQUEST: "förfrågan", LetterKind.REMINDER: "påminnelse"}


@dataclass(frozen=True)
class LetterSender:
    """Who the letters come from; set the real details with PLANNER_LETTER_* variables."""

    organisation: str = "Stockholms stad"
    unit: str = "Äldreförvaltningen – nyckelfri hemtjänst"
    postal_address: str = "Äldreförvaltningen, Nyckelfri hemtjänst, Stockholm"
    email: str = "nyckelfri.hemtjanst@example.se"
    phone: str | None = None

    @classmethod
    def from_environment(cls) -> LetterSender:
        base = cls()
        return cls(
            organisation=os.environ.get("PLANNER_LETTER_ORGANISATION", base.organisation),
            unit=os.environ.get("PLANNER_LETTER_UNIT", base.unit),
            postal_address=os.environ.get("PLANNER_LETTER_ADDRESS", base.postal_address),
            email=os.environ.get("PLANNER_LETTER_EMAIL", base.email),
            phone=os.environ.get("PLANNER_LETTER_PHONE", base.phone or "") or None,
        )


@dataclass(frozen=True)
class LetterProperty:
    consent_id: int
    designation: str
    addresses: tuple[str, ...]
    reply_reference: str
    requested_on: date | None


@dataclass(frozen=True)
class Letter:
    kind: LetterKind
    owner_id: int
    owner_name: str
    org_number: str
    address_lines: tuple[str, ...]
    wave_number: int
    districts: tuple[str, ...]
    letter_date: date
    reply_by: date
    properties: tuple[LetterProperty, ...] = field(default=())

    @property
    def file_name(self) -> str:
        safe = "".join(ch if ch.isalnum() else "-" for ch in self.org_number)
        return f"vag{self.wave_number}-{KIND_LABELS[self.kind]}-{safe}.pdf"


def reference_for(consent: Consent, on: date) -> str:
    return consent.reply_reference or f"MG-{on.year}-{consent.id:06d}"


def letters_for_wave(
    session: Session,
    *,
    wave: int,
    kind: LetterKind,
    on: date,
    remind_after_days: int = REPLY_DAYS,
    owner_ids: Iterable[int] | None = None,
    reply_days: int = REPLY_DAYS,
) -> list[Letter]:
    """The letters to send for ``wave`` on ``on`` (one per owner), ordered by owner name.

    For requests, a property in the wave with customers but no consent row gets one
    (not requested) in the session, so that it has a reference.
    """
    wave_row = session.scalars(select(Wave).where(Wave.number == wave)).first()
    in_wave = wave_property_ids(session, wave)
    assert wave_row is not None
    district_ids = set(
        session.scalars(select(WaveDistrict.district_id).where(WaveDistrict.wave_id == wave_row.id))
    )
    districts = tuple(
        sorted(session.scalars(select(District.name).where(District.id.in_(district_ids))))
    )
    with_customers: dict[int, set[str]] = {}
    for entrance in session.scalars(
        select(Entrance)
        .join(Customer, Customer.entrance_id == Entrance.id)
        .where(
            Entrance.district_id.in_(district_ids),
            current_customers_clause(on),  # type: ignore[arg-type]
        )
        .distinct()
    ):
        with_customers.setdefault(entrance.property_id, set()).add(
            f"{entrance.address}, {entrance.postcode} {entrance.postort}"
        )
    wanted_owners = set(owner_ids) if owner_ids is not None else None
    if kind is LetterKind.REQUEST:
        _add_missing_consents(session, sorted(set(with_customers) & in_wave), wanted_owners)
        states: tuple[ConsentState, ...] = (ConsentState.NOT_REQUESTED,)
    else:
        states = (ConsentState.REQUESTED, ConsentState.REMINDED)
    consents = session.scalars(
        select(Consent).where(
            Consent.property_id.in_(sorted(set(with_customers) & in_wave)),
            Consent.state.in_(states),
        )
    ).all()
    cutoff = on - timedelta(days=remind_after_days)
    by_owner: dict[int, list[Consent]] = {}
    for consent in consents:
        if wanted_owners is not None and consent.owner_id not in wanted_owners:
            continue
        if kind is LetterKind.REMINDER:
            last = consent.reminded_on or consent.requested_on
            if last is None or last > cutoff:
                continue
        by_owner.setdefault(consent.owner_id, []).append(consent)
    owners = {
        o.id: o
        for o in session.scalars(select(PropertyOwner).where(PropertyOwner.id.in_(list(by_owner))))
    }
    designations = dict(
        session.execute(
            select(Property.id, Property.designation).where(
                Property.id.in_([c.property_id for cs in by_owner.values() for c in cs])
            )
        ).all()
    )
    letters = []
    for owner_id, owned in by_owner.items():
        owner = owners[owner_id]
        props = tuple(
            sorted(
                (
                    LetterProperty(
                        consent_id=c.id,
                        designation=designations[c.property_id],
                        addresses=tuple(sorted(with_customers[c.property_id])),
                        reply_reference=reference_for(c, on),
                        requested_on=c.requested_on,
                    )
                    for c in owned
                ),
                key=lambda p: p.designation,
            )
        )
        letters.append(
            Letter(
                kind=kind,
                owner_id=owner_id,
                owner_name=owner.name,
                org_number=owner.org_number,
                address_lines=_address_lines(owner, props),
                wave_number=wave,
                districts=districts,
                letter_date=on,
                reply_by=on + timedelta(days=reply_days),
                properties=props,
            )
        )
    return sorted(letters, key=lambda letter: (letter.owner_name, letter.org_number))


def _add_missing_consents(
    session: Session, property_ids: list[int], owners: set[int] | None
) -> None:
    have = set(
        session.scalars(select(Consent.property_id).where(Consent.property_id.in_(property_ids)))
    )
    missing = [p for p in property_ids if p not in have]
    if not missing:
        return
    for prop in session.scalars(select(Property).where(Property.id.in_(missing))):
        if owners is not None and prop.owner_id not in owners:
            continue
        session.add(
            Consent(owner_id=prop.owner_id, property_id=prop.id, state=ConsentState.NOT_REQUESTED)
        )
    session.flush()


def _address_lines(owner: PropertyOwner, props: Sequence[LetterProperty]) -> tuple[str, ...]:
    lines = [owner.name]
    if owner.contact_name:
        lines.append(f"Att: {owner.contact_name}")
    if owner.postal_address:
        lines.extend(part.strip() for part in owner.postal_address.split(","))
    elif props and props[0].addresses:
        street, _, place = props[0].addresses[0].partition(", ")
        lines.extend([street, place])
    return tuple(lines)


def mark_sent(session: Session, letters: Sequence[Letter], *, actor: str) -> int:
    """Record the letters as sent: consents → requested (or reminded), references stored."""
    count = 0
    when = now()
    for letter in letters:
        target = (
            ConsentState.REQUESTED if letter.kind is LetterKind.REQUEST else ConsentState.REMINDED
        )
        for prop in letter.properties:
            consent = session.get(Consent, prop.consent_id)
            assert consent is not None
            if consent.state is target and letter.kind is LetterKind.REQUEST:
                continue  # already sent (the same letters marked twice)
            transition(
                session,
                consent,
                target,
                actor=actor,
                at=when,
                note=f"{KIND_LABELS[letter.kind]} våg {letter.wave_number}, "
                f"{letter.letter_date.isoformat()}",
            )
            if target is ConsentState.REQUESTED:
                consent.requested_on = letter.letter_date
            else:
                consent.reminded_on = letter.letter_date
            if consent.reply_reference is None:
                consent.reply_reference = prop.reply_reference
            count += 1
    if count:
        audit(
            session,
            entity="wave",
            entity_id=_wave_id(session, letters),
            action="letters",
            actor=actor,
            note=f"{len(letters)} brev ({count} fastigheter) markerade som skickade",
            at=when,
        )
    return count


def _wave_id(session: Session, letters: Sequence[Letter]) -> int:
    number = letters[0].wave_number
    wave_id = session.scalars(select(Wave.id).where(Wave.number == number)).first()
    if wave_id is None:
        msg = f"Våg {number} finns inte."
        raise InvalidValue(msg)
    return int(wave_id)


# --- rendering ---------------------------------------------------------------------------------


def swedish_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


_CSS = """
@page { size: A4; margin: 22mm 20mm 20mm 22mm;
  @bottom-right { content: "Sida " counter(page) " av " counter(pages); font-size: 8pt;
    color: #555; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.45; color: #111; }
.head { display: flex; justify-content: space-between; margin-bottom: 14mm; }
.sender { font-size: 9pt; }
.sender b { font-size: 11pt; }
.meta { text-align: right; font-size: 9pt; }
.to { margin: 0 0 12mm 90mm; }
h1 { font-size: 14pt; margin: 0 0 4mm 0; }
h2 { font-size: 12pt; margin: 0 0 3mm 0; }
table { border-collapse: collapse; width: 100%; margin: 3mm 0 5mm 0; }
th, td { border: 0.4pt solid #888; padding: 1.5mm 2mm; text-align: left; vertical-align: top;
  font-size: 9pt; }
th { background: #eee; }
.form { page-break-before: always; }
.line { border-bottom: 0.6pt solid #000; height: 9mm; margin-bottom: 2mm; }
.label { font-size: 8pt; color: #444; }
.draft { position: fixed; top: 110mm; left: 20mm; font-size: 60pt; color: rgba(200,0,0,0.18);
  transform: rotate(-30deg); }
.box { display: inline-block; width: 3.2mm; height: 3.2mm; border: 0.6pt solid #000;
  margin-right: 1mm; }
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def render_html(letter: Letter, *, sender: LetterSender | None = None, draft: bool = False) -> str:
    """The letter and its reply form as one HTML document."""
    sender = sender or LetterSender.from_environment()
    districts = (
        " och ".join(letter.districts)
        if len(letter.districts) < 3
        else (", ".join(letter.districts[:-1]) + " och " + letter.districts[-1])
    )
    rows = "".join(
        f"<tr><td>{_e(p.designation)}</td><td>{'<br>'.join(_e(a) for a in p.addresses)}</td>"
        f"<td><b>{_e(p.reply_reference)}</b></td></tr>"
        for p in letter.properties
    )
    contact = f"e-post {_e(sender.email)}" + (
        f", telefon {_e(sender.phone)}" if sender.phone else ""
    )
    if letter.kind is LetterKind.REQUEST:
        title = "Förfrågan om medgivande – nyckelfri hemtjänst"
        opening = (
            f"<p>Stockholms stad inför nyckelfri hemtjänst i {_e(districts)} (våg "
            f"{letter.wave_number}). Hemtjänstens personal öppnar då portar och lägenhetsdörrar "
            "med en personlig digital nyckel i stället för fysiska nycklar, taggar och portkoder. "
            "Nyckeln fungerar bara under personalens arbetspass, och varje öppning loggas.</p>"
        )
    else:
        first = min((p.requested_on for p in letter.properties if p.requested_on), default=None)
        title = "Påminnelse: medgivande för nyckelfri hemtjänst"
        sent = f"den {swedish_date(first)} " if first else ""
        opening = (
            f"<p>Vi skickade {sent}en förfrågan om medgivande för nyckelfri hemtjänst i "
            f"{_e(districts)} (våg {letter.wave_number}) och har ännu inte fått ert svar för "
            "fastigheterna nedan. Vi vore tacksamma för svar även om ni inte vill medge "
            "monteringen.</p>"
        )
    body = f"""
<div class="head">
  <div class="sender"><b>{_e(sender.organisation)}</b><br>{_e(sender.unit)}<br>
  {_e(sender.postal_address)}</div>
  <div class="meta">{swedish_date(letter.letter_date)}<br>Våg {letter.wave_number}</div>
</div>
<div class="to">{"<br>".join(_e(line) for line in letter.address_lines)}</div>
<h1>{title}</h1>
{opening}
<p>För detta monterar staden ett mekaniskt låstillbehör (Swedlock DUO City) på entrédörren i
fastigheter där det bor personer med hemtjänst. Låset behöver varken ström, batteri eller
nätverk: dörrens befintliga cylinder flyttas in i tillbehöret och fungerar som tidigare för alla
som har nyckel. Staden står för lås, montering och underhåll; monteringen görs av en certifierad
låsfirma efter överenskommelse med er kontaktperson.</p>
<p>Vi ber er som fastighetsägare ({_e(letter.owner_name)}, org.nr {_e(letter.org_number)}) om
medgivande för fastigheterna nedan. Fyll i och underteckna svarsblanketten på nästa sida och
skicka den till oss senast <b>{swedish_date(letter.reply_by)}</b>, per post till
{_e(sender.postal_address)} eller inskannad eller fotograferad per e-post till
{_e(sender.email)}. Ange svarsreferensen för varje fastighet.</p>
<table><tr><th>Fastighet</th><th>Adresser</th><th>Svarsreferens</th></tr>{rows}</table>
<p>När alla hemtjänstkunder i ett hus har gått över till digital nyckel lämnar hemtjänsten
tillbaka sina nycklar, taggar och portkoder till er.</p>
<p>Har ni frågor? Kontakta oss på {contact}.</p>
<p>Med vänliga hälsningar<br>{_e(sender.organisation)}, {_e(sender.unit)}</p>
"""
    form_rows = "".join(
        f"<tr><td>{_e(p.designation)}</td><td><b>{_e(p.reply_reference)}</b></td>"
        '<td><span class="box"></span>Medger</td><td><span class="box"></span>Medger inte</td></tr>'
        for p in letter.properties
    )
    form = f"""
<div class="form">
<h2>Svarsblankett – medgivande till lås för nyckelfri hemtjänst</h2>
<p>Fastighetsägare: <b>{_e(letter.owner_name)}</b>, org.nr {_e(letter.org_number)}<br>
Skickas senast {swedish_date(letter.reply_by)} till {_e(sender.postal_address)} eller
{_e(sender.email)}.</p>
<table><tr><th>Fastighet</th><th>Svarsreferens</th><th></th><th></th></tr>{form_rows}</table>
<p>Vi medger att Stockholms stad monterar låstillbehör för nyckelfri hemtjänst på entrédörrarna
(och vid behov soprum och tvättstuga) i de fastigheter vi har markerat ovan.</p>
<div class="label">Kontaktperson för monteringen</div><div class="line"></div>
<div class="label">Telefon och e-post</div><div class="line"></div>
<div class="label">Om ni inte medger: skäl (frivilligt)</div><div class="line"></div>
<div class="label">Ort och datum</div><div class="line"></div>
<div class="label">Underskrift (behörig firmatecknare eller styrelseledamot)</div>
<div class="line"></div>
<div class="label">Namnförtydligande</div><div class="line"></div>
</div>
"""
    watermark = '<div class="draft">UTKAST</div>' if draft else ""
    return (
        f'<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_CSS}</style></head><body>{watermark}{body}{form}</body></html>"
    )


def render_pdf(letter: Letter, *, sender: LetterSender | None = None, draft: bool = False) -> bytes:
    """The letter and its reply form as a PDF (A4)."""
    from weasyprint import HTML

    document = HTML(string=render_html(letter, sender=sender, draft=draft)).write_pdf()
    assert document is not None
    return bytes(document)


def send_letters(
    session: Session,
    *,
    wave: int,
    kind: LetterKind,
    on: date,
    actor: str,
    remind_after_days: int = REPLY_DAYS,
) -> tuple[list[Letter], int]:
    """The wave's letters, marked as sent (in the caller's transaction): (letters, consents)."""
    letters = letters_for_wave(
        session, wave=wave, kind=kind, on=on, remind_after_days=remind_after_days
    )
    return letters, mark_sent(session, letters, actor=actor)


def render_zip(
    letters: Sequence[Letter],
    *,
    draft: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """Every letter as a PDF in one zip file (named by ``Letter.file_name``)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    sender = LetterSender.from_environment()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, letter in enumerate(letters, start=1):
            archive.writestr(letter.file_name, render_pdf(letter, sender=sender, draft=draft))
            if progress is not None:
                progress(n, len(letters))
    return buffer.getvalue()
