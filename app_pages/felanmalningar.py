"""Felanmälningar: register a fault, triage it, assign it, follow it until it is closed."""

from __future__ import annotations

import streamlit as st

from app_pages._lockui import confirmed
from app_pages.common import guard, sessions
from planner.auth import Permission
from planner.errors import PlannerError
from planner.locks.faults import (
    DEADLINE_HOURS,
    FAULT_CATEGORIES,
    REPORTER_KINDS,
    SEVERITY_LABELS,
    FaultAction,
    act_on_fault,
    assignees,
    fault_list,
    local_time,
    report_fault,
)
from planner.models import FaultSeverity

user = guard(Permission.MANAGE_FAULTS)
st.title("Felanmälningar")
who = user.username
factory = sessions()
list_tab, new_tab = st.tabs(["Pågående", "Ny felanmälan"])

with new_tab:
    serial = st.text_input("Låsets serienummer", key="serial").strip()
    category = st.selectbox("Vad är fel?", list(FAULT_CATEGORIES), key="category")
    description = st.text_area("Beskrivning", key="description")
    left, right = st.columns(2)
    reporter = left.text_input("Anmält av", key="reporter").strip()
    reporter_kind = right.selectbox("Anmälare", REPORTER_KINDS, key="reporter_kind")
    severity = FAULT_CATEGORIES[category]
    st.caption(
        f"Allvarlighet enligt kategorin: {SEVERITY_LABELS[severity]} – åtgärdas inom "
        f"{DEADLINE_HOURS[severity]} timmar (kan ändras vid bedömningen)."
    )
    if confirmed("confirm_new", f"felanmälan för lås {serial or '–'} registreras.", who=who) and (
        st.button("Registrera felanmälan", type="primary", key="register")
    ):
        try:
            with factory.begin() as session:
                fault = report_fault(
                    session,
                    lock=serial,
                    category=category,
                    description=description,
                    reported_by=reporter,
                    reporter_kind=reporter_kind,
                    actor=who,
                )
                message = (
                    f"Felanmälan {fault.id} registrerad; ska vara åtgärdad senast "
                    f"{local_time(fault.deadline)}."
                )
            st.success(message)
        except PlannerError as error:
            st.error(str(error))

with list_tab:
    everything = st.toggle("Visa även stängda", key="closed")
    with factory() as session:
        faults = fault_list(session, open_only=not everything)
        organisations = {org.id: org.name for org in assignees(session)}
    st.caption(f"{len(faults)} felanmälningar, den som ska vara åtgärdad först överst.")
    st.dataframe(faults, hide_index=True, width="stretch")
    if len(faults):
        labels = dict(
            zip(
                faults["id"],
                faults["id"].astype(str) + ": " + faults["kategori"] + ", " + faults["adress"],
                strict=True,
            )
        )
        fault_id: int = st.selectbox(
            "Felanmälan", list(labels), format_func=lambda k: labels[k], key="fault"
        )
        action = FaultAction(
            st.radio(
                "Åtgärd",
                [a.value for a in FaultAction],
                format_func=lambda v: FaultAction(v).label,
                horizontal=True,
                key="fault_action",
            )
        )
        new_severity = organisation = None
        text = ""
        if action is FaultAction.TRIAGE:
            new_severity = FaultSeverity(
                st.selectbox(
                    "Allvarlighet",
                    [s.value for s in SEVERITY_LABELS],
                    format_func=lambda v: (
                        f"{SEVERITY_LABELS[FaultSeverity(v)]} "
                        f"({DEADLINE_HOURS[FaultSeverity(v)]} timmar)"
                    ),
                    key="severity",
                )
            )
        if action is FaultAction.ASSIGN:
            organisation = st.selectbox(
                "Tilldela", list(organisations), format_func=lambda k: organisations[k], key="org"
            )
        if action in (FaultAction.TRIAGE, FaultAction.CLOSE, FaultAction.REOPEN):
            text = st.text_input(
                "Vad gjordes?" if action is FaultAction.CLOSE else "Anteckning", key="note"
            )
        if confirmed(
            "confirm_action", f"{action.label.lower()} felanmälan {fault_id}.", who=who
        ) and (st.button("Spara", type="primary", key="save_fault")):
            try:
                with factory.begin() as session:
                    message = act_on_fault(
                        session,
                        fault_id,
                        action,
                        actor=who,
                        severity=new_severity,
                        organisation_id=organisation,
                        text=text,
                    )
                st.success(message)
            except PlannerError as error:
                st.error(str(error))
