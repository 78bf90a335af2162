"""Solve a ``RoutingProblem``: the only module that imports OR-Tools.

How a plan is made
------------------
1. **Checks before the solve** (``eligibility``): every job gets the crew-days that may take it
   (skill, pinned crew and day, date range and deadline, appointment day and hours, crew days
   off, Swedish holidays) or a reason why none may.
2. **Decomposition.** A small wave is one model over all its crew-days. A large one (more than
   ``JOINT_MAX_JOBS`` jobs or ``JOINT_MAX_VEHICLES`` crew-days) is split by day: jobs are first
   assigned to days (``decompose.assign_days``: fixed days first, then compact crew-day sized
   clusters grown around the most urgent, farthest jobs, filling the earliest days so the last
   ones stay free), then each day is solved on its own, two days at a time in worker processes
   on a two-core machine. A repair round then offers the jobs a day could not take to days
   with room left, starting from the routes already found.
3. **Search, per model.** The exact model is OR-Tools' routing library: vehicles are crew-days;
   a time dimension whose transit is service at the origin plus travel; shift windows on route
   start and end; the lunch as a break interval of each vehicle; appointments as windows on
   the start of service; skills, days and pins as allowed vehicles; a count dimension for the
   cap on jobs a day and a load dimension for material; a disjunction per job so it can be
   left out at a high price. Objective: a fixed cost per crew-day used, then driving seconds;
   re-planning and preferred days add a cost for putting a job on another crew-day
   (per-vehicle arc costs). Balance comes last, in the final ``BALANCE_SHARE`` of the time:
   each used route gets a soft upper bound on its end at the mean end of its day's routes,
   so work moves from long days to short ones where that costs little driving; the balanced
   routes are kept only if they use no more crew-days, leave out no more jobs and drive at
   most 1 % more (``bench/`` measures the effect).

   With ``engine="auto"`` (the default, when PyVRP is installed) the search is split: PyVRP's
   iterated local search (``_pyvrp``) finds the routes on a relaxation of the model that it can
   express (no breaks: each shift is shortened by the lunch and windows that close after the
   lunch may start are tightened by its length, which guarantees the lunch fits), and
   OR-Tools then reads those routes as its first solution (``ReadAssignmentFromRoutes``),
   checks them against the exact model (real lunch placement, all side constraints) and
   improves them with guided local search for the rest of the time. Why: on the Solomon and
   Gehring-Homberger VRPTW sets measured in ``bench/`` PyVRP's search reaches the best known
   distances within a fraction of a percent in 10 s, while OR-Tools' own search (even its
   iterated local search with SISR ruin-and-recreate, our ``engine="ortools"``) stays 1-3 %
   behind on the harder instances; OR-Tools, in turn, models lunch breaks, move penalties and
   balance exactly, which PyVRP cannot. Re-planning starts from the previous routes instead, so
   that little moves. ``engine="ortools"`` uses OR-Tools alone; ``engine="pyvrp"`` uses PyVRP
   alone on the relaxation (one model, no decomposition: the reference for benchmarks).
4. **Reasons after the solve.** Each job the search left out is solved alone on every crew-day
   it may use (one small OR-Tools model per job): if it fits alone the reason is "no capacity
   in the wave's days", otherwise "cannot be reached even alone".

The ``seed`` goes to PyVRP; OR-Tools' search is deterministic for a given time budget.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from ortools.constraint_solver import (
    pywrapcp,
    routing_enums_pb2,
    routing_ils_pb2,
    routing_parameters_pb2,
)

from planner.routing import _pyvrp
from planner.routing._model import Model, Vehicle, build_model
from planner.routing._result import ModelSolution, VehicleRoute
from planner.routing.decompose import assign_days
from planner.routing.eligibility import CrewDay, Eligibility, find_eligibility
from planner.routing.plan import DroppedJob, Route, RoutePlan, Stop
from planner.routing.problem import RoutingProblem
from planner.routing.reasons import DropReason
from planner.routing.timing import time_route

logger = logging.getLogger(__name__)

Engine = Literal["auto", "ortools", "pyvrp"]


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress report: share done (0-1) and a Swedish line for the user."""

    fraction: float
    message: str


ProgressCallback = Callable[[Progress], None]

