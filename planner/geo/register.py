"""Address registers: the reference points the geocoder matches against.

Every reader returns the same DataFrame, one row per address point (columns
:data:`planner.geo.geocode.REGISTER_COLUMNS` plus ``source_row``): ``street``, ``number``
(int), ``letter`` ("" or upper case), ``entrance`` ("", "UH", "UV", "U1" …), ``postcode``
("NNN NN" or ""), ``postort``, ``lat``/``lon`` (WGS 84), ``source`` ("lantmateriet" or "osm"),
``source_id`` and ``source_row`` (the row or feature number in the file, header = row 1 for CSV).
House-number ranges ("31A-D", "46-48") are expanded to one row per address, all on the same point.

Lantmäteriet's *Belägenhetsadress Nedladdning, vektor* (GeoPackage, layer
``belagenhetsadress``, EPSG:3006) and CSV exports of it. Columns are matched case-insensitively
with å/ä/ö folded and ``_`` ignored; accepted names:

================  =====================================================================
field             accepted column names
================  =====================================================================
street            adressomrade_faststalltnamn, adressomrade, adressomradesnamn, gatunamn,
                  gata, street (+ gardsadressomrade_faststalltnamn / gardsadressomrade,
                  appended when present)
number            adressplatsnummer, gatunummer, husnummer, nummer, number
                  (avvikandeadressplatsbeteckning when the number is empty)
letter            bokstavstillagg, bokstavstillägg, bokstav, littera, letter
entrance          lagestillagg (+ lagestillaggsnummer → "U1")
postcode          postnummer, postnr, postcode
postort           postort, ort, city
status            statusforbelagenhetsadress, status: only "Gällande" rows are kept
                  ("Reserverad" addresses are not in use yet)
id                objektidentitet, belagenhetsadress_objektidentitet, id
coordinates       the file's point geometry, or columns ostkoordinat/nordkoordinat, e/n,
                  easting/northing, x/y (either order; recognised by range), lat/lon
================  =====================================================================

OpenStreetMap: an ``.osm.pbf`` (or ``.osm`` XML) through pyosmium: nodes, ways (centroid) and
multipolygon relations (centroid) with ``addr:housenumber`` and ``addr:street`` (or
``addr:place``), ``addr:postcode``, ``addr:city``; or a CSV of such points with columns
street, housenumber, postcode, city, lat, lon (``addr:`` prefixes accepted).
"""

from __future__ import annotations

import csv
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from planner.errors import ImportRowError
from planner.geo.addresses import (
    AddressParseError,
    SwedishAddress,
    canonical_postort,
    format_postcode,
    parse_house_number,
    street_key,
)
from planner.geo.crs import SWEREF99_TM, WGS84
from planner.geo.geocode import REGISTER_COLUMNS, coordinates_to_wgs84

log = logging.getLogger(__name__)

__all__ = [
    "OUTPUT_COLUMNS",
    "combine_registers",
    "import_row_error",
    "read_address_register",
    "read_lantmateriet_addresses",
    "read_osm_address_csv",
    "read_osm_address_pbf",
    "read_osm_addresses",
]

OUTPUT_COLUMNS: tuple[str, ...] = (*REGISTER_COLUMNS, "source_row")

