"""The raw answer of a search engine on a ``Model``: visit order and times per vehicle."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VehicleRoute:
    """Visits (positions in ``Model.visits``) in order, with absolute start times."""

    vehicle: int
    visits: tuple[int, ...]
    starts_s: tuple[int, ...]
    depart_s: int
    return_s: int
    lunch_start_s: int | None


@dataclass(frozen=True)
class ModelSolution:
    routes: tuple[VehicleRoute, ...]
    unassigned: tuple[int, ...]
    objective: int
    engine: str

    def sequences(self, vehicle_count: int) -> tuple[tuple[int, ...], ...]:
        order: list[tuple[int, ...]] = [() for _ in range(vehicle_count)]
        for route in self.routes:
            order[route.vehicle] = route.visits
        return tuple(order)
