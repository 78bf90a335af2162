"""When will the rollout be done? A forecast from the throughput achieved and the crews planned.

The work left is counted in doors: entrance doors (fitted by the locksmith firm's crews, skill
``entrance``) and apartment doors (Trygghetsjour, skill ``apartment``) of buildings and customers
that are not fitted yet. Doors at properties whose owner has consented count in full; doors at
properties still waiting for an answer (or not asked yet) count with the consent rate (by default
the share of answers so far that were a yes); doors behind a refusal do not count.

The pace is the number of doors a crew fitted per crew-day in the last ``window_weeks`` weeks with
work (done installation jobs and the distinct crew-days that did or tried them). The planned
crews (active crews in the Crew table with the skill) work every weekday that is not a Swedish
public holiday or de facto day off (midsommar-, jul- and nyårsafton), from the day after the
report date. Waves are worked in order, each from its planned start at the earliest; districts
in no wave come last.

The uncertainty: the observed weeks are resampled with replacement (a bootstrap) ``samples``
times; each resample gives a pace and a completion date. The 10th and 90th percentiles of those
dates bound an 80 % interval: if the coming weeks go like a random draw of the weeks measured, 8
times out of 10 the work is done inside it. It does not cover new customers, crews off sick,
refusals beyond the consent rate or doors that turn out to be unsuitable.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache

import numpy as np
import pandas as pd

from planner.models import JobKind, JobState, Skill
from planner.reports._data import NO_DISTRICT_ID, RolloutData
from planner.reports._format import decimal, percent, swedish_date

KINDS: dict[str, JobKind] = {
    Skill.ENTRANCE.value: JobKind.INSTALL_ENTRANCE,
    Skill.APARTMENT.value: JobKind.INSTALL_APARTMENT,
}
KIND_LABELS = {Skill.ENTRANCE.value: "entrédörrar", Skill.APARTMENT.value: "lägenhetsdörrar"}
CREW_LABELS = {
    Skill.ENTRANCE.value: "låsfirmans lag (entrédörrar)",
    Skill.APARTMENT.value: "Trygghetsjourens lag (lägenhetsdörrar)",
}
WINDOW_WEEKS = 12
SAMPLES = 1000
HORIZON_YEARS = 25
NO_WAVE = "Utan våg"


@dataclass(frozen=True)
class WorkGroup:
    """One wave (or the districts in no wave): the doors it has left and when it may start."""

    number: int | None
    name: str
    available: date
    district_ids: tuple[int, ...]
    consented: Mapping[str, int]  # kind -> doors at properties with consent
    pending: Mapping[str, int]  # kind -> doors at properties without an answer yet
    customers: int = 0  # customers served on the report date


@dataclass(frozen=True)
class ForecastInputs:
    """What the forecast starts from; ``forecast`` can be rerun on it for what-if questions."""

    on: date
    groups: tuple[WorkGroup, ...]
    weeks: pd.DataFrame  # kind, week (Monday), doors, crew_days
    planned_crews: Mapping[str, int]
    observed_consent_rate: float | None
    window_weeks: int = WINDOW_WEEKS


@dataclass(frozen=True)
class Pace:
    kind: str
    crews: int
    weeks: int  # observed weeks behind the pace
    doors_per_crew_day: float | None
    low: float | None  # 10th percentile of the bootstrap
    high: float | None  # 90th percentile


@dataclass(frozen=True)
class Forecast:
    """Completion dates (P10, P50, P90) per wave and for the report's scope."""

    on: date
    available: bool
    reason: str | None  # Swedish: why there is no forecast, when there is none
    consent_rate: float
    consent_rate_observed: bool
    crews: Mapping[str, int]
    pace: tuple[Pace, ...]
    waves: pd.DataFrame  # number, name, entrance, apartment (doors left, weighted), p10, p50, p90
    finish: tuple[date | None, date | None, date | None]  # for the scope
    done: bool  # nothing left to do in the scope
    samples: int
    text: str  # Swedish: the forecast and what its range means
    scope_waves: tuple[int | None, ...] = field(default_factory=tuple)

    def finish_of(self, number: int | None) -> tuple[date | None, date | None, date | None]:
        """P10, P50 and P90 of one wave (None: the districts in no wave)."""
        numbers = self.waves["number"]
        mask = numbers.isna() if number is None else (numbers == number).fillna(False)
        rows = self.waves[mask.astype(bool)]
        if not len(rows):
            return (None, None, None)
        row = rows.iloc[0]
        return (row["p10"], row["p50"], row["p90"])


