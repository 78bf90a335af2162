"""Geokodning: place the addresses the register could not, and remember the choice."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from app_pages.common import guard, sessions
from planner.auth import Permission
from planner.errors import PlannerError
from planner.geo.reviewmap import build_review_map
from planner.imports.review import (
    candidates_df,
    open_reviews,
    resolve_review,
    review_context,
    reviews_df,
)

BY_HAND = 0  # the radio's value for "place the point by hand"

user = guard(Permission.IMPORT_DATA)
st.title("Geokodning")
st.caption(
    "Adresser som adressregistret inte kunde placera säkert. Välj rätt förslag eller placera "
    "punkten själv (klicka i kartan eller skriv koordinaterna). Valet sparas och används vid "
    "nästa import av samma adress."
)
message = st.session_state.pop("resolved", None)
if message:
    st.success(message, icon=":material/task_alt:")
with sessions()() as session:
    items = open_reviews(session)
if not items:
    st.info("Inga adresser väntar på granskning.", icon=":material/check_circle:")
    st.stop()

st.dataframe(reviews_df(items), hide_index=True)
item = st.selectbox("Ärende", items, format_func=lambda i: i.title, key="item")
assert item is not None
if item.reasons:
    st.caption(f"Varför: {item.reasons}")
clicked = st.session_state.get(f"clicked_{item.id}")
with sessions()() as session:
    context = review_context(session, item)
fmap = build_review_map(
    item.candidates, chosen=clicked, districts=context.districts, nearby=context.nearby
)
state = st_folium(fmap, height=420, use_container_width=True, returned_objects=["last_clicked"])
point = (state or {}).get("last_clicked")
if point and (point["lat"], point["lng"]) != clicked:
    st.session_state[f"clicked_{item.id}"] = (point["lat"], point["lng"])
    st.rerun()
if item.candidates:
    st.dataframe(candidates_df(item), hide_index=True)

options = [c.number for c in item.candidates] + [BY_HAND]
labels = {c.number: f"{c.number}. {c.label}" for c in item.candidates} | {
    BY_HAND: "Placera punkten själv"
}
choice = st.radio(
    "Var ligger entrén?",
    options,
    format_func=labels.__getitem__,
    index=len(options) - 1 if clicked or not item.candidates else 0,
    key=f"choice_{item.id}",
)
start = clicked or (
    (item.candidates[0].lat, item.candidates[0].lon) if item.candidates else (59.325, 18.02)
)
left, right = st.columns(2)
lat = left.number_input("Latitud", value=float(start[0]), format="%.6f", key=f"lat_{item.id}")
lon = right.number_input("Longitud", value=float(start[1]), format="%.6f", key=f"lon_{item.id}")
actor = user.username
if st.button("Spara valet", type="primary", icon=":material/save:"):
    try:
        with sessions().begin() as session:
            if choice == BY_HAND:
                result = resolve_review(session, item.id, actor=actor, lat=lat, lon=lon)
            else:
                result = resolve_review(session, item.id, actor=actor, candidate=choice)
        st.session_state["resolved"] = " ".join(result.lines())
        st.rerun()
    except PlannerError as error:
        st.error(str(error))