_ALIASES: dict[str, tuple[str, ...]] = {
    "street": (
        "adressomradefaststalltnamn",
        "adressomrade",
        "adressomradesnamn",
        "gatunamn",
        "gata",
        "street",
        "addrstreet",
    ),
    "farm": ("gardsadressomradefaststalltnamn", "gardsadressomrade"),
    "number": ("adressplatsnummer", "gatunummer", "husnummer", "nummer", "number"),
    "house_number": ("housenumber", "addrhousenumber"),
    "deviating": ("avvikandeadressplatsbeteckning",),
    "letter": ("bokstavstillagg", "bokstav", "littera", "letter"),
    "entrance": ("lagestillagg", "entrance"),
    "entrance_number": ("lagestillaggsnummer",),
    "postcode": ("postnummer", "postnr", "postcode", "addrpostcode"),
    "postort": ("postort", "ort", "city", "addrcity"),
    "status": ("statusforbelagenhetsadress", "status", "adressstatus"),
    "id": ("objektidentitet", "belagenhetsadressobjektidentitet", "osmnodeid", "osmid", "id"),
    "east": ("ostkoordinat", "ost", "e", "east", "easting", "x"),
    "north": ("nordkoordinat", "nord", "n", "north", "northing", "y"),
    "lat": ("lat", "latitude", "latitud"),
    "lon": ("lon", "lng", "long", "longitude", "longitud"),
}
_CURRENT_STATUS = "gallande"


def import_row_error(
    *, file: str | os.PathLike[str], row: int, column: str, reason: str
) -> ImportRowError:
    """An :class:`ImportRowError` naming file, row and column: "adresser.csv, rad 7, kolumn …"."""
    return ImportRowError(f"{Path(file).name}, rad {row}, kolumn {column!r}: {reason}")


def _column_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", str(name).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", text)


def _find_columns(columns: Iterable[str]) -> dict[str, str]:
    """Map our field names to the file's column names (first alias that is present)."""
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(_column_key(column), column)
    found: dict[str, str] = {}
    for field, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in by_key:
                found[field] = by_key[alias]
                break
    return found


def _read_csv(path: Path, *, encoding: str | None = None) -> pd.DataFrame:
    """A CSV as strings: separator sniffed (; , tab), UTF-8 (with BOM) or else Windows-1252."""
    encodings = [encoding] if encoding else ["utf-8-sig", "cp1252"]
    last_error: Exception | None = None
    for candidate in encodings:
        try:
            with path.open(encoding=candidate, newline="") as handle:
                header = handle.readline()
                separator = max((";", ",", "\t", "|"), key=header.count)
            return pd.read_csv(
                path,
                sep=separator,
                dtype=str,
                keep_default_na=False,
                encoding=candidate,
                quoting=csv.QUOTE_MINIMAL,
            )
        except UnicodeDecodeError as error:
            last_error = error
    msg = f"{path.name}: filen kan inte läsas som UTF-8 eller Windows-1252 ({last_error})"
    raise ImportRowError(msg)


def _text(series: pd.Series | None, length: int) -> np.ndarray:
    if series is None:
        return np.full(length, "", dtype=object)
    values = series.astype(object).where(series.notna(), "")
    return np.asarray([str(v).strip() if v is not None else "" for v in values], dtype=object)


def _float(text: str) -> float:
    cleaned = text.replace("\u2212", "-").replace(" ", "").replace(",", ".")
    return float(cleaned) if cleaned else float("nan")


class _Collector:
    """Rows that could not be used: logged, kept on ``df.attrs["skipped"]``, or raised."""

    def __init__(self, path: Path, *, strict: bool) -> None:
        self.path = path
        self.strict = strict
        self.messages: list[str] = []

    def skip(self, row: int, column: str, reason: str) -> None:
        error = import_row_error(file=self.path, row=row, column=column, reason=reason)
        if self.strict:
            raise error
        self.messages.append(str(error))


def _finish(
    records: list[dict[str, Any]], path: Path, collector: _Collector, source: str
) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(OUTPUT_COLUMNS))
    frame["number"] = frame["number"].astype(np.int64)
    frame["lat"] = frame["lat"].astype(np.float64)
    frame["lon"] = frame["lon"].astype(np.float64)
    frame["source_row"] = frame["source_row"].astype(np.int64)
    frame.attrs["skipped"] = list(collector.messages)
    if collector.messages:
        log.warning(
            "%s: %d rows skipped, e.g. %s",
            path.name,
            len(collector.messages),
            collector.messages[0],
        )
    log.info("%s: %d %s address points read", path.name, len(frame), source)
    return frame