JOINT_MAX_JOBS = 250
JOINT_MAX_VEHICLES = 60
#: Share of a model's time given to PyVRP's search before OR-Tools takes over.
PYVRP_SHARE = 0.75
#: Share of a model's OR-Tools time spent balancing the routes found.
BALANCE_SHARE = 0.2
#: Share of a decomposed wave's time kept for the repair round.
REPAIR_SHARE = 0.12
#: A starting solution (the previous plan) that holds fewer than this share of a model's
#: visits may be a poor start: OR-Tools' local search inserts the rest one at a time and can
#: run out of time (a rough plan made by hand with many jobs still open). Such a model is
#: searched twice, from the previous routes and afresh, in half the time each, and the cheaper
#: result is kept (the cost of moving a job is part of both).
MIN_START_COVERAGE = 0.8


def solve(
    problem: RoutingProblem,
    *,
    time_limit_s: float = 30.0,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    engine: Engine = "auto",
    workers: int | None = None,
) -> RoutePlan:
    """Plan the problem's jobs on its crews and working days within about ``time_limit_s``.

    ``workers`` is the number of processes for a decomposed wave (default: up to 2 cores).
    """
    started = time.monotonic()
    deadline = started + time_limit_s
    report = _Reporter(progress)
    report(0.0, "Kontrollerar jobben")
    eligibility = find_eligibility(problem)
    dropped = {
        job_id: DroppedJob(job_id, exclusion.reason, exclusion.detail)
        for job_id, exclusion in eligibility.excluded.items()
    }
    job_ids = [job.id for job in problem.jobs if job.id in eligibility.allowed]
    job_ids += [job.id for job in problem.jobs if job.id in eligibility.fixed]
    keys = _all_vehicle_keys(problem)
    use_pyvrp = engine in {"auto", "pyvrp"} and _pyvrp.available()
    if engine == "pyvrp" and not use_pyvrp:
        msg = "PyVRP är inte installerat"
        raise RuntimeError(msg)
    engine_name = engine if engine != "auto" else ("pyvrp+ortools" if use_pyvrp else "ortools")

    joint = engine == "pyvrp" or (
        len(job_ids) <= JOINT_MAX_JOBS and len(keys) <= JOINT_MAX_VEHICLES
    )
    if joint:
        report(0.05, f"Planerar {len(job_ids)} jobb i en modell")
        solutions = _solve_joint(
            problem,
            eligibility,
            job_ids,
            keys,
            time_limit_s=max(deadline - time.monotonic(), 0.5),
            seed=seed,
            engine=engine,
            use_pyvrp=use_pyvrp,
            report=report,
        )
    else:
        solutions = _solve_by_day(
            problem,
            eligibility,
            job_ids,
            keys,
            deadline=deadline,
            seed=seed,
            use_pyvrp=use_pyvrp,
            workers=workers,
            report=report,
        )
    routes = [route for model, solution in solutions for route in _routes(model, solution)]
    planned = {stop.job_id for route in routes for stop in route.stops}
    left_out = [job_id for job_id in job_ids if job_id not in planned]
    report(0.95, f"Söker orsaker för {len(left_out)} jobb utanför planen")
    for job_id in left_out:
        dropped[job_id] = _reason_alone(problem, eligibility, job_id)
    moved = frozenset(
        stop.job_id
        for route in routes
        for stop in route.stops
        if stop.job_id in problem.previous
        and (problem.previous[stop.job_id].crew_id, problem.previous[stop.job_id].day)
        != (route.crew_id, route.day)
    )
    order = {job.id: i for i, job in enumerate(problem.jobs)}
    plan = RoutePlan(
        routes=tuple(sorted(routes, key=lambda r: (r.day, r.crew_id))),
        dropped=tuple(sorted(dropped.values(), key=lambda d: order[d.job_id])),
        objective=problem.objective,
        engine=engine_name,
        wall_s=time.monotonic() - started,
        moved_job_ids=moved,
    )
    report(1.0, f"Klart: {len(planned)} jobb på {plan.crew_days} lagdagar")
    logger.info("plan made in %.1f s with %s:\n%s", plan.wall_s, engine_name, plan.summary())
    return plan


class _Reporter:
    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback

    def __call__(self, fraction: float, message: str) -> None:
        logger.debug("progress %.0f%%: %s", 100 * fraction, message)
        if self._callback is not None:
            self._callback(Progress(min(max(fraction, 0.0), 1.0), message))


def _all_vehicle_keys(problem: RoutingProblem) -> list[CrewDay]:
    return [
        (crew.id, day)
        for day in problem.working_days
        for crew in problem.crews
        if crew.works_on(day)
    ]


