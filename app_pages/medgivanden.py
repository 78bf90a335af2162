"""Medgivanden: record or correct an answer with the scanned form; letters; who is silent."""

from __future__ import annotations

import streamlit as st

from app_pages._lockui import confirmed, fields
from app_pages.common import guard, sessions, today
from planner.auth import Permission
from planner.errors import PlannerError
from planner.locks.consents import (
    ANSWER_LABELS,
    CHANNEL_LABELS,
    Answer,
    consent_card,
    record_answer,
    search_consents,
    unanswered,
)
from planner.locks.documents import read_document
from planner.locks.letters import (
    KIND_LABELS,
    LetterKind,
    letters_for_wave,
    render_pdf,
    render_zip,
    send_letters,
)
from planner.models import ConsentChannel

SCAN_TYPES = ["pdf", "jpg", "jpeg", "png"]

user = guard(Permission.EDIT_CONSENTS)
st.title("Medgivanden")
who = user.username
factory = sessions()
record_tab, letters_tab, silent_tab = st.tabs(["Registrera eller rätta", "Brev", "Obesvarade"])

with record_tab:
    query = st.text_input(
        "Sök på svarsreferens, fastighet, fastighetsägare eller organisationsnummer", key="query"
    )
    if query.strip():
        with factory() as session:
            found = search_consents(session, query)
        if found.empty:
            st.info("Inga medgivanden matchar sökningen.")
        else:
            st.dataframe(found, hide_index=True, width="stretch")
            names = dict(
                zip(found["id"], found["fastighet"] + " – " + found["status"], strict=True)
            )
            consent_id: int = st.selectbox(
                "Medgivande", list(names), format_func=lambda k: names[k], key="consent"
            )
            with factory() as session:
                card = consent_card(session, consent_id)
            fields(card.rows)
            if card.document_name and card.document_sha256:
                try:
                    stored = read_document(card.document_name, sha256=card.document_sha256)
                    st.download_button(
                        "Ladda ned den skannade blanketten", stored, file_name=card.document_name
                    )
                except PlannerError as error:
                    st.warning(str(error))
            answer = Answer(
                st.radio(
                    "Vad vill du registrera?",
                    [a.value for a in Answer],
                    format_func=lambda v: ANSWER_LABELS[Answer(v)],
                    horizontal=True,
                    key="action",
                )
            )
            day = st.date_input(
                "Datum", value=today(), max_value=today(), key="day", format="YYYY-MM-DD"
            )
            scan = None
            if answer is not Answer.WITHDRAWN:
                scan = st.file_uploader(
                    "Skannad eller fotograferad blankett (PDF, JPEG eller PNG, högst 10 MB)",
                    type=SCAN_TYPES,
                    key="scan",
                )
            channel = contact = phone = email = reason = None
            if answer in (Answer.RECEIVED, Answer.CORRECTION):
                channel = ConsentChannel(
                    st.radio(
                        "Kom in via",
                        [c.value for c in ConsentChannel],
                        format_func=lambda v: CHANNEL_LABELS[ConsentChannel(v)],
                        horizontal=True,
                        key="channel",
                    )
                )
                left, right = st.columns(2)
                contact = left.text_input("Kontaktperson", key="contact")
                phone = right.text_input("Telefon", key="phone")
                email = left.text_input("E-post", key="email")
            if answer in (Answer.REFUSED, Answer.WITHDRAWN):
                reason = st.text_input("Skäl (krävs)", key="reason")
            what = f"{ANSWER_LABELS[answer].lower()} för {card.rows['Fastighet']}."
            if confirmed("confirm_consent", what, who=who) and st.button(
                "Spara", type="primary", key="save_consent"
            ):
                try:
                    with factory.begin() as session:
                        changed = record_answer(
                            session,
                            consent_id,
                            answer,
                            day=day,
                            actor=who,
                            channel=channel,
                            contact_name=contact,
                            contact_phone=phone,
                            contact_email=email,
                            reason=reason,
                            document=scan.getvalue() if scan is not None else None,
                            document_name=scan.name if scan is not None else None,
                        )
                    st.success("Sparat. " + " ".join(changed))
                except PlannerError as error:
                    st.error(str(error))

with letters_tab:
    left, mid, right = st.columns(3)
    wave = int(left.number_input("Våg", min_value=1, value=1, step=1, key="wave"))
    kind = LetterKind(
        mid.radio(
            "Brev",
            [k.value for k in LetterKind],
            format_func=lambda v: KIND_LABELS[LetterKind(v)],
            key="kind",
        )
    )
    days = int(right.number_input("Påminnelse efter dagar", min_value=0, value=30, key="remind"))
    try:
        with factory() as session:  # not committed: only looks
            letters = letters_for_wave(
                session, wave=wave, kind=kind, on=today(), remind_after_days=days
            )
    except PlannerError as error:
        st.error(str(error))
        letters = []
    st.caption(
        f"{len(letters)} brev ({sum(len(x.properties) for x in letters)} fastigheter) att skicka "
        f"för våg {wave}."
    )
    if letters:
        owners = {
            n: f"{x.owner_name} ({len(x.properties)} fastigheter)" for n, x in enumerate(letters)
        }
        chosen: int = st.selectbox(
            "Förhandsgranska brevet till",
            list(owners),
            format_func=lambda k: owners[k],
            key="owner",
        )
        st.download_button(
            "Ladda ned utkast (PDF)",
            render_pdf(letters[chosen], draft=True),
            file_name=letters[chosen].file_name,
            mime="application/pdf",
            key="draft",
        )
        if confirmed(
            "confirm_letters", f"{len(letters)} brev markeras som skickade.", who=who
        ) and st.button("Markera som skickade och skapa brevfilerna", type="primary", key="send"):
            try:
                with factory.begin() as session:
                    sent, count = send_letters(
                        session,
                        wave=wave,
                        kind=kind,
                        on=today(),
                        actor=who,
                        remind_after_days=days,
                    )
                bar = st.progress(0.0, text="Skapar brev …")

                def step(n: int, total: int) -> None:
                    bar.progress(n / total, text=f"{n} av {total} brev")

                st.session_state["letters_zip"] = render_zip(sent, progress=step)
                st.success(f"{count} medgivanden markerade som skickade ({len(sent)} brev).")
            except PlannerError as error:
                st.error(str(error))
    if st.session_state.get("letters_zip"):
        st.download_button(
            "Ladda ned breven (zip)",
            st.session_state["letters_zip"],
            file_name=f"vag{wave}-{KIND_LABELS[kind]}.zip",
            mime="application/zip",
            key="zip",
        )

with silent_tab:
    left, right = st.columns(2)
    silent_days = int(
        left.number_input("Utan svar i minst (dagar)", min_value=0, value=30, key="silent_days")
    )
    silent_wave = right.number_input("Bara våg (0 = alla)", min_value=0, value=0, key="silent_wave")
    try:
        with factory() as session:
            waiting = unanswered(
                session, days=silent_days, on=today(), wave=int(silent_wave) or None
            )
        st.caption(f"{len(waiting)} fastighetsägare har inte svarat.")
        st.dataframe(waiting.drop(columns="owner_id"), hide_index=True, width="stretch")
        st.download_button(
            "Ladda ned listan (CSV)",
            waiting.drop(columns="owner_id").to_csv(sep=";", index=False).encode("utf-8-sig"),
            file_name="obesvarade.csv",
            mime="text/csv",
            key="silent_csv",
        )
    except PlannerError as error:
        st.error(str(error))
