"""Access log at scale: ingest 1,000,000 events, scan them for anomalies, verify the hash chain.

On SpatiaLite and on PostGIS (``--postgres-url``, default ``$PLANNER_TEST_POSTGRES_URL``; a
throwaway schema is created and dropped). Each engine gets the whole demo city (today's date)
first, untimed; then a lock-system export is generated from it: events inside the staff's past
shifts at doors their provider's customers live behind, 30 % of the times written without zone
(Stockholm local time), and a sprinkling of anomalies (unknown keys, night-time openings, doors of
other providers' customers). Then, timed:

* ingest: ``planner.locks.accesslog.import_access_log`` on the file (read, validate, look for
  duplicates, hash, append) in one transaction;
* anomalies: ``planner.locks.anomalies.find_anomalies`` over the whole log;
* verify: ``planner.locks.accesslog.verify_chain`` over the whole log;
* the same file again: every row a duplicate, nothing stored.

Targets (issue 5): ingest under 60 s, anomalies under 10 s, verify under 10 s, per engine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from planner.db import make_engine, session_factory
from planner.demo import build_demo
from planner.locks.accesslog import import_access_log, verify_chain
from planner.locks.anomalies import anomaly_counts, find_anomalies
from planner.locks.keys import served_locks
from planner.locks.states import KeyState, LockState
from planner.migrations import upgrade
from planner.models import DigitalKey, HomeCareStaff, Lock, Shift

ACTOR = "bench"
TARGETS = {"ingest": 60.0, "anomalies": 10.0, "verify": 10.0}


def write_export(url: str, path: Path, *, events: int, seed: int, now: datetime) -> None:
    """A lock-system export of ``events`` rows drawn from the city in ``url``."""
    rng = np.random.default_rng(seed)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        keys = pd.DataFrame(
            session.execute(
                select(HomeCareStaff.id, HomeCareStaff.provider_id, DigitalKey.key_code)
                .join(DigitalKey, DigitalKey.staff_id == HomeCareStaff.id)
                .where(DigitalKey.state == KeyState.ACTIVE)
            ).all(),
            columns=["staff_id", "provider_id", "key_code"],
        ).drop_duplicates("staff_id")
        shifts = pd.DataFrame(
            session.execute(
                select(Shift.staff_id, Shift.starts_at, Shift.ends_at).where(Shift.ends_at < now)
            ).all(),
            columns=["staff_id", "start", "end"],
        )
        active = set(session.scalars(select(Lock.id).where(Lock.state == LockState.ACTIVE)))
        pairs = served_locks(session, on=now.date())
        all_serials = np.array(
            sorted(set(session.scalars(select(Lock.serial).where(Lock.serial.is_not(None)))))
        )
    engine.dispose()
    pairs = pairs[pairs["lock_id"].isin(active)]
    shifts = shifts.merge(keys, on="staff_id")
    shifts = shifts[shifts["provider_id"].isin(pairs["provider_id"].unique())].reset_index(
        drop=True
    )
    start = (
        pd.to_datetime(shifts["start"], utc=True)
        .dt.tz_convert(None)
        .to_numpy()
        .astype("datetime64[us]")
        .astype(np.int64)
    )
    end = (
        pd.to_datetime(shifts["end"], utc=True)
        .dt.tz_convert(None)
        .to_numpy()
        .astype("datetime64[us]")
        .astype(np.int64)
    )

    pick = rng.integers(0, len(shifts), events)
    at = start[pick] + (rng.random(events) * (end[pick] - start[pick])).astype(np.int64)
    key_codes = shifts["key_code"].to_numpy()[pick]
    providers = shifts["provider_id"].to_numpy()[pick]
    serials = np.empty(events, dtype=object)
    by_provider = {p: g["serial"].to_numpy() for p, g in pairs.groupby("provider_id")}
    for provider, options in by_provider.items():
        rows = np.flatnonzero(providers == provider)
        serials[rows] = options[rng.integers(0, len(options), len(rows))]
    results = np.full(events, "beviljad", dtype=object)

    odd = rng.random(events)
    unknown = odd < 0.001
    key_codes[unknown] = [f"X{n:05d}" for n in rng.integers(0, 99_999, int(unknown.sum()))]
    results[unknown] = "nekad"
    stranger = (odd >= 0.001) & (odd < 0.003)
    serials[stranger] = all_serials[rng.integers(0, len(all_serials), int(stranger.sum()))]
    night = (odd >= 0.003) & (odd < 0.004)
    day_us = 86_400 * 10**6
    at[night] = (at[night] // day_us) * day_us + 2 * 3_600 * 10**6  # 02:00 UTC
    at = np.minimum(at, int(now.timestamp() * 10**6) - 1)

    stamps = at.astype("datetime64[us]")
    local_text = (
        pd.Series(stamps).dt.tz_localize(UTC).dt.tz_convert("Europe/Stockholm").dt.tz_localize(None)
    )
    zoned = np.char.add(np.datetime_as_string(stamps, unit="s"), "Z")
    naive = np.datetime_as_string(local_text.to_numpy().astype("datetime64[s]"), unit="s")
    without_zone = rng.random(events) < 0.3
    times = np.where(without_zone, naive, zoned)
    pd.DataFrame({"nyckel": key_codes, "lås": serials, "tid": times, "resultat": results}).to_csv(
        path, sep=";", index=False
    )


@contextmanager
def spatialite(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / 'bench.sqlite'}"


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


def run_engine(label: str, url: str, folder: Path, *, events: int, seed: int) -> dict[str, float]:
    print(f"\n{label}")
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    started = time.perf_counter()
    today = date.today()
    with factory.begin() as session:
        build_demo(session, seed=seed, today=today)
    now = datetime.now(UTC)
    export = folder / f"export-{label.lower()}.csv"
    write_export(url, export, events=events, seed=seed, now=now)
    size_mb = export.stat().st_size / 1e6
    print(
        f"  demo city and a {size_mb:.0f} MB export of {events:,} events: "
        f"{time.perf_counter() - started:.1f} s (not timed)"
    )
    figures: dict[str, float] = {}
    data = export.read_bytes()

    started = time.perf_counter()
    with factory.begin() as session:
        report = import_access_log(session, data, file=export.name, actor=ACTOR)
    figures["ingest"] = time.perf_counter() - started
    print(
        f"  ingest      {figures['ingest']:6.1f} s   {report.stored:,} stored, "
        f"{len(report.flagged):,} flagged, {len(report.duplicates):,} duplicates, "
        f"{len(report.refused):,} refused, {report.assumed_zone:,} without zone"
    )

    started = time.perf_counter()
    with factory() as session:
        found = find_anomalies(session)
    figures["anomalies"] = time.perf_counter() - started
    counts = ", ".join(f"{name.lower()} {n:,}" for name, n in anomaly_counts(found).items() if n)
    print(f"  anomalies   {figures['anomalies']:6.1f} s   {len(found):,} found: {counts}")

    started = time.perf_counter()
    with factory() as session:
        chain = verify_chain(session)
    figures["verify"] = time.perf_counter() - started
    print(
        f"  verify      {figures['verify']:6.1f} s   {chain.checked:,} events, "
        f"{'intact' if chain.ok else 'BROKEN: ' + str(chain.problem)}"
    )

    started = time.perf_counter()
    with factory.begin() as session:
        again = import_access_log(session, data, file=export.name, actor=ACTOR)
    figures["again"] = time.perf_counter() - started
    print(
        f"  same file   {figures['again']:6.1f} s   {again.stored:,} stored, "
        f"{len(again.duplicates):,} reported as duplicates"
    )
    engine.dispose()
    verdicts = ", ".join(
        f"{name} {'under' if figures[name] < limit else 'OVER'} {limit:.0f} s"
        for name, limit in TARGETS.items()
    )
    print(f"  => {verdicts}")
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PLANNER_TEST_POSTGRES_URL"),
        help="PostGIS database for the second run (default $PLANNER_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="planner-bench-") as tmp:
        folder = Path(tmp)
        with spatialite(folder) as url:
            run_engine("SpatiaLite", url, folder, events=args.events, seed=args.seed)
        if args.postgres_url:
            with postgis(args.postgres_url) as url:
                run_engine("PostGIS", url, folder, events=args.events, seed=args.seed)
        else:
            print("\nPostGIS: skipped (give --postgres-url or set PLANNER_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
