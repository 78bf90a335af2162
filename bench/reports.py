"""District progress reports on the whole demo city: the report under 5 s, the PDF under 10 s.

On SpatiaLite, and on PostGIS when ``--postgres-url`` (default ``$PLANNER_TEST_POSTGRES_URL``) is
given (a throwaway schema, dropped afterwards). Each engine first gets the whole demo city
(untimed); then, timed, ``--repeat`` times each (best and median printed):

* report: ``planner.reports.build_report`` for the whole city (every figure per district, wave
  and city, the week-by-week trend since the first consent request, the forecast with its
  1,000-sample bootstrap);
* PDF: ``planner.reports.to_pdf`` of that report (WeasyPrint, title page, summary, one section
  per district, appendix);
* Excel and HTML, and a district viewer's report (Södermalm) with its PDF.

Then the figures are printed, so a run also shows what the report says.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from planner.db import make_engine, session_factory
from planner.demo import build_demo
from planner.migrations import upgrade
from planner.reports import Report, build_report, district_ids_by_name, to_html, to_pdf, to_xlsx
from planner.reports._format import number, percent

TARGETS = {"report": 5.0, "pdf": 10.0}


@contextmanager
def postgis(base: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema},public"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def timed(run: Callable[[], Any], repeat: int) -> tuple[Any, float, float]:
    """The result of the last run, the best and the median seconds."""
    seconds = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return result, min(seconds), statistics.median(seconds)


def pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def run_engine(label: str, url: str, *, seed: int, today: date, scale: float, repeat: int) -> None:
    print(f"\n{label}")
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    started = time.perf_counter()
    with factory.begin() as session:
        build_demo(session, seed=seed, today=today, scale=scale, users=False)
    print(f"  demo city built in {time.perf_counter() - started:.1f} s (not timed below)")

    def report_of(districts: list[str] | None = None) -> Report:
        with factory() as session:
            ids = district_ids_by_name(session, districts) if districts else None
            return build_report(session, on=today, district_ids=ids)

    rows: list[tuple[str, float, float, str]] = []
    report, best, median = timed(report_of, repeat)
    rows.append(("report, whole city", best, median, f"target < {TARGETS['report']:.0f} s"))
    pdf, best, median = timed(lambda: to_pdf(report), repeat)
    rows.append(
        ("PDF, whole city", best, median, f"{pages(pdf)} pages, target < {TARGETS['pdf']:.0f} s")
    )
    xlsx, best, median = timed(lambda: to_xlsx(report), repeat)
    rows.append(("Excel, whole city", best, median, f"{len(xlsx) / 1024:.0f} kB"))
    html, best, median = timed(lambda: to_html(report), repeat)
    rows.append(("HTML, whole city", best, median, f"{len(html) / 1024:.0f} kB"))
    district, best, median = timed(lambda: report_of(["Södermalm"]), repeat)
    rows.append(("report, Södermalm", best, median, ""))
    district_pdf, best, median = timed(lambda: to_pdf(district), repeat)
    rows.append(("PDF, Södermalm", best, median, f"{pages(district_pdf)} pages"))
    print(f"  {'step':<22} {'best s':>8} {'median s':>9}")
    for name, low, middle, note in rows:
        print(f"  {name:<22} {low:>8.2f} {middle:>9.2f}  {note}")
    total = report.total
    print(
        f"\n  {report.scope}, läget den {report.on}: {number(total['customers'])} kunder, "
        f"{number(total['ready_customers'])} nyckelfria ({percent(total['ready_share'])}), "
        f"{number(total['live_buildings'])} helt nyckelfria byggnader, medgivanden mottagna "
        f"{percent(total['consents_received_share'])}, {number(total['faults_open'])} öppna fel "
        f"(mediantid till åtgärd {total['fault_median_hours']:.1f} h), "
        f"{number(total['anomalies'])} avvikelser på 30 dagar."
    )
    print(f"  {'stadsdelsområde':<22} {'våg':>3} {'kunder':>7} {'medgiv.':>8} {'nyckelfria':>10} "
          f"{'entré kvar':>10} {'lgh kvar':>8}  klar (P50)")  # fmt: skip
    for _, row in report.districts.iterrows():
        wave = "" if row["wave"] is None or row["wave"] != row["wave"] else int(row["wave"])
        print(
            f"  {row['district']:<22} {wave!s:>3} {int(row['customers']):>7} "
            f"{percent(row['consents_received_share']):>8} {percent(row['ready_share']):>10} "
            f"{int(row['entrance_doors_remaining']):>10} {int(row['apartment_doors_remaining']):>8}"
            f"  {row['p50'] or '–'}"
        )
    print(f"\n  {report.forecast.text}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 28))
    parser.add_argument("--scale", type=float, default=1.0, help="share of the city's customers")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PLANNER_TEST_POSTGRES_URL"),
        help="PostGIS database for the second run (default $PLANNER_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args(argv)
    options = {"seed": args.seed, "today": args.today, "scale": args.scale, "repeat": args.repeat}
    with tempfile.TemporaryDirectory(prefix="planner-bench-") as tmp:
        run_engine("SpatiaLite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", **options)
    if args.postgres_url:
        with postgis(args.postgres_url) as url:
            run_engine("PostGIS", url, **options)
    else:
        print("\nPostGIS: skipped (give --postgres-url or set PLANNER_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
