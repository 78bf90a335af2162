"""Logga in: local users (name and password) and, when configured, the city's OIDC log-in."""

from __future__ import annotations

import streamlit as st
import streamlit_folium  # noqa: F401  (slow first import: done here, before the first map)

from app_pages.common import DEMO_NOTICE, sessions, sign_in
from app_pages.mapdata import warm_up
from planner.auth import ROLE_LABELS, authenticate, user_by_email
from planner.demo import DEMO_USERS
from planner.geo import mapview  # noqa: F401  (folium: same reason)
from planner.geo.layers import current_district_set


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
    except Exception:  # no secrets file at all
        return False


st.title("Logga in")
factory = sessions()
warm_up()  # the map is built while the user types
if _oidc_configured():
    if st.user.is_logged_in:
        with factory() as session:
            user = user_by_email(session, str(st.user.email or ""))
        if user is None:
            st.error(
                "Ditt konto finns inte i planner. Be den utrullningsansvariga lägga till det "
                "(planner users add DIN@EPOST --oidc-only --role …).",
                icon=":material/lock:",
            )
            st.button("Logga ut", on_click=st.logout)
            st.stop()
        sign_in(user)
        st.rerun()
    st.button("Logga in med organisationens konto", on_click=st.login, type="primary")
    st.divider()

with st.form("login"):
    username = st.text_input("Användarnamn")
    password = st.text_input("Lösenord", type="password")
    submitted = st.form_submit_button("Logga in", type="primary")
if submitted:
    with factory.begin() as session:
        user = authenticate(session, username, password)
    if user is None:
        st.error("Fel användarnamn eller lösenord.", icon=":material/lock:")
    else:
        sign_in(user)
        st.rerun()

with factory() as session:
    district_set = current_district_set(session)
if district_set is not None and "demo" in district_set.name:
    st.info(DEMO_NOTICE, icon=":material/info:")
    st.markdown("**Demoinloggningar** (en per roll):")
    st.table(
        {
            "Användarnamn": [u[0] for u in DEMO_USERS],
            "Lösenord": [u[1] for u in DEMO_USERS],
            "Roll": [ROLE_LABELS[u[2]] for u in DEMO_USERS],
        }
    )
