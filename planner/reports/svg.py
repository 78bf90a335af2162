"""Small SVG drawings for the printed report: district maps, burndown lines and share bars.

Drawn by hand (no browser, no network, no chart server) so that WeasyPrint can inline them and a
report renders the same on any machine. Maps are projected to SWEREF 99 TM (EPSG:3006) so that
Stockholm keeps its shape.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Collection, Mapping, Sequence
from datetime import date

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from planner.geo.crs import METRIC, WGS84, transformer
from planner.reports._format import MONTHS, number, percent

FONT = "DejaVu Sans, Arial, sans-serif"
INK = "#1f2933"
GRID = "#d9dee3"
MUTED = "#6b7785"
# progress bins (share of customers keyless-ready) and their fills, light to dark
PROGRESS_BINS: tuple[tuple[float, str, str], ...] = (
    (0.0, "#eef4ea", "0–19 %"),
    (0.2, "#c7e3b8", "20–39 %"),
    (0.4, "#8cc97a", "40–59 %"),
    (0.6, "#4aa54a", "60–79 %"),
    (0.8, "#1b7a35", "80–100 %"),
)
NO_CUSTOMERS_FILL = "#e3e6e8"
SERIES_COLOURS = ("#005fa3", "#d9822b", "#7b4ea3", "#2e8540", "#c0392b")
_MAP_IDS = itertools.count(1)


def progress_fill(share: float | None) -> str:
    """The fill of a district whose customers are ``share`` keyless-ready (None: no customers)."""
    if share is None:
        return NO_CUSTOMERS_FILL
    fill = PROGRESS_BINS[0][1]
    for lower, colour, _ in PROGRESS_BINS:
        if share >= lower - 1e-12:
            fill = colour
    return fill


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _rings(geom: BaseGeometry) -> list[list[tuple[float, ...]]]:
    polygons: list[Polygon] = []
    if isinstance(geom, Polygon):
        polygons = [geom]
    elif isinstance(geom, MultiPolygon):
        polygons = list(geom.geoms)
    rings = []
    for polygon in polygons:
        rings.append(list(polygon.exterior.coords))
        rings.extend(list(r.coords) for r in polygon.interiors)
    return rings


def metric_shapes(geometries: Mapping[int, BaseGeometry]) -> dict[int, BaseGeometry]:
    """District outlines (WGS 84) projected to SWEREF 99 TM and simplified for drawing."""
    project = transformer(WGS84, METRIC)

    def to_metres(xy: np.ndarray) -> np.ndarray:
        x, y = project.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return {
        i: shapely.transform(g, to_metres).simplify(25, preserve_topology=True)
        for i, g in geometries.items()
    }


def district_map(
    geometries: Mapping[int, BaseGeometry],
    fills: Mapping[int, str],
    *,
    focus: Collection[int] | None = None,
    labels: Mapping[int, str] | None = None,
    width: int = 360,
    height: int = 280,
    title: str = "Karta",
) -> str:
    """Districts (``metric_shapes``) as filled outlines; ``focus`` ones framed, others faded."""
    projected = geometries
    framed = [projected[i] for i in (focus or projected) if i in projected]
    if not framed:
        return _empty(width, height, "Ingen karta: stadsdelsområdet saknar gräns.")
    minx = min(g.bounds[0] for g in framed)
    miny = min(g.bounds[1] for g in framed)
    maxx = max(g.bounds[2] for g in framed)
    maxy = max(g.bounds[3] for g in framed)
    pad = 0.06 * max(maxx - minx, maxy - miny, 1.0)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    scale = min(width / (maxx - minx), height / (maxy - miny))
    off_x = (width - (maxx - minx) * scale) / 2
    off_y = (height - (maxy - miny) * scale) / 2

    def xy(x: float, y: float) -> str:
        return f"{off_x + (x - minx) * scale:.1f},{off_y + (maxy - y) * scale:.1f}"

    clip = f"map-frame-{next(_MAP_IDS)}"  # unique within a document with many maps

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(title)}">',
        f"<title>{_esc(title)}</title>",
        f'<defs><clipPath id="{clip}"><rect width="{width}" height="{height}"/></clipPath></defs>',
        f'<g clip-path="url(#{clip})">',
    ]
    focused = set(focus or projected)
    order = sorted(projected, key=lambda i: i in focused)  # focus drawn on top
    for i in order:
        d = " ".join(
            "M" + " L".join(xy(x, y) for x, y in ring) + " Z" for ring in _rings(projected[i])
        )
        inside = i in focused
        fill = fills.get(i, NO_CUSTOMERS_FILL) if inside or focus is None else "#f2f3f4"
        stroke, widths = (
            ("#ffffff", 1.0)
            if focus is None
            else (("#1f2933", 1.6) if inside else ("#c5cbd1", 0.6))
        )
        parts.append(
            f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="{widths}" '
            f'fill-rule="evenodd"/>'
        )
    for i, text in (labels or {}).items():
        if i not in projected or (focus is not None and i not in focused):
            continue
        point = projected[i].representative_point()
        x, y = xy(point.x, point.y).split(",")
        parts.append(
            f'<text x="{x}" y="{y}" font-family="{FONT}" font-size="8.5" fill="{INK}" '
            f'text-anchor="middle" stroke="#ffffff" stroke-width="2.4" paint-order="stroke">'
            f"{_esc(text)}</text>"
        )
    parts.append("</g></svg>")
    return "".join(parts)


def _empty(width: int, height: int, message: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<rect width="{width}" height="{height}" fill="#f5f6f7"/>'
        f'<text x="{width / 2}" y="{height / 2}" font-family="{FONT}" font-size="10" '
        f'fill="{MUTED}" text-anchor="middle">{_esc(message)}</text></svg>'
    )


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def burndown(
    days: Sequence[date],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    projection: tuple[date | None, date | None, date | None] | None = None,
    width: int = 520,
    height: int = 220,
    title: str = "Kvar att göra vecka för vecka",
) -> str:
    """Lines of what remains, week by week; with ``projection`` (P10, P50, P90 of the finish)
    the first series runs on, dashed, to zero at P50 in a band from P10 to P90."""
    if not days:
        return _empty(width, height, "Ingen tidsserie.")
    left, right, top, bottom = 54, 12, 26, 28
    last = days[-1]
    end = last
    if projection and projection[2] is not None:
        end = max(end, projection[2])
    elif projection and projection[1] is not None:
        end = max(end, projection[1])
    start = days[0]
    span = max((end - start).days, 1)
    peak = _nice_max(max([max(v, default=0) for _, v in series] + [1]))
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day: date) -> float:
        return left + (day - start).days / span * plot_w

    def y(value: float) -> float:
        return top + plot_h - value / peak * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(title)}">',
        f"<title>{_esc(title)}</title>",
        f'<g font-family="{FONT}" font-size="9" fill="{MUTED}">',
    ]
    for k in range(5):
        value = peak * k / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{GRID}" stroke-width="0.7"/>'
            f'<text x="{left - 5}" y="{y(value) + 3:.1f}" text-anchor="end">{number(value)}</text>'
        )
    for tick in _month_ticks(start, end):
        parts.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top + plot_h}" '
            f'y2="{top + plot_h + 4}" stroke="{MUTED}" stroke-width="0.7"/>'
            f'<text x="{x(tick):.1f}" y="{top + plot_h + 15}" text-anchor="middle">'
            f"{MONTHS[tick.month - 1][:3]} {tick.year % 100:02d}</text>"
        )
    parts.append("</g>")
    likely = projection[1] if projection else None
    if projection and likely is not None and series and series[0][1]:
        early, late = projection[0] or likely, projection[2] or likely
        value = series[0][1][-1]
        colour = SERIES_COLOURS[0]
        corners = [(x(last), y(value)), (x(early), y(0)), (x(late), y(0))]
        parts.append(
            '<polygon points="'
            + " ".join(f"{a:.1f},{b:.1f}" for a, b in corners)
            + f'" fill="{colour}" fill-opacity="0.12" stroke="none"/>'
            f'<line x1="{x(last):.1f}" y1="{y(value):.1f}" x2="{x(likely):.1f}" y2="{y(0):.1f}" '
            f'stroke="{colour}" stroke-width="1.4" stroke-dasharray="4 3"/>'
            f'<line x1="{x(last):.1f}" x2="{x(last):.1f}" y1="{top}" y2="{top + plot_h}" '
            f'stroke="{MUTED}" stroke-width="0.6" stroke-dasharray="2 2"/>'
        )
    # the first series is drawn last, on top, a little heavier
    for n, (_, values) in reversed(list(enumerate(series))):
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        points = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in zip(days, values, strict=True))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="{2.2 if n == 0 else 1.4}" stroke-linejoin="round"/>'
        )
    step = (width - left - right) / max(len(series), 1)
    for n, (label, _) in enumerate(series):
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        parts.append(
            f'<g font-family="{FONT}" font-size="8.5" fill="{INK}">'
            f'<rect x="{left + n * step:.1f}" y="6" width="9" height="9" fill="{colour}"/>'
            f'<text x="{left + n * step + 13:.1f}" y="14">{_esc(label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _month_ticks(start: date, end: date, most: int = 7) -> list[date]:
    months = []
    year, month = start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        tick = date(year, month, 1)
        if tick > end:
            break
        months.append(tick)
    step = max(1, -(-len(months) // most))
    return months[::step]


def share_bars(
    rows: Sequence[tuple[str, float, str]],
    *,
    width: int = 520,
    title: str = "Andelar",
) -> str:
    """Horizontal bars of shares (0–1), each with its label and a note (e.g. '812 av 1 058')."""
    bar_h, gap, label_w, note_w = 14, 9, 190, 120
    height = len(rows) * (bar_h + gap) + gap
    plot_w = width - label_w - note_w
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(title)}">',
        f"<title>{_esc(title)}</title>",
        f'<g font-family="{FONT}" font-size="9.5" fill="{INK}">',
    ]
    for n, (label, share, note) in enumerate(rows):
        top = gap + n * (bar_h + gap)
        filled = max(0.0, min(1.0, share)) * plot_w
        parts.append(
            f'<text x="0" y="{top + 10.5}">{_esc(label)}</text>'
            f'<rect x="{label_w}" y="{top}" width="{plot_w}" height="{bar_h}" fill="#edf0f2"/>'
            f'<rect x="{label_w}" y="{top}" width="{filled:.1f}" height="{bar_h}" '
            f'fill="{SERIES_COLOURS[0]}"/>'
            f'<text x="{label_w + plot_w + 6}" y="{top + 10.5}">{percent(share)} '
            f'<tspan fill="{MUTED}">({_esc(note)})</tspan></text>'
        )
    parts.append("</g></svg>")
    return "".join(parts)


def legend(items: Sequence[tuple[str, str]], *, title: str) -> str:
    """A small colour legend: (fill, text) pairs in one row."""
    width = 90 * len(items) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="34" '
        f'viewBox="0 0 {width} 34" role="img" aria-label="{_esc(title)}">',
        f'<g font-family="{FONT}" font-size="9" fill="{INK}">',
        f'<text x="0" y="10">{_esc(title)}</text>',
    ]
    for n, (fill, text) in enumerate(items):
        parts.append(
            f'<rect x="{n * 90}" y="17" width="12" height="12" fill="{fill}" stroke="#9aa5b1" '
            f'stroke-width="0.5"/><text x="{n * 90 + 16}" y="27">{_esc(text)}</text>'
        )
    parts.append("</g></svg>")
    return "".join(parts)


def progress_legend() -> str:
    items = [(fill, text) for _, fill, text in PROGRESS_BINS] + [(NO_CUSTOMERS_FILL, "inga kunder")]
    return legend(items, title="Andel nyckelfria kunder")