@cache
def _days_off(first_year: int, last_year: int) -> frozenset[date]:
    import holidays

    calendar = holidays.country_holidays(
        "SE", years=range(first_year, last_year + 1), categories=("public", "de_facto")
    )
    return frozenset(calendar)


def working_days(first: date, count: int) -> list[date]:
    """``count`` working days from ``first`` (included): weekdays that are not days off."""
    off = _days_off(first.year, first.year + HORIZON_YEARS + 1)
    out: list[date] = []
    day = first
    while len(out) < count:
        if day.weekday() < 5 and day not in off:
            out.append(day)
        day += timedelta(days=1)
    return out


def throughput_weeks(data: RolloutData, *, on: date) -> pd.DataFrame:
    """Doors fitted and crew-days used per kind and ISO week (Monday), up to ``on``."""
    jobs = data.jobs
    rows = []
    for kind, job_kind in KINDS.items():
        part = jobs[jobs["kind"] == job_kind.value]
        part = part[[d <= on for d in part["day"]]] if len(part) else part
        if not len(part):
            continue
        week = pd.to_datetime(part["day"]) - pd.to_timedelta(
            pd.to_datetime(part["day"]).dt.weekday, unit="D"
        )
        frame = part.assign(week=week.dt.date)
        done = frame[frame["state"] == JobState.DONE.value].groupby("week").size()
        crew_days = frame.drop_duplicates(["crew_id", "day"]).groupby("week").size()
        for monday, used in crew_days.items():
            rows.append((kind, monday, int(done.get(monday, 0)), int(used)))
    return pd.DataFrame(rows, columns=["kind", "week", "doors", "crew_days"])


def planned_crews(data: RolloutData) -> dict[str, int]:
    """Active crews per skill in the Crew table."""
    out = dict.fromkeys(KINDS, 0)
    for skills, active in zip(data.crews["skills"], data.crews["active"], strict=True):
        if not active:
            continue
        for kind in KINDS:
            if kind in (skills or []):
                out[kind] += 1
    return out


def forecast_inputs(data: RolloutData, snapshot: pd.DataFrame, *, on: date) -> ForecastInputs:
    """The work left per wave (from the figures of ``on``), the weeks measured and the crews."""
    by_district = snapshot.set_index("district_id")
    waves = data.waves
    groups: list[WorkGroup] = []
    wave_of = dict(zip(data.districts["district_id"], data.districts["wave_id"], strict=True))

    def customers(ids: list[int]) -> int:
        return int(by_district.loc[[i for i in ids if i in by_district.index], "customers"].sum())

    def work(ids: list[int]) -> tuple[dict[str, int], dict[str, int]]:
        rows = by_district.loc[[i for i in ids if i in by_district.index]]
        consented = {
            "entrance": int(rows["entrance_doors_remaining_consented"].sum()),
            "apartment": int(rows["apartment_doors_remaining_consented"].sum()),
        }
        pending = {
            "entrance": int(rows["entrance_doors_remaining_pending"].sum()),
            "apartment": int(rows["apartment_doors_remaining_pending"].sum()),
        }
        return consented, pending

    start = on + timedelta(days=1)
    for wave in waves.to_dict("records"):
        ids = [int(d) for d, w in wave_of.items() if pd.notna(w) and int(w) == wave["wave_id"]]
        consented, pending = work(ids)
        planned: date = wave["planned_start"] if pd.notna(wave["planned_start"]) else start
        groups.append(
            WorkGroup(
                number=int(wave["number"]),
                name=str(wave["name"]),
                available=max(start, planned),
                district_ids=tuple(ids),
                consented=consented,
                pending=pending,
                customers=customers(ids),
            )
        )
    loose = [int(d) for d, w in wave_of.items() if pd.isna(w)] + [NO_DISTRICT_ID]
    consented, pending = work(loose)
    groups.append(
        WorkGroup(
            number=None,
            name=NO_WAVE,
            available=start,
            district_ids=tuple(loose),
            consented=consented,
            pending=pending,
            customers=customers(loose),
        )
    )
    totals = snapshot[["consents_requested", "consents_awaiting", "consents_received"]].sum()
    answered = int(totals["consents_requested"] - totals["consents_awaiting"])
    observed = float(totals["consents_received"]) / answered if answered else None
    return ForecastInputs(
        on=on,
        groups=tuple(groups),
        weeks=throughput_weeks(data, on=on),
        planned_crews=planned_crews(data),
        observed_consent_rate=observed,
    )


