"""Routing benchmarks: VRPTW instances and generated Stockholm waves, project vs PyVRP.

    .venv/bin/python -m bench.routing vrptw --time-limit 10          # all instances, 10 s
    .venv/bin/python -m bench.routing vrptw --time-limit 60
    .venv/bin/python -m bench.routing vrptw --quick                  # 3 instances, 3 s
    .venv/bin/python -m bench.routing vrptw --engines auto,ortools   # also OR-Tools alone
    .venv/bin/python -m bench.routing stockholm --jobs 400 2000
    .venv/bin/python -m bench.routing stockholm --jobs 400 --balance # also without balance
    .venv/bin/python -m bench.routing stockholm --jobs 2000 --crews 6,10 --no-pyvrp
    .venv/bin/python -m bench.routing stockholm --quick              # 400 jobs, 20 s

Every solution is re-checked by ``planner.routing.check`` (an independent simulation of each
route); an infeasible one is marked ``INFEASIBLE`` and counts as unsolved.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import statistics
import time
from collections.abc import Sequence
from typing import cast

from bench import stockholm, vrptw
from planner.routing.check import check_plan
from planner.routing.plan import RoutePlan
from planner.routing.problem import RoutingProblem
from planner.routing.solver import Engine, Progress, solve


def _gap(distance: float, best: float) -> float:
    return 100.0 * (distance / best - 1.0)


def _failure(outcome: vrptw.Outcome, customers: int) -> str:
    if outcome.note:
        return " INFEASIBLE"
    return f" {customers - outcome.served} UNSERVED"


def run_vrptw(*, time_limit_s: float, quick: bool, seed: int, engines: Sequence[Engine]) -> None:
    best = vrptw.best_known()
    paths = vrptw.instances(quick=quick)
    print(f"VRPTW, DIMACS distances, {time_limit_s:g} s per solver and instance, seed {seed}")
    header = f"{'instance':<8} {'n':>4} {'BKS':>8} |"
    for engine in engines:
        header += f" {'project ' + engine:>22} {'gap%':>6} |"
    header += f" {'PyVRP':>16} {'gap%':>6} | {'ratio':>6}"
    print(header)
    gaps: dict[str, list[float]] = {engine: [] for engine in engines}
    gaps["pyvrp"] = []
    ratios: dict[str, list[float]] = {engine: [] for engine in engines}
    solved: dict[str, int] = {engine: 0 for engine in engines}
    solved["pyvrp"] = 0
    for path in paths:
        instance = vrptw.read_instance(path)
        bks = best[instance.name]
        line = f"{instance.name:<8} {instance.customers:>4} {bks:>8.1f} |"
        reference = vrptw.solve_pyvrp(instance, time_limit_s=time_limit_s, seed=seed)
        outcomes = {
            engine: vrptw.solve_project(
                instance, time_limit_s=time_limit_s, seed=seed, engine=engine
            )
            for engine in engines
        }
        for engine, outcome in outcomes.items():
            mark = "" if outcome.feasible else _failure(outcome, instance.customers)
            line += f" {outcome.vehicles:>3} veh {outcome.distance:>9.1f}{mark:>7}"
            line += f" {_gap(outcome.distance, bks):>6.2f} |"
            if outcome.feasible:
                solved[engine] += 1
                gaps[engine].append(_gap(outcome.distance, bks))
                if reference.feasible:
                    ratios[engine].append(outcome.distance / reference.distance)
        mark = "" if reference.feasible else _failure(reference, instance.customers)
        line += f" {reference.vehicles:>3} veh {reference.distance:>8.1f}{mark}"
        line += f" {_gap(reference.distance, bks):>6.2f} |"
        if reference.feasible:
            solved["pyvrp"] += 1
            gaps["pyvrp"].append(_gap(reference.distance, bks))
        first = outcomes[engines[0]]
        if first.feasible and reference.feasible:
            line += f" {first.distance / reference.distance:>6.4f}"
        print(line, flush=True)
        for outcome in (*outcomes.values(), reference):
            if outcome.note:
                print(f"    {outcome.solver}: {outcome.note}")
    print()
    for name, values in gaps.items():
        label = f"project {name}" if name != "pyvrp" else "PyVRP"
        median = statistics.median(values) if values else float("nan")
        print(
            f"{label:<24} solved {solved[name]}/{len(paths)}  median gap {median:.2f} %"
            f"  worst {max(values, default=float('nan')):.2f} %"
        )
    for name, values in ratios.items():
        if values:
            print(
                f"ratio project {name}/PyVRP: median {statistics.median(values):.4f}, "
                f"worst {max(values):.4f}, geometric mean "
                f"{statistics.geometric_mean(values):.4f}"
            )


def _balance(plan: RoutePlan) -> str:
    """Route length spread (standard deviation, minutes) and crew-days per crew (min-max)."""
    lengths = [route.duration_s / 60 for route in plan.routes if route.stops]
    spread = statistics.pstdev(lengths) if lengths else 0.0
    per_crew: dict[str, int] = {}
    for route in plan.routes:
        if route.stops:
            per_crew[route.crew_id] = per_crew.get(route.crew_id, 0) + 1
    days = f"{min(per_crew.values())}-{max(per_crew.values())}" if per_crew else "-"
    return f"{spread:>6.0f} {days:>6}"


def run_stockholm(
    *,
    sizes: Sequence[int],
    time_limit_s: float | None,
    seed: int,
    balance: bool,
    crews: tuple[int, int] | None,
    pyvrp: bool,
) -> None:
    print("Generated Stockholm waves (straight line × 1.35, shift 07-16, lunch 30 min in 11-13)")
    for size in sizes:
        spec = stockholm.WAVE_400 if size == 400 else stockholm.WAVE_2000
        if size not in (400, 2000):
            spec = stockholm.WaveSpec(
                jobs=size,
                days=max(1, round(size / 200)),
                locksmith_crews=7,
                trygghetsjour_crews=11,
            )
        if crews is not None:
            spec = dataclasses.replace(spec, locksmith_crews=crews[0], trygghetsjour_crews=crews[1])
        problem = stockholm.generate(spec)
        limit = time_limit_s if time_limit_s is not None else (60.0 if size <= 400 else 110.0)
        entrances = sum(1 for job in problem.jobs if job.kind == "entrance_door")
        appointments = sum(1 for job in problem.jobs if job.appointment is not None)
        crew_count = len(problem.crews)
        bound = stockholm.lower_bound_crew_days(problem)
        print(
            f"\n{size} jobs ({entrances} entrance doors 45 min, {size - entrances} apartment "
            f"doors 30 min, {appointments} with 2-hour appointments), {crew_count} crews "
            f"({spec.locksmith_crews} locksmith, {spec.trygghetsjour_crews} Trygghetsjour) "
            f"over {len(problem.working_days)} day(s), {limit:g} s each"
        )
        print(f"  lower bound: {bound:.1f} crew-days (total service ÷ 8.5 h of work a shift)")
        print(
            f"  {'solver':<30} {'crew-days':>9} {'driving h':>9} {'planned':>8} "
            f"{'dropped':>7} {'sd min':>6} {'days':>6} {'wall s':>7}  check"
        )
        runs: list[tuple[str, Engine, RoutingProblem]] = [("project", "auto", problem)]
        if pyvrp:
            runs.append(("PyVRP alone", "pyvrp", problem))
        if balance:
            unbalanced = problem.replace(
                objective=dataclasses.replace(problem.objective, balance_cost_per_s=0)
            )
            runs.insert(1, ("project, no balance cost", "auto", unbalanced))
        for label, engine, instance in runs:
            last = [0.0]

            def progress(event: Progress, last: list[float] = last) -> None:
                if event.fraction - last[0] >= 0.25 or event.fraction >= 1.0:
                    last[0] = event.fraction
                    print(f"    … {100 * event.fraction:.0f} % {event.message}", flush=True)

            started = time.monotonic()
            plan = solve(instance, time_limit_s=limit, seed=seed, engine=engine, progress=progress)
            wall = time.monotonic() - started
            report = check_plan(instance, plan)
            status = "ok" if report.ok else f"INFEASIBLE: {report.violations[:2]}"
            print(
                f"  {label + ' (' + plan.engine + ')':<30} {plan.crew_days:>9} "
                f"{plan.driving_s / 3600:>9.1f} {len(plan.planned_job_ids):>8} "
                f"{len(plan.dropped):>7} {_balance(plan)} {wall:>7.1f}  {status}",
                flush=True,
            )
            reasons: dict[str, int] = {}
            for drop in plan.dropped:
                reasons[drop.reason.text] = reasons.get(drop.reason.text, 0) + 1
            for text, count in reasons.items():
                print(f"      dropped {count}: {text}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.routing", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    vrp = sub.add_parser("vrptw", help="Solomon / Gehring-Homberger instances")
    vrp.add_argument("--time-limit", type=float, default=10.0, help="seconds per solver")
    vrp.add_argument("--quick", action="store_true", help="3 instances at 3 s")
    vrp.add_argument("--seed", type=int, default=1)
    vrp.add_argument(
        "--engines",
        default="auto",
        help="project engines to run, comma separated: auto, ortools",
    )
    sto = sub.add_parser("stockholm", help="generated Stockholm waves")
    sto.add_argument("--jobs", type=int, nargs="+", default=[400, 2000])
    sto.add_argument("--time-limit", type=float, default=None, help="default 60 s / 110 s")
    sto.add_argument("--quick", action="store_true", help="400 jobs at 20 s")
    sto.add_argument("--seed", type=int, default=1)
    sto.add_argument(
        "--balance", action="store_true", help="also run the project without the balance cost"
    )
    sto.add_argument(
        "--crews", default=None, help="locksmith,Trygghetsjour crews (default 14,26 / 7,14)"
    )
    sto.add_argument("--no-pyvrp", action="store_true", help="skip the PyVRP reference")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    if args.command == "vrptw":
        engines: list[Engine] = []
        for name in args.engines.split(","):
            engine = name.strip()
            if engine not in ("auto", "ortools"):
                parser.error(f"unknown engine {engine!r}: use auto and/or ortools")
            engines.append(cast(Engine, engine))
        limit = 3.0 if args.quick and args.time_limit == 10.0 else args.time_limit
        run_vrptw(time_limit_s=limit, quick=args.quick, seed=args.seed, engines=engines)
    else:
        sizes = [400] if args.quick else args.jobs
        limit = 20.0 if args.quick and args.time_limit is None else args.time_limit
        crews = None
        if args.crews:
            locksmiths, trygghetsjour = (int(part) for part in args.crews.split(","))
            crews = (locksmiths, trygghetsjour)
        run_stockholm(
            sizes=sizes,
            time_limit_s=limit,
            seed=args.seed,
            balance=args.balance,
            crews=crews,
            pyvrp=not args.no_pyvrp,
        )


if __name__ == "__main__":
    main()
