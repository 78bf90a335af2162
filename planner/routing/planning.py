"""Plan a wave from the database and store the plan: the one call the CLI and the app make.

``plan_wave(session, wave, actor=..., ...)`` reads the wave (``planner.routing.wave``), computes
its travel matrix once, solves with progress reports (``planner.routing.solver``) and writes the
result in the caller's transaction:

* every placed job gets its crew, day, position and planned arrival (the planned start of the
  visit: a crew that arrives before an appointment waits for it). An unplanned or failed job
  becomes planned through ``planner.locks.lifecycle.transition`` with the user's name; a planned
  job that moves to another crew or day gets an audit row saying from where to where;
* every job left out keeps its reason: a ``plan_left_out`` row of the run (code and Swedish
  text) that the app and the CLI show. A planned job that is left out goes back to unplanned
  (its booked time, if any, is kept on the job so the reason stays readable);
* the run itself is recorded (``plan_run``): who, when, which days and crews, crew-days,
  driving, jobs placed, left out, moved and kept.

Jobs that were not part of the run (done, waiting for their result, planned beyond the last
day) are not touched. The caller commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.locks.lifecycle import audit, now, transition
from planner.locks.states import JobState, WaveState
from planner.models import Crew as CrewRow
from planner.models import Door, Entrance, Job, PlanLeftOut, PlanRun, Wave, street_address
from planner.routing._dbmap import KIND_LABELS, at_local, clock_text
from planner.routing.plan import RoutePlan
from planner.routing.problem import STOCKHOLM, RoutingProblem
from planner.routing.solver import Engine, Progress, solve
from planner.routing.travel import MatrixCache
from planner.routing.wave import PlanningOptions, WaveProblem, find_wave, load_wave_problem

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[Progress], None]

#: Shares of the progress bar: reading the wave, the matrix, the search, storing the plan.
_LOAD, _MATRIX, _SOLVED = 0.03, 0.06, 0.95


@dataclass(frozen=True)
class PlanOutcome:
    """What a planning run did, for the user: the figures, the changes and the left-out jobs."""

    run_id: int
    wave_name: str
    first_day: dt.date
    last_day: dt.date
    working_days: int
    crews: int
    placed: int
    newly_planned: int
    moved: int
    left_out: int
    unplanned_again: int
    kept: int
    crew_days: int
    driving_s: int
    distance_m: int | None
    engine: str
    plan: RoutePlan
    problem: RoutingProblem
    timings_s: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """A Swedish summary, one fact a line."""
        distance = f", {self.distance_m / 1000:.0f} km" if self.distance_m is not None else ""
        return [
            f"{self.wave_name}: {self.first_day} – {self.last_day} "
            f"({self.working_days} arbetsdagar, {self.crews} lag)",
            f"{self.placed} jobb planerade på {self.crew_days} lagdagar",
            f"Körtid {self.driving_s / 3600:.1f} h{distance}",
            f"Nyplanerade {self.newly_planned}, flyttade till annat lag eller annan dag "
            f"{self.moved}",
            f"Utanför planen {self.left_out} (varav {self.unplanned_again} som var planerade)",
            f"Orörda {self.kept} (utförda, väntar på resultat eller planerade efter perioden)",
            f"Planeringskörning {self.run_id}",
        ]


def plan_wave(
    session: Session,
    wave: Wave | int | str,
    *,
    actor: str,
    options: PlanningOptions | None = None,
    time_limit_s: float = 30.0,
    seed: int = 0,
    engine: Engine = "auto",
    progress: ProgressCallback | None = None,
    today: dt.date | None = None,
    cache: MatrixCache | None = None,
) -> PlanOutcome:
    """Plan (or re-plan) the wave and store the plan in the caller's transaction."""
    options = options or PlanningOptions()
    timings: dict[str, float] = {}
    report = progress or (lambda _p: None)
    report(Progress(0.0, "Läser vågens jobb och lag"))
    started = time.perf_counter()
    row = wave if isinstance(wave, Wave) else find_wave(session, wave)
    matrix_cache = cache or MatrixCache()
    wave_problem = load_wave_problem(session, row, options=options, today=today, cache=matrix_cache)
    timings["matrix"] = wave_problem.matrix_s
    timings["problem"] = time.perf_counter() - started - wave_problem.matrix_s
    report(
        Progress(
            _MATRIX,
            f"{wave_problem.open_jobs} jobb, {len(wave_problem.problem.crews)} lag, "
            f"{len(wave_problem.problem.working_days)} arbetsdagar; restider klara "
            f"({len(wave_problem.matrix)} platser)",
        )
    )

    def inner(step: Progress) -> None:
        report(Progress(_MATRIX + (_SOLVED - _MATRIX) * step.fraction, step.message))

    started = time.perf_counter()
    plan = solve(
        wave_problem.problem, time_limit_s=time_limit_s, seed=seed, progress=inner, engine=engine
    )
    timings["solve"] = time.perf_counter() - started
    report(Progress(_SOLVED, "Sparar planen"))
    started = time.perf_counter()
    outcome = save_plan(
        session, wave_problem, plan, actor=actor, time_limit_s=time_limit_s, timings=timings
    )
    timings["save"] = time.perf_counter() - started
    report(Progress(1.0, f"Klart: {outcome.placed} jobb på {outcome.crew_days} lagdagar"))
    return outcome