def _previous_routes(problem: RoutingProblem) -> dict[CrewDay, list[str]]:
    routes: dict[CrewDay, list[tuple[int, str]]] = {}
    for job_id, visit in problem.previous.items():
        routes.setdefault((visit.crew_id, visit.day), []).append((visit.position, job_id))
    return {key: [job_id for _, job_id in sorted(items)] for key, items in routes.items()}


def _solve_joint(
    problem: RoutingProblem,
    eligibility: Eligibility,
    job_ids: Sequence[str],
    keys: Sequence[CrewDay],
    *,
    time_limit_s: float,
    seed: int,
    engine: Engine,
    use_pyvrp: bool,
    report: _Reporter,
) -> list[tuple[Model, ModelSolution]]:
    initial = _previous_routes(problem) if problem.previous else None
    model = build_model(
        problem,
        job_ids=job_ids,
        allowed=eligibility.allowed,
        fixed=eligibility.fixed,
        vehicle_keys=keys,
        initial=initial,
    )
    if not model.visits or not model.vehicles:
        return []
    if engine == "pyvrp":
        solution = _pyvrp.solve_model(model, time_limit_s=time_limit_s, seed=seed)
        return [] if solution is None else [(model, solution)]
    solution = solve_model(
        model,
        time_limit_s=time_limit_s,
        seed=seed,
        use_pyvrp=use_pyvrp,
        phase=lambda share, message: report(0.05 + 0.85 * share, message),
    )
    return [(model, solution)]


