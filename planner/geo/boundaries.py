"""District boundary files: any format GDAL reads, any CRS, any text encoding.

:func:`read_boundaries` returns a GeoDataFrame with ``name``, optional ``population`` and a
valid 2-D ``MultiPolygon`` geometry in WGS 84, one row per name (parts with the same name are
dissolved). It reads GeoJSON, Shapefile and GeoPackage in EPSG:3011, 3006, 4326 or any CRS the
file declares (or that is given, or recognised by range for SWEREF 99 TM / 18 00 / WGS 84).

Text encoding of shapefiles: the ``.dbf`` is read byte for byte, then each value is decoded on
its own. Valid UTF-8 with non-ASCII letters is taken as UTF-8 (Latin-1 text with Swedish letters
is practically never valid UTF-8); anything else is decoded with the ``.cpg`` encoding when it
names a single-byte one, else with the ``.dbf`` language-driver byte, else Windows-1252
(a superset of Latin-1 for text). So a ``.dbf`` that mixes UTF-8 and Latin-1 rows, a ``.cpg``
that says UTF-8 over Latin-1 text, and a file without ``.cpg`` all come out right. Text from
other formats is repaired when it is UTF-8 mis-read as Latin-1 ("HÃ¤gersten" → "Hägersten").
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from planner.errors import ImportRowError
from planner.geo._coordinates import detect_crs, parse_crs
from planner.geo.crs import WGS84

log = logging.getLogger(__name__)

__all__ = [
    "decode_dbf_text",
    "fix_mojibake",
    "read_boundaries",
    "read_municipality",
]

# dBase language-driver ids (byte 29 of the header) for the code pages met in Swedish data.
_LDID_CODEPAGES: dict[int, str] = {
    0x01: "cp437",
    0x02: "cp850",
    0x03: "cp1252",
    0x57: "cp1252",
    0x58: "cp1252",
    0x59: "cp1252",
    0x64: "cp852",
    0x65: "cp865",
    0xC8: "cp1250",
}
_MOJIBAKE_RE = re.compile("[ÃÂ][\u0080-\u00bf]|Ã.")


def _codec(name: str) -> str | None:
    """A Python codec name for a .cpg text ("UTF-8", "1252", "ISO-8859-1", "88591" …)."""
    text = name.strip().lower().replace("_", "-")
    if not text:
        return None
    if text.isdigit():
        text = {"88591": "latin-1", "65001": "utf-8"}.get(text, f"cp{text}")
    text = re.sub(r"^ansi\s*", "cp", text)
    try:
        return codecs.lookup(text).name
    except LookupError:
        log.warning("Unknown .cpg encoding %r; falling back to Windows-1252", name)
        return None


def _declared_encoding(shp: Path) -> str | None:
    """The single-byte encoding a shapefile declares (.cpg, else the .dbf header), if any."""
    for suffix in (".cpg", ".CPG"):
        cpg = shp.with_suffix(suffix)
        if cpg.exists():
            codec = _codec(cpg.read_text(encoding="ascii", errors="ignore"))
            if codec is not None:
                return codec
    for suffix in (".dbf", ".DBF"):
        dbf = shp.with_suffix(suffix)
        if dbf.exists():
            with dbf.open("rb") as handle:
                header = handle.read(32)
            if len(header) == 32:
                return _LDID_CODEPAGES.get(header[29])
    return None


def decode_dbf_text(raw: bytes, declared: str | None = None) -> str:
    """Decode one .dbf value: UTF-8 when it is valid UTF-8, else ``declared`` or Windows-1252."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    fallback = declared if declared and codecs.lookup(declared).name != "utf-8" else "cp1252"
    try:
        return raw.decode(fallback)
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def fix_mojibake(text: str) -> str:
    """Repair UTF-8 that was decoded as Latin-1/Windows-1252 ("SkÃ¤rholmen" → "Skärholmen")."""
    if not _MOJIBAKE_RE.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


def _is_shapefile(path: Path) -> bool:
    return path.suffix.lower() in (".shp", ".dbf")


