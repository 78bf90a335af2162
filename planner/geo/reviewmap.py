"""The map of one geocoding review item: the matcher's candidates, numbered, and the chosen point.

Built with the same offline Leaflet assets as the main map (``planner.geo.mapview``); a click on
the map gives the point a manager places by hand (the page reads it back from streamlit-folium).
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from typing import Any, Protocol, cast

import folium

from planner.geo.mapview import TILES_ENV

STOCKHOLM_CENTRE = (59.325, 18.02)
CANDIDATE_COLOUR = "#0d47a1"
CHOSEN_COLOUR = "#c62828"


class MapCandidate(Protocol):
    @property
    def number(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def score(self) -> float: ...


def _tiles() -> str | None:
    choice = os.environ.get(TILES_ENV, "OpenStreetMap")
    return None if choice.lower() == "none" else choice


def _badge(text: str, colour: str) -> folium.DivIcon:
    style = (
        f"background:{colour};color:#fff;border:2px solid #fff;border-radius:50%;"
        "width:26px;height:26px;line-height:22px;text-align:center;font:bold 13px sans-serif;"
        "box-shadow:0 1px 4px rgba(0,0,0,.4)"
    )
    return folium.DivIcon(
        html=f'<div style="{style}">{html.escape(text)}</div>',
        icon_size=(26, 26),
        icon_anchor=(13, 13),
    )


def build_review_map(
    candidates: Sequence[MapCandidate],
    *,
    chosen: tuple[float, float] | None = None,
    districts: dict[str, Any] | None = None,
    nearby: dict[str, Any] | None = None,
    tiles: str | None = "default",
) -> folium.Map:
    """Candidates as numbered badges (1 = the matcher's best), ``chosen`` (lat, lon) in red.

    ``districts`` (outlines with a ``namn``) and ``nearby`` (register points with an
    ``adress``) are GeoJSON drawn underneath, so that the map reads without base tiles.
    """
    chosen_tiles = _tiles() if tiles == "default" else tiles
    fmap = folium.Map(
        location=list(STOCKHOLM_CENTRE), zoom_start=11, tiles=None, control_scale=True
    )
    if chosen_tiles is not None:
        folium.TileLayer(chosen_tiles, name="Bakgrundskarta", control=False).add_to(fmap)
    else:
        cast(Any, fmap.get_root()).header.add_child(
            folium.Element("<style>.leaflet-container{background:#e6e6e6}</style>")
        )
    if districts and districts.get("features"):
        folium.GeoJson(
            districts,
            name="Stadsdelsområden",
            style_function=lambda _: {
                "color": "#607d8b",
                "weight": 1.5,
                "fillColor": "#ffffff",
                "fillOpacity": 0.5,
            },
            tooltip=folium.GeoJsonTooltip(fields=["namn"], aliases=["Stadsdelsområde"]),
        ).add_to(fmap)
    if nearby and nearby.get("features"):
        folium.GeoJson(
            nearby,
            name="Adresser i registret",
            marker=folium.CircleMarker(
                radius=3, color="#757575", weight=1, fill=True, fill_opacity=0.8
            ),
            tooltip=folium.GeoJsonTooltip(fields=["adress"], aliases=["Adress"]),
        ).add_to(fmap)
    points: list[tuple[float, float]] = []
    for c in candidates:
        score = f"{c.score:.2f}".replace(".", ",")
        folium.Marker(
            [c.lat, c.lon],
            icon=_badge(str(c.number), CANDIDATE_COLOUR),
            tooltip=f"{c.number}. {c.label} (säkerhet {score})",
        ).add_to(fmap)
        points.append((c.lat, c.lon))
    if chosen is not None:
        folium.Marker(list(chosen), icon=_badge("✓", CHOSEN_COLOUR), tooltip="Vald punkt").add_to(
            fmap
        )
        points.append(chosen)
    if len(points) == 1:
        fmap.location = list(points[0])
        fmap.options["zoom"] = 17
    elif points:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], max_zoom=17)
    return fmap