def _solve_by_day(
    problem: RoutingProblem,
    eligibility: Eligibility,
    job_ids: Sequence[str],
    keys: Sequence[CrewDay],
    *,
    deadline: float,
    seed: int,
    use_pyvrp: bool,
    workers: int | None,
    report: _Reporter,
) -> list[tuple[Model, ModelSolution]]:
    days = sorted({day for _, day in keys})
    report(0.02, f"Fördelar {len(job_ids)} jobb på {len(days)} dagar")
    day_of = assign_days(problem, eligibility, job_ids)
    previous = _previous_routes(problem) if problem.previous else {}
    per_day: dict[dt.date, list[str]] = {day: [] for day in days}
    for job_id in job_ids:
        day = day_of.get(job_id)
        if day is not None:
            per_day[day].append(job_id)
    unassigned = [job_id for job_id in job_ids if job_id not in day_of]

    # Spread crew-days over crews: a day's model knows how many days each crew already has.
    crew_days: dict[str, int] = {}
    models: dict[dt.date, Model] = {}
    for day in days:
        models[day] = build_model(
            problem,
            job_ids=per_day[day],
            allowed=eligibility.allowed,
            fixed=eligibility.fixed,
            vehicle_keys=[key for key in keys if key[1] == day],
            initial={key: ids for key, ids in previous.items() if key[1] == day} or None,
        )
    busy = [day for day in days if models[day].visits]
    remaining = max(deadline - time.monotonic(), 1.0)
    process_count = workers or min(2, os.cpu_count() or 1)
    process_count = max(1, min(process_count, len(busy)))
    rounds = max(1, -(-len(busy) // process_count))
    per_model_s = max(remaining * (1 - REPAIR_SHARE) / rounds - 0.3, 0.5)
    solutions: dict[dt.date, ModelSolution] = {}

    done = 0

    def finished(day: dt.date, solution: ModelSolution) -> None:
        nonlocal done
        solutions[day] = solution
        done += 1
        used = sum(1 for route in solution.routes if route.visits)
        report(
            0.05 + 0.8 * done / max(len(busy), 1),
            f"Dag {done} av {len(busy)} klar ({day}: {used} lag)",
        )

    if process_count > 1:
        # Fork, not spawn: spawn re-imports the caller's main module (a Streamlit page, a
        # script without a main guard). The children only build and solve new models.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(max_workers=process_count, mp_context=context) as pool:
            futures: dict[dt.date, Future[ModelSolution]] = {
                day: pool.submit(
                    solve_model,
                    models[day],
                    time_limit_s=per_model_s,
                    seed=seed,
                    use_pyvrp=use_pyvrp,
                )
                for day in busy
            }
            for day in busy:
                finished(day, futures[day].result())
    else:
        for day in busy:
            budget = min(per_model_s, max(deadline - time.monotonic(), 0.5))
            finished(
                day, solve_model(models[day], time_limit_s=budget, seed=seed, use_pyvrp=use_pyvrp)
            )
    for day, solution in solutions.items():
        for route in solution.routes:
            if route.visits:
                crew_id = models[day].vehicles[route.vehicle].crew.id
                crew_days[crew_id] = crew_days.get(crew_id, 0) + 1

    # Repair: offer what the days could not take to days with room, best room first.
    left = unassigned + [
        models[day].visits[i].job.id for day, s in solutions.items() for i in s.unassigned
    ]
    left = [job_id for job_id in left if job_id not in eligibility.fixed]
    if left:
        report(0.86, f"Försöker få in {len(left)} jobb på andra dagar")
        logger.info(
            "%d jobs left after the days' first solve; repairing in %.1f s",
            len(left),
            deadline - time.monotonic(),
        )
        left = _repair(problem, eligibility, models, solutions, left, deadline=deadline, seed=seed)
        logger.info("%d jobs left after the repair", len(left))
    return [(models[day], solutions[day]) for day in solutions]


def _spare_s(model: Model, solution: ModelSolution) -> int:
    used = {route.vehicle: route for route in solution.routes if route.visits}
    spare = 0
    for position, vehicle in enumerate(model.vehicles):
        route = used.get(position)
        if route is None:
            spare += vehicle.latest_s - vehicle.earliest_s
        else:
            spare += max(vehicle.latest_s - route.return_s, 0)
    return spare


def _repair(
    problem: RoutingProblem,
    eligibility: Eligibility,
    models: dict[dt.date, Model],
    solutions: dict[dt.date, ModelSolution],
    left: list[str],
    *,
    deadline: float,
    seed: int,
) -> list[str]:
    pending = list(dict.fromkeys(left))
    days = sorted(solutions, key=lambda d: -_spare_s(models[d], solutions[d]))
    candidates = {
        day: [j for j in pending if any(k[1] == day for k in eligibility.allowed.get(j, ()))]
        for day in days
    }
    days = [day for day in days if candidates[day]]
    for index, day in enumerate(days):
        remaining = deadline - time.monotonic()
        if remaining < 0.5 or not pending:
            break
        offered = [job_id for job_id in candidates[day] if job_id in pending]
        if not offered:
            continue
        model = models[day]
        current = {
            model.vehicles[route.vehicle].key: [model.visits[i].job.id for i in route.visits]
            for route in solutions[day].routes
        }
        planned_here = [job_id for route in current.values() for job_id in route]
        # Only jobs planned here or still pending: a job this day dropped may since have
        # found a place on another day.
        ids = list(dict.fromkeys(planned_here + offered))
        repaired = build_model(
            problem,
            job_ids=ids,
            allowed=eligibility.allowed,
            fixed=eligibility.fixed,
            vehicle_keys=[vehicle.key for vehicle in model.vehicles],
            initial=current,
        )
        budget = max(remaining / (len(days) - index), 0.5)
        solution = solve_model(
            repaired, time_limit_s=budget, seed=seed, use_pyvrp=False, afresh_if_sparse=False
        )
        placed = {repaired.visits[i].job.id for r in solution.routes for i in r.visits}
        if len(placed) > len(planned_here):
            lost = [job_id for job_id in planned_here if job_id not in placed]
            models[day] = repaired
            solutions[day] = solution
            pending = [job_id for job_id in pending if job_id not in placed] + lost
    return pending


# --------------------------------------------------------------------------------------------
# One model: PyVRP's search then OR-Tools on the exact model, or OR-Tools alone.


def solve_model(
    model: Model,
    *,
    time_limit_s: float,
    seed: int = 0,
    use_pyvrp: bool = True,
    phase: Callable[[float, str], None] | None = None,
    afresh_if_sparse: bool = True,
) -> ModelSolution:
    """The best routes for one model within ``time_limit_s``.

    ``phase`` hears of each step: the share of the time gone and a Swedish line. With
    ``afresh_if_sparse`` a model whose starting routes hold few of its visits is also searched
    afresh (``MIN_START_COVERAGE``).
    """
    started = time.monotonic()

    def tell(message: str) -> None:
        if phase is not None:
            phase(min((time.monotonic() - started) / max(time_limit_s, 1e-9), 1.0), message)

    initial: Sequence[Sequence[int]] | None = model.initial_routes
    fresh_too = False
    if initial is not None:
        covered = sum(len(route) for route in initial)
        fresh_too = afresh_if_sparse and covered < MIN_START_COVERAGE * len(model.visits)
    engine = "ortools"
    can_pyvrp = use_pyvrp and _pyvrp.available() and _pyvrp.can_express(model)

    def relaxed_routes(seconds: float) -> Sequence[Sequence[int]] | None:
        tell(f"Söker rutter för {len(model.visits)} jobb (PyVRP)")
        relaxed = _pyvrp.solve_model(model, time_limit_s=max(seconds, 0.2), seed=seed)
        return None if relaxed is None else relaxed.sequences(len(model.vehicles))

    if initial is None and can_pyvrp:
        initial = relaxed_routes(time_limit_s * PYVRP_SHARE)
        if initial is not None:
            engine = "pyvrp+ortools"
    remaining = max(time_limit_s - (time.monotonic() - started), 0.2)
    tell("Kontrollerar och förbättrar rutterna med lunch och alla villkor (OR-Tools)")
    balancing = model.objective.balance_cost_per_s > 0
    first_s = remaining * (1 - BALANCE_SHARE) if balancing else remaining
    if fresh_too:
        kept = _solve_with_ortools(model, time_limit_s=first_s / 2, initial=initial)
        left = max(first_s - (time.monotonic() - started), 0.2)
        # afresh from PyVRP's routes where it can: OR-Tools' own first solution on a large
        # model may not come within a short time at all
        start = relaxed_routes(left * PYVRP_SHARE) if can_pyvrp else None
        left = max(first_s - (time.monotonic() - started), 0.2)
        fresh = _solve_with_ortools(model, time_limit_s=left, initial=start)
        solution = min((kept, fresh), key=_comparable_cost)
        logger.info(
            "from the previous routes %d left out, afresh %d: kept the %s",
            len(kept.unassigned),
            len(fresh.unassigned),
            "previous" if solution is kept else "fresh one",
        )
    else:
        solution = _solve_with_ortools(model, time_limit_s=first_s, initial=initial)
    targets = _balance_targets(model, solution) if balancing else None
    if targets:
        tell("Jämnar ut arbetsdagarna mellan lagen")
        left = max(time_limit_s - (time.monotonic() - started), 0.2)
        balanced = _solve_with_ortools(
            model,
            time_limit_s=left,
            initial=solution.sequences(len(model.vehicles)),
            balance_targets=targets,
        )
        if _hardly_worse(model, balanced, solution):
            solution = balanced
    return ModelSolution(
        routes=solution.routes,
        unassigned=solution.unassigned,
        objective=solution.objective,
        engine=engine,
    )


def _comparable_cost(solution: ModelSolution) -> float:
    """The objective, or infinity for a search that found nothing at all."""
    failed = not solution.routes and solution.unassigned and solution.objective == 0
    return float("inf") if failed else float(solution.objective)


def _driving_s(model: Model, solution: ModelSolution) -> int:
    matrix = model.duration_s
    total = 0
    for route in solution.routes:
        vehicle = model.vehicles[route.vehicle]
        places = [vehicle.start_depot]
        places += [model.visits[i].location for i in route.visits]
        places.append(vehicle.end_depot)
        total += int(matrix[places[:-1], places[1:]].sum())
    return total


def _balance_targets(model: Model, solution: ModelSolution) -> dict[int, int] | None:
    """Per used vehicle: the mean end of the routes used on its day, if a day has two."""
    ends: dict[int, list[int]] = {}
    for route in solution.routes:
        ends.setdefault(model.vehicles[route.vehicle].offset_s, []).append(route.return_s)
    if all(len(day_ends) < 2 for day_ends in ends.values()):
        return None
    return {
        route.vehicle: round(sum(ends[offset]) / len(ends[offset]))
        for route in solution.routes
        if len(ends[offset := model.vehicles[route.vehicle].offset_s]) >= 2
    }


def _hardly_worse(model: Model, balanced: ModelSolution, first: ModelSolution) -> bool:
    """Balance may not cost a crew-day, a job, or more than 1 % more driving."""
    return (
        len(balanced.routes) <= len(first.routes)
        and len(balanced.unassigned) <= len(first.unassigned)
        and _driving_s(model, balanced) <= 1.01 * _driving_s(model, first)
    )


@dataclass
class _OrModel:
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    depot_count: int
    lunches: dict[int, pywrapcp.IntervalVar]


def _build_ortools(model: Model, balance_targets: Mapping[int, int] | None = None) -> _OrModel:
    vehicles = model.vehicles
    depots = sorted({v.start_depot for v in vehicles} | {v.end_depot for v in vehicles})
    depot_node = {location: node for node, location in enumerate(depots)}
    locations = np.array(depots + [visit.location for visit in model.visits], dtype=np.int64)
    service = np.array([0] * len(depots) + [visit.service_s for visit in model.visits])
    travel = model.duration_s[np.ix_(locations, locations)]
    manager = pywrapcp.RoutingIndexManager(
        len(locations),
        len(vehicles),
        [depot_node[v.start_depot] for v in vehicles],
        [depot_node[v.end_depot] for v in vehicles],
    )
    routing = pywrapcp.RoutingModel(manager)
    weights = model.objective
    time_transit = routing.RegisterTransitMatrix((travel + service[:, None]).tolist())

    base_cost = travel * weights.driving_cost_per_s
    if model.has_extra_cost:
        groups: dict[tuple[int, ...], list[int]] = {}
        for v in range(len(vehicles)):
            signature = tuple(visit.extra_cost.get(v, 0) for visit in model.visits)
            groups.setdefault(signature, []).append(v)
        for signature, members in groups.items():
            column = np.array([0] * len(depots) + list(signature), dtype=np.int64)
            callback = routing.RegisterTransitMatrix((base_cost + column[None, :]).tolist())
            for v in members:
                routing.SetArcCostEvaluatorOfVehicle(callback, v)
    else:
        routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(base_cost.tolist()))

    horizon = model.horizon_s
    routing.AddDimension(time_transit, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for v, vehicle in enumerate(vehicles):
        time_dim.CumulVar(routing.Start(v)).SetRange(vehicle.earliest_s, vehicle.latest_s)
        time_dim.CumulVar(routing.End(v)).SetRange(vehicle.earliest_s, vehicle.latest_s)
        routing.SetFixedCostOfVehicle(vehicle.fixed_cost, v)
        if balance_targets and v in balance_targets:
            time_dim.SetCumulVarSoftUpperBound(
                routing.End(v), balance_targets[v], weights.balance_cost_per_s
            )
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))

    all_vehicles = range(len(vehicles))
    for i, visit in enumerate(model.visits):
        index = manager.NodeToIndex(len(depots) + i)
        allowed = visit.vehicles if visit.vehicles is not None else all_vehicles
        earliest = min(vehicles[v].earliest_s for v in allowed)
        latest = max(vehicles[v].latest_s for v in allowed) - visit.service_s
        if visit.window is not None:
            earliest = max(earliest, visit.window[0])
            latest = min(latest, visit.window[1])
        time_dim.CumulVar(index).SetRange(earliest, max(earliest, latest))
        if visit.vehicles is not None:
            # SetAllowedVehiclesForIndex does not take Python lists in OR-Tools 9.15.
            unperformed = [-1] if visit.penalty is not None else []
            routing.VehicleVar(index).SetValues(unperformed + list(visit.vehicles))
        if visit.penalty is not None:
            routing.AddDisjunction([index], visit.penalty)

    if model.has_day_cap:
        ones = [0] * len(depots) + [1] * len(model.visits)
        count = routing.RegisterUnaryTransitVector(ones)
        caps = [
            v.crew.max_jobs_per_day if v.crew.max_jobs_per_day is not None else len(model.visits)
            for v in vehicles
        ]
        routing.AddDimensionWithVehicleCapacity(count, 0, caps, True, "jobs")
    if model.has_load:
        loads = [0] * len(depots) + [visit.load for visit in model.visits]
        load = routing.RegisterUnaryTransitVector(loads)
        total = sum(loads)
        caps = [v.crew.capacity if v.crew.capacity is not None else total for v in vehicles]
        routing.AddDimensionWithVehicleCapacity(load, 0, caps, True, "load")

    lunches: dict[int, pywrapcp.IntervalVar] = {}
    if model.has_lunch:
        solver = routing.solver()
        visit_service = [0] * routing.Size()
        for index in range(routing.Size()):
            if not routing.IsStart(index):
                visit_service[index] = int(service[manager.IndexToNode(index)])
        for v, vehicle in enumerate(vehicles):
            window = vehicle.lunch_window
            if window is None:
                continue
            earliest, latest, length = window
            interval = solver.FixedDurationIntervalVar(earliest, latest, length, False, f"lunch{v}")
            lunches[v] = interval
            time_dim.SetBreakIntervalsOfVehicle([interval], v, visit_service)
    return _OrModel(manager, routing, time_dim, len(depots), lunches)


