"""Karta: Stockholm with switchable layers for districts, consents, locks, customers and faults."""

from __future__ import annotations

from datetime import date

import streamlit as st
from streamlit_folium import st_folium

from app_pages.common import DEMO_NOTICE, sessions, today
from planner.db import database_url
from planner.geo.layers import MapData, build_map_data
from planner.geo.mapview import build_map
from planner.status import data_version


@st.cache_resource(show_spinner="Hämtar kartlager …", max_entries=4)
def _map_data(url: str, version: tuple[int, ...], on: date) -> MapData:
    """Layers are rebuilt only when the data (or the day) changes."""
    with sessions()() as session:
        return build_map_data(session, on=on)


st.title("Karta")
with sessions()() as s:
    version = data_version(s)
data = _map_data(database_url(), version, today())
if data.demo:
    st.info(DEMO_NOTICE, icon=":material/info:")
st.caption(
    "Slå av och på lager i kartans övre högra hörn. Kunder visas bara som antal per ruta, "
    "aldrig som enskilda hem."
)
st_folium(build_map(data), height=680, use_container_width=True, returned_objects=[], key="karta")
counts = {layer.name: layer.feature_count for layer in data.layers}
st.caption(" · ".join(f"{name}: {count}" for name, count in counts.items()))
