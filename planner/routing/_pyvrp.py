"""PyVRP as the search engine for the parts of a model it can express.

PyVRP (iterated local search with a penalty-managed, granular neighbourhood) finds better
routes than OR-Tools' search on vehicle routing with time windows in the same time: the
``bench/`` VRPTW table shows PyVRP within a fraction of a percent of the best known distances
at 10 s where OR-Tools' guided local search is several percent off. It has no breaks and no
per-vehicle job costs, so it solves a *relaxation* that is safe for the lunch:

- each vehicle's shift ends one lunch earlier;
- a start window ``[a, b]`` that closes after the lunch may start (``b > Ls``) closes one lunch
  earlier (``b - L``), and one that opens after the lunch may start opens at
  ``max(a - L, Ls)``; a job longer than the lunch window may not start in the lunch window's
  shadow.

Any route feasible for the relaxation is feasible with a real lunch: take the lunch after the
last visit that starts before ``Ls`` (at ``max(end of that visit, Ls)``, on the way if need
be) and everything after it moves ``L`` later, which the tightened windows allow. OR-Tools then
checks the routes against the exact model and improves them (``solver.solve_model``).

Skills, pinned crews and day limits become extra load dimensions: each distinct set of crews
(and days, unless a job's appointment already fixes its day) a job may use is one dimension in
which the job needs one unit and only vehicles of that set have room.

PyVRP is a development extra in ``pyproject.toml`` today; it must become a runtime dependency
for ``engine="auto"`` to use it. Without it the solver falls back to OR-Tools alone.
"""

from __future__ import annotations

import importlib.util
import logging
import warnings
from collections.abc import Sequence

import numpy as np

from planner.routing._model import Model, Vehicle, Visit
from planner.routing._result import ModelSolution, VehicleRoute

logger = logging.getLogger(__name__)

MAX_COMPATIBILITY_DIMENSIONS = 24


def available() -> bool:
    return importlib.util.find_spec("pyvrp") is not None


def _lunch(model: Model) -> tuple[int, int, int] | None:
    """The lunch (window start, latest start, length) relative to the day, if all agree."""
    lunches = {v.crew.lunch for v in model.vehicles if v.crew.lunch is not None}
    if not lunches:
        return None
    lunch = next(iter(lunches))
    return lunch.window_start_s, lunch.latest_start_s, lunch.duration_s


def _compatibility_keys(model: Model) -> list[tuple[frozenset[str], frozenset[int]] | None]:
    """Per visit: the crews and day offsets it may use, or ``None`` when all vehicles may.

    Days are dropped from the key when the visit's window already lies within one day.
    """
    all_crews = frozenset(v.crew.id for v in model.vehicles)
    all_days = frozenset(v.offset_s for v in model.vehicles)
    keys: list[tuple[frozenset[str], frozenset[int]] | None] = []
    for visit in model.visits:
        if visit.vehicles is None:
            keys.append(None)
            continue
        chosen = [model.vehicles[v] for v in visit.vehicles]
        crews = frozenset(v.crew.id for v in chosen)
        days = frozenset(v.offset_s for v in chosen)
        if visit.window is not None and len(days) == 1:
            days = all_days
        if len(chosen) != len(crews) * len(days) and days != all_days:
            # Not a product of crews and days: one key per exact vehicle set.
            crews = frozenset(f"{v.crew.id}@{v.offset_s}" for v in chosen)
            days = frozenset({-1})
        keys.append(None if crews == all_crews and days == all_days else (crews, days))
    return keys


def can_express(model: Model) -> bool:
    """Whether the relaxation is safe and small enough for this model."""
    if model.has_extra_cost:
        return False
    lunches = {v.crew.lunch for v in model.vehicles if v.crew.lunch is not None}
    if len(lunches) > 1:
        return False
    lunch = _lunch(model)
    if lunch is not None and any(v.service_s > lunch[1] - lunch[0] for v in model.visits):
        return False  # the lunch argument needs visits no longer than the lunch window
    distinct = {key for key in _compatibility_keys(model) if key is not None}
    return len(distinct) <= MAX_COMPATIBILITY_DIMENSIONS


