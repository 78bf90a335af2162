"""The work left, read from the database as the plain data ``planner.routing.waves`` plans with.

A door needs work when a current customer (served on the day asked about) depends on it and it
has no fitted lock (installed, active or deactivated): the entrance-side doors (entrance, refuse
room, laundry room) of the customer's building, and the customer's apartment door. Consent
readiness is the share of those entrance-side doors whose owner has given consent.

``rollout_timeline`` puts the waves' planned dates next to a forecast of when each unfinished
wave can be done with the crews there are (or as many as asked for), for the Planering page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from planner.locks.states import ConsentState, LockState, WaveState, label
from planner.models import (
    Consent,
    Customer,
    District,
    DistrictSet,
    Door,
    DoorKind,
    Entrance,
    Lock,
    Skill,
    Wave,
    WaveDistrict,
)
from planner.models import Crew as CrewRow
from planner.routing.wave import next_working_day
from planner.routing.waves import (
    Capacity,
    DistrictWork,
    WaveWork,
    forecast,
    order_waves,
    to_frame,
    what_if,
)

FITTED = (LockState.INSTALLED, LockState.ACTIVE, LockState.DEACTIVATED)
ENTRANCE_SIDE = (DoorKind.ENTRANCE, DoorKind.REFUSE, DoorKind.LAUNDRY)


def default_capacity(session: Session) -> Capacity:
    """The active crews of each trade, with the default jobs per crew-day."""
    locksmiths = trygghetsjour = 0
    for skills in session.scalars(select(CrewRow.skills).where(CrewRow.active.is_(True))):
        if Skill.ENTRANCE.value in (skills or ()):
            locksmiths += 1
        if Skill.APARTMENT.value in (skills or ()):
            trygghetsjour += 1
    return Capacity(locksmith_crews=locksmiths, trygghetsjour_crews=trygghetsjour)


def district_work(session: Session, *, on: dt.date) -> dict[str, DistrictWork]:
    """The work left in each district of the current district set, by district name."""
    names = dict(
        session.execute(
            select(District.id, District.name)
            .join(DistrictSet, DistrictSet.id == District.set_id)
            .where(DistrictSet.is_current.is_(True))
        ).all()
    )
    customers = pd.DataFrame(
        session.execute(
            select(Customer.entrance_id, Customer.apartment_door_id).where(
                Customer.active_from <= on,
                or_(Customer.active_to.is_(None), Customer.active_to >= on),
            )
        ).all(),
        columns=["entrance_id", "door_id"],
    )
    entrances = pd.DataFrame(
        session.execute(select(Entrance.id, Entrance.district_id, Entrance.property_id)).all(),
        columns=["entrance_id", "district_id", "property_id"],
    )
    doors = pd.DataFrame(
        session.execute(select(Door.id, Door.entrance_id, Door.kind)).all(),
        columns=["door_id", "entrance_id", "kind"],
    )
    fitted = set(session.scalars(select(Lock.door_id).where(Lock.state.in_(FITTED))))
    consented = set(
        session.scalars(select(Consent.property_id).where(Consent.state == ConsentState.RECEIVED))
    )
    served = set(customers["entrance_id"])
    side = doors[doors["kind"].isin(ENTRANCE_SIDE) & doors["entrance_id"].isin(served)]
    side = side[~side["door_id"].isin(fitted)].merge(entrances, on="entrance_id")
    side["ready"] = side["property_id"].isin(consented)
    flats = customers.dropna(subset=["door_id"]).drop_duplicates("door_id")
    flats = flats[~flats["door_id"].astype(int).isin(fitted)].merge(entrances, on="entrance_id")
    result: dict[str, DistrictWork] = {}
    for district_id, name in names.items():
        mine = side[side["district_id"] == district_id]
        entrance_jobs = len(mine)
        result[name] = DistrictWork(
            district=name,
            entrance_jobs=entrance_jobs,
            apartment_jobs=int((flats["district_id"] == district_id).sum()),
            consent_ready=float(mine["ready"].mean()) if entrance_jobs else 1.0,
        )
    return result


def _waves(session: Session) -> list[tuple[Wave, list[str]]]:
    waves = list(session.scalars(select(Wave).order_by(Wave.number)))
    members = session.execute(
        select(WaveDistrict.wave_id, District.name).join(
            District, District.id == WaveDistrict.district_id
        )
    ).all()
    by_wave: dict[int, list[str]] = {}
    for wave_id, name in members:
        by_wave.setdefault(wave_id, []).append(name)
    return [(wave, sorted(by_wave.get(wave.id, []))) for wave in waves]


def wave_work(session: Session, *, on: dt.date, keep_planned_starts: bool = True) -> list[WaveWork]:
    """The unfinished waves with their districts' work, in wave order.

    With ``keep_planned_starts`` a wave not yet started starts no earlier than planned.
    """
    work = district_work(session, on=on)
    return [
        WaveWork(
            number=wave.number,
            name=wave.name,
            districts=tuple(work[name] for name in names if name in work),
            earliest_start=wave.planned_start
            if keep_planned_starts and wave.state is WaveState.NOT_STARTED
            else None,
        )
        for wave, names in _waves(session)
        if wave.state is not WaveState.DONE
    ]


def rollout_forecast(
    session: Session, *, on: dt.date, capacity: Capacity | None = None
) -> pd.DataFrame:
    """Each unfinished wave's work, crew-days and forecast dates (``waves.to_frame``)."""
    chosen = capacity or default_capacity(session)
    return to_frame(forecast(wave_work(session, on=on), chosen, start=next_working_day(on)))


