"""Real data in: district boundaries, the address register, owners, properties, entrances,
customers and consents, from the city's files.

One module per kind of file; each ``import_*`` function takes the caller's session and never
commits, so an import is one transaction: ``with factory.begin() as s: import_file(s, ...)``.
Every import validates the whole file first. A file with bad rows is rejected whole
(:class:`ImportRejected`, listing every row with file, row number, column and Swedish reason)
unless ``skip_invalid`` is given: then the good rows go in and the bad ones are written beside
the input (``kunder.csv`` → ``kunder.avvisade.csv``, with a ``fel`` column). Importing the same
file again changes nothing: rows are upserted on stable keys (organisation number, designation,
address, pseudonym …) and an import that changes nothing leaves no trace. ``dry_run`` computes
the report without writing the rejects file (the caller rolls the session back).

The column schemas are documented in docs/import-format.md; examples are in data/examples/.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from planner.imports._files import materialise_upload as save_upload
from planner.imports.report import (
    FILE_TYPES,
    KIND_LABELS,
    ImportFileError,
    ImportKind,
    ImportRejected,
    ImportReport,
    RowProblem,
    kind_label,
)

__all__ = [
    "FILE_TYPES",
    "KIND_LABELS",
    "ImportFileError",
    "ImportKind",
    "ImportOptions",
    "ImportRejected",
    "ImportReport",
    "RowProblem",
    "import_file",
    "kind_label",
    "save_upload",
]


@dataclass(frozen=True)
class ImportOptions:
    """Options some kinds take; the others ignore them."""

    name_column: str | None = None  # districts: the column with the district name
    population_column: str | None = None  # districts
    set_name: str | None = None  # districts: the name of the new district set
    valid_from: date | None = None  # districts
    make_current: bool = False  # districts: make the new set current
    layer: str | None = None  # districts, addresses: a layer of a GeoPackage
    crs: str | None = None  # districts, addresses, entrances: the coordinates' CRS
    encoding: str | None = None  # districts: text encoding of a shapefile
    source: Literal["auto", "lantmateriet", "osm"] = "auto"  # addresses


def import_file(
    session: Session,
    kind: ImportKind | str,
    path: str | os.PathLike[str],
    *,
    actor: str,
    skip_invalid: bool = False,
    dry_run: bool = False,
    options: ImportOptions | None = None,
) -> ImportReport:
    """Import one file of the given kind, in the caller's transaction.

    Raises :class:`ImportRejected` (bad rows, nothing written), :class:`ImportFileError` (the
    file cannot be imported at all, or the database refused a write) or another
    :class:`planner.errors.PlannerError`; the caller's rollback leaves the database unchanged.
    """
    try:
        return _import(session, kind, path, actor, skip_invalid, dry_run, options)
    except DBAPIError as error:
        orig = error.orig if error.orig is not None else error
        reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        msg = f"{Path(path).name}: databasen vägrade ändringen ({reason}); inget har importerats."
        raise ImportFileError(msg) from error


def _import(
    session: Session,
    kind: ImportKind | str,
    path: str | os.PathLike[str],
    actor: str,
    skip_invalid: bool,
    dry_run: bool,
    options: ImportOptions | None,
) -> ImportReport:
    opts = options or ImportOptions()
    kind = ImportKind(kind)
    if not actor.strip():
        msg = "Ange ditt namn: importen loggas med vem som gjorde den."
        raise ImportFileError(msg)
    if kind is ImportKind.DISTRICTS:
        from planner.imports.districts import import_districts

        if not opts.name_column:
            msg = "Ange vilken kolumn som har stadsdelsområdets namn (--name-column)."
            raise ImportFileError(msg)
        return import_districts(
            session,
            path,
            name_column=opts.name_column,
            population_column=opts.population_column,
            set_name=opts.set_name,
            valid_from=opts.valid_from,
            make_current=opts.make_current,
            layer=opts.layer,
            crs=opts.crs,
            encoding=opts.encoding,
            actor=actor,
            dry_run=dry_run,
        )
    if kind is ImportKind.ADDRESSES:
        from planner.imports.addresses import import_addresses

        return import_addresses(
            session,
            path,
            actor=actor,
            source=opts.source,
            layer=opts.layer,
            crs=opts.crs,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
        )
    if kind is ImportKind.ENTRANCES:
        from planner.imports.entrances import import_entrances

        return import_entrances(
            session, path, actor=actor, skip_invalid=skip_invalid, dry_run=dry_run, crs=opts.crs
        )
    if kind is ImportKind.OWNERS:
        from planner.imports.owners import import_owners as run
    elif kind is ImportKind.PROPERTIES:
        from planner.imports.properties import import_properties as run
    elif kind is ImportKind.CUSTOMERS:
        from planner.imports.customers import import_customers as run
    else:
        from planner.imports.consents import import_consents as run
    return run(session, path, actor=actor, skip_invalid=skip_invalid, dry_run=dry_run)
