"""The report as an Excel workbook (openpyxl): one sheet per table, real numbers, Swedish headers.

Every count is an integer cell, every share a number between 0 and 1 shown as a percentage,
every date a date cell; nothing is stored as text that a reader would want to sum or sort.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from planner.reports.forecast import CREW_LABELS, KIND_LABELS
from planner.reports.report import (
    ANOMALY_DAYS,
    FIGURES,
    TITLE,
    TREND_LABELS,
    WAVE_STATES,
    Report,
)

FORMATS = {
    "count": "#,##0",
    "share": "0.0%",
    "hours": "0.0",
    "decimal": "0.00",
    "date": "yyyy-mm-dd",
    "text": "@",
}
HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")

Column = tuple[str, str, str]  # (key in the frame, Swedish header, format)


def _value(value: Any) -> Any:
    """A cell value: numbers as numbers, missing as empty, dates as dates."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _sheet(book: Workbook, title: str, frame: pd.DataFrame, columns: Sequence[Column]) -> Worksheet:
    sheet = book.create_sheet(title)
    sheet.append([header for _, header, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    for values in frame.to_dict("records"):
        sheet.append([_value(values[key]) for key, _, _ in columns])
    for index, (key, header, kind) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        for cell in sheet[letter][1:]:
            cell.number_format = FORMATS[kind]
        longest = max(
            [len(_shown(frame[key].iloc[i], kind)) for i in range(len(frame))]
            if len(frame)
            else [0]
        )
        width = max(min(len(header), 28), longest) + 2
        sheet.column_dimensions[letter].width = min(max(width, 8), 48)
    sheet.freeze_panes = "B2" if len(columns) > 1 else "A2"
    if len(frame):
        sheet.auto_filter.ref = sheet.dimensions
    return sheet


def _shown(value: Any, kind: str) -> str:
    value = _value(value)
    if value is None:
        return ""
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "share":
        return f"{value:.1%}"
    if kind in ("hours", "decimal"):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _figure_columns() -> list[Column]:
    return [(f.key, f.label, f.unit) for f in FIGURES]


def to_xlsx(report: Report) -> bytes:
    """The workbook as bytes (``.xlsx``)."""
    book = Workbook()
    book.remove(book.active)
    _summary(book, report)
    forecast_dates: list[Column] = [
        ("p10", "Klar tidigast (10 %)", "date"),
        ("p50", "Klar troligen (50 %)", "date"),
        ("p90", "Klar senast (90 %)", "date"),
    ]
    _sheet(
        book,
        "Stadsdelsområden",
        report.districts,
        [
            ("district", "Stadsdelsområde", "text"),
            ("wave", "Våg", "count"),
            *_figure_columns(),
            *forecast_dates,
        ],
    )
    waves = report.waves.assign(state=report.waves["state"].map(WAVE_STATES))
    _sheet(
        book,
        "Vågor",
        waves,
        [
            ("wave", "Våg", "count"),
            ("name", "Namn", "text"),
            ("state", "Status", "text"),
            *_figure_columns(),
            *forecast_dates,
        ],
    )
    trend_columns: list[Column] = [("day", "Vecka till och med", "date")] + [
        (key, label, "count") for key, label in TREND_LABELS.items()
    ]
    _sheet(book, "Veckotrend", report.trend_total, trend_columns)
    _sheet(
        book,
        "Veckotrend per område",
        report.trend,
        [trend_columns[0], ("district", "Stadsdelsområde", "text"), *trend_columns[1:]],
    )
    _forecast_sheet(book, report)
    weeks = report.forecast_inputs.weeks
    pace = weeks.assign(
        label=weeks["kind"].map(KIND_LABELS),
        rate=(weeks["doors"] / weeks["crew_days"].where(weeks["crew_days"] > 0)).astype(float),
    )
    _sheet(
        book,
        "Takt per vecka",
        pace,
        [
            ("week", "Vecka från och med (måndag)", "date"),
            ("label", "Dörrar", "text"),
            ("doors", "Monterade", "count"),
            ("crew_days", "Lagdagar", "count"),
            ("rate", "Monterade per lagdag", "decimal"),
        ],
    )
    _sheet(
        book,
        "Avvikelser",
        report.anomaly_kinds,
        [
            ("district", "Stadsdelsområde", "text"),
            ("label", f"Avvikelse (senaste {ANOMALY_DAYS} dagarna)", "text"),
            ("count", "Antal", "count"),
        ],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary(book: Workbook, report: Report) -> None:
    sheet = book.create_sheet("Sammanfattning")
    sheet.append([TITLE])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Urval", report.scope])
    sheet.append(["Läget den", report.on])
    sheet["B3"].number_format = FORMATS["date"]
    sheet.append(["Indelning", report.district_set or ""])
    if report.demo:
        sheet.append(["Obs!", "Demodata: påhittade kunder, ägare och händelser."])
    sheet.append([])
    sheet.append(["Nyckeltal", "Värde"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for figure in FIGURES:
        sheet.append([figure.label, _value(report.total[figure.key])])
        sheet.cell(sheet.max_row, 2).number_format = FORMATS[figure.unit]
    sheet.append([])
    fc = report.forecast
    sheet.append(["Prognos", ""])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    for label, day in zip(
        ("Klar tidigast (10 %)", "Klar troligen (50 %)", "Klar senast (90 %)"),
        fc.finish,
        strict=True,
    ):
        sheet.append([label, day])
        sheet.cell(sheet.max_row, 2).number_format = FORMATS["date"]
    sheet.append(["Andel medgivanden som antas", fc.consent_rate])
    sheet.cell(sheet.max_row, 2).number_format = FORMATS["share"]
    sheet.append(["Förklaring", fc.text])
    sheet.cell(sheet.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = max(len(f.label) for f in FIGURES) + 2
    sheet.column_dimensions["B"].width = 90


def _forecast_sheet(book: Workbook, report: Report) -> None:
    frame = report.forecast.waves
    sheet = _sheet(
        book,
        "Prognos",
        frame,
        [
            ("number", "Våg", "count"),
            ("name", "Namn", "text"),
            ("available", "Tidigast start", "date"),
            ("entrance", "Entrédörrar kvar (viktat)", "decimal"),
            ("apartment", "Lägenhetsdörrar kvar (viktat)", "decimal"),
            ("p10", "Klar tidigast (10 %)", "date"),
            ("p50", "Klar troligen (50 %)", "date"),
            ("p90", "Klar senast (90 %)", "date"),
        ],
    )
    start = sheet.max_row + 2
    headers = ["Lag", "Planerade lag", "Uppmätta veckor", "Dörrar per lag och dag", "10 %", "90 %"]
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(start, index, header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for offset, pace in enumerate(report.forecast.pace, start=1):
        values = [
            CREW_LABELS[pace.kind],
            pace.crews,
            pace.weeks,
            pace.doors_per_crew_day,
            pace.low,
            pace.high,
        ]
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(start + offset, index, value)
            cell.number_format = FORMATS["decimal"] if index >= 4 else FORMATS["count"]
    note = sheet.cell(start + len(report.forecast.pace) + 2, 1, report.forecast.text)
    note.alignment = Alignment(wrap_text=False)
