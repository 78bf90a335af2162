"""The district progress report: figures per district, per wave and in total, trend and forecast.

``build_report(session, on=…)`` is the one call the app, the CLI and the notebook make. It reads
the rollout once (``_data.load``), counts every figure per district at the end of ``on`` and at
the end of every week before it (``figures.count_figures``), and forecasts the completion date
(``forecast``). The result is a frozen ``Report`` of DataFrames with English column keys;
``FIGURES`` gives each key its Swedish label and unit, for the forms (page, PDF, Excel, HTML).

A scope (``district_ids`` — e.g. a district viewer's districts from ``planner.auth.district_ids`` —
and/or a ``wave``) limits every table to those districts. Without a scope, what lies in no
district of the current set is counted under "(utan stadsdelsområde)" so that the districts add up
to the city total.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.errors import PlannerError
from planner.locks.anomalies import ANOMALY_KINDS
from planner.models import District, DistrictSet, Wave
from planner.reports._data import FOREVER, NO_DISTRICT_ID, RolloutData, load, moment
from planner.reports.figures import ANOMALY_DAYS, COUNT_COLUMNS, count_figures
from planner.reports.forecast import (
    Forecast,
    ForecastInputs,
    forecast_completion,
    forecast_inputs,
)

NO_DISTRICT = "(utan stadsdelsområde)"
TITLE = "Nyckelfri hemtjänst – lägesrapport"
MAX_TREND_WEEKS = 260


class ReportError(PlannerError):
    """A report that cannot be made as asked (unknown district or wave, empty scope)."""


Unit = Literal["count", "share", "hours"]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str  # Swedish, as a column header
    unit: Unit


FIGURES: tuple[Figure, ...] = (
    Figure("customers", "Hemtjänstkunder", "count"),
    Figure("properties", "Fastigheter med kunder", "count"),
    Figure("buildings", "Byggnader med kunder", "count"),
    Figure("consents_requested", "Medgivanden begärda", "count"),
    Figure("consents_requested_share", "Begärda, andel av fastigheterna", "share"),
    Figure("consents_received", "Medgivanden mottagna", "count"),
    Figure("consents_received_share", "Mottagna, andel av fastigheterna", "share"),
    Figure("consents_refused", "Medgivanden nekade", "count"),
    Figure("consents_refused_share", "Nekade, andel av fastigheterna", "share"),
    Figure("consents_awaiting", "Medgivanden obesvarade", "count"),
    Figure("entrance_doors_fitted", "Entrédörrar monterade", "count"),
    Figure("entrance_doors_remaining", "Entrédörrar kvar", "count"),
    Figure("apartment_doors_fitted", "Lägenhetsdörrar monterade", "count"),
    Figure("apartment_doors_remaining", "Lägenhetsdörrar kvar", "count"),
    Figure("ready_customers", "Nyckelfria kunder", "count"),
    Figure("ready_share", "Nyckelfria kunder, andel", "share"),
    Figure("remaining_customers", "Kunder kvar att göra nyckelfria", "count"),
    Figure("live_buildings", "Helt nyckelfria byggnader", "count"),
    Figure("live_share", "Helt nyckelfria byggnader, andel", "share"),
    Figure("buildings_keys_returned", "Byggnader med återlämnade nycklar", "count"),
    Figure("keys_returned", "Återlämnade nycklar", "count"),
    Figure("tags_returned", "Återlämnade taggar", "count"),
    Figure("buildings_awaiting_key_return", "Byggnader som väntar på nyckelåterlämning", "count"),
    Figure("faults_open", "Öppna felanmälningar", "count"),
    Figure("faults_closed", "Åtgärdade felanmälningar", "count"),
    Figure("fault_median_hours", "Mediantid till åtgärd, timmar", "hours"),
    Figure("anomalies", f"Avvikelser i passageloggen, {ANOMALY_DAYS} dagar", "count"),
)
FIGURE: dict[str, Figure] = {f.key: f for f in FIGURES}
TREND_COLUMNS: tuple[str, ...] = (
    "customers",
    "ready_customers",
    "remaining_customers",
    "entrance_doors_fitted",
    "entrance_doors_remaining",
    "apartment_doors_fitted",
    "apartment_doors_remaining",
    "consents_received",
    "consents_awaiting",
    "live_buildings",
    "faults_open",
    "anomalies",
)
TREND_LABELS: dict[str, str] = {
    **{key: FIGURE[key].label for key in TREND_COLUMNS},
    "anomalies": "Avvikelser i passageloggen under veckan",
}
SHARES: dict[str, tuple[str, str]] = {
    "consents_requested_share": ("consents_requested", "properties"),
    "consents_received_share": ("consents_received", "properties"),
    "consents_refused_share": ("consents_refused", "properties"),
    "ready_share": ("ready_customers", "customers"),
    "live_share": ("live_buildings", "buildings"),
}


@dataclass(frozen=True)
class Report:
    """Everything one report shows; the forms (page, PDF, Excel, HTML) only render it."""

    on: date
    scope: str  # Swedish: "Hela staden", "Våg 3: …", "Södermalm, Farsta"
    district_set: str | None
    demo: bool
    districts: pd.DataFrame  # district_id, district, wave, + FIGURES keys, + p10/p50/p90
    waves: pd.DataFrame  # wave, name, + FIGURES keys, + p10/p50/p90
    total: pd.Series  # FIGURES keys for the whole scope
    trend: pd.DataFrame  # day, district_id, district, + TREND_COLUMNS
    trend_total: pd.DataFrame  # day + TREND_COLUMNS, summed over the scope
    anomaly_kinds: pd.DataFrame  # district, kind (Swedish), count, in the last ANOMALY_DAYS days
    forecast: Forecast
    forecast_inputs: ForecastInputs
    geometries: Mapping[int, BaseGeometry]  # every district of the current set (WGS 84)
    district_ids: frozenset[int]  # the districts in scope
    elapsed_s: float

    @property
    def title(self) -> str:
        return TITLE

    def district_rows(self) -> pd.DataFrame:
        """The districts proper (without the "no district" row)."""
        return self.districts[self.districts["district_id"] != NO_DISTRICT_ID]


@dataclass(frozen=True)
class ReportOptions:
    """What a user can choose a report for: districts (id, name) and waves (number, name)."""

    districts: tuple[tuple[int, str], ...]
    waves: tuple[tuple[int, str], ...]


def report_options(session: Session, *, allowed: Collection[int] | None = None) -> ReportOptions:
    """Districts of the current set (only ``allowed`` ones, when given) and waves."""
    districts = tuple(
        (int(i), str(n))
        for i, n in session.execute(
            select(District.id, District.name)
            .join(DistrictSet, DistrictSet.id == District.set_id)
            .where(DistrictSet.is_current.is_(True))
            .order_by(District.name)
        )
        if allowed is None or int(i) in allowed
    )
    waves = tuple(
        (int(n), str(name))
        for n, name in session.execute(select(Wave.number, Wave.name).order_by(Wave.number))
    )
    return ReportOptions(districts=districts, waves=waves)


def district_ids_by_name(session: Session, names: Collection[str]) -> set[int]:
    """Current-set district ids for names (case-insensitive); unknown names are an error."""
    known = {name.casefold(): i for i, name in report_options(session).districts}
    unknown = [n for n in names if n.strip().casefold() not in known]
    if unknown:
        choices = ", ".join(name for _, name in report_options(session).districts) or "inga"
        msg = f"Okänt stadsdelsområde {unknown[0]!r}. Välj bland: {choices}."
        raise ReportError(msg)
    return {known[n.strip().casefold()] for n in names}


def build_report(
    session: Session,
    *,
    on: date,
    district_ids: Collection[int] | None = None,
    wave: int | None = None,
    crews: Mapping[str, int] | None = None,
    consent_rate: float | None = None,
) -> Report:
    """The report at the end of ``on``, for the scope (``district_ids`` and/or wave number).

    ``crews`` (``{"entrance": n, "apartment": m}``) and ``consent_rate`` change the forecast's
    assumptions (what-if); by default the Crew table's active crews and the consent rate so far.
    """
    started = time.perf_counter()
    data = load(session, until=on)
    scope_ids, scope_name = _scope(data, district_ids, wave)
    unscoped = district_ids is None and wave is None

    snapshot = count_figures(data, [on], anomaly_days=ANOMALY_DAYS)
    days = trend_days(data, on)
    weekly = count_figures(data, days, anomaly_days=7)
    keep = set(scope_ids) | ({NO_DISTRICT_ID} if unscoped else set())
    inputs = forecast_inputs(data, snapshot, on=on)
    result = forecast_completion(
        inputs, crews=crews, consent_rate=consent_rate, scope=None if unscoped else scope_ids
    )

    names = dict(zip(data.districts["district_id"], data.districts["name"], strict=True))
    names[NO_DISTRICT_ID] = NO_DISTRICT
    wave_numbers = dict(zip(data.waves["wave_id"], data.waves["number"], strict=True))
    wave_of = {
        int(d): (int(wave_numbers[int(w)]) if pd.notna(w) else None)
        for d, w in zip(data.districts["district_id"], data.districts["wave_id"], strict=True)
    }
    medians = _fault_fix_hours(data, on)

    rows = snapshot[snapshot["district_id"].isin(keep)].copy()
    if unscoped:
        nothing = rows[list(COUNT_COLUMNS)].sum(axis=1) == 0
        closed_elsewhere = NO_DISTRICT_ID in set(medians["district_id"])
        rows = rows[~((rows["district_id"] == NO_DISTRICT_ID) & nothing & ~closed_elsewhere)]
    rows["district"] = rows["district_id"].map(names)
    rows["wave"] = pd.array([wave_of.get(int(d)) for d in rows["district_id"]], dtype="Int64")
    rows = _finish(rows, medians, ["district_id"])
    rows = _with_forecast(rows, result)
    rows["_last"] = rows["district_id"] == NO_DISTRICT_ID
    rows = rows.sort_values(["_last", "wave", "district"], na_position="last").reset_index(
        drop=True
    )
    rows = rows[["district_id", "district", "wave", *FIGURE, "p10", "p50", "p90"]]

    waves = _wave_rows(snapshot, data, scope_ids, medians, result)
    total = _finish(
        snapshot[snapshot["district_id"].isin(keep)].assign(group=0), medians, ["group"]
    ).iloc[0]
    total = total[list(FIGURE)]

    trend = weekly[weekly["district_id"].isin(keep)].copy()
    trend["remaining_customers"] = trend["customers"] - trend["ready_customers"]
    trend["district"] = trend["district_id"].map(names)
    trend = trend[["day", "district_id", "district", *TREND_COLUMNS]].reset_index(drop=True)
    trend_total = trend.groupby("day", as_index=False)[list(TREND_COLUMNS)].sum()

    return Report(
        on=on,
        scope=scope_name,
        district_set=data.district_set,
        demo=data.demo,
        districts=rows,
        waves=waves,
        total=total,
        trend=trend,
        trend_total=trend_total,
        anomaly_kinds=_anomaly_kinds(data, on, keep, names),
        forecast=result,
        forecast_inputs=inputs,
        geometries=data.geometries,
        district_ids=frozenset(scope_ids),
        elapsed_s=time.perf_counter() - started,
    )


def _scope(
    data: RolloutData, district_ids: Collection[int] | None, wave: int | None
) -> tuple[list[int], str]:
    all_ids = [int(d) for d in data.districts["district_id"]]
    names = dict(zip(all_ids, data.districts["name"], strict=True))
    chosen = list(all_ids)
    label = "Hela staden"
    if wave is not None:
        match = data.waves[data.waves["number"] == wave]
        if not len(match):
            known = ", ".join(str(n) for n in data.waves["number"]) or "inga"
            msg = f"Våg {wave} finns inte. Vågor: {known}."
            raise ReportError(msg)
        wave_id = int(match["wave_id"].iloc[0])
        chosen = [
            int(d)
            for d, w in zip(data.districts["district_id"], data.districts["wave_id"], strict=True)
            if pd.notna(w) and int(w) == wave_id
        ]
        label = str(match["name"].iloc[0])
    if district_ids is not None:
        unknown = [d for d in district_ids if d not in names]
        if unknown:
            msg = f"Stadsdelsområde {unknown[0]} finns inte i den aktuella indelningen."
            raise ReportError(msg)
        wanted = set(district_ids)
        chosen = [d for d in chosen if d in wanted]
        picked = ", ".join(sorted(names[d] for d in wanted))
        label = picked if wave is None else f"{label} · {picked}"
    if not chosen:
        msg = "Urvalet innehåller inga stadsdelsområden" + (
            " (de valda ingår inte i vågen)." if wave is not None and district_ids else "."
        )
        raise ReportError(msg)
    return chosen, label


def trend_days(data: RolloutData, on: date) -> list[date]:
    """The Sundays from the week the rollout began to ``on``, and ``on`` itself."""
    starts = []
    floor = pd.Timestamp("1971-01-01", tz="UTC").value
    requested = data.consent_spans[data.consent_spans["code"] >= 1]["start"]
    for values in (requested, data.lock_spans["start"]):
        values = values[values > floor]
        if len(values):
            starts.append(int(values.min()))
    if not starts:
        return [on]
    first = pd.Timestamp(min(starts), tz="UTC").tz_convert("Europe/Stockholm").date()
    first = max(first, on - timedelta(weeks=MAX_TREND_WEEKS))
    sunday = first + timedelta(days=6 - first.weekday())
    days = []
    while sunday < on:
        days.append(sunday)
        sunday += timedelta(days=7)
    return [*days, on]


def _fault_fix_hours(data: RolloutData, on: date) -> pd.DataFrame:
    """Faults closed by the end of ``on``: district_id and hours from report to close."""
    faults = data.faults
    closed = faults[(faults["closed_at"] != FOREVER) & (faults["closed_at"] < moment(on))]
    district_of = dict(
        zip(data.entrances["entrance_id"], data.entrances["district_id"], strict=True)
    )
    return pd.DataFrame(
        {
            "district_id": [district_of.get(int(e), NO_DISTRICT_ID) for e in closed["entrance_id"]],
            "hours": (closed["closed_at"] - closed["reported_at"]).to_numpy() / 3.6e12,
        }
    )


def _finish(frame: pd.DataFrame, medians: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum counts by ``by``; add shares, remaining customers and the median time to fix."""
    members = frame[list(dict.fromkeys([*by, "district_id"]))].drop_duplicates()
    out = frame.groupby(by, as_index=False, dropna=False).agg(
        {
            **{c: "sum" for c in COUNT_COLUMNS},
            **{c: "first" for c in frame.columns if c not in COUNT_COLUMNS and c not in by},
        }
    )
    for key, (part, whole) in SHARES.items():
        denominator = out[whole].to_numpy(dtype=float)
        out[key] = np.divide(
            out[part].to_numpy(dtype=float),
            denominator,
            out=np.zeros(len(out)),
            where=denominator > 0,
        )
    out["remaining_customers"] = out["customers"] - out["ready_customers"]
    fixed = medians.merge(members, on="district_id")
    stats = fixed.groupby(by, dropna=False)["hours"].agg(["count", "median"])
    out = out.merge(stats, left_on=by, right_index=True, how="left")
    out["faults_closed"] = out["count"].fillna(0).astype("int64")
    out["fault_median_hours"] = out["median"].astype(float)
    return out.drop(columns=["count", "median"])