def _search_parameters(
    time_limit_s: float, *, iterated: bool
) -> routing_parameters_pb2.RoutingSearchParameters:
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(int(time_limit_s * 1000), 100))
    if iterated:
        ils = params.iterated_local_search_parameters
        ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
        ruin_recreate = ils.ruin_recreate_parameters
        ruin = ruin_recreate.ruin_strategies.add()
        ruin.sisr.max_removed_sequence_size = 10
        ruin.sisr.avg_num_removed_visits = 10
        ruin.sisr.bypass_factor = 0.01
        ruin_recreate.ruin_composition_strategy = (
            routing_ils_pb2.RuinCompositionStrategy.RUN_ONE_RANDOMLY
        )
        ils.improve_perturbed_solution = True
        ils.reference_solution_acceptance_strategy.simulated_annealing.automatic_temperatures = True
    return params


def _solve_with_ortools(
    model: Model,
    *,
    time_limit_s: float,
    initial: Sequence[Sequence[int]] | None,
    quick: bool = False,
    balance_targets: Mapping[int, int] | None = None,
) -> ModelSolution:
    """OR-Tools on the exact model; ``quick`` stops at the first local optimum."""
    started = time.monotonic()
    built = _build_ortools(model, balance_targets)
    routing, manager = built.routing, built.manager
    solution = None
    if initial is not None:
        params = _search_parameters(time_limit_s, iterated=False)
        routing.CloseModelWithParameters(params)
        routes = [[manager.NodeToIndex(built.depot_count + i) for i in route] for route in initial]
        assignment = routing.ReadAssignmentFromRoutes(routes, True)
        if assignment is None:
            # the previous plan may break a rule of the exact model now (a booked time moved,
            # a lunch that no longer fits): keep of each route what still fits
            assignment = _fitting_start(model, built, initial)
            logger.info(
                "the starting routes do not fit the exact model; %s",
                "kept what fits of each" if assignment is not None else "searching afresh",
            )
        if assignment is not None:
            remaining = max(time_limit_s - (time.monotonic() - started), 0.1)
            params.time_limit.FromMilliseconds(max(int(remaining * 1000), 100))
            solution = routing.SolveFromAssignmentWithParameters(assignment, params)
            if solution is None:
                solution = assignment
    if solution is None:
        remaining = max(time_limit_s - (time.monotonic() - started), 0.1)
        params = _search_parameters(remaining, iterated=not model.has_lunch and not quick)
        if quick:
            params.local_search_metaheuristic = (
                routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
            )
        if model.has_lunch or quick:
            solution = routing.SolveWithParameters(params)
        else:
            solution = routing.SolveWithIteratedLocalSearch(params)
    if solution is None:
        logger.info("OR-Tools found no solution (status %s)", routing.status())
        return ModelSolution((), tuple(range(len(model.visits))), 0, "ortools")
    return _extract(model, built, solution)