def _postcode(value: str, row: int, column: str, collector: _Collector) -> str:
    try:
        return format_postcode(value)
    except AddressParseError as error:
        collector.skip(row, column, f"{error.reason}; adressen läses utan postnummer")
        return ""


def _expanded(
    number: int, letter: str, number_to: int | None, letter_to: str, entrance: str
) -> list[tuple[int, str, str]]:
    address = SwedishAddress(
        street="-",
        number=number,
        letter=letter,
        entrance=entrance,
        number_to=number_to,
        letter_to=letter_to,
    )
    return [(a.number, a.letter, a.entrance) for a in address.expand()]


# --------------------------------------------------------------------------- Lantmäteriet


def read_lantmateriet_addresses(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    crs: int | str | None = None,
    encoding: str | None = None,
    strict: bool = False,
) -> pd.DataFrame:
    """Read Lantmäteriet's belägenhetsadress export (GeoPackage, other OGR file, or CSV).

    The coordinates are read in the file's CRS (EPSG:3006 when the file names none, or ``crs``)
    and stored in WGS 84. Rows without street, number or coordinates are skipped and listed on
    ``df.attrs["skipped"]`` (Swedish messages naming file, row and column); with
    ``strict=True`` the first such row raises :class:`ImportRowError`.
    """
    file = Path(path)
    if not file.exists():
        raise ImportRowError(f"{file}: filen finns inte")
    collector = _Collector(file, strict=strict)
    if file.suffix.lower() in (".csv", ".txt"):
        table = _read_csv(file, encoding=encoding)
        east = north = None
        source_crs = crs
    else:
        table, east, north, source_crs = _read_ogr_points(file, layer=layer, crs=crs)
    columns = _find_columns(table.columns)
    missing = [f for f in ("street", "number") if f not in columns]
    if missing:
        names = {"street": "adressomrade_faststalltnamn", "number": "adressplatsnummer"}
        wanted = ", ".join(names[f] for f in missing)
        msg = (
            f"{file.name}: kolumnen {wanted} saknas; filen har {', '.join(map(str, table.columns))}"
        )
        raise ImportRowError(msg)
    n = len(table)
    get = {f: _text(table[c], n) for f, c in columns.items()}
    first_row = 2 if east is None else 1
    if east is None or north is None:
        east, north, coordinate_column = _coordinate_columns(table, columns, file, get)
    else:
        coordinate_column = "geometry"
    lat, lon, detected = coordinates_to_wgs84(
        east, north, crs=source_crs if source_crs is not None else None
    )
    if source_crs is None:
        # Without a CRS, only SWEREF 99 TM and WGS 84 are plausible for this product.
        unexpected = (detected != SWEREF99_TM) & (detected != WGS84) & (detected != 0)
        if unexpected.any():
            log.warning("%s: %d points look like a local SWEREF zone", file.name, unexpected.sum())

    empty = np.full(n, "", dtype=object)
    status = get.get("status", empty)
    records: list[dict[str, Any]] = []
    for i in range(n):
        row = i + first_row
        if status[i] and _column_key(status[i]) != _CURRENT_STATUS:
            continue
        street = get["street"][i]
        if "farm" in get and get["farm"][i]:
            street = f"{street} {get['farm'][i]}".strip()
        if not street:
            collector.skip(row, columns["street"], "gatunamnet (adressområdet) saknas")
            continue
        number_text = get["number"][i]
        if number_text.endswith(".0"):
            number_text = number_text[:-2]
        letter = get.get("letter", empty)[i].upper()
        entrance = get.get("entrance", empty)[i].upper().replace(" ", "")
        if entrance and "entrance_number" in get:
            entrance += get["entrance_number"][i].removesuffix(".0")
        try:
            if number_text.isdigit():
                parts = [(int(number_text), letter, entrance)]
            else:
                text = number_text or get.get("deviating", empty)[i]
                number, read_letter, number_to, letter_to, read_entrance = parse_house_number(
                    f"{text}{letter}" if letter and text.isdigit() else text
                )
                parts = _expanded(
                    number,
                    read_letter or letter,
                    number_to,
                    letter_to,
                    read_entrance or entrance,
                )
        except AddressParseError as error:
            collector.skip(row, columns["number"], error.reason)
            continue
        if not (np.isfinite(lat[i]) and np.isfinite(lon[i])):
            collector.skip(
                row,
                coordinate_column,
                "koordinater saknas eller känns inte igen (väntade SWEREF 99 TM, EPSG:3006)",
            )
            continue
        postcode = (
            _postcode(get["postcode"][i], row, columns["postcode"], collector)
            if "postcode" in get
            else ""
        )
        postort = canonical_postort(get.get("postort", empty)[i])
        source_id = get.get("id", empty)[i] or f"rad {row}"
        for number, part_letter, part_entrance in parts:
            records.append(
                {
                    "street": street,
                    "number": number,
                    "letter": part_letter,
                    "entrance": part_entrance,
                    "postcode": postcode,
                    "postort": postort,
                    "lat": float(lat[i]),
                    "lon": float(lon[i]),
                    "source": "lantmateriet",
                    "source_id": source_id,
                    "source_row": row,
                }
            )
    return _finish(records, file, collector, "Lantmäteriet")


