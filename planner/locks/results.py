"""Field results: what happened at each job, one at a time or from the locksmith firm's CSV.

An installation job ends one of two ways:

* installed (``monterat``): the lock's serial number and variant (round or oval cylinder) →
  the lock is installed and, unless told otherwise, active at once; the job is done; the door
  learns its cylinder variant;
* failed (``misslyckat``): a reason from ``FAILURE_REASONS`` (plus free text; ``annat`` needs it)
  → the job is failed with that outcome and its crew, day and appointment are cleared, so it
  goes back to planning (the router places failed and unplanned jobs alike).

Other jobs end ``utfört`` (done) or ``misslyckat``: a removal removes the apartment lock (door
restored), a deactivation deactivates the entrance lock (it stays fitted), a reactivation
activates it, a repair closes its fault.

The results CSV (header row required, ``;`` ``,`` or tab, UTF-8 or Windows-1252):

============ =========================================================== =======================
column       meaning                                                     also accepted as header
============ =========================================================== =======================
arbetsorder  the job number planner gave (on the route sheet)            job, job_id, order
resultat     ``monterat``, ``misslyckat`` or ``utfört``                   result, utfall
datum        the day of the visit (``2026-11-21``) or the time           date, tid, utförd
serienummer  the lock's serial (``monterat`` only, required there)       serial, lås
variant      ``rund`` or ``oval`` (``monterat`` only, required there)    cylinder
orsak        a reason code or text of ``FAILURE_REASONS`` (``misslyckat``) reason, felorsak
kommentar    free text (required with orsak ``annat``)                   comment, notering
aktivera     ``ja``/``nej``: activate the lock at once (default ``ja``)   activate
============ =========================================================== =======================

Every row is checked before anything is written; a file with a bad row is refused whole with
one message per bad row (file, line, column), unless ``skip_bad_rows`` is given. A row that is
already recorded (same job, same result) changes nothing, so re-importing a file is harmless.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.locks._csvfile import (
    ZONE_NOTE,
    finish,
    local_date,
    local_noon,
    parse_bool,
    parse_times,
    read_table,
    time_problem,
)
from planner.locks.errors import InvalidValue, RowProblem, UnknownRecord
from planner.locks.keys import DOOR_LABELS
from planner.locks.lifecycle import audit, now, transition
from planner.locks.states import FaultState, JobState, LockState, allowed, label
from planner.models import (
    AuditEvent,
    Crew,
    Cylinder,
    Door,
    Entrance,
    FaultReport,
    Job,
    JobKind,
    Lock,
)

FAILURE_REASONS: dict[str, str] = {
    "ingen_atkomst": "Ingen åtkomst till dörren",
    "fel_portkod": "Fel portkod eller nyckel saknades",
    "dorr_olamplig": "Dörren är olämplig för låset",
    "kund_ej_hemma": "Kunden var inte hemma",
    "kund_avbojde": "Kunden avböjde",
    "fel_variant": "Fel cylindervariant med",
    "material_saknas": "Material saknades",
    "annat": "Annat",
}
INSTALL_KINDS = frozenset(
    {
        JobKind.INSTALL_ENTRANCE,
        JobKind.INSTALL_APARTMENT,
        JobKind.INSTALL_REFUSE,
        JobKind.INSTALL_LAUNDRY,
    }
)
VARIANTS: dict[str, Cylinder] = {
    "rund": Cylinder.ROUND,
    "round": Cylinder.ROUND,
    "oval": Cylinder.OVAL,
}
VARIANT_LABELS = {Cylinder.ROUND: "rund", Cylinder.OVAL: "oval", Cylinder.UNKNOWN: "okänd"}
INSTALLED, FAILED, DONE = "monterat", "misslyckat", "utfört"
RESULT_WORDS: dict[str, str] = {
    **dict.fromkeys(("monterat", "monterad", "installed", "installerat"), INSTALLED),
    **dict.fromkeys(("misslyckat", "misslyckad", "failed", "ej utfört"), FAILED),
    **dict.fromkeys(("utfört", "utförd", "utfort", "klart", "klar", "done"), DONE),
}
RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "arbetsorder": ("job", "job_id", "order", "ordernummer", "arbetsordernummer"),
    "resultat": ("result", "utfall"),
    "datum": ("date", "tid", "utförd", "utford", "tidpunkt"),
    "serienummer": ("serial", "lås", "las", "låsnummer"),
    "variant": ("cylinder", "cylindervariant"),
    "orsak": ("reason", "felorsak"),
    "kommentar": ("comment", "notering", "anteckning"),
    "aktivera": ("activate", "aktiverat"),
}


def visit_time(day: date) -> datetime:
    """The time given to a visit known only by its day: midday in Stockholm."""
    return local_noon(day)


def _job_number(text: str) -> int | None:
    value = text.strip().removeprefix("#")
    return int(value) if value.isdigit() else None


def reason_code(text: str) -> str | None:
    """The code of a failure reason given as its code or its Swedish text (any case)."""
    value = text.strip().lower()
    for code, words in FAILURE_REASONS.items():
        if value in (code, words.lower()):
            return code
    return None


def outcome_text(reason: str, comment: str | None) -> str:
    words = FAILURE_REASONS[reason]
    return f"{words}: {comment.strip()}" if comment and comment.strip() else words


@dataclass(frozen=True)
class Result:
    """One result to record: ``kind`` is ``monterat``, ``misslyckat`` or ``utfört``."""

    job_id: int
    kind: str
    at: datetime
    serial: str | None = None
    variant: Cylinder | None = None
    reason: str | None = None
    comment: str | None = None
    activate: bool = True


# --- checks shared by one result and a file ---------------------------------------------------


def _check(session: Session, job: Job, result: Result) -> tuple[str, str | None]:
    """('record' | 'unchanged', column) or raise InvalidValue with the reason (Swedish)."""
    if result.kind == INSTALLED and job.kind not in INSTALL_KINDS:
        msg = f"arbetsorder {job.id} är ingen montering; rapportera den som utfört eller misslyckat"
        raise _Bad(msg, "resultat")
    if result.kind == DONE and job.kind in INSTALL_KINDS:
        msg = f"arbetsorder {job.id} är en montering; rapportera den som monterat med serienummer"
        raise _Bad(msg, "resultat")
    if result.kind == INSTALLED:
        if not result.serial:
            raise _Bad("serienummer saknas för en monterad dörr", "serienummer")
        if len(result.serial) > 40:
            raise _Bad("serienumret är längre än 40 tecken", "serienummer")
        if result.variant not in (Cylinder.ROUND, Cylinder.OVAL):
            raise _Bad("ange variant rund eller oval", "variant")
    if result.kind == FAILED:
        if result.reason is None:
            reasons = ", ".join(FAILURE_REASONS)
            raise _Bad(f"ange en orsak: {reasons}", "orsak")
        if result.reason == "annat" and not (result.comment or "").strip():
            raise _Bad("orsak annat kräver en kommentar", "kommentar")
    if result.at > now():
        raise _Bad("datumet ligger i framtiden", "datum")
    if _already(session, job, result):
        return "unchanged", None
    if job.state is JobState.DONE:
        lock = session.get(Lock, job.lock_id) if job.lock_id else None
        serial = f" med serienummer {lock.serial}" if lock and lock.serial else ""
        raise _Bad(f"arbetsorder {job.id} är redan registrerad som utförd{serial}", "arbetsorder")
    if job.state is not JobState.PLANNED:
        msg = (
            f"arbetsorder {job.id} är {label(job.state)!r}; bara planerade arbetsordrar kan "
            "rapporteras"
        )
        raise _Bad(msg, "arbetsorder")
    if result.kind == INSTALLED:
        assert result.serial is not None
        other = session.scalars(select(Lock).where(Lock.serial == result.serial)).first()
        if other is not None and other.id != job.lock_id:
            msg = (
                f"serienumret {result.serial} sitter redan på lås {other.id} (dörr {other.door_id})"
            )
            raise _Bad(msg, "serienummer")
        if job.lock_id is not None:
            lock = session.get(Lock, job.lock_id)
            assert lock is not None
            if lock.state is not LockState.PLANNED:
                msg = f"låset för arbetsorder {job.id} är redan {label(lock.state)!r}"
                raise _Bad(msg, "arbetsorder")
    if result.kind == DONE and job.kind in (JobKind.REMOVE, JobKind.DEACTIVATE, JobKind.REACTIVATE):
        lock = _job_lock(session, job)
        if lock is None:
            raise _Bad(f"arbetsorder {job.id} har inget lås att ändra", "arbetsorder")
        target = _TARGET[job.kind]
        if not allowed(lock.state, target):
            msg = (
                f"låset {lock.serial or lock.id} är {label(lock.state)!r} och kan inte bli "
                f"{label(target)!r}"
            )
            raise _Bad(msg, "arbetsorder")
    return "record", None


class _Bad(Exception):
    def __init__(self, message: str, column: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


_TARGET = {
    JobKind.REMOVE: LockState.REMOVED,
    JobKind.DEACTIVATE: LockState.DEACTIVATED,
    JobKind.REACTIVATE: LockState.ACTIVE,
}


def _job_lock(session: Session, job: Job) -> Lock | None:
    if job.lock_id is not None:
        return session.get(Lock, job.lock_id)
    return session.scalars(
        select(Lock)
        .where(Lock.door_id == job.door_id, Lock.state != LockState.REMOVED)
        .order_by(Lock.id.desc())
    ).first()


def _already(session: Session, job: Job, result: Result) -> bool:
    """Whether this very result is already recorded (so recording it again changes nothing)."""
    day = local_date(result.at)
    if result.kind in (INSTALLED, DONE):
        if job.state is not JobState.DONE or job.completed_at is None:
            return False
        if local_date(job.completed_at) != day:
            return False
        if result.kind == DONE:
            return True
        lock = session.get(Lock, job.lock_id) if job.lock_id else None
        return lock is not None and lock.serial == result.serial
    assert result.reason is not None
    outcome = outcome_text(result.reason, result.comment)
    for at, note in session.execute(
        select(AuditEvent.at, AuditEvent.note).where(
            AuditEvent.entity == "job",
            AuditEvent.entity_id == job.id,
            AuditEvent.to_state == JobState.FAILED.value,
        )
    ):
        if local_date(at) == day and (note or "").startswith(outcome):
            return True
    return False


# --- applying ----------------------------------------------------------------------------------


def _apply(session: Session, job: Job, result: Result, *, actor: str, source: str) -> None:
    recorded = f"registrerat {now():%Y-%m-%d %H:%M} UTC via {source}"
    if result.kind == INSTALLED:
        _installed(session, job, result, actor=actor, recorded=recorded)
    elif result.kind == FAILED:
        _failed(session, job, result, actor=actor, recorded=recorded)
    else:
        _done(session, job, result, actor=actor, recorded=recorded)


def _installed(session: Session, job: Job, result: Result, *, actor: str, recorded: str) -> None:
    assert result.serial is not None and result.variant is not None
    lock = session.get(Lock, job.lock_id) if job.lock_id else None
    crew = session.get(Crew, job.crew_id) if job.crew_id else None
    if lock is None:
        lock = Lock(door_id=job.door_id, state=LockState.PLANNED)
        session.add(lock)
        session.flush()
        audit(
            session,
            entity="lock",
            entity_id=lock.id,
            action="created",
            actor=actor,
            to_state=LockState.PLANNED.value,
            note=f"för arbetsorder {job.id}",
            at=result.at,
        )
        job.lock_id = lock.id
    lock.serial = result.serial
    lock.variant = result.variant
    if crew is not None:
        lock.installer_org_id = crew.organisation_id
    note = f"serienummer {result.serial}, {VARIANT_LABELS[result.variant]} cylinder; {recorded}"
    transition(session, lock, LockState.INSTALLED, actor=actor, at=result.at, note=note)
    if result.activate:
        transition(session, lock, LockState.ACTIVE, actor=actor, at=result.at, note=recorded)
    door = session.get(Door, job.door_id)
    if door is not None and door.cylinder is not result.variant:
        door.cylinder = result.variant
    job.outcome = f"Monterat: {result.serial} ({VARIANT_LABELS[result.variant]})" + (
        f". {result.comment.strip()}" if result.comment and result.comment.strip() else ""
    )
    transition(session, job, JobState.DONE, actor=actor, at=result.at, note=note)


def _failed(session: Session, job: Job, result: Result, *, actor: str, recorded: str) -> None:
    assert result.reason is not None
    outcome = outcome_text(result.reason, result.comment)
    crew = session.get(Crew, job.crew_id) if job.crew_id else None
    where = f"team {crew.name}, " if crew else ""
    transition(
        session,
        job,
        JobState.FAILED,
        actor=actor,
        at=result.at,
        note=f"{outcome} ({where}{local_date(result.at).isoformat()}); {recorded}",
    )
    job.outcome = outcome
    # back to planning: the route this visit belonged to is history (kept in the audit note)
    job.crew_id = None
    job.planned_date = None
    job.position = None
    job.planned_arrival = None
    job.appointment_start = None
    job.appointment_end = None
    job.pinned = False


def _done(session: Session, job: Job, result: Result, *, actor: str, recorded: str) -> None:
    note = (result.comment or "").strip() or None
    if job.kind in _TARGET:
        lock = _job_lock(session, job)
        assert lock is not None
        transition(
            session,
            lock,
            _TARGET[job.kind],
            actor=actor,
            at=result.at,
            note=f"arbetsorder {job.id}; {recorded}",
        )
    if job.kind is JobKind.REPAIR and job.fault_id is not None:
        fault = session.get(FaultReport, job.fault_id)
        if fault is not None and fault.state is not FaultState.CLOSED:
            transition(
                session,
                fault,
                FaultState.CLOSED,
                actor=actor,
                at=result.at,
                note=note or f"åtgärdat (arbetsorder {job.id})",
            )
            fault.resolution = note or "Åtgärdat"
    job.outcome = note or "Utfört"
    transition(session, job, JobState.DONE, actor=actor, at=result.at, note=recorded)


def _get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        msg = f"Arbetsorder {job_id} finns inte."
        raise UnknownRecord(msg)
    return job


def record_result(session: Session, result: Result, *, actor: str) -> bool:
    """Record one result; False if exactly this result was already recorded (nothing changed).

    Raises ``InvalidValue`` with a Swedish message when the result cannot be recorded.
    """
    job = _get_job(session, result.job_id)
    try:
        verdict, _ = _check(session, job, result)
    except _Bad as bad:
        raise InvalidValue(bad.message[0].upper() + bad.message[1:] + ".") from None
    if verdict == "unchanged":
        return False
    _apply(session, job, result, actor=actor, source="appen")
    return True


def record_installed(
    session: Session,
    job_id: int,
    *,
    serial: str,
    variant: Cylinder,
    at: datetime,
    actor: str,
    activate: bool = True,
    comment: str | None = None,
) -> Job:
    """The lock is fitted: serial and variant; lock installed (and active), job done."""
    record_result(
        session,
        Result(
            job_id,
            INSTALLED,
            at,
            serial=serial.strip(),
            variant=variant,
            comment=comment,
            activate=activate,
        ),
        actor=actor,
    )
    return _get_job(session, job_id)


def record_failed(
    session: Session,
    job_id: int,
    *,
    reason: str,
    at: datetime,
    actor: str,
    comment: str | None = None,
) -> Job:
    """The visit failed: a reason code of ``FAILURE_REASONS`` (+ text); the job goes back to
    planning."""
    code = reason_code(reason)
    if code is None:
        msg = f"Okänd orsak {reason!r}. Välj en av: {', '.join(FAILURE_REASONS.values())}."
        raise InvalidValue(msg)
    record_result(session, Result(job_id, FAILED, at, reason=code, comment=comment), actor=actor)
    return _get_job(session, job_id)


def record_done(
    session: Session, job_id: int, *, at: datetime, actor: str, comment: str | None = None
) -> Job:
    """A removal, deactivation, reactivation or repair was done (see the module doc)."""
    record_result(session, Result(job_id, DONE, at, comment=comment), actor=actor)
    return _get_job(session, job_id)


# --- the locksmith firm's file ---------------------------------------------------------------


@dataclass(frozen=True)
class ResultsImport:
    file: str
    rows: int
    recorded: dict[str, int]  # monterat / misslyckat / utfört → count
    unchanged: int
    skipped: tuple[RowProblem, ...]
    notes: tuple[str, ...]

    def lines(self) -> list[str]:
        parts = ", ".join(f"{n} {kind}" for kind, n in self.recorded.items() if n) or "inga"
        out = [
            f"{self.file}: {self.rows} rader lästa; registrerat: {parts}; "
            f"{self.unchanged} redan registrerade sedan tidigare (oförändrade)."
        ]
        if self.skipped:
            out.append(f"  {len(self.skipped)} felaktiga rader hoppades över:")
            out.extend(f"    {p}" for p in self.skipped)
        out.extend(f"  {note}" for note in self.notes)
        return out


def import_results(
    session: Session,
    data: bytes,
    *,
    file: str,
    actor: str,
    skip_bad_rows: bool = False,
) -> ResultsImport:
    """Record the results of a locksmith firm's CSV (see the module doc), all or nothing."""
    table = read_table(
        data, file=file, columns=RESULT_COLUMNS, required=("arbetsorder", "resultat", "datum")
    )
    frame = table.frame
    for optional in ("serienummer", "variant", "orsak", "kommentar", "aktivera"):
        if optional not in frame.columns:
            frame[optional] = ""
    times = parse_times(frame["datum"], default_time=time(12))
    ids: list[int | None] = [_job_number(text) for text in frame["arbetsorder"].tolist()]
    at_values = times.datetimes()
    wanted = sorted({i for i in ids if i is not None})
    jobs: dict[int, Job] = {}
    for start in range(0, len(wanted), 900):
        jobs.update(
            {
                j.id: j
                for j in session.scalars(select(Job).where(Job.id.in_(wanted[start : start + 900])))
            }
        )
    problems: list[RowProblem] = []
    plan: list[tuple[int, Job, Result]] = []
    seen_jobs: dict[int, int] = {}
    seen_serials: dict[str, int] = {}
    unchanged = 0
    for i, record in enumerate(frame.to_dict("records")):
        row = int(record["_row"])

        def bad(column: str | None, message: str, row: int = row) -> None:
            problems.append(table.problem(row, column, message))

        job_id = ids[i]
        if job_id is None:
            bad("arbetsorder", f"{record['arbetsorder']!r} är inget arbetsordernummer")
            continue
        job = jobs.get(job_id)
        if job is None:
            bad("arbetsorder", f"arbetsorder {job_id} finns inte")
            continue
        if job_id in seen_jobs:
            bad("arbetsorder", f"arbetsorder {job_id} finns redan på rad {seen_jobs[job_id]}")
            continue
        seen_jobs[job_id] = row
        kind = RESULT_WORDS.get(record["resultat"].lower())
        if kind is None:
            bad(
                "resultat",
                f"okänt resultat {record['resultat']!r}; skriv monterat, misslyckat eller utfört",
            )
            continue
        message = time_problem(times, i)
        if message:
            bad("datum", message)
            continue
        at = at_values[i]
        assert at is not None
        variant = VARIANTS.get(record["variant"].lower()) if record["variant"] else None
        if record["variant"] and variant is None and kind == INSTALLED:
            bad("variant", f"okänd variant {record['variant']!r}; skriv rund eller oval")
            continue
        reason = reason_code(record["orsak"]) if record["orsak"] else None
        if kind == FAILED and record["orsak"] and reason is None:
            bad(
                "orsak",
                f"okänd orsak {record['orsak']!r}; använd en av: {', '.join(FAILURE_REASONS)}",
            )
            continue
        activate = parse_bool(record["aktivera"], default=True)
        if activate is None:
            bad("aktivera", "skriv ja eller nej")
            continue
        serial = record["serienummer"] or None
        if kind == INSTALLED and serial:
            if serial in seen_serials:
                bad(
                    "serienummer", f"serienumret {serial} finns redan på rad {seen_serials[serial]}"
                )
                continue
            seen_serials[serial] = row
        result = Result(
            job_id=job_id,
            kind=kind,
            at=at,
            serial=serial if kind == INSTALLED else None,
            variant=variant if kind == INSTALLED else None,
            reason=reason if kind == FAILED else None,
            comment=record["kommentar"] or None,
            activate=activate,
        )
        try:
            verdict, _ = _check(session, job, result)
        except _Bad as problem:
            bad(problem.column, problem.message)
            continue
        if verdict == "unchanged":
            unchanged += 1
            continue
        plan.append((row, job, result))
    skipped = finish(file, problems, skip_bad_rows=skip_bad_rows)
    counts: Counter[str] = Counter()
    for _row, job, result in plan:
        _apply(session, job, result, actor=actor, source=file)
        counts[result.kind] += 1
    notes = []
    naive = int(times.naive.sum())
    if naive:
        notes.append(f"{naive} datum/tider saknade tidszon: {ZONE_NOTE}.")
    return ResultsImport(
        file=file,
        rows=len(frame),
        recorded={k: counts.get(k, 0) for k in (INSTALLED, FAILED, DONE)},
        unchanged=unchanged,
        skipped=skipped,
        notes=tuple(notes),
    )


