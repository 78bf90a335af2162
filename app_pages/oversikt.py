"""Översikt: counts per district and state (the same figures as `planner status`)."""

from __future__ import annotations

import streamlit as st

from app_pages.common import DEMO_NOTICE, guard, scope, sessions, today
from planner.auth import Permission
from planner.status import status

user = guard(Permission.VIEW_REPORTS)
allowed = scope(user)
st.title("Översikt")
with sessions()() as session:
    result = status(session, on=today(), district_ids=None if allowed is None else set(allowed))
if result.district_set and "demo" in result.district_set:
    st.info(DEMO_NOTICE, icon=":material/info:")
cols = st.columns(len(result.totals))
for col, (name, value) in zip(cols, result.totals.items(), strict=True):
    col.metric(name, f"{value:,}".replace(",", " "))
st.subheader("Per stadsdelsområde")
st.caption(f"Indelning: {result.district_set or 'ingen'} · per {result.on.isoformat()}")
st.dataframe(result.by_district, hide_index=True, use_container_width=True)
st.subheader("Arbetsordrar")
st.dataframe(result.jobs, hide_index=True)
