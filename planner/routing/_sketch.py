"""A small map of a route as inline SVG: the depot, the stops numbered in order, no network.

The points are projected equirectangularly around their mean latitude (a few kilometres of
Stockholm: the distortion is far below what a sketch shows) and fitted into the box with a
margin; a scale bar gives the distances.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

EARTH_M_PER_DEG = 111_320.0
_SCALES_M = (100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000)


def route_svg(
    depot: tuple[float, float],
    stops: Sequence[tuple[float, float]],
    *,
    width: int = 520,
    height: int = 300,
    title: str = "",
) -> str:
    """SVG markup: the drive depot → stops → depot as a line, stops as numbered circles."""
    points = [depot, *stops]
    lat0 = sum(p[0] for p in points) / len(points)
    shrink = math.cos(math.radians(lat0))
    xs = [p[1] * shrink for p in points]
    ys = [p[0] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 0.002)
    margin = 26
    scale = min(
        (width - 2 * margin) / max(max(xs) - min(xs), span * 0.3),
        (height - 2 * margin) / max(max(ys) - min(ys), span * 0.3),
    )
    mid_x = (max(xs) + min(xs)) / 2
    mid_y = (max(ys) + min(ys)) / 2

    def to_px(lat: float, lon: float) -> tuple[float, float]:
        return (
            width / 2 + (lon * shrink - mid_x) * scale,
            height / 2 - (lat - mid_y) * scale,
        )

    pixels = [to_px(lat, lon) for lat, lon in points]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in [*pixels, pixels[0]])
    label = escape(title or "Ruttkarta")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{label}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f4f6f8" stroke="#c8ced6"/>',
        f'<polyline points="{path}" fill="none" stroke="#1565c0" stroke-width="2" '
        'stroke-linejoin="round" opacity="0.85"/>',
    ]
    dx, dy = pixels[0]
    parts.append(
        f'<rect x="{dx - 7:.1f}" y="{dy - 7:.1f}" width="14" height="14" fill="#37474f"/>'
        f'<text x="{dx:.1f}" y="{dy + 4:.1f}" font-size="10" text-anchor="middle" '
        'fill="#ffffff" font-family="DejaVu Sans, sans-serif">D</text>'
    )
    for number, (x, y) in enumerate(pixels[1:], start=1):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="#ffffff" stroke="#1565c0" '
            'stroke-width="2"/>'
            f'<text x="{x:.1f}" y="{y + 3.5:.1f}" font-size="10" text-anchor="middle" '
            f'fill="#0d47a1" font-family="DejaVu Sans, sans-serif">{number}</text>'
        )
    parts.append(_scale_bar(scale / EARTH_M_PER_DEG, width, height))
    parts.append("</svg>")
    return "".join(parts)


def _scale_bar(px_per_m: float, width: int, height: int) -> str:
    """One projected degree of latitude is ``EARTH_M_PER_DEG`` metres in either direction."""
    target = width / 5
    metres = min(_SCALES_M, key=lambda m: abs(m * px_per_m - target))
    length = metres * px_per_m
    label = f"{metres // 1000} km" if metres >= 1000 else f"{metres} m"
    x0, y0 = 12, height - 12
    return (
        f'<line x1="{x0}" y1="{y0}" x2="{x0 + length:.1f}" y2="{y0}" stroke="#37474f" '
        'stroke-width="2"/>'
        f'<text x="{x0}" y="{y0 - 4}" font-size="9" fill="#37474f" '
        f'font-family="DejaVu Sans, sans-serif">{label}</text>'
    )
