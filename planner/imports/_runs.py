"""The import log: one ``ImportRun`` and one audit row for every import that changed something."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.orm import Session

from planner.imports.report import ImportReport, kind_label
from planner.locks.lifecycle import audit, now
from planner.models import ImportRun


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def summary(report: ImportReport) -> str:
    parts = [
        f"{kind_label(report.kind)} från {report.file}",
        f"nya {report.created}",
        f"ändrade {report.updated}",
        f"oförändrade {report.unchanged}",
    ]
    if report.review:
        parts.append(f"till granskning {report.review}")
    if report.rejected_rows:
        parts.append(f"avvisade rader {report.rejected_rows}")
    parts.extend(f"{name.lower()} {count}" for name, count in report.extra.items() if count)
    return ", ".join(parts)


def record_run(session: Session, report: ImportReport, *, path: Path, actor: str) -> ImportRun:
    """Log the import and audit it under the user's name (in the caller's transaction)."""
    run = ImportRun(
        kind=str(report.kind),
        file_name=report.file,
        file_sha256=file_sha256(path) if path.is_file() else "",
        actor=actor,
        at=now(),
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=report.rejected_rows,
        review=report.review,
        summary=summary(report),
    )
    session.add(run)
    session.flush()
    audit(
        session,
        entity="import_run",
        entity_id=run.id,
        action="import",
        actor=actor,
        note=run.summary,
        at=run.at,
    )
    report.import_id = run.id
    return run
