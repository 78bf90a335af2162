"""The report as a document: HTML (to read in a browser) and PDF (A4, with WeasyPrint).

One HTML source serves both: a title page with the city map coloured by progress, a summary
(key figures, the forecast in words, the burndown, waves and districts), one section per district
(its small map, key figures, shares and burndown), and a page on what the figures mean. Charts
and maps are inline SVG drawn by ``planner.reports.svg``; nothing is fetched from the network.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
from shapely.geometry.base import BaseGeometry

from planner.reports._format import (
    DASH,
    decimal,
    number,
    percent,
    short_date,
    swedish_date,
    swedish_range,
)
from planner.reports.forecast import CREW_LABELS
from planner.reports.report import (
    ANOMALY_DAYS,
    FIGURE,
    TITLE,
    WAVE_STATES,
    Report,
)
from planner.reports.svg import (
    burndown,
    district_map,
    metric_shapes,
    progress_fill,
    progress_legend,
    share_bars,
)

ORGANISATION = "Stockholms stad"
DEMO_NOTICE = (
    "Demodata: kunder, fastighetsägare, personal och händelser är påhittade. Gatunamnen är "
    "riktiga men placeringarna och stadsdelsgränserna är ungefärliga."
)
DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Hemtjänstkunder",
        "Kunder som har hemtjänst den dagen (från och med startdagen till och med slutdagen).",
    ),
    (
        "Fastigheter och byggnader med kunder",
        "Byggnad betyder här en entré (port) där minst en kund bor; en fastighet kan ha flera. "
        "En fastighet räknas i stadsdelsområdet där dess första entré ligger.",
    ),
    (
        "Medgivanden",
        "Räknas för fastigheter med kunder. Begärda: förfrågan skickad, oavsett svar. "
        "Mottagna: medgivandet gäller. Nekade: ägaren har sagt nej. Obesvarade: förfrågan eller "
        "påminnelse utan svar. Andelarna är av fastigheterna med kunder.",
    ),
    (
        "Monterade dörrar",
        "Dörrar vars lås är monterat, aktivt eller avaktiverat (sitter kvar). Kvar: entrédörrar "
        "i byggnader med kunder och kunders lägenhetsdörrar som ännu saknar monterat lås.",
    ),
    (
        "Nyckelfria kunder",
        "Kunder vars alla dörrar på vägen in (entrédörr och lägenhetsdörr) har aktiva lås.",
    ),
    (
        "Helt nyckelfria byggnader",
        "Byggnader där alla kunder är nyckelfria; då kan nycklar, taggar och portkoder lämnas "
        "tillbaka. Väntar på nyckelåterlämning: helt nyckelfria byggnader utan registrerad "
        "återlämning.",
    ),
    (
        "Felanmälningar",
        "Öppna: anmälda och inte stängda vid dagens slut. Mediantid till åtgärd: tiden från "
        "anmälan till stängning för de felanmälningar som har stängts fram till dagen.",
    ),
    (
        "Avvikelser i passageloggen",
        f"Händelser de senaste {ANOMALY_DAYS} dagarna med okänd nyckel eller okänt lås, "
        "avaktiverad nyckel eller avaktiverat lås, öppning utanför arbetspass eller av en "
        "utförare som inte har någon kund bakom dörren (en händelse kan ha flera slag).",
    ),
    (
        "Läget en viss dag",
        "Alla siffror gäller vid dagens slut och bygger på ändringsloggen, så en rapport för "
        "ett tidigare datum visar läget som det var då.",
    ),
)

_CSS_PRINT = """
@page { size: A4; margin: 18mm 16mm 18mm 16mm;
  @top-left { content: "Nyckelfri hemtjänst – lägesrapport"; font-size: 7.5pt; color: #6b7785; }
  @top-right { content: string(scope); font-size: 7.5pt; color: #6b7785; }
  @bottom-right { content: "Sida " counter(page) " av " counter(pages);
    font-size: 7.5pt; color: #6b7785; } }
@page :first { @top-left { content: none; } @top-right { content: none; }
  @bottom-right { content: none; } }
section.district, section.appendix, section.summary { break-before: page; }
"""
_CSS_SCREEN = """
body { max-width: 190mm; margin: 2em auto; padding: 0 1em; }
section { border-top: 1px solid #d9dee3; padding-top: 1em; margin-top: 2em; }
section.cover { border: none; }
"""
_CSS = """
html { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9pt; color: #1f2933; }
h1, h2, h3 { font-weight: 600; color: #0b3c5d; }
h1 { font-size: 26pt; margin: 0 0 4mm; }
h2 { font-size: 15pt; margin: 0 0 3mm; string-set: none; }
h3 { font-size: 10.5pt; margin: 5mm 0 2mm; }
p { line-height: 1.4; margin: 0 0 2.5mm; }
.scope-name { string-set: scope content(); }
.cover { padding-top: 18mm; }
.cover .org { font-size: 11pt; letter-spacing: 0.08em; text-transform: uppercase; color: #005fa3;
  margin-bottom: 20mm; }
.cover .subtitle { font-size: 14pt; margin-bottom: 6mm; }
.cover .scope-name { font-size: 14pt; font-weight: 600; }
.cover .date { font-size: 12pt; margin-bottom: 8mm; }
.cover figure { margin: 4mm 0; }
.cover .made { color: #6b7785; font-size: 8pt; margin-top: 8mm; }
.demo { background: #fff4d6; border-left: 3pt solid #d9822b; padding: 2mm 3mm; font-size: 8.5pt; }
.keys { display: flex; flex-wrap: wrap; gap: 3mm; margin: 3mm 0 5mm; }
.key { border: 0.6pt solid #d9dee3; border-radius: 2mm; padding: 2.5mm 3mm; width: 42mm;
  box-sizing: border-box; }
.key .value { font-size: 15pt; font-weight: 600; color: #0b3c5d; }
.key .label { font-size: 7.5pt; color: #52606d; }
.key .note { font-size: 7.5pt; color: #6b7785; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 7.8pt; }
th { text-align: left; font-weight: 600; border-bottom: 0.8pt solid #1f2933; padding: 1.2mm 1.4mm;
  vertical-align: bottom; }
td { border-bottom: 0.4pt solid #d9dee3; padding: 1mm 1.4mm; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; border-top: 0.8pt solid #1f2933; }
.forecast { background: #eef5fb; border-left: 3pt solid #005fa3; padding: 2.5mm 3mm; }
.pair { display: flex; gap: 5mm; align-items: flex-start; }
.pair > div { flex: 1; }
table.facts { font-size: 7.3pt; margin-top: 3mm; }
.facts td.label { color: #52606d; }
.facts td.n { padding-right: 4mm; }
tr { break-inside: avoid; }
table.summary-table { font-size: 7.2pt; }
.pair .map { flex: 0 0 54mm; }
.muted { color: #6b7785; }
dl dt { font-weight: 600; margin-top: 2.5mm; }
dl dd { margin: 0.5mm 0 0 0; line-height: 1.4; }
"""

_SUMMARY_KEYS = (
    ("customers", None),
    ("ready_customers", "ready_share"),
    ("live_buildings", "live_share"),
    ("consents_received", "consents_received_share"),
    ("entrance_doors_remaining", None),
    ("apartment_doors_remaining", None),
    ("faults_open", None),
    ("anomalies", None),
)
FACT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Kunder och medgivanden",
        (
            "customers",
            "properties",
            "buildings",
            "consents_requested",
            "consents_received",
            "consents_refused",
            "consents_awaiting",
        ),
    ),
    (
        "Dörrar och nyckelfrihet",
        (
            "entrance_doors_fitted",
            "entrance_doors_remaining",
            "apartment_doors_fitted",
            "apartment_doors_remaining",
            "ready_customers",
            "remaining_customers",
            "live_buildings",
        ),
    ),
    (
        "Nycklar och drift",
        (
            "buildings_keys_returned",
            "keys_returned",
            "tags_returned",
            "buildings_awaiting_key_return",
            "faults_open",
            "faults_closed",
            "fault_median_hours",
            "anomalies",
        ),
    ),
)
# the summary's district table: (key, short header)
_DISTRICT_TABLE: tuple[tuple[str, str], ...] = (
    ("district", "Stadsdelsområde"),
    ("wave", "Våg"),
    ("customers", "Kunder"),
    ("consents_received_share", "Medgivande"),
    ("ready_share", "Nyckelfria"),
    ("live_buildings", "Helt nyckelfria byggnader"),
    ("entrance_doors_remaining", "Entrédörrar kvar"),
    ("apartment_doors_remaining", "Lägenhets­dörrar kvar"),
    ("faults_open", "Öppna fel"),
    ("p50", "Klar (prognos)"),
)


def _e(value: object) -> str:
    return html.escape(str(value))


def formatted(key: str, value: object) -> str:
    """A figure's value as text, by its unit."""
    unit = FIGURE[key].unit if key in FIGURE else "count"
    if unit == "share":
        return percent(value)  # type: ignore[arg-type]
    if unit == "hours":
        return decimal(value)  # type: ignore[arg-type]
    return number(value)  # type: ignore[arg-type]


def _key_box(row: pd.Series, key: str, share: str | None) -> str:
    note = f"{percent(row[share])} av {FIGURE[share].label.split(',')[0].lower()}" if share else ""
    if key == "faults_open":
        note = f"mediantid till åtgärd {decimal(row['fault_median_hours'])} h"
    if share == "consents_received_share":
        note = f"{percent(row[share])} av fastigheterna med kunder"
    elif share == "ready_share":
        note = f"{percent(row[share])} av kunderna"
    elif share == "live_share":
        note = f"{percent(row[share])} av byggnaderna med kunder"
    return (
        f'<div class="key"><div class="value">{formatted(key, row[key])}</div>'
        f'<div class="label">{_e(FIGURE[key].label)}</div><div class="note">{_e(note)}</div></div>'
    )


def _table(frame: pd.DataFrame, columns: list[tuple[str, str]], *, total: pd.Series | None) -> str:
    """A table of (key, header) columns; keys that are figures are formatted by their unit."""
    head = "".join(
        f'<th class="{"n" if key in FIGURE or key in ("p50",) else ""}">{_e(title)}</th>'
        for key, title in columns
    )
    body = []
    for _, row in frame.iterrows():
        body.append("<tr>" + "".join(_cell(key, row) for key, _ in columns) + "</tr>")
    if total is not None:
        body.append(
            '<tr class="total">'
            + "".join(
                _cell(key, total) if key in FIGURE else f"<td>{'Totalt' if n == 0 else ''}</td>"
                for n, (key, _) in enumerate(columns)
            )
            + "</tr>"
        )
    return (
        f'<table class="summary-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _cell(key: str, row: pd.Series) -> str:
    value = row.get(key)
    if key in FIGURE:
        return f'<td class="n">{formatted(key, value)}</td>'
    if key == "p50":
        return f'<td class="n">{short_date(value) if pd.notna(value) else DASH}</td>'
    if key == "wave":
        return f"<td>{DASH if pd.isna(value) else int(value)}</td>"
    if key == "state":
        return f"<td>{_e(WAVE_STATES.get(str(value), value))}</td>"
    return f"<td>{_e(value)}</td>"


def _burndown(
    report: Report, trend: pd.DataFrame, finish: tuple[object, ...] | None, *, width: int = 640
) -> str:
    days = list(trend["day"])
    return burndown(
        days,
        [
            ("Kunder kvar", trend["remaining_customers"].tolist()),
            ("Entrédörrar kvar", trend["entrance_doors_remaining"].tolist()),
            ("Lägenhetsdörrar kvar", trend["apartment_doors_remaining"].tolist()),
        ],
        projection=finish if finish and finish[1] is not None else None,  # type: ignore[arg-type]
        width=width,
        height=200,
    )


def _shares(row: pd.Series) -> str:
    def pair(part: str, whole: str) -> str:
        return f"{number(row[part])} av {number(row[whole])}"

    return share_bars(
        [
            (
                "Medgivanden begärda",
                row["consents_requested_share"],
                pair("consents_requested", "properties"),
            ),
            (
                "Medgivanden mottagna",
                row["consents_received_share"],
                pair("consents_received", "properties"),
            ),
            (
                "Medgivanden nekade",
                row["consents_refused_share"],
                pair("consents_refused", "properties"),
            ),
            ("Nyckelfria kunder", row["ready_share"], pair("ready_customers", "customers")),
            ("Helt nyckelfria byggnader", row["live_share"], pair("live_buildings", "buildings")),
        ],
        title="Andelar",
    )


def render_html(report: Report, *, for_print: bool = True) -> str:
    """The whole report as one HTML document (``for_print``: with A4 page rules for the PDF)."""
    shapes = metric_shapes(report.geometries)
    districts = report.district_rows()
    records = districts.to_dict("records")
    fills = {
        int(r["district_id"]): progress_fill(float(r["ready_share"]) if r["customers"] else None)
        for r in records
    }
    labels = {int(r["district_id"]): str(r["district"]) for r in records}
    focus = None if report.district_ids >= set(report.geometries) else report.district_ids
    made = datetime.now(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d %H:%M")
    demo = f'<p class="demo">{_e(DEMO_NOTICE)}</p>' if report.demo else ""
    cover = f"""
<section class="cover">
  <div class="org">{_e(ORGANISATION)}</div>
  <h1>Nyckelfri hemtjänst</h1>
  <p class="subtitle">Lägesrapport för utrullningen</p>
  <p class="scope-name">{_e(report.scope)}</p>
  <p class="date">Läget den {swedish_date(report.on)}</p>
  <figure>{
        district_map(
            shapes,
            fills,
            focus=focus,
            labels=labels,
            width=500,
            height=380,
            title="Stadsdelsområdena efter andel nyckelfria kunder",
        )
    }
  {progress_legend()}</figure>
  {demo}
  <p class="made">Sammanställd {made} · indelning: {_e(report.district_set or DASH)}</p>
</section>"""

    total = report.total
    keys = "".join(_key_box(total, key, share) for key, share in _SUMMARY_KEYS)
    fc = report.forecast
    wave_columns = [
        ("wave", "Våg"),
        ("districts", "Stadsdelsområden"),
        ("state", "Status"),
        ("customers", "Kunder"),
        ("consents_received_share", "Medgivande"),
        ("ready_share", "Nyckelfria"),
        ("entrance_doors_remaining", "Entrédörrar kvar"),
        ("apartment_doors_remaining", "Lägenhets­dörrar kvar"),
        ("p50", "Klar (prognos)"),
    ]
    waves = report.waves.assign(districts=[str(n).split(": ", 1)[-1] for n in report.waves["name"]])
    scope_text = "hela staden" if report.scope == "Hela staden" else report.scope
    summary = f"""
<section class="summary">
  <h2>Sammanfattning</h2>
  <p>Läget den {swedish_date(report.on)} för {_e(scope_text)}.</p>
  <div class="keys">{keys}</div>
  <h3>Prognos</h3>
  <p class="forecast">{_e(fc.text)}</p>
  <h3>Kvar att göra vecka för vecka</h3>
  {_burndown(report, report.trend_total, fc.finish if fc.available and not fc.done else None)}
  <p class="muted">Heldragna linjer: uppmätt läge vid varje veckas slut. Streckad linje och
  skuggat fält: prognosen för kunderna som återstår (trolig dag och 80 %-intervall).</p>
  <h3>Per våg</h3>
  {_table(waves, wave_columns, total=None) if len(waves) else "<p>Inga vågor.</p>"}
  <h3>Per stadsdelsområde</h3>
  {_table(report.districts, list(_DISTRICT_TABLE), total=total)}
</section>"""

    sections = [cover, summary]
    for _, row in districts.iterrows():
        sections.append(_district_section(report, row, shapes, fills))
    definitions = "".join(f"<dt>{_e(a)}</dt><dd>{_e(b)}</dd>" for a, b in DEFINITIONS)
    sections.append(
        f"""
<section class="appendix">
  <h2>Om siffrorna</h2>
  <dl>{definitions}</dl>
  <h3>Prognosen</h3>
  <p>{_e(fc.text)}</p>
  {_pace_table(report)}
</section>"""
    )
    css = _CSS + (_CSS_PRINT if for_print else _CSS_SCREEN)
    return (
        f'<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        f"<title>{_e(TITLE)} – {_e(report.scope)} – {report.on.isoformat()}</title>"
        f"<style>{css}</style></head><body>{''.join(sections)}</body></html>"
    )


def _district_section(
    report: Report, row: pd.Series, shapes: Mapping[int, BaseGeometry], fills: Mapping[int, str]
) -> str:
    district_id = int(row["district_id"])
    trend = report.trend[report.trend["district_id"] == district_id]
    wave = row["wave"]
    wave_rows = report.waves[report.waves["wave"] == wave] if pd.notna(wave) else report.waves[:0]
    wave_text = (
        f"{_e(wave_rows['name'].iloc[0])} ({WAVE_STATES.get(str(wave_rows['state'].iloc[0]), '')})"
        if len(wave_rows)
        else "ingår inte i någon våg"
    )
    finish = (row["p10"], row["p50"], row["p90"])
    fc = report.forecast
    if not fc.available:
        forecast_text = _e(fc.reason or "Ingen prognos.")
    elif row["entrance_doors_remaining"] == 0 and row["apartment_doors_remaining"] == 0:
        forecast_text = "Inga dörrar återstår i stadsdelsområdet."
    elif finish[1] is None:
        forecast_text = "Ingen prognos för stadsdelsområdet."
    else:
        forecast_text = (
            f"Vågen beräknas bli klar {swedish_date(finish[1])} "
            f"(80 % sannolikhet: {swedish_range(finish[0], finish[2])})."
        )
    facts = _fact_table(row)
    kinds = report.anomaly_kinds[report.anomaly_kinds["district"] == row["district"]]
    anomalies = (
        "<ul>"
        + "".join(f"<li>{_e(k.label)}: {number(k.count)}</li>" for k in kinds.itertuples())
        + "</ul>"
        if len(kinds)
        else f"<p>Inga avvikelser de senaste {ANOMALY_DAYS} dagarna.</p>"
    )
    small_map = district_map(
        shapes,
        fills,
        focus=[district_id],
        width=200,
        height=170,
        title=f"Karta över {row['district']}",
    )
    chart = _burndown(report, trend, finish if finish[1] is not None else None, width=460)
    return f"""
<section class="district">
  <h2>{_e(row["district"])}</h2>
  <p class="muted">{wave_text}</p>
  <div class="pair"><div class="map">{small_map}</div><div>{chart}</div></div>
  <p class="forecast">{forecast_text}</p>
  {facts}
  <h3>Andelar</h3>
  {_shares(row)}
  <h3>Avvikelser i passageloggen, {ANOMALY_DAYS} dagar</h3>
  {anomalies}
</section>"""


def _fact_table(row: pd.Series) -> str:
    """The district's figures in three groups side by side (label, value per group)."""
    head = "".join(f'<th colspan="2">{_e(title)}</th>' for title, _ in FACT_GROUPS)
    depth = max(len(keys) for _, keys in FACT_GROUPS)
    body = []
    for i in range(depth):
        cells = []
        for _, keys in FACT_GROUPS:
            if i < len(keys):
                key = keys[i]
                cells.append(
                    f'<td class="label">{_e(FIGURE[key].label)}</td>'
                    f'<td class="n">{formatted(key, row[key])}</td>'
                )
            else:
                cells.append("<td></td><td></td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="facts"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def _pace_table(report: Report) -> str:
    rows = "".join(
        f'<tr><td>{_e(CREW_LABELS[p.kind])}</td><td class="n">{p.crews}</td>'
        f'<td class="n">{p.weeks}</td><td class="n">{decimal(p.doors_per_crew_day)}</td>'
        f'<td class="n">{decimal(p.low)}–{decimal(p.high)}</td></tr>'
        for p in report.forecast.pace
    )
    if not rows:
        return ""
    return (
        '<table><thead><tr><th>Lag</th><th class="n">Planerade lag</th>'
        '<th class="n">Uppmätta veckor</th><th class="n">Dörrar per lag och dag</th>'
        '<th class="n">80 %-intervall</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def to_html(report: Report) -> str:
    """The report as a self-contained HTML page for the screen."""
    return render_html(report, for_print=False)


def to_pdf(report: Report) -> bytes:
    """The report as an A4 PDF."""
    from weasyprint import HTML

    document = HTML(string=render_html(report, for_print=True)).write_pdf()
    assert document is not None
    return bytes(document)
