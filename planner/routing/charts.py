"""Charts of wave planning (Altair), for the app and notebooks."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

TYPE_COLOURS = {"planerad": "#90a4ae", "prognos": "#1565c0"}


def timeline_chart(timeline: pd.DataFrame, *, today: dt.date) -> alt.LayerChart | alt.FacetChart:
    """Waves as bars from start to end, planned and forecast side by side, with today marked.

    ``timeline`` is ``planner.routing.workload.rollout_timeline``.
    """
    bars = (
        alt.Chart(timeline)
        .mark_bar(cornerRadius=3)
        .encode(
            x=alt.X("Start:T", title=None, axis=alt.Axis(format="%Y-%m")),
            x2="Slut:T",
            y=alt.Y("Våg:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
            yOffset=alt.YOffset("Typ:N", sort=list(TYPE_COLOURS)),
            color=alt.Color(
                "Typ:N",
                title=None,
                scale=alt.Scale(domain=list(TYPE_COLOURS), range=list(TYPE_COLOURS.values())),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("Våg:N"),
                alt.Tooltip("Typ:N"),
                alt.Tooltip("Status:N"),
                alt.Tooltip("Start:T", format="%Y-%m-%d"),
                alt.Tooltip("Slut:T", format="%Y-%m-%d"),
                alt.Tooltip("Stadsdelsområden:N"),
            ],
        )
    )
    marker = (
        alt.Chart(pd.DataFrame({"I dag": [pd.Timestamp(today)]}))
        .mark_rule(color="#c62828", strokeDash=[4, 3])
        .encode(x="I dag:T", tooltip=[alt.Tooltip("I dag:T", format="%Y-%m-%d")])
    )
    rows = max(timeline["Våg"].nunique(), 1)
    return alt.layer(bars, marker).properties(height=44 * rows)
