"""Plan the demo city's wave in progress from the database, end to end, and time each phase.

    .venv/bin/python -m bench.plan                        # SpatiaLite, wave 3, 120 s search
    .venv/bin/python -m bench.plan --time-limit 60 --days 10
    .venv/bin/python -m bench.plan --replan               # then re-plan at once: what moves
    .venv/bin/python -m bench.plan --fresh                # ignore the demo's rough plan
    .venv/bin/python -m bench.plan --postgres-url postgresql+psycopg://…   # also on PostGIS

Per engine (PostGIS in a throwaway schema of ``--postgres-url``, or of
``$PLANNER_TEST_POSTGRES_URL`` with ``--postgis``): the whole demo city is built for
``--today`` (seed 42, untimed beyond its own line), then ``planner.routing.planning.plan_wave``
plans the wave in progress exactly as ``planner plan 3`` does: reading the problem (jobs,
consents, crews, previous plan), the travel matrix (straight line, the default provider), the
search, and storing the plan (every job, the run, the left-out reasons), committed. The plan is
re-checked by the independent checker (``planner.routing.check``). Printed: each phase's
seconds, crew-days, driving hours and kilometres, jobs planned and left out (per reason), jobs
moved from the demo's rough plan, and the lower bound total service ÷ 8.5 h a crew-day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from bench.imports import postgis, spatialite
from planner.db import make_engine, session_factory
from planner.demo import build_demo
from planner.migrations import upgrade
from planner.routing.check import check_plan
from planner.routing.planning import PlanOutcome, plan_wave
from planner.routing.solver import Progress
from planner.routing.wave import PlanningOptions

DEMO_TODAY = dt.date(2026, 11, 28)
WORKING_S = 8.5 * 3600


def _report(label: str, outcome: PlanOutcome, commit_s: float) -> None:
    plan, problem = outcome.plan, outcome.problem
    timings = outcome.timings_s
    check = check_plan(problem, plan)
    service_s = sum(job.service_s for job in problem.jobs)
    reasons = Counter(drop.reason.text for drop in plan.dropped)
    print(
        f"  phases s: problem {timings['problem']:.1f} · matrix {timings['matrix']:.2f} "
        f"({len(problem.duration_s)} places) · solve {timings['solve']:.1f} · "
        f"store {timings['save']:.1f} · commit {commit_s:.1f} · "
        f"total {sum(timings.values()) + commit_s:.1f}"
    )
    print(
        f"  {label}: {outcome.placed} jobs on {outcome.crew_days} crew-days "
        f"({outcome.working_days} days, {outcome.crews} crews), driving "
        f"{outcome.driving_s / 3600:.1f} h, {(outcome.distance_m or 0) / 1000:.0f} km; "
        f"lower bound {service_s / WORKING_S:.1f} crew-days for all {len(problem.jobs)} jobs"
    )
    print(
        f"  newly planned {outcome.newly_planned}, moved {outcome.moved}, left out "
        f"{outcome.left_out} ({outcome.unplanned_again} of them were planned), kept "
        f"{outcome.kept}; checker: {'ok' if check.ok else f'{len(check.violations)} violations'}"
    )
    for reason, count in reasons.most_common():
        print(f"    {count:5d} × {reason}")


def run_engine(label: str, url: str, *, args: argparse.Namespace) -> None:
    print(f"\n== {label} ==")
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    started = time.perf_counter()
    with factory.begin() as session:
        build_demo(session, seed=42, today=args.today)
    print(f"  demo city built in {time.perf_counter() - started:.1f} s")
    options = PlanningOptions(days=args.days)
    fresh = replace(options, keep_planned=False)
    last = ""

    def show(step: Progress) -> None:
        nonlocal last
        if args.verbose and step.message != last:
            print(f"    [{step.fraction:4.0%}] {step.message}")
            last = step.message

    runs = [
        ("first plan, afresh" if args.fresh else "first plan", fresh if args.fresh else options)
    ]
    if args.replan:
        runs.append(("re-plan", options))
    for run, chosen in runs:
        with factory() as session, session.begin():
            outcome = plan_wave(
                session,
                args.wave,
                actor="bench",
                options=chosen,
                time_limit_s=args.time_limit,
                seed=args.seed,
                progress=show,
                today=args.today,
            )
            committed = time.perf_counter()
        commit_s = time.perf_counter() - committed
        _report(run, outcome, commit_s)
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wave", default="3", help="wave number or name (default 3)")
    parser.add_argument("--time-limit", type=float, default=120.0, help="search seconds")
    parser.add_argument("--days", type=int, default=None, help="working days (default: wave end)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=DEMO_TODAY)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--replan", action="store_true", help="re-plan right after")
    parser.add_argument(
        "--fresh", action="store_true", help="first plan ignores the demo's rough plan"
    )
    parser.add_argument("--postgis", action="store_true", help="also on PostGIS")
    parser.add_argument("--postgres-url", default=None, help="PostGIS server (implies --postgis)")
    parser.add_argument("--verbose", action="store_true", help="print the progress lines")
    args = parser.parse_args(argv)
    days = f"{args.days} working days" if args.days else "up to the wave's planned end"
    print(
        f"Demo city of {args.today}, wave {args.wave}, {days}, {args.time_limit:g} s search, "
        f"seed {args.seed}, {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as folder, spatialite(Path(folder)) as url:
        run_engine("SpatiaLite", url, args=args)
    base = args.postgres_url or (
        os.environ.get("PLANNER_TEST_POSTGRES_URL") if args.postgis else None
    )
    if args.postgis and not base:
        parser.error("--postgis needs --postgres-url or $PLANNER_TEST_POSTGRES_URL")
    if base:
        with postgis(base) as url:
            run_engine("PostGIS", url, args=args)


if __name__ == "__main__":
    main()
