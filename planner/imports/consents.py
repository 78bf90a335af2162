"""Consents (medgivanden): the owner's answer for one property, with dates and contact person.

Columns (docs/import-format.md): fastighetsbeteckning and status are required; the owner's
organisationsnummer (checked against the property's owner), the dates (förfrågan skickad,
påmind, besvarad, återkallad), kanal, kontaktperson, telefon, e-post, referens, skäl and
dokument are optional.

A new consent is created in the file's state. An existing one is moved to the file's state by
the lifecycle rules (:func:`planner.locks.lifecycle.transition`), one audited step at a time,
at most two steps (e.g. not requested → requested → received); a change the rules do not allow
is a bad row.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.geo.addresses import fold_text
from planner.imports._files import Field, Problems, read_sheet
from planner.imports._tabular import check_problems, finish, good_rows, new_report
from planner.imports._values import BadValue, org_number, parse_date, parse_email, parse_phone
from planner.imports.properties import DESIGNATION_NAMES, designation_key, property_ids
from planner.imports.report import ImportKind, ImportReport
from planner.locks.lifecycle import audit, transition
from planner.locks.states import TRANSITIONS, label
from planner.models import Consent, ConsentChannel, ConsentState, PropertyOwner

FIELDS = (
    Field("designation", DESIGNATION_NAMES, required=True),
    Field("org_number", ("organisationsnummer", "org.nr", "orgnr", "org_number")),
    Field("state", ("status", "medgivandestatus", "state", "consent_state"), required=True),
    Field("requested_on", ("förfrågan skickad", "skickad", "begärd", "requested_on")),
    Field("reminded_on", ("påmind", "påminnelse skickad", "reminded_on")),
    Field("answered_on", ("besvarad", "svar mottaget", "svarsdatum", "answered_on")),
    Field("withdrawn_on", ("återkallad", "återkallat datum", "withdrawn_on")),
    Field("channel", ("kanal", "inkom via", "channel")),
    Field("contact_name", ("kontaktperson", "kontakt", "contact_name", "contact")),
    Field("contact_phone", ("telefon", "telefonnummer", "contact_phone", "phone")),
    Field("contact_email", ("e-post", "epost", "mejl", "contact_email", "email")),
    Field("reply_reference", ("referens", "svarsreferens", "reply_reference", "reference")),
    Field("reason", ("skäl", "orsak", "anledning", "reason")),
    Field("document_path", ("dokument", "blankett", "document_path", "document")),
)
DATE_FIELDS = ("requested_on", "reminded_on", "answered_on", "withdrawn_on")
TEXT_FIELDS = ("contact_name", "reason", "document_path")
MAX_STEPS = 2

_STATE_WORDS: dict[ConsentState, tuple[str, ...]] = {
    ConsentState.NOT_REQUESTED: ("ej tillfrågad", "ej tillfrågat", "ej skickad", "not requested"),
    ConsentState.REQUESTED: ("förfrågan skickad", "skickad", "begärd", "tillfrågad"),
    ConsentState.REMINDED: ("påminnelse skickad", "påmind", "påminnelse"),
    ConsentState.RECEIVED: ("medgivande mottaget", "mottaget", "mottagen", "ja", "godkänt"),
    ConsentState.REFUSED: ("nekat", "nekad", "nej"),
    ConsentState.WITHDRAWN: ("återkallat", "återkallad"),
}
STATES: dict[str, ConsentState] = {
    fold_text(word): state
    for state, words in _STATE_WORDS.items()
    for word in (*words, state.value, label(state))
}
CHANNELS: dict[str, ConsentChannel] = {
    fold_text(word): channel
    for channel, words in (
        (ConsentChannel.POST, ("post", "brev", "letter")),
        (ConsentChannel.EMAIL, ("e-post", "epost", "mejl", "mail", "email", "skannad")),
        (ConsentChannel.OTHER, ("annat", "övrigt", "other")),
    )
    for word in words
}


def path_between(current: ConsentState, target: ConsentState) -> list[ConsentState] | None:
    """The shortest chain of allowed transitions from ``current`` to ``target`` (not including
    ``current``); None when there is none."""
    if current is target:
        return []
    graph = TRANSITIONS[ConsentState]
    queue: deque[tuple[ConsentState, list[ConsentState]]] = deque([(current, [])])
    seen = {current}
    while queue:
        state, path = queue.popleft()
        for nxt in graph[state]:
            step = ConsentState(nxt)
            if step in seen:
                continue
            if step is target:
                return [*path, step]
            seen.add(step)
            queue.append((step, [*path, step]))
    return None


def import_consents(
    session: Session,
    path: str | os.PathLike[str],
    *,
    actor: str,
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Import consents from CSV or Excel; one consent per property and owner."""
    sheet = read_sheet(Path(path), FIELDS)
    report = new_report(ImportKind.CONSENTS, sheet, skip_invalid=skip_invalid, dry_run=dry_run)
    problems = Problems(sheet)
    values = {f.name: sheet.values(f.name) for f in FIELDS}
    properties = property_ids(session)
    owner_orgs = {
        oid: org for oid, org in session.execute(select(PropertyOwner.id, PropertyOwner.org_number))
    }
    property_set = [pid for pid, _ in properties.values()]
    existing: dict[tuple[int, int], Consent] = {}
    for start in range(0, len(property_set), 5_000):
        chunk = property_set[start : start + 5_000]
        for consent in session.scalars(select(Consent).where(Consent.property_id.in_(chunk))):
            existing[(consent.owner_id, consent.property_id)] = consent
    references = {c.reply_reference: key for key, c in existing.items() if c.reply_reference}

    records: dict[int, dict[str, Any]] = {}
    first_row_of: dict[tuple[int, int], int] = {}
    first_reference: dict[str, int] = {}
    for i in range(len(sheet)):
        record: dict[str, Any] = {}
        designation = " ".join(values["designation"][i].split())
        prop = properties.get(designation_key(designation))
        if prop is None:
            reason = (
                f"fastigheten {designation!r} finns inte; importera fastigheterna först"
                if designation
                else "fastighetsbeteckningen saknas"
            )
            problems.add(i, "designation", reason)
        if values["org_number"][i] and prop is not None:
            try:
                org = org_number(values["org_number"][i])
                owner = owner_orgs[prop[1]]
                if org != owner:
                    problems.add(
                        i,
                        "org_number",
                        f"fastigheten {designation!r} ägs enligt registret av {owner}, inte {org}",
                    )
            except BadValue as error:
                problems.add(i, "org_number", str(error))
        state = STATES.get(fold_text(values["state"][i]))
        if state is None:
            words = ", ".join(label(s) for s in ConsentState)
            problems.add(i, "state", f"okänd status {values['state'][i]!r}; välj en av: {words}")
        record["state"] = state
        for name in DATE_FIELDS:
            text = values[name][i]
            if text:  # an empty cell keeps the date planner has (dates are history)
                try:
                    record[name] = parse_date(text)
                except BadValue as error:
                    problems.add(i, name, str(error))
        if sheet.has("channel"):
            text = values["channel"][i]
            channel = CHANNELS.get(fold_text(text)) if text else None
            if text and channel is None:
                problems.add(i, "channel", f"okänd kanal {text!r}; välj post, e-post eller annat")
            record["channel"] = channel
        for name in TEXT_FIELDS:
            if sheet.has(name):
                record[name] = values[name][i] or None
        for name, parse in (("contact_phone", parse_phone), ("contact_email", parse_email)):
            if sheet.has(name):
                text = values[name][i]
                try:
                    record[name] = parse(text) if text else None
                except BadValue as error:
                    problems.add(i, name, str(error))
        if sheet.has("reply_reference"):
            reference = values["reply_reference"][i] or None
            record["reply_reference"] = reference
            if reference is not None:
                if reference in first_reference:
                    problems.add(
                        i,
                        "reply_reference",
                        f"dubblett: referensen {reference} finns på rad "
                        f"{sheet.row(first_reference[reference])}",
                    )
                first_reference.setdefault(reference, i)
        if prop is not None:
            key = (prop[1], prop[0])
            record["key"] = key
            if key in first_row_of:
                problems.add(
                    i,
                    "designation",
                    f"dubblett: medgivandet för {designation!r} finns på rad "
                    f"{sheet.row(first_row_of[key])}",
                )
            else:
                first_row_of[key] = i
            reference = record.get("reply_reference")
            if reference and references.get(reference, key) != key:
                problems.add(
                    i,
                    "reply_reference",
                    f"referensen {reference} hör redan till ett annat medgivande",
                )
            old = existing.get(key)
            if old is not None and state is not None:
                steps = path_between(ConsentState(old.state), state)
                if steps is None or len(steps) > MAX_STEPS:
                    problems.add(
                        i,
                        "state",
                        f"medgivandet kan inte ändras från {label(old.state)!r} till "
                        f"{label(state)!r} vid import; ändra det i appen",
                    )
                record["steps"] = steps or []
        records[i] = record
    check_problems(report, problems)

    rows = good_rows(sheet, problems)
    note_of = {i: f"import {sheet.name} rad {sheet.row(i)}" for i in rows}
    created: list[tuple[Consent, int]] = []
    for i in rows:
        record = records[i]
        owner_id, property_id = record["key"]
        fields = _fields(record)
        old = existing.get(record["key"])
        if old is None:
            consent = Consent(owner_id=owner_id, property_id=property_id, **fields)
            session.add(consent)
            created.append((consent, i))
            continue
        changed = False
        for step in record.get("steps", []):
            transition(session, old, step, actor=actor, note=note_of[i])
            changed = True
        for name, value in fields.items():
            if name != "state" and getattr(old, name) != value:
                setattr(old, name, value)
                changed = True
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    for consent, i in created:
        audit(
            session,
            entity="consent",
            entity_id=consent.id,
            action="created",
            actor=actor,
            to_state=ConsentState(consent.state).value,
            note=note_of[i],
        )
    report.created = len(created)
    session.flush()
    return finish(session, report, sheet=sheet, actor=actor)


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    skip: Iterable[str] = ("key", "steps")
    return {k: v for k, v in record.items() if k not in skip}