def _read_ogr_points(
    file: Path, *, layer: str | None, crs: int | str | None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, int | str | None]:
    import pyogrio

    if layer is None:
        layers = [str(name) for name, *_ in pyogrio.list_layers(file)]
        preferred = [name for name in layers if "belagenhetsadress" in _column_key(name)]
        layer = preferred[0] if preferred else layers[0]
    gdf = pyogrio.read_dataframe(file, layer=layer)
    points = gdf.geometry.representative_point()
    file_crs: int | str | None = crs
    if file_crs is None and gdf.crs is not None:
        file_crs = gdf.crs.to_epsg() or gdf.crs.to_wkt()
    if file_crs is None:
        file_crs = SWEREF99_TM
    if isinstance(file_crs, str) and not file_crs.upper().startswith("EPSG"):
        # A WKT without an EPSG code: project with geopandas to SWEREF 99 TM first.
        points = points.to_crs(SWEREF99_TM)
        file_crs = SWEREF99_TM
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    return table, points.x.to_numpy(), points.y.to_numpy(), file_crs


def _coordinate_columns(
    table: pd.DataFrame,
    columns: dict[str, str],
    file: Path,
    get: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, str]:
    if "east" in columns and "north" in columns:
        pair = ("east", "north")
    elif "lon" in columns and "lat" in columns:
        pair = ("lon", "lat")
    else:
        msg = (
            f"{file.name}: koordinatkolumner saknas; väntade ostkoordinat/nordkoordinat "
            f"(eller e/n, x/y, lat/lon); filen har {', '.join(map(str, table.columns))}"
        )
        raise ImportRowError(msg)
    xs = np.array([_safe_float(v) for v in get[pair[0]]], dtype=np.float64)
    ys = np.array([_safe_float(v) for v in get[pair[1]]], dtype=np.float64)
    return xs, ys, f"{columns[pair[0]]}/{columns[pair[1]]}"


def _safe_float(text: str) -> float:
    try:
        return _float(text)
    except ValueError:
        return float("nan")


# --------------------------------------------------------------------------- OpenStreetMap


