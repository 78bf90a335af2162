"""Every lifecycle of DESIGN §4: the states, their Swedish labels and the allowed transitions.

This is the one place the rules live. ``planner.locks.lifecycle.transition`` applies them to a row
and writes the audit trail; the models use the enums as column types. The module imports nothing
from planner so that both can use it.

Where DESIGN §4 is silent we chose what the rollout team would expect:

- a consent that was refused or withdrawn may be requested again (owners change their minds, and
  housing associations change boards);
- a job can also be ``cancelled`` (the customer's service ended before the fitting) and a planned
  job can go back to ``unplanned``; a failed job is re-planned with ``failed → planned`` (DESIGN's
  "replanned") or returned to the pool with ``failed → unplanned``;
- an apartment lock may be removed from ``active`` or ``deactivated``; an entrance lock is never
  removed, only deactivated (kept installed for fast reactivation). That door-kind rule is checked
  in ``lifecycle`` because it depends on the door, not only on the state.
"""

from __future__ import annotations

from enum import StrEnum


class ConsentState(StrEnum):
    NOT_REQUESTED = "not_requested"
    REQUESTED = "requested"
    REMINDED = "reminded"
    RECEIVED = "received"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class LockState(StrEnum):
    PLANNED = "planned"
    INSTALLED = "installed"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    REMOVED = "removed"


class JobState(StrEnum):
    UNPLANNED = "unplanned"
    PLANNED = "planned"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class WaveState(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class KeyState(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    REVOKED = "revoked"


class FaultState(StrEnum):
    OPEN = "open"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


State = ConsentState | LockState | JobState | WaveState | KeyState | FaultState

_C, _L, _J, _W, _K, _F = ConsentState, LockState, JobState, WaveState, KeyState, FaultState

TRANSITIONS: dict[type[StrEnum], dict[StrEnum, frozenset[StrEnum]]] = {
    ConsentState: {
        _C.NOT_REQUESTED: frozenset({_C.REQUESTED}),
        _C.REQUESTED: frozenset({_C.REMINDED, _C.RECEIVED, _C.REFUSED}),
        _C.REMINDED: frozenset({_C.REMINDED, _C.RECEIVED, _C.REFUSED}),
        _C.RECEIVED: frozenset({_C.WITHDRAWN}),
        _C.REFUSED: frozenset({_C.REQUESTED}),
        _C.WITHDRAWN: frozenset({_C.REQUESTED}),
    },
    LockState: {
        _L.PLANNED: frozenset({_L.INSTALLED}),
        _L.INSTALLED: frozenset({_L.ACTIVE}),
        _L.ACTIVE: frozenset({_L.DEACTIVATED, _L.REMOVED}),
        _L.DEACTIVATED: frozenset({_L.ACTIVE, _L.REMOVED}),
        _L.REMOVED: frozenset(),
    },
    JobState: {
        _J.UNPLANNED: frozenset({_J.PLANNED, _J.CANCELLED}),
        _J.PLANNED: frozenset({_J.DONE, _J.FAILED, _J.UNPLANNED, _J.CANCELLED}),
        _J.FAILED: frozenset({_J.PLANNED, _J.UNPLANNED, _J.CANCELLED}),
        _J.DONE: frozenset(),
        _J.CANCELLED: frozenset(),
    },
    WaveState: {
        _W.NOT_STARTED: frozenset({_W.IN_PROGRESS}),
        _W.IN_PROGRESS: frozenset({_W.DONE}),
        _W.DONE: frozenset({_W.IN_PROGRESS}),
    },
    KeyState: {
        _K.ACTIVE: frozenset({_K.DEACTIVATED, _K.REVOKED}),
        _K.DEACTIVATED: frozenset({_K.ACTIVE, _K.REVOKED}),
        _K.REVOKED: frozenset(),
    },
    FaultState: {
        _F.OPEN: frozenset({_F.TRIAGED, _F.ASSIGNED, _F.CLOSED}),
        _F.TRIAGED: frozenset({_F.ASSIGNED, _F.CLOSED}),
        _F.ASSIGNED: frozenset({_F.IN_PROGRESS, _F.ASSIGNED, _F.CLOSED}),
        _F.IN_PROGRESS: frozenset({_F.CLOSED}),
        _F.CLOSED: frozenset({_F.OPEN}),
    },
}

_LABELS: dict[type[StrEnum], dict[StrEnum, str]] = {
    ConsentState: {
        _C.NOT_REQUESTED: "ej tillfrågad",
        _C.REQUESTED: "förfrågan skickad",
        _C.REMINDED: "påminnelse skickad",
        _C.RECEIVED: "medgivande mottaget",
        _C.REFUSED: "nekat",
        _C.WITHDRAWN: "återkallat",
    },
    LockState: {
        _L.PLANNED: "planerat",
        _L.INSTALLED: "monterat",
        _L.ACTIVE: "aktivt",
        _L.DEACTIVATED: "avaktiverat",
        _L.REMOVED: "borttaget",
    },
    JobState: {
        _J.UNPLANNED: "ej planerad",
        _J.PLANNED: "planerad",
        _J.DONE: "utförd",
        _J.FAILED: "misslyckad",
        _J.CANCELLED: "avbruten",
    },
    WaveState: {
        _W.NOT_STARTED: "ej påbörjad",
        _W.IN_PROGRESS: "pågår",
        _W.DONE: "klar",
    },
    KeyState: {
        _K.ACTIVE: "aktiv",
        _K.DEACTIVATED: "avaktiverad",
        _K.REVOKED: "spärrad",
    },
    FaultState: {
        _F.OPEN: "ny",
        _F.TRIAGED: "bedömd",
        _F.ASSIGNED: "tilldelad",
        _F.IN_PROGRESS: "åtgärdas",
        _F.CLOSED: "stängd",
    },
}

KIND_LABELS: dict[type[StrEnum], str] = {
    ConsentState: "medgivande",
    LockState: "lås",
    JobState: "arbetsorder",
    WaveState: "våg",
    KeyState: "digital nyckel",
    FaultState: "felanmälan",
}


# StrEnum members of different enums compare equal when their values are equal (LockState.ACTIVE
# == KeyState.ACTIVE), so every lookup by state is keyed by (enum class, value).
LABELS: dict[tuple[type[StrEnum], str], str] = {
    (cls, state.value): text for cls, texts in _LABELS.items() for state, text in texts.items()
}


def key(state: StrEnum) -> tuple[type[StrEnum], str]:
    """A dictionary key that tells states of different lifecycles apart."""
    return (type(state), state.value)


def label(state: StrEnum) -> str:
    """The Swedish word a user sees for a state."""
    return LABELS[key(state)]


def allowed(current: StrEnum, target: StrEnum) -> bool:
    """Whether the lifecycle lets ``current`` become ``target``."""
    if type(current) is not type(target):
        return False
    return target in TRANSITIONS[type(current)][current]


def next_states(current: StrEnum) -> frozenset[StrEnum]:
    """The states ``current`` may move to, for menus that offer only legal actions."""
    return TRANSITIONS[type(current)][current]
