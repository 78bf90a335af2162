"""The district map coloured by progress, as a map layer for ``planner.geo.mapview``.

The folium map draws with the app's own Leaflet assets (``mapview.use_local_assets``), so it
needs no CDN; the colours are the printed report's (``planner.reports.svg.PROGRESS_BINS``).
"""

from __future__ import annotations

import pandas as pd
import shapely
from shapely.geometry import mapping

from planner.geo.layers import Layer, LegendItem, MapData
from planner.reports._format import number, percent, short_date
from planner.reports.report import Report
from planner.reports.svg import NO_CUSTOMERS_FILL, PROGRESS_BINS, progress_fill

LAYER_NAME = "Andel nyckelfria kunder"


def progress_layer(report: Report) -> Layer:
    """One polygon per district in the report's scope, filled by its keyless-ready share."""
    features = []
    counts: dict[str, int] = {}
    for row in report.district_rows().to_dict("records"):
        geom = report.geometries.get(int(row["district_id"]))
        if geom is None:
            continue
        share = float(row["ready_share"]) if row["customers"] else None
        fill = progress_fill(share)
        counts[fill] = counts.get(fill, 0) + 1
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(geom.simplify(0.0002, preserve_topology=True)),
                "properties": {
                    "namn": row["district"],
                    "vag": "–" if pd.isna(row["wave"]) else int(row["wave"]),
                    "kunder": number(row["customers"]),
                    "nyckelfria": f"{number(row['ready_customers'])} "
                    f"({percent(row['ready_share'])})",
                    "medgivanden": percent(row["consents_received_share"]),
                    "byggnader": number(row["live_buildings"]),
                    "klar": short_date(row["p50"]),
                    "style": {
                        "color": "#1f2933",
                        "weight": 1.5,
                        "fillColor": fill,
                        "fillOpacity": 0.75,
                    },
                },
            }
        )
    bins = [(fill, text) for _, fill, text in PROGRESS_BINS]
    legend = tuple(
        LegendItem(fill, text, counts.get(fill, 0))
        for fill, text in [*bins, (NO_CUSTOMERS_FILL, "inga kunder")]
    )
    return Layer(
        key="progress",
        name=LAYER_NAME,
        geojson={"type": "FeatureCollection", "features": features},
        legend=legend,
        kind="polygon",
        tooltip_fields=(
            ("namn", "Stadsdelsområde"),
            ("vag", "Våg"),
            ("kunder", "Hemtjänstkunder"),
            ("nyckelfria", "Nyckelfria kunder"),
            ("medgivanden", "Medgivanden mottagna"),
            ("byggnader", "Helt nyckelfria byggnader"),
            ("klar", "Klar (prognos)"),
        ),
    )


def progress_map_data(report: Report) -> MapData:
    """Map data for ``planner.geo.mapview.build_map``: the progress layer, fitted to the scope."""
    shapes = [report.geometries[i] for i in report.district_ids if i in report.geometries]
    layer = progress_layer(report)
    if not shapes:
        return MapData(layers=(layer,), demo=report.demo)
    minx, miny, maxx, maxy = shapely.union_all(shapes).bounds
    return MapData(layers=(layer,), bounds=((miny, minx), (maxy, maxx)), demo=report.demo)