def _read_frame(path: Path, *, layer: str | int | None, encoding: str | None) -> gpd.GeoDataFrame:
    """Read with GDAL; shapefile text is decoded per value (see the module docstring)."""
    if not path.exists():
        raise ImportRowError(f"{path}: filen finns inte")
    if _is_shapefile(path) and encoding is None:
        shp = path.with_suffix(".shp")
        declared = _declared_encoding(shp)
        # Latin-1 maps every byte to one character, so the raw bytes can be recovered.
        with warnings.catch_warnings():
            # PolygonZM is read as PolygonZ (the Z is dropped below anyway).
            warnings.filterwarnings("ignore", message="Measured", category=UserWarning)
            gdf = pyogrio.read_dataframe(shp, layer=layer, encoding="ISO-8859-1")
        renamed = {c: decode_dbf_text(str(c).encode("latin-1"), declared) for c in gdf.columns}
        gdf = gdf.rename(columns=renamed)
        for column in gdf.columns:
            if column == gdf.geometry.name or gdf[column].dtype != object:
                continue
            gdf[column] = gdf[column].map(
                lambda v: (
                    decode_dbf_text(v.encode("latin-1"), declared) if isinstance(v, str) else v
                )
            )
        log.debug("%s read with per-value decoding (declared %s)", path.name, declared)
        return gdf
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Measured", category=UserWarning)
        gdf = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    for column in gdf.columns:
        if column != gdf.geometry.name and gdf[column].dtype == object:
            gdf[column] = gdf[column].map(lambda v: fix_mojibake(v) if isinstance(v, str) else v)
    return gdf


def _to_multipolygon(geometry: BaseGeometry | None) -> MultiPolygon | None:
    """2-D, valid, polygons only, as a MultiPolygon (None when nothing areal is left)."""
    if geometry is None or geometry.is_empty:
        return None
    flat = shapely.force_2d(geometry)
    if not flat.is_valid:
        flat = shapely.make_valid(flat)
    polygons: list[Polygon] = []
    for part in shapely.get_parts(flat):
        if isinstance(part, Polygon):
            polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(part.geoms)
        elif part.geom_type == "GeometryCollection":
            fixed = _to_multipolygon(part)
            if fixed is not None:
                polygons.extend(fixed.geoms)
    polygons = [p for p in polygons if not p.is_empty and p.area > 0]
    return MultiPolygon(polygons) if polygons else None


def _set_crs(gdf: gpd.GeoDataFrame, path: Path, crs: int | str | None) -> gpd.GeoDataFrame:
    if crs is not None:
        code = parse_crs(crs)
        return gdf.set_crs(code, allow_override=True)
    if gdf.crs is not None:
        return gdf
    minx, miny, maxx, maxy = gdf.total_bounds
    codes, _ = detect_crs([(minx + maxx) / 2], [(miny + maxy) / 2])
    if codes[0] == 0:
        msg = (
            f"{path.name}: koordinatsystem saknas (ingen .prj) och känns inte igen; "
            "ange det, t.ex. EPSG:3011 (SWEREF 99 18 00) eller EPSG:3006 (SWEREF 99 TM)"
        )
        raise ImportRowError(msg)
    log.warning("%s has no CRS; EPSG:%d assumed from the coordinate range", path.name, codes[0])
    return gdf.set_crs(int(codes[0]))


def _pick_column(gdf: gpd.GeoDataFrame, wanted: str, path: Path, what: str) -> str:
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    if wanted in columns:
        return wanted
    folded = {str(c).casefold(): c for c in columns}
    if wanted.casefold() in folded:
        return str(folded[wanted.casefold()])
    msg = (
        f"{path.name}: kolumnen {wanted!r} för {what} finns inte; "
        f"tillgängliga kolumner: {', '.join(map(str, columns))}"
    )
    raise ImportRowError(msg)


