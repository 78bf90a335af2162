"""Karta: Stockholm with switchable layers for districts, consents, locks, customers and faults."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st
from streamlit_folium import st_folium

from app_pages.common import DEMO_NOTICE, guard, scope, sessions, today
from app_pages.mapdata import current_hour, current_version, map_data, noon
from planner.auth import Permission, can
from planner.db import database_url
from planner.geo.features import describe
from planner.geo.layers import filter_options
from planner.geo.mapview import build_map
from planner.routing.maplayer import route_layer, stop_layer
from planner.routing.sheets import day_routes, sheet_choices

user = guard(Permission.VIEW_MAP)
allowed = scope(user)
st.title("Karta")
with sessions()() as s:
    options = filter_options(s)
wave_names = dict(options.waves)
district_names = {d: name for d, name in options.districts if allowed is None or d in allowed}
day_col, left, right = st.columns([1, 1, 2])
day = day_col.date_input(
    "Dag", value=today(), max_value=today(), format="YYYY-MM-DD", key="map_day"
)
wave = left.selectbox(
    "Våg",
    options=[None, *wave_names],
    format_func=lambda w: "Alla vågor" if w is None else wave_names[w],
)
chosen = right.multiselect(
    "Stadsdelsområden",
    options=list(district_names),
    format_func=lambda d: district_names[d],
    placeholder="Alla stadsdelsområden",
)
# a role's scope always applies; the filter narrows it further
districts = (frozenset(chosen) & allowed if allowed is not None else frozenset(chosen)) or allowed
with st.spinner("Hämtar kartlager …"):
    data = map_data(
        database_url(),
        current_version(),
        day,
        current_hour() if day == today() else noon(day),
        districts,
        wave,
        can(user, Permission.IMPORT_DATA),
    )
if can(user, Permission.PLAN_WAVES):
    with st.expander("Rutter på kartan", expanded=False):
        route_day_col, crews_col = st.columns([1, 3])
        route_day = route_day_col.date_input(
            "Ruttdag", value=today(), format="YYYY-MM-DD", key="route_day"
        )
        with sessions()() as s:
            crews = {c.crew_id: c for c in sheet_choices(s, user, route_day)}
        picked = crews_col.multiselect(
            "Lag",
            options=list(crews),
            format_func=lambda c: f"{crews[c].name} ({crews[c].stops} stopp)",
            placeholder="Inga rutter" if not crews else "Välj lag att visa",
            key="route_crews",
        )
    if picked:
        with sessions()() as s:
            sheets = day_routes(s, user, route_day, picked)
        data = replace(data, layers=(*data.layers, route_layer(sheets), stop_layer(sheets)))
if data.demo:
    st.info(DEMO_NOTICE, icon=":material/info:")
if day != today():
    st.warning(
        f"Kartan visar läget vid dagens slut {day.isoformat()}, ur granskningsloggen.",
        icon=":material/history:",
    )
st.caption(
    "Slå av och på lager i kartans övre högra hörn. Kunder visas bara som antal per ruta och "
    "lägenhetslås som antal per entré, aldrig som enskilda hem."
)
clicked = st_folium(
    build_map(data),
    height=680,
    use_container_width=True,
    returned_objects=["last_active_drawing"],
    key="karta",
)
counts = {layer.name: layer.feature_count for layer in data.layers}
st.caption(" · ".join(f"{name}: {count}" for name, count in counts.items()))

feature = (clicked or {}).get("last_active_drawing") or {}
ref = str((feature.get("properties") or {}).get("ref", ""))
if ref:
    with sessions()() as s:
        facts = describe(s, ref, user=user, on=today())
    if facts is not None:
        with st.container(border=True):
            st.subheader(facts.title)
            st.table({"": [k for k, _ in facts.facts], " ": [v for _, v in facts.facts]})
            for n, action in enumerate(facts.actions):
                if st.button(action.label, key=f"action_{ref}_{n}"):
                    for widget, value in action.prefill.items():
                        st.session_state[widget] = value
                    st.switch_page(action.page)
else:
    st.caption("Klicka på en punkt i kartan för att se uppgifterna och vad du kan göra.")