def _fitting_start(
    model: Model, built: _OrModel, initial: Sequence[Sequence[int]]
) -> pywrapcp.Assignment | None:
    """An assignment of the longest start of each route that keeps the route's rules: allowed
    crew-day, the cap on jobs a day, and times (``timing.time_route``: booked times, lunch,
    end of shift). What is cut off is left for the search to insert."""
    kept: list[list[int]] = []
    for position, route in enumerate(initial[: len(model.vehicles)]):
        vehicle = model.vehicles[position]
        cap = vehicle.crew.max_jobs_per_day
        length = len(route)
        while length > 0:
            visits = [model.visits[i] for i in route[:length]]
            allowed = all(v.vehicles is None or position in v.vehicles for v in visits)
            jobs = [replace(v.job, location=v.location) for v in visits]
            if (
                allowed
                and (cap is None or length <= cap)
                and time_route(model.duration_s, vehicle.crew, jobs).fits
            ):
                break
            length -= 1
        kept.append([built.manager.NodeToIndex(built.depot_count + i) for i in route[:length]])
    return built.routing.ReadAssignmentFromRoutes(kept, True)


def _extract(model: Model, built: _OrModel, solution: pywrapcp.Assignment) -> ModelSolution:
    routing, manager, time_dim = built.routing, built.manager, built.time
    lunch_start: dict[str, int] = {}
    intervals = solution.IntervalVarContainer()
    for k in range(intervals.Size()):
        element = intervals.Element(k)
        if element.PerformedValue():
            lunch_start[element.Var().Name()] = element.StartValue()
    routes: list[VehicleRoute] = []
    served: set[int] = set()
    for v in range(len(model.vehicles)):
        index = routing.Start(v)
        depart = solution.Min(time_dim.CumulVar(index))
        visits: list[int] = []
        starts: list[int] = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            visit = manager.IndexToNode(index) - built.depot_count
            visits.append(visit)
            starts.append(solution.Min(time_dim.CumulVar(index)))
            index = solution.Value(routing.NextVar(index))
        if not visits:
            continue
        served.update(visits)
        routes.append(
            VehicleRoute(
                vehicle=v,
                visits=tuple(visits),
                starts_s=tuple(starts),
                depart_s=depart,
                return_s=solution.Min(time_dim.CumulVar(index)),
                lunch_start_s=lunch_start.get(f"lunch{v}"),
            )
        )
    unassigned = tuple(i for i in range(len(model.visits)) if i not in served)
    return ModelSolution(tuple(routes), unassigned, solution.ObjectiveValue(), "ortools")


