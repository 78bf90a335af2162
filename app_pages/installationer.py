"""Installationer: record one job's result, or upload the locksmith firm's results file."""

from __future__ import annotations

import streamlit as st

from app_pages._lockui import confirmed, fields, problems_table
from app_pages.common import guard, sessions, today
from planner.auth import Permission
from planner.errors import PlannerError
from planner.locks.errors import FileRejected
from planner.locks.results import (
    DONE,
    FAILED,
    FAILURE_REASONS,
    INSTALLED,
    VARIANT_LABELS,
    Result,
    ResultsImport,
    describe_job,
    import_results,
    reason_code,
    record_result,
    visit_time,
)
from planner.models import Cylinder

user = guard(Permission.RECORD_RESULTS)
st.title("Installationer")
who = user.username
factory = sessions()
one_tab, file_tab = st.tabs(["Ett resultat", "Fil från låsfirman"])

with one_tab:
    job_id = int(st.number_input("Arbetsorder", min_value=1, step=1, value=None, key="job") or 0)
    card = None
    if job_id:
        try:
            with factory() as session:
                card = describe_job(session, job_id)
        except PlannerError as error:
            st.error(str(error))
    if card is not None:
        fields(card.rows())
        outcomes = [INSTALLED, FAILED] if card.is_install else [DONE, FAILED]
        kind = st.radio("Resultat", outcomes, horizontal=True, key="outcome")
        day = st.date_input("Dag", value=today(), max_value=today(), key="day", format="YYYY-MM-DD")
        serial = variant = reason = None
        comment = ""
        activate = True
        if kind == INSTALLED:
            serial = st.text_input("Låsets serienummer", key="serial").strip()
            variant = Cylinder(
                st.radio(
                    "Variant",
                    [Cylinder.ROUND.value, Cylinder.OVAL.value],
                    format_func=lambda v: VARIANT_LABELS[Cylinder(v)],
                    horizontal=True,
                    key="variant",
                )
            )
            activate = st.checkbox("Aktivera låset direkt", value=True, key="activate")
        if kind == FAILED:
            reason = reason_code(
                st.selectbox("Orsak", list(FAILURE_REASONS.values()), key="reason")
            )
        comment = st.text_input("Kommentar", key="comment")
        what = f"arbetsorder {card.job_id} registreras som {kind}."
        if confirmed("confirm_result", what, who=who) and st.button(
            "Spara resultatet", type="primary", key="save_result"
        ):
            try:
                with factory.begin() as session:
                    recorded = record_result(
                        session,
                        Result(
                            job_id=card.job_id,
                            kind=kind,
                            at=visit_time(day),
                            serial=serial,
                            variant=variant,
                            reason=reason,
                            comment=comment or None,
                            activate=activate,
                        ),
                        actor=who,
                    )
                    after = describe_job(session, card.job_id)
                if recorded:
                    st.success(
                        f"Sparat: arbetsorder {after.job_id} är {after.state_label}; "
                        f"lås {after.lock_serial}; {after.outcome}."
                    )
                else:
                    st.info("Resultatet var redan registrerat; inget ändrades.")
            except PlannerError as error:
                st.error(str(error))

with file_tab:
    with st.expander("Filens kolumner"):
        st.markdown(
            "Rubrikrad krävs; semikolon, komma eller tab; UTF-8 eller Windows-1252.\n\n"
            "| kolumn | innehåll |\n| --- | --- |\n"
            "| arbetsorder | arbetsorderns nummer (från körlistan) |\n"
            "| resultat | monterat, misslyckat eller utfört |\n"
            "| datum | besöksdagen, ÅÅÅÅ-MM-DD (eller med tid) |\n"
            "| serienummer | låsets serienummer (krävs vid monterat) |\n"
            "| variant | rund eller oval (krävs vid monterat) |\n"
            "| orsak | vid misslyckat: " + ", ".join(FAILURE_REASONS) + " |\n"
            "| kommentar | fritext (krävs vid orsak annat) |\n"
            "| aktivera | ja/nej: aktivera låset direkt (standard ja) |"
        )
    upload = st.file_uploader("Resultatfil (CSV)", type=["csv", "txt"], key="results_file")
    skip = st.checkbox("Spara de korrekta raderna och hoppa över de felaktiga", key="skip")

    def show(report: ResultsImport) -> None:
        cols = st.columns(4)
        cols[0].metric("Monterade", report.recorded[INSTALLED])
        cols[1].metric("Misslyckade", report.recorded[FAILED])
        cols[2].metric("Utförda", report.recorded[DONE])
        cols[3].metric("Redan registrerade", report.unchanged)
        for note in report.notes:
            st.caption(note)
        if report.skipped:
            st.warning(f"{len(report.skipped)} felaktiga rader hoppas över.")
            st.dataframe(problems_table(report.skipped), hide_index=True)

    if upload is not None:
        data, name = upload.getvalue(), upload.name
        try:
            with factory() as session:  # a trial run, rolled back: shows what would change
                preview = import_results(session, data, file=name, actor=who, skip_bad_rows=skip)
            st.subheader("Så här blir det")
            show(preview)
            ready = True
        except FileRejected as rejected:
            st.error(str(rejected))
            st.dataframe(problems_table(rejected.problems), hide_index=True)
            ready = False
        except PlannerError as error:
            st.error(str(error))
            ready = False
        if (
            ready
            and confirmed("confirm_file", f"resultaten i {name} sparas.", who=who)
            and st.button("Spara resultaten", type="primary", key="save_file")
        ):
            try:
                with factory.begin() as session:
                    report = import_results(session, data, file=name, actor=who, skip_bad_rows=skip)
                st.success("Sparat. " + report.lines()[0])
            except PlannerError as error:
                st.error(str(error))
