"""The report's forms: PDF (read back with pypdf), Excel (read back with openpyxl), HTML, map."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from planner.geo.mapview import build_map
from planner.reports import Report, build_report, to_html, to_pdf, to_xlsx
from planner.reports.charts import burndown_chart, pace_chart, progress_chart
from planner.reports.maps import LAYER_NAME, progress_map_data
from planner.reports.report import FIGURES
from tests.reports.city import BEFORE, ON
from tests.reports.conftest import pdf_text


@pytest.fixture(scope="module")
def report(city_sessions: sessionmaker[Session]) -> Report:
    with city_sessions() as session:
        return build_report(session, on=ON)


def test_the_pdf_is_an_a4_city_report_in_swedish(report: Report) -> None:
    data = to_pdf(report)
    assert data.startswith(b"%PDF")
    text, pages = pdf_text(data)
    flat = " ".join(text.split())
    for words in (
        "Nyckelfri hemtjänst",
        "Lägesrapport för utrullningen",
        "Läget den 20 november 2026",
        "Sammanfattning",
        "Prognos",
        "Södermalm",
        "Kungsholmen",
        "Bromma",
        "Om siffrorna",
        "Hemtjänstkunder",
        "Nyckelfria kunder",
        "Helt nyckelfria byggnader",
        "Mediantid till åtgärd",
        "2 december 2026",  # the forecast
        "Sida 2 av",
    ):
        assert words in flat, words
    # cover, summary (two pages), one page per district, what the figures mean
    assert 6 <= pages <= 9, pages
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points


def test_the_pdf_carries_the_hand_counted_figures(report: Report) -> None:
    text, _ = pdf_text(to_pdf(report))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # the district table of the summary: customers, consents, ready share, ...
    assert any(line.startswith("Södermalm 1 3 100 % 67 % 1 0 1 1") for line in lines), lines
    assert any(line.startswith("Kungsholmen 2 3 0 % 0 % 0 3 3 0") for line in lines), lines
    assert any(line.startswith("Totalt 6 40 % 33 % 1 3 4 1") for line in lines), lines


def test_a_report_before_the_rollout_renders(city_sessions: sessionmaker[Session]) -> None:
    with city_sessions() as session:
        early = build_report(session, on=BEFORE)
    text, pages = pdf_text(to_pdf(early))
    assert "Ingen prognos" in " ".join(text.split())
    assert pages >= 5
    load_workbook(io.BytesIO(to_xlsx(early)))


def test_the_workbook_has_one_sheet_per_table_with_real_numbers(report: Report) -> None:
    book = load_workbook(io.BytesIO(to_xlsx(report)))
    assert book.sheetnames == [
        "Sammanfattning",
        "Stadsdelsområden",
        "Vågor",
        "Veckotrend",
        "Veckotrend per område",
        "Prognos",
        "Takt per vecka",
        "Avvikelser",
    ]
    sheet = book["Stadsdelsområden"]
    headers = [c.value for c in sheet[1]]
    labels = {f.key: f.label for f in FIGURES}
    assert headers[:3] == ["Stadsdelsområde", "Våg", labels["customers"]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(rows) == {"Södermalm", "Kungsholmen", "Bromma", "(utan stadsdelsområde)"}
    soder = {h: c for h, c in zip(headers, rows["Södermalm"], strict=True)}
    for figure in FIGURES:
        cell = soder[figure.label]
        if figure.unit == "count":
            assert isinstance(cell.value, int), figure.label
            assert cell.number_format == "#,##0"
        elif figure.unit == "share":
            assert isinstance(cell.value, int | float), figure.label
            assert cell.number_format == "0.0%"
    assert soder[labels["customers"]].value == 3
    assert soder[labels["ready_share"]].value == pytest.approx(2 / 3)
    assert soder[labels["fault_median_hours"]].value == pytest.approx(15.0)
    assert isinstance(soder["Klar troligen (50 %)"].value, datetime)
    assert soder["Klar troligen (50 %)"].value.date() == date(2026, 11, 23)
    assert sheet.column_dimensions["A"].width >= len("(utan stadsdelsområde)")
    assert sheet.freeze_panes == "B2"
    bromma = {h: c.value for h, c in zip(headers, rows["Bromma"], strict=True)}
    assert bromma[labels["fault_median_hours"]] is None  # no faults closed: empty, not text

    trend = book["Veckotrend"]
    assert trend["A1"].value == "Vecka till och med"
    assert isinstance(trend["A2"].value, datetime)
    assert all(isinstance(c.value, int) for c in trend[2][1:])
    summary = {r[0].value: r[1].value for r in book["Sammanfattning"].iter_rows() if r[0].value}
    assert summary[labels["customers"]] == 6
    assert summary["Klar troligen (50 %)"].date() == date(2026, 12, 2)


def test_the_html_report_stands_alone(report: Report) -> None:
    page = to_html(report)
    assert page.startswith("<!doctype html>") and 'lang="sv"' in page
    assert "<svg" in page and "Södermalm" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page


def test_the_progress_map_colours_districts_and_uses_local_assets(report: Report) -> None:
    from planner.geo import mapview

    data = progress_map_data(report)
    layer = data.layers[0]
    assert layer.name == LAYER_NAME
    names = {f["properties"]["namn"]: f["properties"] for f in layer.geojson["features"]}
    assert set(names) == {"Södermalm", "Kungsholmen", "Bromma"}
    assert names["Södermalm"]["nyckelfria"] == "2 (67\u00a0%)"
    fills = {n: p["style"]["fillColor"] for n, p in names.items()}
    assert fills["Södermalm"] != fills["Kungsholmen"]
    mapview.use_local_assets()
    html = build_map(data, tiles=None).get_root().render()
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_the_charts_carry_their_data_in_swedish(report: Report) -> None:
    spec = json.dumps(burndown_chart(report).to_dict(), ensure_ascii=False)
    assert "Kunder kvar att göra nyckelfria" in spec
    assert "Klar troligen" in spec
    assert "Nyckelfria kunder" in json.dumps(progress_chart(report).to_dict(), ensure_ascii=False)
    assert "entrédörrar" in json.dumps(pace_chart(report).to_dict(), ensure_ascii=False)