# --------------------------------------------------------------------------------------------
# From a model's solution to plan routes.


def _routes(model: Model, solution: ModelSolution) -> list[Route]:
    routes: list[Route] = []
    matrix = model.duration_s
    for vehicle_route in solution.routes:
        vehicle = model.vehicles[vehicle_route.vehicle]
        routes.append(_route(model, vehicle, vehicle_route, matrix))
    return routes


def _route(model: Model, vehicle: Vehicle, route: VehicleRoute, matrix: np.ndarray) -> Route:
    offset = vehicle.offset_s
    lunch = vehicle.lunch_window
    lunch_start = route.lunch_start_s
    lunch_length = lunch[2] if lunch is not None else 0
    stops: list[Stop] = []
    previous_location = vehicle.start_depot
    previous_end = route.depart_s
    lunch_after: int | None = None
    for position, (i, start) in enumerate(zip(route.visits, route.starts_s, strict=True)):
        visit = model.visits[i]
        travel = int(matrix[previous_location, visit.location])
        arrival = previous_end + travel
        if lunch_start is not None and previous_end <= lunch_start < start:
            lunch_after = position
            if lunch_start < arrival:  # the lunch interrupts the drive
                arrival += lunch_length
        stops.append(
            Stop(
                job_id=visit.job.id,
                location=visit.location,
                arrival_s=min(arrival, start) - offset,
                start_s=start - offset,
                end_s=start + visit.service_s - offset,
                travel_s=travel,
            )
        )
        previous_location = visit.location
        previous_end = start + visit.service_s
    return_travel = int(matrix[previous_location, vehicle.end_depot])
    if (
        lunch_start is not None
        and lunch_after is None
        and previous_end <= lunch_start < route.return_s
    ):
        lunch_after = len(stops)
    depart = route.depart_s
    if lunch_after == 0 and lunch_start == depart:
        # A lunch taken the moment the crew would leave is a later start after lunch.
        depart += lunch_length
        lunch_after = None
    in_route = lunch_after is not None and lunch_start is not None
    return Route(
        crew_id=vehicle.crew.id,
        day=vehicle.day,
        start_s=depart - offset,
        end_s=route.return_s - offset,
        stops=tuple(stops),
        return_travel_s=return_travel,
        lunch_start_s=lunch_start - offset if in_route and lunch_start is not None else None,
        lunch_end_s=lunch_start + lunch_length - offset
        if in_route and lunch_start is not None
        else None,
        lunch_after=lunch_after,
    )


