"""What every page shares: the database, the signed-in user and their scope, the date, notices."""

from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy.orm import Session, sessionmaker

from planner.auth import AuthError, Permission, User, district_ids, require
from planner.db import database_url, make_engine, require_current_schema, session_factory
from planner.errors import PlannerError
from planner.geo import mapview

PAGE_TITLE = "Nyckelfri hemtjänst – utrullning"
DEMO_NOTICE = (
    "**Demodata.** Kunder, fastighetsägare, personal och händelser är påhittade. "
    "Gatunamnen är riktiga men placeringarna, stadsdelsgränserna och vattnet är ungefärliga."
)
USER_KEY = "planner_user"


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


def current_user() -> User | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


def sign_in(user: User) -> None:
    st.session_state[USER_KEY] = user


def sign_out() -> None:
    st.session_state.pop(USER_KEY, None)


def guard(permission: Permission) -> User:
    """Every page starts here: the signed-in user if their role allows the page; otherwise a
    Swedish message and nothing else (whatever was typed into the address bar)."""
    try:
        return require(current_user(), permission)
    except AuthError as error:
        st.error(str(error), icon=":material/lock:")
        st.stop()
        raise  # unreachable: st.stop() raises


def scope(user: User) -> frozenset[int] | None:
    """The districts the user may see (None: all)."""
    with sessions()() as session:
        ids = district_ids(session, user)
    return None if ids is None else frozenset(ids)