def forecast_completion(
    inputs: ForecastInputs,
    *,
    crews: Mapping[str, int] | None = None,
    consent_rate: float | None = None,
    scope: Collection[int] | None = None,
    samples: int = SAMPLES,
    seed: int = 2026,
) -> Forecast:
    """Completion dates per wave and for ``scope`` (district ids; None: the whole city).

    ``crews`` (per skill: ``entrance``, ``apartment``) and ``consent_rate`` (0–1) override the
    planned crews and the observed consent rate: the what-if questions.
    """
    chosen_crews = {**inputs.planned_crews, **(crews or {})}
    observed = inputs.observed_consent_rate
    rate = consent_rate if consent_rate is not None else (observed if observed is not None else 1.0)
    if not 0.0 <= rate <= 1.0:
        msg = f"Andelen medgivanden måste ligga mellan 0 och 1, inte {rate}."
        raise ValueError(msg)
    groups = inputs.groups
    in_scope = [g for g in groups if scope is None or any(d in scope for d in g.district_ids)]
    scope_numbers = tuple(g.number for g in in_scope)
    work = {
        kind: np.array([g.consented[kind] + rate * g.pending[kind] for g in groups])
        for kind in KINDS
    }
    scope_index = [groups.index(g) for g in in_scope]
    base = Forecast(
        on=inputs.on,
        available=False,
        reason=None,
        consent_rate=rate,
        consent_rate_observed=consent_rate is None and observed is not None,
        crews=chosen_crews,
        pace=(),
        waves=_wave_table(groups, work, None, scope_index),
        finish=(None, None, None),
        done=False,
        samples=samples,
        text="",
        scope_waves=scope_numbers,
    )
    if sum(groups[i].customers for i in scope_index) == 0:
        reason = f"Ingen prognos: urvalet har inga hemtjänstkunder den {swedish_date(inputs.on)}."
        return replace(base, reason=reason, text=reason)
    if all(work[k][scope_index].sum() <= 1e-9 for k in KINDS):
        text = "Allt arbete i urvalet är klart: inga entré- eller lägenhetsdörrar återstår."
        return replace(base, available=True, done=True, text=text)

    rng = np.random.default_rng(seed)
    paces: list[Pace] = []
    rates: dict[str, np.ndarray] = {}
    problems: list[str] = []
    window = _window(inputs)
    for kind in KINDS:
        weeks = window[window["kind"] == kind]
        needed = work[kind].sum() > 1e-9
        if not len(weeks) or weeks["crew_days"].sum() == 0:
            paces.append(Pace(kind, chosen_crews.get(kind, 0), 0, None, None, None))
            if needed:
                problems.append(
                    f"inga utförda monteringar av {KIND_LABELS[kind]} med lag före "
                    f"{inputs.on.isoformat()} att mäta takten på"
                )
            continue
        doors = weeks["doors"].to_numpy(dtype=float)
        used = weeks["crew_days"].to_numpy(dtype=float)
        pick = rng.integers(0, len(weeks), size=(samples, len(weeks)))
        sampled = doors[pick].sum(axis=1) / np.maximum(used[pick].sum(axis=1), 1)
        rates[kind] = sampled
        paces.append(
            Pace(
                kind,
                chosen_crews.get(kind, 0),
                len(weeks),
                float(doors.sum() / used.sum()),
                float(np.quantile(sampled, 0.1)),
                float(np.quantile(sampled, 0.9)),
            )
        )
        if needed and (chosen_crews.get(kind, 0) <= 0 or doors.sum() == 0):
            problems.append(f"inga planerade lag som hinner montera {KIND_LABELS[kind]}")
    if problems:
        reason = "Ingen prognos: " + "; ".join(problems) + "."
        return replace(base, pace=tuple(paces), reason=reason, text=reason)

    first = inputs.on + timedelta(days=1)
    horizon = working_days(first, 260 * HORIZON_YEARS)
    index_of = {d: i for i, d in enumerate(horizon)}

    def first_index(day: date) -> int:
        while day not in index_of and day <= horizon[-1]:
            day += timedelta(days=1)
        return index_of.get(day, len(horizon))

    finish = np.zeros((len(groups), samples))  # working-day position; 0: nothing to do
    for kind in KINDS:
        if kind not in rates:
            continue
        capacity = chosen_crews[kind] * rates[kind]
        clock = np.zeros(samples)
        for i, group in enumerate(groups):
            amount = work[kind][i]
            if amount <= 1e-9:
                continue
            begin = np.maximum(clock, first_index(group.available))
            clock = begin + amount / capacity
            finish[i] = np.maximum(finish[i], clock)
    quantiles = np.quantile(finish, [0.1, 0.5, 0.9], axis=1)  # 3 × groups

    def to_day(position: float) -> date | None:
        if position <= 0:
            return None
        step = math.ceil(position - 1e-9) - 1
        return horizon[step] if step < len(horizon) else None

    dated = {i: tuple(to_day(float(q)) for q in quantiles[:, i]) for i in range(len(groups))}
    scope_finish = np.quantile(finish[scope_index].max(axis=0), [0.1, 0.5, 0.9])
    finish_days = tuple(to_day(float(q)) for q in scope_finish)
    result = replace(
        base,
        available=True,
        pace=tuple(paces),
        waves=_wave_table(groups, work, dated, scope_index),
        finish=finish_days,  # type: ignore[arg-type]
    )
    return replace(result, text=describe(result))


