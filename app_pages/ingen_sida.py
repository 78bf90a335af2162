"""Shown to a signed-in user whose role has no pages yet."""

import streamlit as st

st.title("Inga sidor")
st.info(
    "Din roll har inga sidor i den här versionen ännu. Kontakta den utrullningsansvariga.",
    icon=":material/info:",
)
