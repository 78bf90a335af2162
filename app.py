"""Streamlit entry: `streamlit run app.py` (README's run command does this for you)."""

from pathlib import Path

import streamlit as st

from app_pages.common import PAGE_TITLE

ROOT = Path(__file__).resolve().parent

st.set_page_config(
    page_title=PAGE_TITLE, page_icon=str(ROOT / "static" / "favicon.png"), layout="wide"
)

pages = [
    st.Page("app_pages/karta.py", title="Karta", icon=":material/map:", default=True),
    st.Page("app_pages/oversikt.py", title="Översikt", icon=":material/table_chart:"),
    st.Page("app_pages/importera.py", title="Import", icon=":material/upload_file:"),
    st.Page("app_pages/geokodning.py", title="Geokodning", icon=":material/pin_drop:"),
    st.Page("app_pages/medgivanden.py", title="Medgivanden", icon=":material/draw:"),
    st.Page("app_pages/installationer.py", title="Installationer", icon=":material/build:"),
    st.Page("app_pages/nycklar.py", title="Nycklar och logg", icon=":material/key:"),
    st.Page("app_pages/felanmalningar.py", title="Felanmälningar", icon=":material/report:"),
]
st.navigation(pages).run()