def _osm_rows(
    items: Iterable[tuple[int, str, str, str, str, str, float, float, str]],
    file: Path,
    collector: _Collector,
) -> pd.DataFrame:
    """Rows (row, id, street, housenumber, postcode, city, lat, lon, number column) → register."""
    records: list[dict[str, Any]] = []
    for row, source_id, street, housenumber, postcode, city, lat, lon, column in items:
        if not street:
            collector.skip(row, "street", "gatunamn (addr:street) saknas")
            continue
        if not (np.isfinite(lat) and np.isfinite(lon)):
            collector.skip(row, "lat/lon", "koordinater saknas")
            continue
        parts: list[tuple[int, str, str]] = []
        try:
            # OSM lists several numbers with ";" ("1;3") and sometimes ",".
            for piece in re.split(r"[;,]", housenumber):
                if piece.strip():
                    parts.extend(_expanded(*parse_house_number(piece)))
        except AddressParseError as error:
            collector.skip(row, column, f"{error.reason} (fick {housenumber!r})")
            continue
        if not parts:
            collector.skip(row, column, "gatunummer saknas")
            continue
        postcode_text = _postcode(postcode, row, "postcode", collector)
        postort = canonical_postort(city)
        for number, letter, entrance in parts:
            records.append(
                {
                    "street": " ".join(street.split()),
                    "number": number,
                    "letter": letter,
                    "entrance": entrance,
                    "postcode": postcode_text,
                    "postort": postort,
                    "lat": lat,
                    "lon": lon,
                    "source": "osm",
                    "source_id": source_id,
                    "source_row": row,
                }
            )
    return _finish(records, file, collector, "OpenStreetMap")


def read_osm_address_csv(
    path: str | os.PathLike[str], *, encoding: str | None = None, strict: bool = False
) -> pd.DataFrame:
    """Read OpenStreetMap address points from a CSV (street, housenumber, postcode, lat, lon)."""
    file = Path(path)
    if not file.exists():
        raise ImportRowError(f"{file}: filen finns inte")
    collector = _Collector(file, strict=strict)
    table = _read_csv(file, encoding=encoding)
    columns = _find_columns(table.columns)
    number_field = "house_number" if "house_number" in columns else "number"
    required = ("street", number_field, "lat", "lon")
    missing = [f for f in required if f not in columns]
    if missing:
        msg = (
            f"{file.name}: kolumnerna street, housenumber, lat och lon behövs; "
            f"filen har {', '.join(map(str, table.columns))}"
        )
        raise ImportRowError(msg)
    n = len(table)
    get = {f: _text(table[c], n) for f, c in columns.items()}
    empty = np.full(n, "", dtype=object)
    lat = np.array([_safe_float(v) for v in get["lat"]])
    lon = np.array([_safe_float(v) for v in get["lon"]])
    ids = get.get("id", empty)
    items = (
        (
            i + 2,
            f"node/{ids[i]}" if ids[i] else f"rad {i + 2}",
            get["street"][i],
            get[number_field][i],
            get.get("postcode", empty)[i],
            get.get("postort", empty)[i],
            float(lat[i]),
            float(lon[i]),
            columns[number_field],
        )
        for i in range(n)
    )
    return _osm_rows(items, file, collector)


