"""Numbers and dates as Swedish readers write them.

Examples: "13 984", "35 %", "21,4", "28 november 2026".
"""

from __future__ import annotations

import math
from datetime import date

MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
DASH = "–"
NBSP = "\u00a0"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def swedish_date(day: date | None) -> str:
    """'28 november 2026'; a dash for no date."""
    if day is None or (isinstance(day, float) and math.isnan(day)):
        return DASH
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date | None) -> str:
    """'2026-11-28'; a dash for no date."""
    if day is None or (isinstance(day, float) and math.isnan(day)):
        return DASH
    return day.isoformat()


def number(value: float | None) -> str:
    """A whole number with a (non-breaking) space between thousands: '13 984'."""
    if _missing(value):
        return DASH
    return f"{round(float(value)):,d}".replace(",", NBSP)  # type: ignore[arg-type]


def decimal(value: float | None, digits: int = 1) -> str:
    """A number with a decimal comma: '21,4'."""
    if _missing(value):
        return DASH
    return f"{float(value):,.{digits}f}".replace(",", NBSP).replace(".", ",")  # type: ignore[arg-type]


def percent(value: float | None) -> str:
    """A share as a whole percentage: '35 %'."""
    if _missing(value):
        return DASH
    return f"{round(float(value) * 100):d}{NBSP}%"  # type: ignore[arg-type]


def swedish_range(first: date | None, last: date | None) -> str:
    """'7 januari 2028 – 16 juni 2028'."""
    return f"{swedish_date(first)} – {swedish_date(last)}"
