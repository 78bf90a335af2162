"""Routes on the map: one layer of lines (depot → stops → depot per crew) and one of stops.

Both are ``planner.geo.layers.Layer`` values (GeoJSON plus legend), drawn by
``planner.geo.mapview.build_map`` like every other layer, so the Karta page can show them too.
Each crew gets its own colour; a stop's tooltip gives its number, time, address and task.
``numbered_map`` draws the map with the stop numbers written on it.

The layers are built from route sheets, so they show no more than the sheets do; the rollout
manager's map shows no customer data at all (only addresses, times and tasks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium

from planner.geo.layers import Layer, LegendItem, MapData
from planner.geo.mapview import build_map
from planner.routing.sheets import RouteSheet

PALETTE = (
    "#1565c0",
    "#c62828",
    "#2e7d32",
    "#6a1b9a",
    "#ef6c00",
    "#00838f",
    "#ad1457",
    "#4e342e",
    "#283593",
    "#9e9d24",
)


def colour_of(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def route_layer(sheets: Sequence[RouteSheet], *, name: str = "Rutter") -> Layer:
    """The drive of each sheet as a line from the depot through its stops and back."""
    features: list[dict[str, Any]] = []
    legend: list[LegendItem] = []
    for index, sheet in enumerate(sheets):
        colour = colour_of(index)
        line = [
            [sheet.depot_lon, sheet.depot_lat],
            *([stop.lon, stop.lat] for stop in sheet.stops),
            [sheet.depot_lon, sheet.depot_lat],
        ]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {
                    "lag": sheet.crew_name,
                    "dag": sheet.day.isoformat(),
                    "stopp": len(sheet.stops),
                    "style": {"color": colour, "weight": 4, "opacity": 0.8},
                },
            }
        )
        legend.append(LegendItem(colour, f"{sheet.crew_name} {sheet.day}", len(sheet.stops)))
    return Layer(
        key="routes",
        name=name,
        geojson={"type": "FeatureCollection", "features": features},
        legend=tuple(legend),
        kind="line",
        tooltip_fields=(("lag", "Lag"), ("dag", "Dag"), ("stopp", "Stopp")),
    )


def stop_layer(sheets: Sequence[RouteSheet], *, name: str = "Stopp") -> Layer:
    """Each stop as a point in its route's colour; ``nr`` is its place in the route."""
    features: list[dict[str, Any]] = []
    for index, sheet in enumerate(sheets):
        colour = colour_of(index)
        for stop in sheet.stops:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
                    "properties": {
                        "nr": stop.position,
                        "tid": stop.arrival_text,
                        "adress": stop.address,
                        "uppgift": f"{stop.task} ({stop.door})",
                        "lag": sheet.crew_name,
                        "arbetsorder": stop.job_id,
                        "c": colour,
                    },
                }
            )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [sheet.depot_lon, sheet.depot_lat]},
                "properties": {
                    "nr": "D",
                    "tid": "",
                    "adress": sheet.depot_address,
                    "uppgift": "Depå",
                    "lag": sheet.crew_name,
                    "arbetsorder": "",
                    "c": "#37474f",
                },
            }
        )
    return Layer(
        key="route_stops",
        name=name,
        geojson={"type": "FeatureCollection", "features": features},
        legend=(),
        kind="point",
        tooltip_fields=(
            ("nr", "Nr"),
            ("tid", "Tid"),
            ("adress", "Adress"),
            ("uppgift", "Uppgift"),
            ("lag", "Lag"),
            ("arbetsorder", "Arbetsorder"),
        ),
        radius=9,
        label="nr",
    )


def route_map_data(sheets: Sequence[RouteSheet]) -> MapData:
    """Both layers, with the map fitted to the routes (Stockholm when there are none)."""
    layers = (route_layer(sheets), stop_layer(sheets))
    points = [(s.depot_lat, s.depot_lon) for s in sheets] + [
        (stop.lat, stop.lon) for s in sheets for stop in s.stops
    ]
    if not points:
        return MapData(layers=layers)
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    pad = 0.005
    bounds = ((min(lats) - pad, min(lons) - pad), (max(lats) + pad, max(lons) + pad))
    return MapData(layers=layers, bounds=bounds)


def numbered_map(sheets: Sequence[RouteSheet], *, tiles: str | None = "default") -> folium.Map:
    """The route map with each stop's number written on its point."""
    return build_map(route_map_data(sheets), tiles=tiles)
