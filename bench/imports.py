"""Import benchmark: 15,000 home-care customers (with their owners, properties and entrances).

Run with ``.venv/bin/python -m bench.imports`` (options: ``--help``). The files are written from
the demo city's generator (``planner.demo``, the same seed and scale as ``planner demo``): the
district outlines, an OpenStreetMap-style address register with one point per entrance,
~3,200 owners, ~5,300 properties, ~6,900 entrances (geocoded against the register) and ~15,000
customers (address with postcode and apartment, provider, dates, contact). Each file is
imported with ``planner.imports.import_file`` into a fresh database, one transaction per file,
on SpatiaLite and on PostGIS (``--postgres-url``, default ``$PLANNER_TEST_POSTGRES_URL``; a
throwaway schema is created and dropped). Printed per engine: seconds per file, then the
customer file once more (nothing changes: the upsert path).

Target (issue 3): the 15,000 customers in under 30 s on each engine. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from shapely import wkt
from shapely.geometry import Point
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.geocode import _typo
from planner.db import make_engine, session_factory
from planner.demo import _Builder
from planner.imports import ImportKind, ImportOptions, ImportReport, import_file
from planner.migrations import upgrade

ACTOR = "bench"


def _point(ewkt: str) -> tuple[float, float]:
    shape = wkt.loads(ewkt.split(";", 1)[1])
    assert isinstance(shape, Point)
    return float(shape.x), float(shape.y)


def write_files(
    folder: Path, *, seed: int, scale: float, typos: float = 0.0
) -> dict[ImportKind, Path]:
    """The demo city as the city's files would carry it; a share ``typos`` of the customers'
    streets carry one typo (found through the fuzzy matcher over the entrances)."""
    builder = _Builder(seed=seed, today=date(2026, 11, 28), scale=scale)
    builder.districts()
    builder.waves()
    builder.organisations()
    builder.crew_rows()
    builder.city()
    rows = builder.rows.by_table
    features = [
        {
            "type": "Feature",
            "properties": {"namn": d["name"], "folkmangd": d["population"]},
            "geometry": wkt.loads(d["geom"].split(";", 1)[1]).__geo_interface__,
        }
        for d in rows["district"]
    ]
    paths = {
        ImportKind.DISTRICTS: folder / "stadsdelsomraden.geojson",
        ImportKind.ADDRESSES: folder / "adresser.csv",
        ImportKind.OWNERS: folder / "agare.csv",
        ImportKind.PROPERTIES: folder / "fastigheter.csv",
        ImportKind.ENTRANCES: folder / "entreer.csv",
        ImportKind.CUSTOMERS: folder / "kunder.csv",
    }
    paths[ImportKind.DISTRICTS].write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), "utf-8"
    )
    owners = {o["id"]: o for o in rows["property_owner"]}
    properties = {p["id"]: p for p in rows["property"]}
    entrances = {e["id"]: e for e in rows["entrance"]}
    providers = {o["id"]: o["name"] for o in rows["organisation"]}

    register = []
    for e in entrances.values():
        lon, lat = _point(e["geom"])
        house = f"{e['number']}{e['letter']}"
        register.append((e["street"], house, e["postcode"], e["postort"], lat, lon))
    random.Random(seed).shuffle(register)
    pd.DataFrame(
        register, columns=["street", "housenumber", "postcode", "city", "lat", "lon"]
    ).to_csv(paths[ImportKind.ADDRESSES], index=False)

    rng = random.Random(seed + 1)

    def address(e: dict[str, Any], *, typo: bool = False) -> str:
        street = _typo(rng, e["street"]) if typo else e["street"]
        return f"{street} {e['number']}{e['letter']}, {e['postcode']} {e['postort']}"

    pd.DataFrame(
        [
            {
                "organisationsnummer": o["org_number"],
                "namn": o["name"],
                "ägartyp": {"company": "bolag", "municipal": "kommunalt"}.get(
                    str(o["kind"]), "brf"
                ),
                "kontaktperson": o.get("contact_name") or "",
                "telefon": o.get("contact_phone") or "",
                "e-post": o.get("contact_email") or "",
            }
            for o in owners.values()
        ]
    ).to_csv(paths[ImportKind.OWNERS], sep=";", index=False)
    pd.DataFrame(
        [
            {
                "fastighetsbeteckning": p["designation"],
                "organisationsnummer": owners[p["owner_id"]]["org_number"],
            }
            for p in properties.values()
        ]
    ).to_csv(paths[ImportKind.PROPERTIES], sep=";", index=False)
    pd.DataFrame(
        [
            {
                "fastighetsbeteckning": properties[e["property_id"]]["designation"],
                "adress": address(e),
                "anteckning": e.get("notes") or "",
            }
            for e in entrances.values()
        ]
    ).to_csv(paths[ImportKind.ENTRANCES], sep=";", index=False)
    pd.DataFrame(
        [
            {
                "kundnummer": c["pseudonym"],
                "adress": address(entrances[c["entrance_id"]], typo=rng.random() < typos),
                "lägenhetsnummer": c["apartment_number"],
                "utförare": providers[c["provider_id"]],
                "startdatum": c["active_from"].isoformat(),
                "slutdatum": c["active_to"].isoformat() if c["active_to"] else "",
                "kontaktperson": c["contact_name"],
                "telefon": c["contact_phone"],
            }
            for c in rows["customer"]
        ]
    ).to_csv(paths[ImportKind.CUSTOMERS], sep=";", index=False)
    return paths


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


def run_engine(label: str, url: str, paths: dict[ImportKind, Path]) -> float:
    """Import every file into a fresh database; customers with ``skip_invalid`` (a typo can
    make an address unrecognisable: such rows are counted as rejected)."""
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    options = {
        ImportKind.DISTRICTS: ImportOptions(
            name_column="namn", population_column="folkmangd", make_current=True
        ),
    }
    print(f"\n{label}")
    customers_s = 0.0
    steps = [*paths.items(), (ImportKind.CUSTOMERS, paths[ImportKind.CUSTOMERS])]
    for n, (kind, path) in enumerate(steps):
        started = time.perf_counter()
        with factory.begin() as session:
            report: ImportReport = import_file(
                session,
                kind,
                path,
                actor=ACTOR,
                options=options.get(kind),
                skip_invalid=kind is ImportKind.CUSTOMERS,
            )
        seconds = time.perf_counter() - started
        again = n == len(steps) - 1
        name = f"{kind.value}{' (again)' if again else ''}"
        print(
            f"  {name:<18} {report.rows:>7,} rows  {seconds:6.2f} s   new {report.created:>6,}  "
            f"changed {report.updated:>5,}  unchanged {report.unchanged:>6,}  "
            f"review {report.review:>4,}  rejected {report.rejected_rows}"
        )
        if kind is ImportKind.CUSTOMERS and not again:
            customers_s = seconds
    engine.dispose()
    verdict = "under" if customers_s < 30 else "OVER"
    print(f"  => 15,000 customers imported in {customers_s:.1f} s ({verdict} the 30 s target)")
    return customers_s


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=1.0, help="share of the ~15,000 customers")
    parser.add_argument(
        "--typos", type=float, default=0.05, help="share of customer streets with a typo"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PLANNER_TEST_POSTGRES_URL"),
        help="PostGIS database for the second run (default $PLANNER_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="planner-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        paths = write_files(folder, seed=args.seed, scale=args.scale, typos=args.typos)
        sizes = ", ".join(
            f"{k.value} {len(pd.read_csv(p, sep=None, engine='python')):,}"
            for k, p in paths.items()
            if p.suffix == ".csv"
        )
        print(f"files written in {time.perf_counter() - started:.1f} s: {sizes}")
        with spatialite(folder) as url:
            run_engine("SpatiaLite", url, paths)
        if args.postgres_url:
            with postgis(args.postgres_url) as url:
                run_engine("PostGIS", url, paths)
        else:
            print("\nPostGIS: skipped (give --postgres-url or set PLANNER_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
