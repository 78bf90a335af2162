"""The steps every tabular import shares: reject or skip bad rows, write rejects, log the run."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from planner.imports._files import Problems, Sheet, write_rejects
from planner.imports._runs import record_run
from planner.imports.report import ImportKind, ImportRejected, ImportReport


def new_report(
    kind: ImportKind, sheet: Sheet, *, skip_invalid: bool, dry_run: bool
) -> ImportReport:
    report = ImportReport(
        kind=kind, file=sheet.name, rows=len(sheet), skip_invalid=skip_invalid, dry_run=dry_run
    )
    if sheet.ignored:
        report.notes.append(f"Okända kolumner lästes inte: {', '.join(sheet.ignored)}.")
    return report


def check_problems(report: ImportReport, problems: Problems) -> None:
    """Put the bad rows on the report; reject the whole file unless bad rows may be skipped.

    A dry run never raises: the report says whether the file would be rejected.
    """
    report.problems = problems.all()
    report.rejected_rows = len(problems)
    if problems:
        report.rejects = problems.rejects()
    if problems and not report.skip_invalid and not report.dry_run:
        raise ImportRejected(report)


def finish(
    session: Session,
    report: ImportReport,
    *,
    sheet: Sheet,
    actor: str,
    after_run: Callable[[int], None] | None = None,
) -> ImportReport:
    """Log the run when something changed, then write the rejects file beside the input."""
    if report.changed and not report.rejected_whole:
        run = record_run(session, report, path=sheet.path, actor=actor)
        if after_run is not None:
            after_run(run.id)
    if report.rejects is not None and not report.dry_run and report.skip_invalid:
        report.rejects_path = write_rejects(sheet.path, report.rejects, separator=sheet.separator)
    return report


def good_rows(sheet: Sheet, problems: Problems) -> list[int]:
    return [i for i in range(len(sheet)) if not problems.bad(i)]
