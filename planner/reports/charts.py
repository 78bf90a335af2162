"""Altair charts of a report, for the app: the burndown, progress per district, weekly pace.

The charts carry their data (no URLs), use Swedish labels and numeric dates (Vega's month names
are English), and need nothing from the network to draw.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from planner.reports.forecast import KIND_LABELS
from planner.reports.report import Report

BURNDOWN = {
    "remaining_customers": "Kunder kvar att göra nyckelfria",
    "entrance_doors_remaining": "Entrédörrar kvar",
    "apartment_doors_remaining": "Lägenhetsdörrar kvar",
}
PROGRESS = {
    "consents_received_share": "Medgivanden mottagna",
    "ready_share": "Nyckelfria kunder",
    "live_share": "Helt nyckelfria byggnader",
}


def burndown_chart(report: Report) -> alt.LayerChart | alt.FacetChart:
    """What remains week by week, with the forecast's likely finish and 80 % range."""
    trend = report.trend_total
    long = trend.melt(
        id_vars="day", value_vars=list(BURNDOWN), var_name="key", value_name="Antal"
    ).assign(Mått=lambda f: f["key"].map(BURNDOWN), Vecka=lambda f: pd.to_datetime(f["day"]))
    long = long.drop(columns=["day", "key"])
    lines = (
        alt.Chart(long)
        .mark_line(point=False)
        .encode(
            x=alt.X("Vecka:T", title="Vecka", axis=alt.Axis(format="%Y-%m")),
            y=alt.Y("Antal:Q", title="Kvar"),
            color=alt.Color("Mått:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("Vecka:T", format="%Y-%m-%d"),
                "Mått:N",
                alt.Tooltip("Antal:Q", format=",d"),
            ],
        )
    )
    fc = report.forecast
    layers: list[alt.Chart] = [lines]
    likely = fc.finish[1]
    if fc.available and not fc.done and likely is not None:
        band = pd.DataFrame(
            {
                "Från": [pd.Timestamp(fc.finish[0] or likely)],
                "Till": [pd.Timestamp(fc.finish[2] or likely)],
                "Trolig": [pd.Timestamp(likely)],
            }
        )
        layers.append(
            alt.Chart(band)
            .mark_rect(opacity=0.15, color="#005fa3")
            .encode(
                x="Från:T",
                x2="Till:T",
                tooltip=[
                    alt.Tooltip("Från:T", title="Klar tidigast (10 %)", format="%Y-%m-%d"),
                    alt.Tooltip("Till:T", title="Klar senast (90 %)", format="%Y-%m-%d"),
                ],
            )
        )
        layers.append(
            alt.Chart(band)
            .mark_rule(strokeDash=[4, 3], color="#005fa3")
            .encode(
                x="Trolig:T",
                tooltip=[alt.Tooltip("Trolig:T", title="Klar troligen", format="%Y-%m-%d")],
            )
        )
    return alt.layer(*layers).properties(height=320)


def progress_chart(report: Report) -> alt.Chart:
    """Per district: the shares of consents received, keyless-ready customers, live buildings."""
    rows = report.district_rows()
    long = rows.melt(
        id_vars="district", value_vars=list(PROGRESS), var_name="key", value_name="Andel"
    ).assign(Mått=lambda f: f["key"].map(PROGRESS))
    long = long.rename(columns={"district": "Stadsdelsområde"})
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("Stadsdelsområde:N", sort=list(rows["district"]), title=None),
            x=alt.X("Andel:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            yOffset="Mått:N",
            color=alt.Color("Mått:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=["Stadsdelsområde:N", "Mått:N", alt.Tooltip("Andel:Q", format=".0%")],
        )
        .properties(height=max(160, 46 * len(rows)))
    )


def pace_chart(report: Report, *, weeks: int = 52) -> alt.Chart:
    """Doors fitted per week (the throughput the forecast measures)."""
    data = report.forecast_inputs.weeks
    if len(data):
        last = max(data["week"])
        data = data[[w > last - pd.Timedelta(weeks=weeks) for w in data["week"]]]
    frame = pd.DataFrame(
        {
            "Vecka": pd.to_datetime(data["week"])
            if len(data)
            else pd.Series(dtype="datetime64[ns]"),
            "Dörrar": data["kind"].map(KIND_LABELS) if len(data) else pd.Series(dtype=str),
            "Monterade": data["doors"] if len(data) else pd.Series(dtype=int),
            "Lagdagar": data["crew_days"] if len(data) else pd.Series(dtype=int),
        }
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("Vecka:T", axis=alt.Axis(format="%Y-%m")),
            y=alt.Y("Monterade:Q", title="Monterade dörrar per vecka"),
            color=alt.Color("Dörrar:N", title=None, legend=alt.Legend(orient="top")),
            xOffset="Dörrar:N",
            tooltip=[
                alt.Tooltip("Vecka:T", format="%Y-%m-%d", title="Veckan från"),
                "Dörrar:N",
                "Monterade:Q",
                "Lagdagar:Q",
            ],
        )
        .properties(height=260)
    )