def save_plan(
    session: Session,
    wave_problem: WaveProblem,
    plan: RoutePlan,
    *,
    actor: str,
    time_limit_s: float = 0.0,
    timings: dict[str, float] | None = None,
) -> PlanOutcome:
    """Write the plan onto the jobs and record the run (see the module docstring)."""
    when = now()
    problem = wave_problem.problem
    facts = wave_problem.jobs
    names = wave_problem.crew_names
    ids = [facts[job.id].id for job in problem.jobs if not facts[job.id].done]
    rows = {job.id: job for job in _load_jobs(session, ids)}
    distance_m = _distance_m(wave_problem, plan)
    run = PlanRun(
        wave_id=wave_problem.wave_id,
        actor=actor,
        at=when,
        first_day=wave_problem.first_day,
        last_day=wave_problem.last_day,
        working_days=len(problem.working_days),
        crews=len(problem.crews),
        provider=wave_problem.matrix.provider[:300],
        engine=plan.engine,
        time_limit_s=time_limit_s,
        wall_s=plan.wall_s,
        jobs_considered=len(ids),
        crew_days=plan.crew_days,
        driving_s=plan.driving_s,
        distance_m=distance_m,
    )
    session.add(run)
    session.flush()

    placed = newly = moved = 0
    for route in plan.routes:
        crew_id = int(route.crew_id)
        for position, stop in enumerate(route.stops, start=1):
            known = facts[stop.job_id]
            if known.done:
                continue
            job = rows[known.id]
            arrival = at_local(route.day, stop.start_s)
            placed += 1
            where = f"{names[route.crew_id]} {route.day} kl. {clock_text(stop.start_s)}"
            if job.state is JobState.PLANNED:
                if (job.crew_id, job.planned_date) != (crew_id, route.day):
                    moved += 1
                    old = names.get(str(job.crew_id), f"lag {job.crew_id}")
                    audit(
                        session,
                        entity="job",
                        entity_id=job.id,
                        action="replanned",
                        actor=actor,
                        from_state=JobState.PLANNED.value,
                        to_state=JobState.PLANNED.value,
                        note=f"{old} {job.planned_date} → {where} (planeringskörning {run.id})",
                        at=when,
                    )
                job.crew_id, job.planned_date = crew_id, route.day
                job.position, job.planned_arrival = position, arrival
            else:
                newly += 1
                job.crew_id, job.planned_date = crew_id, route.day
                job.position, job.planned_arrival = position, arrival
                transition(
                    session,
                    job,
                    JobState.PLANNED,
                    actor=actor,
                    at=when,
                    note=f"{where}, plats {position} (planeringskörning {run.id})",
                )
    unplanned_again = 0
    for drop in plan.dropped:
        if facts[drop.job_id].done:
            continue  # done work that no longer fits its day: history, left as it is
        job = rows[facts[drop.job_id].id]
        session.add(
            PlanLeftOut(run_id=run.id, job_id=job.id, reason=drop.reason.value, text=drop.text)
        )
        if job.state is JobState.PLANNED:
            unplanned_again += 1
            transition(
                session,
                job,
                JobState.UNPLANNED,
                actor=actor,
                at=when,
                note=f"Utanför planen: {drop.text} (planeringskörning {run.id})",
            )
            job.crew_id = job.planned_date = job.position = job.planned_arrival = None
            job.pinned = False
    run.jobs_placed = placed
    left_out = sum(1 for drop in plan.dropped if not facts[drop.job_id].done)
    run.jobs_left_out = left_out
    run.jobs_moved = moved
    run.jobs_kept = wave_problem.kept
    outcome = PlanOutcome(
        run_id=run.id,
        wave_name=wave_problem.wave_name,
        first_day=wave_problem.first_day,
        last_day=wave_problem.last_day,
        working_days=len(problem.working_days),
        crews=len(problem.crews),
        placed=placed,
        newly_planned=newly,
        moved=moved,
        left_out=left_out,
        unplanned_again=unplanned_again,
        kept=wave_problem.kept,
        crew_days=plan.crew_days,
        driving_s=plan.driving_s,
        distance_m=distance_m,
        engine=plan.engine,
        plan=plan,
        problem=problem,
        timings_s=timings if timings is not None else {},
    )
    run.summary = "\n".join(outcome.lines()[:-1])
    audit(
        session,
        entity="wave",
        entity_id=wave_problem.wave_id,
        action="planned",
        actor=actor,
        note=f"Planeringskörning {run.id}: {placed} jobb planerade, "
        f"{left_out} utanför planen, {moved} flyttade",
        at=when,
    )
    session.flush()
    logger.info("plan run %d stored: %s", run.id, "; ".join(outcome.lines()))
    return outcome