def _relaxed_window(
    visit: Visit, vehicles: Sequence[Vehicle], lunch: tuple[int, int, int] | None
) -> tuple[int, int]:
    earliest = min(v.earliest_s for v in vehicles)
    latest = max(v.latest_s for v in vehicles) - visit.service_s
    if visit.window is not None:
        earliest = max(earliest, visit.window[0])
        latest = min(latest, visit.window[1])
    if lunch is None:
        return earliest, latest
    # The lunch of the day the window opens on (a window with a day limit spans one day).
    offset = max((v.offset_s for v in vehicles if v.offset_s <= earliest), default=0)
    lunch_start, length = offset + lunch[0], lunch[2]
    if latest > lunch_start:
        latest -= length
    if earliest > lunch_start:
        earliest = max(earliest - length, lunch_start)
    return earliest, max(earliest, latest)


def solve_model(model: Model, *, time_limit_s: float, seed: int) -> ModelSolution | None:
    """PyVRP on the relaxation; real times with the lunch placed as described above."""
    from pyvrp import (
        Client,
        Depot,
        Location,
        PenaltyParams,
        ProblemData,
        SolveParams,
        VehicleType,
        solve,
    )
    from pyvrp.stop import MaxRuntime

    lunch = _lunch(model)
    vehicles = model.vehicles
    depots = sorted({v.start_depot for v in vehicles} | {v.end_depot for v in vehicles})
    places = depots + sorted({visit.location for visit in model.visits} - set(depots))
    place_index = {location: i for i, location in enumerate(places)}
    matrix = model.duration_s[np.ix_(places, places)].astype(np.int64)

    keys = _compatibility_keys(model)
    dimensions = sorted({key for key in keys if key is not None}, key=repr)
    first = int(model.has_load) + int(model.has_day_cap)
    dimension_of = {key: first + i for i, key in enumerate(dimensions)}
    width = first + len(dimensions)
    room = len(model.visits) + 1

    clients = []
    for visit, key in zip(model.visits, keys, strict=True):
        allowed = [vehicles[v] for v in visit.vehicles] if visit.vehicles is not None else vehicles
        early, late = _relaxed_window(visit, allowed, lunch)
        delivery = [0] * width
        if model.has_load:
            delivery[0] = visit.load
        if model.has_day_cap:
            delivery[int(model.has_load)] = 1
        if key is not None:
            delivery[dimension_of[key]] = 1
        clients.append(
            Client(
                location=place_index[visit.location],
                delivery=delivery,
                service_duration=visit.service_s,
                tw_early=early,
                tw_late=late,
                prize=visit.penalty if visit.penalty is not None else 0,
                required=visit.penalty is None,
            )
        )

    def capacity_of(vehicle: Vehicle) -> tuple[int, ...]:
        crew = vehicle.crew
        caps: list[int] = []
        if model.has_load:
            total = sum(visit.load for visit in model.visits)
            caps.append(crew.capacity if crew.capacity is not None else total)
        if model.has_day_cap:
            caps.append(crew.max_jobs_per_day if crew.max_jobs_per_day is not None else room)
        for crews, days in dimensions:
            name = f"{crew.id}@{vehicle.offset_s}"
            fits = (crew.id in crews and vehicle.offset_s in days) or name in crews
            caps.append(room if fits else 0)
        return tuple(caps)

    groups: dict[tuple[object, ...], list[int]] = {}
    for position, vehicle in enumerate(vehicles):
        shorten = vehicle.crew.lunch.duration_s if vehicle.crew.lunch is not None else 0
        signature = (
            place_index[vehicle.start_depot],
            place_index[vehicle.end_depot],
            vehicle.earliest_s,
            vehicle.latest_s - shorten,
            vehicle.fixed_cost,
            capacity_of(vehicle),
        )
        groups.setdefault(signature, []).append(position)
    signatures = list(groups)
    vehicle_types = [
        VehicleType(
            num_available=len(groups[signature]),
            capacity=list(signature[5]),  # type: ignore[call-overload]
            start_depot=signature[0],  # type: ignore[arg-type]
            end_depot=signature[1],  # type: ignore[arg-type]
            fixed_cost=signature[4],  # type: ignore[arg-type]
            tw_early=signature[2],  # type: ignore[arg-type]
            tw_late=signature[3],  # type: ignore[arg-type]
            unit_distance_cost=model.objective.driving_cost_per_s,
            unit_duration_cost=0,
        )
        for signature in signatures
    ]
    data = ProblemData(
        locations=[Location(x=0, y=0) for _ in places],
        clients=clients,
        depots=[Depot(location=i) for i in range(len(depots))],
        vehicle_types=vehicle_types,
        distance_matrices=[matrix],  # type: ignore[list-item]
        duration_matrices=[matrix],  # type: ignore[list-item]
    )
    # Penalties must be able to outweigh a crew-day's fixed cost and a job's prize, or the
    # search settles in infeasible space.
    largest = max(
        [v.fixed_cost for v in vehicles] + [v.penalty or 0 for v in model.visits] + [100_000]
    )
    params = SolveParams(penalty=PenaltyParams(max_penalty=float(10 * largest)))
    with warnings.catch_warnings():
        # PyVRP warns when its penalties hit their cap; the routes are checked anyway.
        warnings.simplefilter("ignore")
        result = solve(
            data,
            stop=MaxRuntime(time_limit_s),
            seed=seed,
            collect_stats=False,
            display=False,
            params=params,
        )
    best = result.best
    if not best.is_feasible():
        logger.info("PyVRP found no feasible routes in %.1f s", time_limit_s)
        return None
    free = {i: list(members) for i, members in enumerate(groups.values())}
    routes: list[VehicleRoute] = []
    served: set[int] = set()
    for route in best.routes():
        visits = tuple(a.idx for a in route if a.is_client())
        if not visits:
            continue
        vehicle_position = free[route.vehicle_type()].pop(0)
        served.update(visits)
        routes.append(_timeline(model, vehicle_position, visits, int(route.start_time())))
    unassigned = tuple(i for i in range(len(model.visits)) if i not in served)
    return ModelSolution(tuple(routes), unassigned, int(best.distance_cost()), "pyvrp")