def read_osm_address_pbf(path: str | os.PathLike[str], *, strict: bool = False) -> pd.DataFrame:
    """Read address points from an OpenStreetMap extract (.osm.pbf, .osm, .osm.bz2 …).

    Nodes give their own location; ways and multipolygon relations (buildings with an address)
    give their centroid. ``source_row`` counts the address objects in file order.
    """
    import osmium
    from shapely import wkb
    from shapely.geometry import LineString, Polygon

    file = Path(path)
    if not file.exists():
        raise ImportRowError(f"{file}: filen finns inte")
    collector = _Collector(file, strict=strict)
    found: list[tuple[int, str, str, str, str, str, float, float, str]] = []
    factory = osmium.geom.WKBFactory()

    def tags_of(obj: Any) -> tuple[str, str, str, str] | None:
        tags = obj.tags
        housenumber = tags.get("addr:housenumber")
        if not housenumber:
            return None
        street = tags.get("addr:street") or tags.get("addr:place") or ""
        return street, housenumber, tags.get("addr:postcode", ""), tags.get("addr:city", "")

    def add(
        kind: str, osm_id: int, tags: tuple[str, str, str, str], lat: float, lon: float
    ) -> None:
        street, housenumber, postcode, city = tags
        row = len(found) + 1
        found.append(
            (row, f"{kind}/{osm_id}", street, housenumber, postcode, city, lat, lon, "housenumber")
        )

    class Handler(osmium.SimpleHandler):
        def node(self, n: Any) -> None:
            tags = tags_of(n)
            if tags is not None and n.location.valid():
                add("node", n.id, tags, n.location.lat, n.location.lon)

        def way(self, w: Any) -> None:
            tags = tags_of(w)
            if tags is None:
                return
            try:
                coords = [(node.lon, node.lat) for node in w.nodes]
            except osmium.InvalidLocationError:
                collector.skip(len(found) + 1, "geometry", f"way/{w.id} saknar nodpositioner")
                return
            if len(coords) >= 4 and coords[0] == coords[-1]:
                shape: Any = Polygon(coords)
                if not shape.is_valid or shape.area == 0:
                    shape = LineString(coords)
            elif len(coords) >= 2:
                shape = LineString(coords)
            else:
                return
            centre = shape.centroid
            add("way", w.id, tags, centre.y, centre.x)

        def area(self, a: Any) -> None:
            if a.from_way():
                return  # ways are handled in way()
            tags = tags_of(a)
            if tags is None:
                return
            try:
                shape = wkb.loads(factory.create_multipolygon(a), hex=True)
            except RuntimeError:
                return
            centre = shape.centroid
            add("relation", a.orig_id(), tags, centre.y, centre.x)

    Handler().apply_file(str(file), locations=True)
    return _osm_rows(found, file, collector)


def read_osm_addresses(path: str | os.PathLike[str], *, strict: bool = False) -> pd.DataFrame:
    """OpenStreetMap addresses from a CSV or an OSM file, chosen by the file name."""
    file = Path(path)
    if file.suffix.lower() in (".csv", ".txt"):
        return read_osm_address_csv(file, strict=strict)
    return read_osm_address_pbf(file, strict=strict)


def read_address_register(
    path: str | os.PathLike[str],
    *,
    kind: Literal["auto", "lantmateriet", "osm"] = "auto",
    layer: str | None = None,
    crs: int | str | None = None,
    strict: bool = False,
) -> pd.DataFrame:
    """Read an address register of either kind; ``auto`` decides by file type and columns."""
    file = Path(path)
    if kind == "auto":
        name = file.name.lower()
        if name.endswith((".pbf", ".osm", ".osm.bz2", ".osm.gz", ".o5m")):
            kind = "osm"
        elif file.suffix.lower() in (".csv", ".txt"):
            header = _read_csv(file).columns
            columns = _find_columns(header)
            kind = "osm" if "house_number" in columns else "lantmateriet"
        else:
            kind = "lantmateriet"
    if kind == "osm":
        return read_osm_addresses(file, strict=strict)
    return read_lantmateriet_addresses(file, layer=layer, crs=crs, strict=strict)


def combine_registers(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Several registers as one; the same address at (almost) the same point is kept once.

    Earlier frames win: pass Lantmäteriet first and OpenStreetMap after to fill its gaps.
    """
    if not frames:
        return pd.DataFrame(columns=list(OUTPUT_COLUMNS))
    combined = pd.concat(frames, ignore_index=True)
    keys = combined["street"].map(street_key)
    # Points within ~11 m (4 decimals of latitude) are the same place.
    duplicated = pd.DataFrame(
        {
            "key": keys,
            "number": combined["number"],
            "letter": combined["letter"],
            "lat": combined["lat"].round(4),
            "lon": combined["lon"].round(4),
        }
    ).duplicated()
    result = combined.loc[~duplicated].reset_index(drop=True)
    result.attrs["skipped"] = [m for f in frames for m in f.attrs.get("skipped", [])]
    return result
