"""Import: upload one of the city's files, check it, confirm, see what changed."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import streamlit as st

from app_pages.common import guard, sessions
from planner.auth import Permission
from planner.errors import PlannerError
from planner.imports import (
    FILE_TYPES,
    ImportKind,
    ImportOptions,
    ImportRejected,
    ImportReport,
    import_file,
    kind_label,
    save_upload,
)

SOURCES = {"auto": "känn igen själv", "lantmateriet": "Lantmäteriet", "osm": "OpenStreetMap"}
CRS_CHOICES = {
    "": "känn igen själv",
    "3006": "SWEREF 99 TM (3006)",
    "3011": "SWEREF 99 18 00 (3011)",
}


def show(report: ImportReport) -> None:
    cols = st.columns(4)
    cols[0].metric("Nya", report.created)
    cols[1].metric("Ändrade", report.updated)
    cols[2].metric("Oförändrade", report.unchanged)
    cols[3].metric("Till granskning", report.review)
    st.markdown("  \n".join(line.strip() for line in report.lines()[1:]))
    for warning in report.warnings:
        st.warning(warning, icon=":material/warning:")
    if report.problems:
        st.subheader(f"Rader med fel ({report.rejected_rows})")
        st.dataframe(report.problems_df(), hide_index=True)
    rejects = report.rejects_csv()
    if rejects is not None and report.skip_invalid:
        st.download_button(
            "Ladda ned de avvisade raderna (CSV med orsak)",
            rejects,
            file_name=f"{Path(report.file).stem}.avvisade.csv",
            mime="text/csv",
        )


user = guard(Permission.IMPORT_DATA)
st.title("Import")
st.caption(
    "Läs in stadens filer i den här ordningen: stadsdelsområden, adressregister, "
    "fastighetsägare, fastigheter, entréer, kunder, medgivanden. Filen kontrolleras först; "
    "inget ändras förrän du bekräftar. Kolumnerna beskrivs i docs/import-format.md."
)
kind = ImportKind(
    st.selectbox(
        "Vad innehåller filen?", [k.value for k in ImportKind], format_func=kind_label, key="kind"
    )
)
upload = st.file_uploader("Fil", type=list(FILE_TYPES[kind]), key=f"file_{kind.value}")
actor = user.username
skip_invalid = kind is not ImportKind.DISTRICTS and st.checkbox(
    "Importera de korrekta raderna och hoppa över de felaktiga", key="skip_invalid"
)
options = ImportOptions()
if kind is ImportKind.DISTRICTS:
    left, right = st.columns(2)
    options = ImportOptions(
        name_column=left.text_input("Kolumn med områdets namn", value="name") or None,
        population_column=right.text_input("Kolumn med folkmängd (valfri)") or None,
        set_name=left.text_input("Indelningens namn (standard: filnamnet)") or None,
        make_current=right.checkbox("Gör indelningen aktuell"),
    )
elif kind is ImportKind.ADDRESSES:
    source = st.radio("Källa", list(SOURCES), format_func=SOURCES.__getitem__, horizontal=True)
    options = ImportOptions(source=source)  # type: ignore[arg-type]
elif kind is ImportKind.ENTRANCES:
    crs = st.selectbox(
        "Koordinatsystem för kolumnerna ost/nord",
        list(CRS_CHOICES),
        format_func=lambda c: CRS_CHOICES[c],
    )
    options = ImportOptions(crs=crs or None)

if upload is None:
    st.info("Välj en fil att läsa in.", icon=":material/upload_file:")
    st.stop()

data = upload.getvalue()
digest = hashlib.sha256(data).hexdigest()
signature = (kind, upload.name, digest, skip_invalid, options)
folder = Path(st.session_state.setdefault("upload_dir", tempfile.mkdtemp(prefix="planner-")))
path = save_upload(upload.name, data, folder / digest[:16])

if st.button("Kontrollera filen", icon=":material/fact_check:"):
    st.session_state.pop("done", None)
    try:
        with sessions()() as session:  # never committed: a dry run
            preview: ImportReport | str = import_file(
                session,
                kind,
                path,
                actor=actor,
                skip_invalid=skip_invalid,
                dry_run=True,
                options=options,
            )
    except PlannerError as error:
        preview = str(error)
    st.session_state["preview"] = (signature, preview)

done = st.session_state.get("done")
if done is not None and done[0] == signature:
    st.success(done[1].lines()[0], icon=":material/task_alt:")
    show(done[1])
    st.stop()
stored = st.session_state.get("preview")
if stored is None or stored[0] != signature:
    st.stop()
checked = stored[1]
if isinstance(checked, str):
    st.error(checked)
    st.stop()
st.subheader("Kontroll")
show(checked)
if checked.rejected_whole:
    st.error(
        "Filen har rader med fel och avvisas i sin helhet. Rätta raderna, eller kryssa i "
        "att de felaktiga raderna ska hoppas över."
    )
    st.stop()
if not checked.changed:
    st.info("Filen ändrar ingenting i databasen.")
    st.stop()
if st.button("Importera", type="primary", icon=":material/database_upload:"):
    try:
        with sessions().begin() as session:
            report = import_file(
                session, kind, path, actor=actor, skip_invalid=skip_invalid, options=options
            )
        st.session_state["done"] = (signature, report)
        st.session_state.pop("preview", None)
        st.rerun()
    except ImportRejected as rejected:
        st.error(str(rejected))
        show(rejected.report)
    except PlannerError as error:
        st.error(str(error))