def _with_forecast(frame: pd.DataFrame, result: Forecast) -> pd.DataFrame:
    dates = {
        (None if pd.isna(n) else int(n)): (a, b, c)
        for n, a, b, c in zip(
            result.waves["number"],
            result.waves["p10"],
            result.waves["p50"],
            result.waves["p90"],
            strict=True,
        )
    }
    done = result.available and not result.done
    picked = [
        dates.get(None if pd.isna(w) else int(w), (None, None, None)) if done else (None,) * 3
        for w in frame["wave"]
    ]
    frame = frame.copy()
    for i, column in enumerate(("p10", "p50", "p90")):
        frame[column] = [p[i] for p in picked]
    return frame


def _wave_rows(
    snapshot: pd.DataFrame,
    data: RolloutData,
    scope_ids: list[int],
    medians: pd.DataFrame,
    result: Forecast,
) -> pd.DataFrame:
    columns = ["wave", "name", "state", *FIGURE, "p10", "p50", "p90"]
    wave_of = dict(zip(data.districts["district_id"], data.districts["wave_id"], strict=True))
    rows = snapshot[snapshot["district_id"].isin(scope_ids)].copy()
    rows["wave_id"] = [wave_of.get(int(d)) for d in rows["district_id"]]
    rows = rows[rows["wave_id"].notna()]
    if not len(rows):
        return pd.DataFrame(columns=columns)
    rows["wave_id"] = rows["wave_id"].astype("int64")
    out = _finish(rows, medians, ["wave_id"])
    waves = data.waves.set_index("wave_id")
    out["wave"] = out["wave_id"].map(waves["number"]).astype("Int64")
    out["name"] = out["wave_id"].map(waves["name"])
    out["state"] = out["wave_id"].map(waves["state"])
    out = _with_forecast(out, result)
    return out.sort_values("wave")[columns].reset_index(drop=True)


