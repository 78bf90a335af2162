"""Turn map layers (``planner.geo.layers``) into a folium map that draws without internet.

Leaflet and its companions are served by the app itself from ``static/vendor`` (Streamlit's static
serving, ``/app/static/...``); ``use_local_assets`` points folium at them. Base-map tiles still come
from the internet when there is one; without it the vector layers draw over a grey background.
"""

from __future__ import annotations

import html
import json
import os

import folium
from branca.element import MacroElement
from folium.utilities import JsCode
from jinja2 import Template

from planner.geo.layers import Layer, MapData

ASSET_BASE = "/app/static/vendor"
TILES_ENV = "PLANNER_MAP_TILES"  # "none" turns the base map off (tests, air-gapped offices)


def local_js(base: str = ASSET_BASE) -> list[tuple[str, str]]:
    return [
        ("leaflet", f"{base}/leaflet/leaflet.js"),
        ("jquery", f"{base}/jquery/jquery.min.js"),
        ("bootstrap", f"{base}/bootstrap/bootstrap.bundle.min.js"),
        ("awesome_markers", f"{base}/awesome-markers/leaflet.awesome-markers.min.js"),
    ]


def local_css(base: str = ASSET_BASE) -> list[tuple[str, str]]:
    return [
        ("leaflet_css", f"{base}/leaflet/leaflet.css"),
        ("bootstrap_css", f"{base}/bootstrap/bootstrap.min.css"),
        ("awesome_markers_font_css", f"{base}/fontawesome/css/all.min.css"),
        ("awesome_markers_css", f"{base}/awesome-markers/leaflet.awesome-markers.css"),
    ]


def use_local_assets(base: str = ASSET_BASE) -> None:
    """Make every folium map load Leaflet & co. from the app instead of CDNs (idempotent)."""
    folium.Map.default_js = local_js(base)
    folium.Map.default_css = local_css(base)


class Legend(MacroElement):
    """A legend box whose sections follow the layer switcher (shown only for visible layers)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function() {
                var div = L.DomUtil.create("div", "planner-legend");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo(map);
            function toggle(name, on) {
                document.querySelectorAll(".planner-legend section").forEach(function(s) {
                    if (s.dataset.layer === name) { s.style.display = on ? "" : "none"; }
                });
            }
            map.on("overlayadd", function(e) { toggle(e.name, true); });
            map.on("overlayremove", function(e) { toggle(e.name, false); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, layers: tuple[Layer, ...]) -> None:
        super().__init__()
        self._name = "Legend"
        self.html = legend_html(layers)


def legend_html(layers: tuple[Layer, ...]) -> str:
    style = (
        "<style>.planner-legend{background:rgba(255,255,255,.92);padding:6px 10px;"
        "border-radius:4px;font:12px/1.4 sans-serif;max-height:340px;overflow:auto;"
        "box-shadow:0 1px 4px rgba(0,0,0,.3)}"
        ".planner-legend h4{margin:4px 0 2px;font-size:12px;font-weight:600}"
        ".planner-legend i{display:inline-block;width:11px;height:11px;border-radius:50%;"
        "margin-right:5px;vertical-align:-1px;border:1px solid #fff}"
        ".planner-label{background:none;border:none;box-shadow:none;padding:0;"
        "font:700 10px sans-serif;color:#fff}.planner-label:before{display:none}</style>"
    )
    parts = [style]
    for layer in layers:
        if not layer.legend:
            continue
        rows = "".join(
            f'<div><i style="background:{item.colour}"></i>{html.escape(item.text)}'
            + (f" ({item.count})" if item.count is not None else "")
            + "</div>"
            for item in layer.legend
        )
        hidden = "" if layer.show else ' style="display:none"'
        parts.append(
            f'<section data-layer="{html.escape(layer.name)}"{hidden}>'
            f"<h4>{html.escape(layer.name)}</h4>{rows}</section>"
        )
    return "".join(parts)


def _tiles() -> str | None:
    choice = os.environ.get(TILES_ENV, "OpenStreetMap")
    return None if choice.lower() == "none" else choice


def _geojson(layer: Layer) -> folium.GeoJson:
    fields = [f for f, _ in layer.tooltip_fields]
    aliases = [a for _, a in layer.tooltip_fields]
    # folium checks the fields against the data, so an empty layer gets no tooltip
    shown = fields and layer.geojson["features"]
    tooltip = folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True) if shown else None
    if layer.kind == "point":
        # one shared marker style; each point's fill colour comes from its ``c`` property
        marker = folium.CircleMarker(
            radius=layer.radius, color="#ffffff", weight=1, fill=True, fill_opacity=0.9
        )
        label = (
            ""
            if layer.label is None
            else f"l.bindTooltip(String(f.properties[{json.dumps(layer.label)}]), "
            "{permanent: true, direction: 'center', className: 'planner-label'});"
        )
        return folium.GeoJson(
            layer.geojson,
            name=layer.name,
            tooltip=tooltip,
            marker=marker,
            on_each_feature=JsCode(
                f"function(f, l) {{ l.setStyle({{fillColor: f.properties.c}}); {label} }}"
            ),
        )
    return folium.GeoJson(layer.geojson, name=layer.name, tooltip=tooltip, smooth_factor=1.5)


def build_map(data: MapData, *, tiles: str | None = "default") -> folium.Map:
    """A folium map with one switchable overlay per layer, a legend and a layer switcher."""
    chosen = _tiles() if tiles == "default" else tiles
    fmap = folium.Map(
        location=[59.325, 18.02],
        zoom_start=11,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
    )
    if chosen is not None:
        folium.TileLayer(chosen, name="Bakgrundskarta", control=False).add_to(fmap)
    else:
        fmap.get_root().header.add_child(  # type: ignore[attr-defined]
            folium.Element("<style>.leaflet-container{background:#e6e6e6}</style>")
        )
    for layer in data.background:
        group = folium.FeatureGroup(name=layer.name, control=False, show=True)
        _geojson(layer).add_to(group)
        group.add_to(fmap)
    for layer in data.layers:
        group = folium.FeatureGroup(name=layer.name, show=layer.show)
        _geojson(layer).add_to(group)
        group.add_to(fmap)
    # no automatic z-index: vector layers do not use it, and with labelled points it failed
    folium.LayerControl(collapsed=False, position="topright", autoZIndex=False).add_to(fmap)
    Legend(data.layers).add_to(fmap)
    fmap.fit_bounds([list(data.bounds[0]), list(data.bounds[1])])
    return fmap