def _timeline(model: Model, position: int, visits: tuple[int, ...], depart_s: int) -> VehicleRoute:
    """Real times of a relaxed route, with the lunch after the last visit starting before it."""
    vehicle = model.vehicles[position]
    matrix = model.duration_s
    window = vehicle.lunch_window
    # Relaxed (PyVRP) schedule: earliest starts from the given departure.
    relaxed: list[int] = []
    clock, here = depart_s, vehicle.start_depot
    for i in visits:
        visit = model.visits[i]
        clock += int(matrix[here, visit.location])
        low = visit.window[0] if visit.window is not None else vehicle.earliest_s
        if window is not None and visit.window is not None and low > window[0]:
            low = max(low - window[2], window[0])
        clock = max(clock, low)
        relaxed.append(clock)
        clock += visit.service_s
        here = visit.location
    lunch_after = None
    if window is not None:
        before = [k for k, start in enumerate(relaxed) if start < window[0]]
        lunch_after = (before[-1] + 1) if before else 0
    starts: list[int] = []
    clock, here = depart_s, vehicle.start_depot
    lunch_start = None
    for k, i in enumerate(visits):
        visit = model.visits[i]
        travel = int(matrix[here, visit.location])
        if window is not None and lunch_after == k:
            lunch_start = max(clock, window[0])
            clock = max(clock + travel, lunch_start) + window[2]
        else:
            clock += travel
        low = visit.window[0] if visit.window is not None else vehicle.earliest_s
        clock = max(clock, low)
        starts.append(clock)
        clock += visit.service_s
        here = visit.location
    travel = int(matrix[here, vehicle.end_depot])
    if window is not None and lunch_after == len(visits):
        if clock + travel <= window[1]:
            clock += travel  # home before the lunch's latest start: lunch after the day
            lunch_start = max(clock, window[0])
        else:
            lunch_start = max(clock, window[0])
            clock = max(clock + travel, lunch_start) + window[2]
    else:
        clock += travel
    return VehicleRoute(
        vehicle=position,
        visits=visits,
        starts_s=tuple(starts),
        depart_s=depart_s,
        return_s=clock,
        lunch_start_s=lunch_start,
    )
