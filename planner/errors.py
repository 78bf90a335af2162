"""The errors planner raises on purpose.

Every message is written for the user, in Swedish, and names what was wrong and what would be
accepted. The CLI and the app print ``str(error)``; they never show a traceback for these.
"""

from __future__ import annotations


class PlannerError(Exception):
    """Base class: something the user can fix or should know about."""


class ConfigurationError(PlannerError):
    """A bad database URL, a missing file, a missing system library."""


class SchemaVersionError(PlannerError):
    """The database was made by another version of planner (or is not a planner database)."""


class IllegalTransition(PlannerError):
    """A state change that the lifecycle rules of DESIGN §4 do not allow."""


class ConsentMissing(PlannerError):
    """Entrance-door work asked for before the owner's consent was received."""


class ImportRowError(PlannerError):
    """A row of an imported file that cannot be accepted."""


class InfeasiblePlan(PlannerError):
    """A plan that cannot be made with the crews and days given."""
