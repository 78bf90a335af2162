"""Rapporter: district progress, the week-by-week trend and the forecast; PDF, Excel and HTML.

Widgets → one ``planner.reports.build_report`` call (cached per data version and choice) →
render. A district viewer sees and downloads only their districts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages.common import DEMO_NOTICE, guard, scope, sessions, today
from planner.auth import Permission
from planner.db import database_url
from planner.geo.mapview import build_map
from planner.reports import FIGURES, Report, ReportError, build_report, report_options
from planner.reports.charts import burndown_chart, pace_chart, progress_chart
from planner.reports.document import to_html, to_pdf
from planner.reports.excel import to_xlsx
from planner.reports.maps import progress_map_data
from planner.reports.report import labelled
from planner.status import data_version


@st.cache_resource(show_spinner="Räknar fram rapporten …", max_entries=8)
def _report(
    url: str,
    version: tuple[int, ...],
    on: date,
    districts: frozenset[int] | None,
    wave: int | None,
    crews: tuple[tuple[str, int], ...],
    consent_rate: float | None,
) -> Report:
    """Rebuilt only when the data, the day, the scope or the what-if change."""
    with sessions()() as session:
        return build_report(
            session,
            on=on,
            district_ids=districts,
            wave=wave,
            crews=dict(crews) or None,
            consent_rate=consent_rate,
        )


def _columns(frame_columns: list[str]) -> Mapping[str, object]:
    """Shares as percentages and hours with one decimal, by the figure's unit."""
    config: dict[str, object] = {}
    for figure in FIGURES:
        if figure.label not in frame_columns:
            continue
        if figure.unit == "share":
            config[figure.label] = st.column_config.NumberColumn(format="percent")
        elif figure.unit == "hours":
            config[figure.label] = st.column_config.NumberColumn(format="%.1f")
    return config


def _table(frame: pd.DataFrame) -> None:
    st.dataframe(
        frame, hide_index=True, width="stretch", column_config=_columns(list(frame.columns))
    )


user = guard(Permission.VIEW_REPORTS)
allowed = scope(user)
st.title("Rapporter")
with sessions()() as s:
    options = report_options(s, allowed=allowed)
    version = data_version(s)
district_names = dict(options.districts)
wave_names = dict(options.waves)

left, middle, right = st.columns([1, 1, 2])
on = left.date_input("Läget den", value=today(), format="YYYY-MM-DD", key="on")
wave = middle.selectbox(
    "Våg",
    options=[None, *wave_names],
    format_func=lambda w: "Alla vågor" if w is None else wave_names[w],
    key="wave",
)
chosen = right.multiselect(
    "Stadsdelsområden",
    options=list(district_names),
    format_func=lambda d: district_names[d],
    placeholder="Hela staden" if allowed is None else "Alla dina stadsdelsområden",
    key="districts",
)
with st.expander("Vad händer om …? (prognosens antaganden)"):
    a, b, c = st.columns(3)
    entrance = a.number_input(
        "Lag för entrédörrar (0 = enligt planen)", min_value=0, max_value=200, value=0, key="ec"
    )
    apartment = b.number_input(
        "Lag för lägenhetsdörrar (0 = enligt planen)", min_value=0, max_value=200, value=0, key="ac"
    )
    own_rate = c.checkbox("Egen andel medgivanden", key="own_rate")
    rate = (
        c.slider("Andel ja bland de obesvarade", 0.0, 1.0, 0.9, 0.05, key="rate")
        if own_rate
        else None
    )
crews = tuple((k, int(v)) for k, v in (("entrance", entrance), ("apartment", apartment)) if v)
picked = frozenset(chosen)
if allowed is not None:
    picked &= allowed  # a district viewer only ever gets their own districts
districts = picked or allowed
try:
    report = _report(database_url(), version, on, districts, wave, crews, rate)
except ReportError as error:
    st.warning(str(error), icon=":material/info:")
    st.stop()

if report.demo:
    st.info(DEMO_NOTICE, icon=":material/info:")
st.caption(f"{report.scope} · läget vid slutet av {report.on.isoformat()}")
total = report.total
cols = st.columns(6)
cols[0].metric("Hemtjänstkunder", f"{int(total['customers']):,}".replace(",", " "))
cols[1].metric(
    "Nyckelfria kunder",
    f"{int(total['ready_customers']):,}".replace(",", " "),
    f"{total['ready_share']:.0%}".replace("%", " %"),
    delta_color="off",
)
cols[2].metric("Helt nyckelfria byggnader", f"{int(total['live_buildings']):,}".replace(",", " "))
cols[3].metric("Medgivanden mottagna", f"{total['consents_received_share']:.0%}".replace("%", " %"))
cols[4].metric("Öppna felanmälningar", int(total["faults_open"]))
cols[5].metric("Avvikelser, 30 dagar", int(total["anomalies"]))
st.info(report.forecast.text, icon=":material/event:")

stem = f"lagesrapport-{report.on.isoformat()}"
d1, d2, d3 = st.columns(3)
d1.download_button(
    "Ladda ned PDF",
    data=lambda: to_pdf(report),
    file_name=f"{stem}.pdf",
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
    on_click="ignore",
    key="pdf",
)
d2.download_button(
    "Ladda ned Excel",
    data=lambda: to_xlsx(report),
    file_name=f"{stem}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/table_view:",
    on_click="ignore",
    key="xlsx",
)
d3.download_button(
    "Ladda ned HTML",
    data=lambda: to_html(report),
    file_name=f"{stem}.html",
    mime="text/html",
    icon=":material/html:",
    on_click="ignore",
    key="html",
)

trend_tab, map_tab, district_tab, wave_tab, weeks_tab, forecast_tab, anomaly_tab = st.tabs(
    ["Utveckling", "Karta", "Per stadsdelsområde", "Per våg", "Veckotrend", "Prognos", "Avvikelser"]
)
with trend_tab:
    st.subheader("Kvar att göra vecka för vecka")
    st.altair_chart(burndown_chart(report), width="stretch")
    st.caption("Skuggat fält: prognosens 80 %-intervall; streckad linje: trolig dag.")
    st.subheader("Andelar per stadsdelsområde")
    st.altair_chart(progress_chart(report), width="stretch")
with map_tab:
    st.caption("Stadsdelsområdena färgade efter andelen nyckelfria kunder.")
    st_folium(
        build_map(progress_map_data(report)),
        height=560,
        use_container_width=True,
        returned_objects=[],
        key="rapportkarta",
    )
with district_tab:
    _table(labelled(report.districts))
with wave_tab:
    _table(labelled(report.waves))
with weeks_tab:
    _table(labelled(report.trend_total, trend=True))
with forecast_tab:
    _table(labelled(report.forecast.waves))
    st.subheader("Monterade dörrar per vecka")
    st.altair_chart(pace_chart(report), width="stretch")
with anomaly_tab:
    _table(labelled(report.anomaly_kinds))