def _load_jobs(session: Session, ids: Sequence[int]) -> list[Job]:
    found: list[Job] = []
    for begin in range(0, len(ids), 900):
        found.extend(session.scalars(select(Job).where(Job.id.in_(ids[begin : begin + 900]))))
    return found


def _distance_m(wave_problem: WaveProblem, plan: RoutePlan) -> int | None:
    distances = wave_problem.matrix.distance_m
    if distances is None:
        return None
    crews = wave_problem.problem.crews_by_id
    total = 0
    for route in plan.routes:
        crew = crews[route.crew_id]
        places = [crew.depot, *(stop.location for stop in route.stops), crew.final_depot]
        total += int(distances[places[:-1], places[1:]].sum())
    return total


# --- reading runs back -------------------------------------------------------------------------


def latest_run(session: Session, wave_id: int) -> PlanRun | None:
    return session.scalars(
        select(PlanRun).where(PlanRun.wave_id == wave_id).order_by(PlanRun.id.desc()).limit(1)
    ).first()


def run_title(run: PlanRun) -> str:
    """ "Planeringskörning 4, 2026-11-28 09:12 av anna" (Stockholm time)."""
    return (
        f"Planeringskörning {run.id}, {run.at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M} av {run.actor}"
    )


def runs_frame(session: Session, wave_id: int | None = None, *, limit: int = 20) -> pd.DataFrame:
    """The latest planning runs with Swedish column names."""
    stmt = select(PlanRun, Wave.name).join(Wave, Wave.id == PlanRun.wave_id)
    if wave_id is not None:
        stmt = stmt.where(PlanRun.wave_id == wave_id)
    rows = session.execute(stmt.order_by(PlanRun.id.desc()).limit(limit)).all()
    return pd.DataFrame(
        [
            {
                "Körning": run.id,
                "Våg": wave_name,
                "Tid": run.at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"),
                "Av": run.actor,
                "Period": f"{run.first_day} – {run.last_day}",
                "Lagdagar": run.crew_days,
                "Körtid h": round(run.driving_s / 3600, 1),
                "Planerade": run.jobs_placed,
                "Utanför planen": run.jobs_left_out,
                "Flyttade": run.jobs_moved,
            }
            for run, wave_name in rows
        ],
        columns=[
            "Körning",
            "Våg",
            "Tid",
            "Av",
            "Period",
            "Lagdagar",
            "Körtid h",
            "Planerade",
            "Utanför planen",
            "Flyttade",
        ],
    )


def left_out_frame(session: Session, run_id: int, *, still_open: bool = True) -> pd.DataFrame:
    """The jobs a run left out, with their reasons (by default only those not planned since)."""
    stmt = (
        select(
            PlanLeftOut.job_id,
            Job.kind,
            Job.state,
            Entrance.street,
            Entrance.number,
            Entrance.letter,
            Entrance.suffix,
            PlanLeftOut.text,
        )
        .join(Job, Job.id == PlanLeftOut.job_id)
        .join(Door, Door.id == Job.door_id)
        .join(Entrance, Entrance.id == Door.entrance_id)
        .where(PlanLeftOut.run_id == run_id)
        .order_by(PlanLeftOut.job_id)
    )
    if still_open:
        stmt = stmt.where(Job.state.in_((JobState.UNPLANNED, JobState.FAILED)))
    rows = session.execute(stmt).all()
    return pd.DataFrame(
        [
            {
                "Arbetsorder": job_id,
                "Typ": KIND_LABELS[kind],
                "Adress": street_address(street, number, letter, suffix),
                "Orsak": text,
            }
            for job_id, kind, _state, street, number, letter, suffix, text in rows
        ],
        columns=["Arbetsorder", "Typ", "Adress", "Orsak"],
    )


def left_out_reason(session: Session, job_id: int) -> str | None:
    """The reason the latest run that left this job out gave, if the job is still open."""
    row = session.execute(
        select(PlanLeftOut.text, Job.state)
        .join(Job, Job.id == PlanLeftOut.job_id)
        .where(PlanLeftOut.job_id == job_id)
        .order_by(PlanLeftOut.run_id.desc())
        .limit(1)
    ).first()
    if row is None or row[1] not in (JobState.UNPLANNED, JobState.FAILED):
        return None
    return str(row[0])


def wave_choices(session: Session) -> dict[int, str]:
    """Waves by id, in number order, for menus."""
    return dict(session.execute(select(Wave.id, Wave.name).order_by(Wave.number)).all())


def current_wave_id(session: Session) -> int | None:
    """The wave to plan first: the earliest in progress, else the earliest not started."""
    for state in (WaveState.IN_PROGRESS, WaveState.NOT_STARTED):
        found = session.scalars(
            select(Wave.id).where(Wave.state == state).order_by(Wave.number).limit(1)
        ).first()
        if found is not None:
            return int(found)
    return None


def crew_choices(session: Session) -> dict[int, str]:
    """Active crews by id, for menus."""
    return dict(
        session.execute(
            select(CrewRow.id, CrewRow.name).where(CrewRow.active.is_(True)).order_by(CrewRow.name)
        ).all()
    )