def rollout_timeline(
    session: Session, *, on: dt.date, capacity: Capacity | None = None
) -> pd.DataFrame:
    """Per wave: the planned dates and, for unfinished waves, the forecast; one row each."""
    chosen = capacity or default_capacity(session)
    forecasts = {
        w.number: w for w in forecast(wave_work(session, on=on), chosen, start=next_working_day(on))
    }
    rows = []
    for wave, names in _waves(session):
        if wave.planned_start is not None and wave.planned_end is not None:
            rows.append(
                {
                    "Våg": wave.name,
                    "Status": label(wave.state),
                    "Typ": "planerad",
                    "Start": wave.planned_start,
                    "Slut": wave.planned_end,
                    "Stadsdelsområden": ", ".join(names),
                }
            )
        predicted = forecasts.get(wave.number)
        if predicted is not None and predicted.working_days:
            rows.append(
                {
                    "Våg": wave.name,
                    "Status": label(wave.state),
                    "Typ": "prognos",
                    "Start": predicted.start,
                    "Slut": predicted.end,
                    "Stadsdelsområden": ", ".join(names),
                }
            )
    return pd.DataFrame(rows, columns=["Våg", "Status", "Typ", "Start", "Slut", "Stadsdelsområden"])


def suggest_waves(
    session: Session,
    *,
    on: dt.date,
    capacity: Capacity | None = None,
    max_days: int = 60,
    districts: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A proposed order of the districts not yet started, grouped into waves."""
    work = district_work(session, on=on)
    if districts is None:
        started = {
            name
            for wave, names in _waves(session)
            if wave.state is not WaveState.NOT_STARTED
            for name in names
        }
        districts = [name for name in work if name not in started]
    chosen = [work[name] for name in districts if name in work]
    return to_frame(
        order_waves(
            chosen,
            capacity or default_capacity(session),
            start=next_working_day(on),
            max_days=max_days,
        )
    )


def what_if_crews(
    session: Session,
    *,
    on: dt.date,
    crews: Sequence[tuple[int, int]] | None = None,
    capacity: Capacity | None = None,
) -> pd.DataFrame:
    """When the unfinished waves are done with other numbers of crews (``waves.what_if``),
    each wave starting as soon as the one before is done.

    Without ``crews``: the crews of ``capacity`` (default: the active crews), and four fewer
    and four more of each trade.
    """
    chosen = capacity or default_capacity(session)
    if crews is None:
        base = (chosen.locksmith_crews, chosen.trygghetsjour_crews)
        crews = sorted({(max(base[0] + d, 1), max(base[1] + d, 1)) for d in (-4, 0, 4)})
    return what_if(
        wave_work(session, on=on, keep_planned_starts=False),
        chosen,
        start=next_working_day(on),
        crews=crews,
    )