def _window(inputs: ForecastInputs) -> pd.DataFrame:
    """The last ``window_weeks`` weeks with crew-days, per kind."""
    weeks = inputs.weeks
    if not len(weeks):
        return weeks
    parts = []
    for _, part in weeks[weeks["crew_days"] > 0].groupby("kind"):
        parts.append(part.sort_values("week").tail(inputs.window_weeks))
    return pd.concat(parts, ignore_index=True) if parts else weeks.iloc[0:0]


def _wave_table(
    groups: tuple[WorkGroup, ...],
    work: Mapping[str, np.ndarray],
    dated: Mapping[int, tuple[date | None, ...]] | None,
    shown: Collection[int],
) -> pd.DataFrame:
    """One row per group in ``shown`` (indexes), except an empty "no wave" group."""
    rows = []
    for i, group in enumerate(groups):
        if i not in shown:
            continue
        if group.number is None and all(work[k][i] <= 1e-9 for k in KINDS):
            continue  # an empty "no wave" group says nothing
        p10, p50, p90 = dated[i] if dated else (None, None, None)
        rows.append(
            {
                "number": group.number,
                "name": group.name,
                "available": group.available,
                "entrance": round(float(work["entrance"][i]), 1),
                "apartment": round(float(work["apartment"][i]), 1),
                "p10": p10,
                "p50": p50,
                "p90": p90,
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=["number", "name", "available", "entrance", "apartment", "p10", "p50", "p90"],
    )
    frame["number"] = frame["number"].astype("Int64")
    return frame


def describe(result: Forecast) -> str:
    """The forecast in Swedish: the likely date, the 80 % range and what lies behind them."""
    if not result.available:
        return result.reason or ""
    if result.done:
        return "Allt arbete i urvalet är klart."
    p10, p50, p90 = result.finish
    crews = " och ".join(f"{result.crews.get(k, 0)} av {CREW_LABELS[k]}" for k in KINDS)
    paces = " och ".join(
        f"{decimal(p.doors_per_crew_day)} {KIND_LABELS[p.kind]} per lag och dag "
        f"(uppmätt under {p.weeks} veckor)"
        for p in result.pace
        if p.doors_per_crew_day is not None
    )
    source = "andelen ja bland svaren hittills" if result.consent_rate_observed else "antaget värde"
    tail = " Den övre gränsen ligger bortom prognosens horisont." if p90 is None else ""
    return (
        f"Arbetet i urvalet blir troligen klart {swedish_date(p50)}; med 80 % sannolikhet "
        f"mellan {swedish_date(p10)} och {swedish_date(p90)}. Intervallet visar hur mycket "
        f"takten har skiftat från vecka till vecka: de uppmätta veckorna har dragits om "
        f"slumpvis {result.samples} gånger, och 8 av 10 framräknade slutdatum hamnar mellan de "
        f"två datumen. Prognosen räknar med {crews}, som arbetar alla vardagar utom röda dagar "
        f"och midsommar-, jul- och nyårsafton, med takten {paces}, och med att "
        f"{percent(result.consent_rate)} ({source}) av de fastighetsägare som ännu inte har "
        f"svarat lämnar medgivande. Vågorna tas i tur och ordning, var och en tidigast från sin "
        f"planerade start. Nya kunder, sjukfrånvaro och dörrar som visar sig olämpliga ingår "
        f"inte.{tail}"
    )
