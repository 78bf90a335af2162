"""A route sheet as files: PDF and HTML for reading, CSV, GPX and ICS for other programs.

Every format is made from the same ``RouteSheet``, which already carries only what its crew's
organisation may read (``planner.routing.sheets``); the CSV leaves out the columns that
organisation never gets, so a locksmith's file has no customer column at all.

* PDF (WeasyPrint): A4, the table header repeated on every page, "Sida N av M" at the foot, a
  route sketch drawn as inline SVG from the stops' coordinates (no network);
* HTML: the same page, for the screen;
* CSV: one row per stop, ``;``-separated, UTF-8 with a byte-order mark (opens in Excel);
* GPX 1.1: the depot and the stops as waypoints and the drive as a route, for navigation;
* ICS: one event per stop at its planned time in Europe/Stockholm, with a stable UID.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from collections.abc import Callable

from jinja2 import Environment, PackageLoader, select_autoescape

from planner.errors import PlannerError
from planner.routing._sketch import route_svg
from planner.routing.problem import STOCKHOLM
from planner.routing.sheets import Audience, RouteSheet, SheetStop, weekday

FORMATS = ("pdf", "html", "csv", "gpx", "ics")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html",
    "csv": "text/csv",
    "gpx": "application/gpx+xml",
    "ics": "text/calendar",
}
PRIVACY_NOTES = {
    Audience.LOCKSMITH: "Låsfirmans körlista: inga kunduppgifter (namn, lägenhetsnummer) visas.",
    Audience.CITY: "Stadens körlista: lägenhetsnummer visas, inga kunduppgifter.",
    Audience.TRYGGHETSJOUR: (
        "Innehåller kunduppgifter för att hålla bokade tider: hanteras konfidentiellt och "
        "förstörs efter arbetsdagen."
    ),
}
UID_DOMAIN = "planner.nyckelfri-hemtjanst.stockholm"

_environment: Environment | None = None


def _templates() -> Environment:
    global _environment
    if _environment is None:
        _environment = Environment(
            loader=PackageLoader("planner.routing", "templates"),
            autoescape=select_autoescape(["html"]),
        )
    return _environment


def _hours(seconds: int) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def to_html(sheet: RouteSheet, *, printed: dt.datetime | None = None) -> str:
    moment = (printed or dt.datetime.now(STOCKHOLM)).astimezone(STOCKHOLM)
    distance = sheet.distance_m
    return (
        _templates()
        .get_template("route_sheet.html")
        .render(
            sheet=sheet,
            weekday=weekday(sheet.day),
            printed=moment.strftime("%Y-%m-%d %H:%M"),
            svg=route_svg(
                (sheet.depot_lat, sheet.depot_lon),
                [(stop.lat, stop.lon) for stop in sheet.stops],
                title=f"Ruttkarta {sheet.crew_name} {sheet.day}",
            ),
            customer_columns=sheet.audience.sees_apartment,
            privacy_note=PRIVACY_NOTES[sheet.audience],
            service=_hours(sheet.service_min * 60),
            driving=_hours(sheet.driving_s),
            distance="–" if distance is None else f"{distance / 1000:.1f} km".replace(".", ","),
        )
    )


def to_pdf(sheet: RouteSheet, *, printed: dt.datetime | None = None) -> bytes:
    from weasyprint import HTML  # heavy: imported when a PDF is asked for

    document: bytes = HTML(string=to_html(sheet, printed=printed)).write_pdf()
    return document


def _csv_columns(audience: Audience) -> list[tuple[str, Callable[..., object]]]:
    columns: list[tuple[str, Callable[..., object]]] = [
        ("nr", lambda s: s.position),
        ("tid", lambda s: s.arrival_text),
        ("arbetsorder", lambda s: s.job_id),
        ("uppgift", lambda s: s.task),
        ("dörr", lambda s: s.door),
        ("adress", lambda s: s.address),
        ("lat", lambda s: f"{s.lat:.6f}"),
        ("lon", lambda s: f"{s.lon:.6f}"),
        ("cylinder", lambda s: s.cylinder or ""),
        ("bokad tid", lambda s: s.appointment or ""),
        ("fastighetens kontakt", lambda s: s.contact or ""),
    ]
    if audience.sees_apartment:
        columns.append(("lägenhet", lambda s: s.apartment or ""))
    if audience.sees_customer:
        columns.append(("kund (kontakt)", lambda s: s.customer or ""))
    columns += [
        ("anteckningar", lambda s: " | ".join(s.notes)),
        ("tid på plats min", lambda s: s.service_min),
        ("körtid min", lambda s: round(s.travel_s / 60)),
        ("körsträcka km", lambda s: "" if s.distance_m is None else f"{s.distance_m / 1000:.1f}"),
        ("status", lambda s: "utförd" if s.state.value == "done" else "planerad"),
    ]
    return columns


def to_csv(sheet: RouteSheet) -> bytes:
    columns = _csv_columns(sheet.audience)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["lag", "datum", *(name for name, _ in columns)])
    for stop in sheet.stops:
        writer.writerow([sheet.crew_name, sheet.day.isoformat(), *(f(stop) for _, f in columns)])
    return buffer.getvalue().encode("utf-8-sig")


GPX_NS = "http://www.topografix.com/GPX/1/1"


def to_gpx(sheet: RouteSheet) -> bytes:
    ET.register_namespace("", GPX_NS)
    root = ET.Element(
        f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "planner (nyckelfri hemtjänst)"}
    )
    metadata = ET.SubElement(root, f"{{{GPX_NS}}}metadata")
    ET.SubElement(metadata, f"{{{GPX_NS}}}name").text = sheet.title

    def point(tag: str, parent: ET.Element, lat: float, lon: float, name: str, desc: str) -> None:
        element = ET.SubElement(
            parent, f"{{{GPX_NS}}}{tag}", {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"}
        )
        ET.SubElement(element, f"{{{GPX_NS}}}name").text = name
        ET.SubElement(element, f"{{{GPX_NS}}}desc").text = desc

    depot_name = f"Depå: {sheet.depot_address}" if sheet.depot_address else "Depå"
    point("wpt", root, sheet.depot_lat, sheet.depot_lon, depot_name, sheet.crew_name)
    for stop in sheet.stops:
        point("wpt", root, stop.lat, stop.lon, _stop_name(stop), _stop_desc(stop))
    route = ET.SubElement(root, f"{{{GPX_NS}}}rte")
    ET.SubElement(route, f"{{{GPX_NS}}}name").text = sheet.title
    point("rtept", route, sheet.depot_lat, sheet.depot_lon, "Start: depå", depot_name)
    for stop in sheet.stops:
        point("rtept", route, stop.lat, stop.lon, _stop_name(stop), _stop_desc(stop))
    point("rtept", route, sheet.depot_lat, sheet.depot_lon, "Slut: depå", depot_name)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _stop_name(stop: SheetStop) -> str:
    return f"{stop.position}. {stop.address.split(',')[0]}"


def _stop_desc(stop: SheetStop) -> str:
    return f"{stop.arrival_text} {stop.task}, {stop.door} (arbetsorder {stop.job_id})"


def _ics_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets, continuation lines starting with a space (RFC 5545)."""
    parts: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not parts else 74
        if len((current + char).encode("utf-8")) > limit:
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return [parts[0], *(" " + part for part in parts[1:])]


_VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Stockholm",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]


def to_ics(sheet: RouteSheet, *, stamp: dt.datetime | None = None) -> bytes:
    now = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Stockholms stad//planner nyckelfri hemtjänst//SV",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_text(sheet.title)}",
        "X-WR-TIMEZONE:Europe/Stockholm",
        *_VTIMEZONE,
    ]
    for stop in sheet.stops:
        if stop.arrival is None:
            continue
        start = stop.arrival.astimezone(STOCKHOLM)
        end = start + dt.timedelta(minutes=stop.service_min)
        details = [f"{stop.task}, {stop.door}", f"Arbetsorder {stop.job_id}"]
        if stop.cylinder:
            details.append(f"Cylinder: {stop.cylinder}")
        if stop.appointment:
            details.append(f"Bokad tid: {stop.appointment}")
        if stop.apartment:
            details.append(f"Lägenhet: {stop.apartment}")
        if stop.customer:
            details.append(f"Kund: {stop.customer}")
        if stop.contact:
            details.append(f"Fastighetens kontakt: {stop.contact}")
        details.extend(stop.notes)
        lines += [
            "BEGIN:VEVENT",
            f"UID:job-{stop.job_id}-{sheet.day:%Y%m%d}-crew-{sheet.crew_id}@{UID_DOMAIN}",
            f"DTSTAMP:{now:%Y%m%dT%H%M%SZ}",
            f"DTSTART;TZID=Europe/Stockholm:{start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID=Europe/Stockholm:{end:%Y%m%dT%H%M%S}",
            f"SUMMARY:{_ics_text(f'{stop.position}. {stop.task} – {stop.address}')}",
            f"LOCATION:{_ics_text(stop.address)}",
            f"GEO:{stop.lat:.6f};{stop.lon:.6f}",
            f"DESCRIPTION:{_ics_text(chr(10).join(details))}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    folded = [part for line in lines for part in _fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode("utf-8")


def render(sheet: RouteSheet, fmt: str) -> bytes:
    """The sheet in one of ``FORMATS``."""
    if fmt == "pdf":
        return to_pdf(sheet)
    if fmt == "html":
        return to_html(sheet).encode("utf-8")
    if fmt == "csv":
        return to_csv(sheet)
    if fmt == "gpx":
        return to_gpx(sheet)
    if fmt == "ics":
        return to_ics(sheet)
    msg = f"Okänt format {fmt!r}; välj bland {', '.join(FORMATS)}."
    raise PlannerError(msg)


def file_name(sheet: RouteSheet, fmt: str) -> str:
    return f"{sheet.slug}.{fmt}"