def _anomaly_kinds(
    data: RolloutData, on: date, keep: set[int], names: Mapping[int, str]
) -> pd.DataFrame:
    events = data.anomalies
    start = moment(on - timedelta(days=ANOMALY_DAYS))
    recent = events[(events["at"] >= start) & (events["at"] < moment(on))]
    district_of = dict(
        zip(data.entrances["entrance_id"], data.entrances["district_id"], strict=True)
    )
    frame = pd.DataFrame(
        {
            "district_id": [district_of.get(int(e), NO_DISTRICT_ID) for e in recent["entrance_id"]],
            "kind": recent["kind"].to_numpy(),
        }
    )
    frame = frame[frame["district_id"].isin(keep)]
    counts = frame.groupby(["district_id", "kind"]).size().rename("count").reset_index()
    counts["district"] = counts["district_id"].map(names)
    counts["label"] = counts["kind"].map(ANOMALY_KINDS)
    return (
        counts[["district", "label", "count"]]
        .sort_values(["district", "label"])
        .reset_index(drop=True)
    )


WAVE_STATES = {"done": "klar", "in_progress": "pågår", "not_started": "ej påbörjad"}
COLUMN_LABELS: dict[str, str] = {
    "district": "Stadsdelsområde",
    "wave": "Våg",
    "number": "Våg",
    "name": "Namn",
    "state": "Status",
    "day": "Vecka till och med",
    "available": "Tidigast start",
    "entrance": "Entrédörrar kvar (viktat)",
    "apartment": "Lägenhetsdörrar kvar (viktat)",
    "p10": "Klar tidigast (10 %)",
    "p50": "Klar troligen (50 %)",
    "p90": "Klar senast (90 %)",
    "label": "Avvikelse",
    "count": "Antal",
}


def labelled(frame: pd.DataFrame, *, trend: bool = False) -> pd.DataFrame:
    """A report table with Swedish column names (ids dropped, wave states in words), to show."""
    out = frame.drop(columns=[c for c in ("district_id",) if c in frame.columns])
    if "state" in out.columns:
        out = out.assign(state=out["state"].map(lambda s: WAVE_STATES.get(str(s), s)))
    names = {**COLUMN_LABELS, **{f.key: f.label for f in FIGURES}}
    if trend:
        names.update(TREND_LABELS)
    return out.rename(columns=names)