JOB_KIND_LABELS: dict[JobKind, str] = {
    JobKind.INSTALL_ENTRANCE: "montering entrédörr",
    JobKind.INSTALL_APARTMENT: "montering lägenhetsdörr",
    JobKind.INSTALL_REFUSE: "montering soprum",
    JobKind.INSTALL_LAUNDRY: "montering tvättstuga",
    JobKind.REPAIR: "reparation",
    JobKind.DEACTIVATE: "avaktivering av entrélås",
    JobKind.REACTIVATE: "återaktivering av entrélås",
    JobKind.REMOVE: "borttagning av lägenhetslås",
}


@dataclass(frozen=True)
class JobCard:
    """What the person recording a result needs to see about a job."""

    job_id: int
    kind: JobKind
    kind_label: str
    state: JobState
    state_label: str
    address: str
    door: str
    crew: str
    planned_date: str
    lock_serial: str
    outcome: str
    is_install: bool

    def rows(self) -> dict[str, str]:
        return {
            "Arbetsorder": str(self.job_id),
            "Slag": self.kind_label,
            "Status": self.state_label,
            "Adress": self.address,
            "Dörr": self.door,
            "Team": self.crew,
            "Planerad dag": self.planned_date,
            "Lås": self.lock_serial,
            "Utfall": self.outcome,
        }


def describe_job(session: Session, job_id: int) -> JobCard:
    """A job as the app shows it before a result is recorded."""
    job = _get_job(session, job_id)
    door = session.get(Door, job.door_id)
    assert door is not None
    entrance = session.get(Entrance, door.entrance_id)
    crew = session.get(Crew, job.crew_id) if job.crew_id else None
    lock = session.get(Lock, job.lock_id) if job.lock_id else None
    door_text = DOOR_LABELS[door.kind] + (f" {door.label}" if door.label else "")
    return JobCard(
        job_id=job.id,
        kind=job.kind,
        kind_label=JOB_KIND_LABELS[job.kind],
        state=job.state,
        state_label=label(job.state),
        address=f"{entrance.address}, {entrance.postort}" if entrance else "",
        door=door_text,
        crew=crew.name if crew else "–",
        planned_date=job.planned_date.isoformat() if job.planned_date else "–",
        lock_serial=(lock.serial or "ej monterat") if lock else "–",
        outcome=job.outcome or "–",
        is_install=job.kind in INSTALL_KINDS,
    )
