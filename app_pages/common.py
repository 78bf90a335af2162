"""What every page shares: the database connection, the date, the demo notice."""

from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy.orm import Session, sessionmaker

from planner.db import database_url, make_engine, require_current_schema, session_factory
from planner.errors import PlannerError
from planner.geo import mapview

PAGE_TITLE = "Nyckelfri hemtjänst – utrullning"
DEMO_NOTICE = (
    "**Demodata.** Kunder, fastighetsägare, personal och händelser är påhittade. "
    "Gatunamnen är riktiga men placeringarna, stadsdelsgränserna och vattnet är ungefärliga."
)


@st.cache_resource(show_spinner=False)
def _factory(url: str) -> sessionmaker[Session]:
    engine = make_engine(url, create_dir=False)
    require_current_schema(engine)
    return session_factory(engine)


def sessions() -> sessionmaker[Session]:
    """The session factory for the configured database; stops the page with a readable error."""
    mapview.use_local_assets()
    try:
        return _factory(database_url())
    except PlannerError as error:
        st.error(str(error))
        st.stop()
        raise  # unreachable: st.stop() raises


def today() -> date:
    return date.today()
