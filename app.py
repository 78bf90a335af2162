"""Streamlit entry: `streamlit run app.py` (README's run command does this for you).

Shows the log-in page until someone has signed in, then only the pages their role may open.
"""

from pathlib import Path

import streamlit as st

from app_pages.common import PAGE_TITLE, current_user, sign_out
from app_pages.registry import pages_for

ROOT = Path(__file__).resolve().parent

st.set_page_config(
    page_title=PAGE_TITLE, page_icon=str(ROOT / "static" / "favicon.png"), layout="wide"
)

user = current_user()
if user is None:
    st.navigation([st.Page("app_pages/login.py", title="Logga in", icon=":material/login:")]).run()
else:
    with st.sidebar:
        st.markdown(f"**{user.display_name}**  \n{user.role_label}")
        if st.button("Logga ut", icon=":material/logout:"):
            sign_out()
            if getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()
    allowed = pages_for(user)
    if not allowed:
        st.navigation([st.Page("app_pages/ingen_sida.py", title="Inga sidor")]).run()
    else:
        st.navigation(
            [
                st.Page(p.path, title=p.title, icon=p.icon, default=i == 0)
                for i, p in enumerate(allowed)
            ]
        ).run()