# --------------------------------------------------------------------------------------------
# Reasons for jobs the search left out: try each alone.


def _reason_alone(problem: RoutingProblem, eligibility: Eligibility, job_id: str) -> DroppedJob:
    keys = sorted(eligibility.allowed.get(job_id, ()))
    if not keys:
        return DroppedJob(job_id, DropReason.NO_CAPACITY)
    # Crew-days that look the same to a lone job need one try only.
    crews = problem.crews_by_id
    distinct: dict[tuple[object, ...], CrewDay] = {}
    for crew_id, day in keys:
        crew = crews[crew_id]
        signature = (
            day,
            crew.depot,
            crew.final_depot,
            crew.shift_start_s,
            crew.shift_end_s,
            crew.lunch,
        )
        distinct.setdefault(signature, (crew_id, day))
    model = build_model(
        problem,
        job_ids=[job_id],
        allowed=eligibility.allowed,
        fixed={},
        vehicle_keys=list(distinct.values()),
    )
    solution = _solve_with_ortools(model, time_limit_s=5.0, initial=None, quick=True)
    if solution.routes:
        return DroppedJob(
            job_id,
            DropReason.NO_CAPACITY,
            "Jobbet ryms ensamt men inte bland vågens övriga jobb",
        )
    return DroppedJob(job_id, DropReason.UNREACHABLE_ALONE)
