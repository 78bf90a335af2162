"""VRPTW instances (Solomon / Gehring-Homberger) through the project's router and through PyVRP.

DIMACS convention, as the best known values in ``best_known.csv``: distance = floor(10 ×
Euclidean) / 10, travel time = distance, the objective is distance only and the fleet is the
one the file gives. Everything is scaled by 10 to integers (``SCALE``), so a "second" of the
routing problem is a tenth of a Solomon time unit.

The project side goes through the same interface as the product: an adapter turns the instance
into a ``RoutingProblem`` (a crew per vehicle, one day, the depot's window as the shift, each
customer's window as an appointment in which the whole visit lies, demand as load, no lunch)
and ``planner.routing.solver.solve`` plans it. The PyVRP side builds its own ``ProblemData``
from the file, independently. Both answers are checked by ``planner.routing.check``.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import vrplib
from numpy.typing import NDArray

from planner.routing.check import check_plan, check_routes
from planner.routing.problem import (
    Appointment,
    Crew,
    Job,
    JobKind,
    Objective,
    RoutingProblem,
)
from planner.routing.solver import Engine, solve

DATA = Path("/work/shared/data/vrptw")
SCALE = 10
DAY = dt.date(2025, 3, 3)  # a Monday, not a holiday


@dataclass(frozen=True)
class Instance:
    name: str
    coords: NDArray[np.float64]
    demand: NDArray[np.int64]
    windows: NDArray[np.int64]  # scaled
    service: NDArray[np.int64]  # scaled
    vehicles: int
    capacity: int
    distance: NDArray[np.int64]  # scaled, floor(10 × Euclidean)

    @property
    def customers(self) -> int:
        return len(self.coords) - 1


def read_instance(path: Path) -> Instance:
    data = vrplib.read_instance(str(path))
    coords = np.asarray(data["node_coord"], dtype=np.float64)
    diff = coords[:, None, :] - coords[None, :, :]
    distance = np.floor(SCALE * np.sqrt((diff**2).sum(axis=-1)) + 1e-9).astype(np.int64)
    service_value = data["service_time"]
    service = np.broadcast_to(np.asarray(service_value), (len(coords),)).astype(np.int64) * SCALE
    service = service.copy()
    service[0] = 0
    return Instance(
        name=str(data["name"]),
        coords=coords,
        demand=np.asarray(data["demand"], dtype=np.int64),
        windows=np.asarray(data["time_window"], dtype=np.int64) * SCALE,
        service=service,
        vehicles=int(data["vehicles"]),
        capacity=int(data["capacity"]),
        distance=distance,
    )


def best_known() -> dict[str, float]:
    with (DATA / "best_known.csv").open() as handle:
        return {row["instance"]: float(row["bks_distance"]) for row in csv.DictReader(handle)}


def to_problem(instance: Instance) -> RoutingProblem:
    """The instance as the product's routing problem."""
    jobs = tuple(
        Job(
            id=str(i),
            kind=JobKind.FAULT_REPAIR,
            location=i,
            service_s=int(instance.service[i]),
            skill="vrptw",
            appointment=Appointment(
                DAY,
                int(instance.windows[i, 0]),
                int(instance.windows[i, 1] + instance.service[i]),
            ),
            load=int(instance.demand[i]),
        )
        for i in range(1, len(instance.coords))
    )
    crews = tuple(
        Crew(
            id=f"v{k:02d}",
            skills=frozenset({"vrptw"}),
            depot=0,
            shift_start_s=int(instance.windows[0, 0]),
            shift_end_s=int(instance.windows[0, 1]),
            lunch=None,
            capacity=instance.capacity,
        )
        for k in range(instance.vehicles)
    )
    objective = Objective(
        crew_day_cost=0,
        driving_cost_per_s=1,
        balance_cost_per_s=0,
        drop_cost=10_000_000,
    )
    return RoutingProblem(jobs, crews, (DAY,), instance.distance, objective=objective)


@dataclass(frozen=True)
class Outcome:
    solver: str
    vehicles: int
    distance: float
    served: int
    feasible: bool
    wall_s: float
    note: str = ""


def solve_project(
    instance: Instance, *, time_limit_s: float, seed: int, engine: Engine = "auto"
) -> Outcome:
    problem = to_problem(instance)
    started = time.monotonic()
    plan = solve(problem, time_limit_s=time_limit_s, seed=seed, engine=engine)
    wall = time.monotonic() - started
    report = check_plan(problem, plan)
    return Outcome(
        solver=f"project:{plan.engine}",
        vehicles=report.crew_days,
        distance=report.driving_s / SCALE,
        served=report.planned,
        feasible=report.ok and report.planned == instance.customers,
        wall_s=wall,
        note="; ".join(report.violations[:3]),
    )


def solve_pyvrp(instance: Instance, *, time_limit_s: float, seed: int) -> Outcome:
    """PyVRP on its own model of the file, checked by the project's checker."""
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType
    from pyvrp import solve as pyvrp_solve
    from pyvrp.stop import MaxRuntime

    locations = [Location(x=float(x), y=float(y)) for x, y in instance.coords]
    clients = [
        Client(
            location=i,
            delivery=[int(instance.demand[i])],
            service_duration=int(instance.service[i]),
            tw_early=int(instance.windows[i, 0]),
            tw_late=int(instance.windows[i, 1]),
        )
        for i in range(1, len(instance.coords))
    ]
    depot = Depot(
        location=0, tw_early=int(instance.windows[0, 0]), tw_late=int(instance.windows[0, 1])
    )
    vehicle_type = VehicleType(
        num_available=instance.vehicles,
        capacity=[instance.capacity],
        tw_early=int(instance.windows[0, 0]),
        tw_late=int(instance.windows[0, 1]),
    )
    data = ProblemData(
        locations,
        clients,
        [depot],
        [vehicle_type],
        [instance.distance],  # type: ignore[list-item]
        [instance.distance],  # type: ignore[list-item]
    )
    started = time.monotonic()
    result = pyvrp_solve(
        data, stop=MaxRuntime(time_limit_s), seed=seed, collect_stats=False, display=False
    )
    wall = time.monotonic() - started
    routes = {
        (f"v{k:02d}", DAY): [str(a.idx + 1) for a in route if a.is_client()]
        for k, route in enumerate(result.best.routes())
    }
    report = check_routes(to_problem(instance), routes)
    return Outcome(
        solver="pyvrp",
        vehicles=report.crew_days,
        distance=report.driving_s / SCALE,
        served=report.planned,
        feasible=report.ok and result.best.is_feasible() and report.planned == instance.customers,
        wall_s=wall,
        note="; ".join(report.violations[:3]),
    )


def instances(*, quick: bool) -> list[Path]:
    names = sorted(best_known())
    if quick:
        names = ["C101", "R101", "RC101"]
    return [DATA / f"{name}.vrptw" for name in names if (DATA / f"{name}.vrptw").exists()]
