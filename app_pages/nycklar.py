"""Nycklar och logg: access-log anomalies, locks nobody can open, and what a key opens."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from app_pages.common import guard, sessions, today
from planner.auth import Permission
from planner.errors import PlannerError
from planner.locks.anomalies import (
    ANOMALY_KINDS,
    anomaly_table,
    coverage_gaps,
    find_anomalies,
    window,
)
from planner.locks.keys import locks_for_key

guard(Permission.VIEW_ACCESS_LOG)
st.title("Nycklar och logg")
factory = sessions()
anomalies_tab, coverage_tab, key_tab = st.tabs(
    ["Avvikelser i passageloggen", "Installerat men ingen kan öppna", "Vad öppnar en nyckel?"]
)

with anomalies_tab:
    left, right = st.columns(2)
    first = left.date_input(
        "Från och med", value=today() - timedelta(days=7), key="since", format="YYYY-MM-DD"
    )
    last = right.date_input("Till och med", value=today(), key="until", format="YYYY-MM-DD")
    with factory() as session:
        found = find_anomalies(session, **window(first, last))
    counts = found["kind"].value_counts().to_dict() if len(found) else {}
    cols = st.columns(len(ANOMALY_KINDS))
    for col, (kind, label) in zip(cols, ANOMALY_KINDS.items(), strict=True):
        col.metric(label, int(counts.get(kind, 0)))
    chosen = st.multiselect(
        "Visa", list(ANOMALY_KINDS), format_func=lambda k: ANOMALY_KINDS[k], key="kinds"
    )
    shown = found[found["kind"].isin(chosen)] if chosen else found
    table = anomaly_table(shown)
    st.caption(f"{len(table)} avvikelser {first.isoformat()}–{last.isoformat()} (svensk tid).")
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button(
        "Ladda ned (CSV)",
        table.to_csv(sep=";", index=False).encode("utf-8-sig"),
        file_name=f"avvikelser-{first.isoformat()}-{last.isoformat()}.csv",
        mime="text/csv",
        key="anomalies_csv",
    )

with coverage_tab:
    with factory() as session:
        gaps = coverage_gaps(session, on=today())
    st.caption(
        f"{len(gaps)} aktiva lås som ingen nuvarande nyckel kan öppna: antingen bor ingen "
        "aktuell kund bakom dörren (låset kan avaktiveras eller tas bort), eller så saknar "
        "kundernas utförare aktiva nycklar."
    )
    st.dataframe(gaps, hide_index=True, width="stretch")

with key_tab:
    code = st.text_input("Nyckelkod", key="key_code").strip()
    if code:
        try:
            with factory() as session:
                rights = locks_for_key(session, code, on=today())
            state = "" if rights.usable else " – nyckeln eller personalen är inte aktiv"
            st.markdown(f"**{rights.staff_code}**, {rights.provider}{state}")
            st.caption(f"{len(rights.locks)} lås i dag.")
            st.dataframe(rights.locks, hide_index=True, width="stretch")
        except PlannerError as error:
            st.error(str(error))