def _population(values: pd.Series, path: Path, column: str) -> pd.Series:
    cleaned = values.astype(str).str.replace(r"[\s\u00a0]", "", regex=True).str.replace(",", ".")
    numbers = pd.to_numeric(cleaned.where(values.notna()), errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        msg = (
            f"{path.name}, rad {row}, kolumn {column!r}: folkmängden {values[bad].iloc[0]!r} "
            "är inte ett tal"
        )
        raise ImportRowError(msg)
    return numbers.round().astype("Int64")


def read_boundaries(
    path: str | os.PathLike[str],
    *,
    name_column: str,
    population_column: str | None = None,
    layer: str | int | None = None,
    crs: int | str | None = None,
    encoding: str | None = None,
    dissolve: bool = True,
) -> gpd.GeoDataFrame:
    """Read district boundaries: ``name``, (``population``), MultiPolygon geometry in WGS 84.

    ``name_column`` names the column holding the district name (matched case-insensitively; a
    Swedish error lists the columns when it is missing). ``crs`` overrides the file's CRS (for
    files without .prj); ``encoding`` overrides the text decoding. Parts with the same name are
    dissolved into one MultiPolygon (populations added) unless ``dissolve`` is False.
    """
    file = Path(path)
    gdf = _read_frame(file, layer=layer, encoding=encoding)
    name_col = _pick_column(gdf, name_column, file, "namn")
    population_col = (
        _pick_column(gdf, population_column, file, "folkmängd") if population_column else None
    )
    gdf = _set_crs(gdf, file, crs)

    names = gdf[name_col].map(lambda v: " ".join(str(v).split()) if v is not None else "")
    names = names.where(gdf[name_col].notna(), "")
    for row, name in enumerate(names, start=1):
        if not name:
            msg = f"{file.name}, rad {row}, kolumn {name_col!r}: namnet saknas"
            raise ImportRowError(msg)
    geometries = [_to_multipolygon(g) for g in gdf.geometry]
    keep = [g is not None for g in geometries]
    for row, ok in enumerate(keep, start=1):
        if not ok:
            log.warning("%s row %d (%s): no polygon, skipped", file.name, row, names.iloc[row - 1])
    data: dict[str, object] = {"name": names.to_numpy()}
    if population_col is not None:
        data["population"] = _population(gdf[population_col], file, population_col).to_numpy()
    out = gpd.GeoDataFrame(data, geometry=geometries, crs=gdf.crs)
    out = out.loc[keep]
    if out.crs is not None and out.crs.to_epsg() != WGS84:
        out = out.to_crs(WGS84)
    out["geometry"] = [_to_multipolygon(g) for g in out.geometry]  # reprojection may invalidate
    if dissolve and out["name"].duplicated().any():
        aggregate = {"population": "sum"} if population_col is not None else None
        dissolved = out.dissolve(by="name", aggfunc=aggregate or "first", sort=False)
        out = dissolved.reset_index()
        out["geometry"] = [_to_multipolygon(g) for g in out.geometry]
    columns = ["name", "population", "geometry"] if population_col else ["name", "geometry"]
    result = gpd.GeoDataFrame(out[columns].reset_index(drop=True), geometry="geometry", crs=WGS84)
    log.info("%s: %d boundaries read (%s)", file.name, len(result), name_col)
    return result


def read_municipality(
    path: str | os.PathLike[str], *, layer: str | int | None = None, crs: int | str | None = None
) -> MultiPolygon:
    """The union of every polygon in a file, in WGS 84: the municipality outline.

    Works on an outline file or on the districts themselves.
    """
    file = Path(path)
    gdf = _set_crs(_read_frame(file, layer=layer, encoding=None), file, crs)
    if gdf.crs is not None and gdf.crs.to_epsg() != WGS84:
        gdf = gdf.to_crs(WGS84)
    parts = [g for g in (_to_multipolygon(g) for g in gdf.geometry) if g is not None]
    if not parts:
        raise ImportRowError(f"{file.name}: filen innehåller inga ytor")
    union = _to_multipolygon(shapely.union_all(parts))
    if union is None:
        raise ImportRowError(f"{file.name}: filen innehåller inga ytor")
    return union
