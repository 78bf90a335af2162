"""Körlistor: pick a day and a crew, read the route sheet, download it as PDF, HTML, CSV, GPX, ICS.

A locksmith firm or Trygghetsjouren user sees and downloads only their own organisation's crews;
the library checks that for every sheet it builds (``planner.routing.sheets.route_sheet``), so
a crew typed into the address (``?lag=…``) is refused like one picked from the menu.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from app_pages.common import guard, sessions, today
from planner.auth import AuthError, Permission
from planner.errors import PlannerError
from planner.routing.sheetfiles import FORMATS, MEDIA_TYPES, file_name, render, to_html
from planner.routing.sheets import route_sheet, sheet_choices, sheet_days

FORMAT_LABELS = {
    "pdf": "PDF (utskrift)",
    "html": "HTML",
    "csv": "CSV (Excel)",
    "gpx": "GPX (navigering)",
    "ics": "ICS (kalender)",
}

user = guard(Permission.VIEW_OWN_ROUTE_SHEETS)
factory = sessions()
on = today()
st.title("Körlistor")


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


asked_day = _date(st.query_params.get("dag"))
asked_crew = st.query_params.get("lag")
try:
    with factory() as session:
        days = sheet_days(session, user, first=on - timedelta(days=7), last=on + timedelta(days=60))
        ahead = sheet_days(session, user, first=on, last=on + timedelta(days=60), open_only=True)
    # the next day with work still to do; else the latest sheet
    default = asked_day or next(iter(ahead), days[-1] if days else on)
    day = st.date_input("Dag", value=default, key="day", format="YYYY-MM-DD")
    with factory() as session:
        choices = {c.crew_id: c for c in sheet_choices(session, user, day)}
    crew_id: int | None = None
    if asked_crew and asked_crew.isdigit():
        crew_id = int(asked_crew)  # checked by the library like any other choice
    elif choices:
        crew_id = st.selectbox(
            "Lag",
            list(choices),
            format_func=lambda c: (
                f"{choices[c].name} · {choices[c].organisation} ({choices[c].stops} stopp)"
            ),
            key="crew",
        )
    if crew_id is None:
        st.info(f"Inga körlistor {day} för de lag du har tillgång till.")
        st.stop()
    with factory() as session:
        sheet = route_sheet(session, user, crew_id, day)
except AuthError as error:
    st.error(str(error), icon=":material/lock:")
    st.stop()
except PlannerError as error:
    st.error(str(error))
    st.stop()

st.caption(
    f"{sheet.crew_name} · {sheet.organisation} · {len(sheet.stops)} stopp · "
    f"{sheet.service_min // 60} h {sheet.service_min % 60:02d} min på plats"
)
columns = st.columns(len(FORMATS))
for column, fmt in zip(columns, FORMATS, strict=True):
    column.download_button(
        FORMAT_LABELS[fmt],
        data=lambda fmt=fmt: render(sheet, fmt),  # type: ignore[misc]
        file_name=file_name(sheet, fmt),
        mime=MEDIA_TYPES[fmt],
        key=f"download_{fmt}",
        on_click="ignore",
    )
st.iframe(to_html(sheet), height=900)
