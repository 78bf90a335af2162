"""Streamlit entry: `streamlit run app.py` (README's run command does this for you)."""

import streamlit as st

from app_pages.common import PAGE_TITLE

st.set_page_config(page_title=PAGE_TITLE, page_icon=":material/key:", layout="wide")

pages = [
    st.Page("app_pages/karta.py", title="Karta", icon=":material/map:", default=True),
    st.Page("app_pages/oversikt.py", title="Översikt", icon=":material/table_chart:"),
]
st.navigation(pages).run()
