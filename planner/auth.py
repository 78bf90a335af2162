"""Users, roles and what each role may see and do.

Local users have Argon2-hashed passwords (``planner users add``); OIDC users (Streamlit's
``st.login``) are matched by their e-mail address to a user row that carries the role. The rules
are checked in the library, not only in the UI: a page asks ``can(user, Permission.…)`` and the
services it calls take a ``Scope`` that limits rows to what the role may see.

Roles (DESIGN §2 and issue 6):

- rollout manager: everything;
- locksmith firm: its own crews' route sheets and the entrance facts they need (never customers);
- Trygghetsjour: its own crews' route sheets (apartment appointments with the customer contact);
- district viewer: the reports and the map of its districts, customers aggregated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.errors import PlannerError
from planner.locks.lifecycle import audit
from planner.models import AppUser, District, DistrictSet, Organisation, OrgKind, Role

_hasher = PasswordHasher()
# a hash to verify against when the user does not exist, so a wrong name costs the same time
_DUMMY_HASH = _hasher.hash("planner-dummy-password")
MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,79}$")

ROLE_LABELS: dict[Role, str] = {
    Role.ROLLOUT_MANAGER: "utrullningsansvarig",
    Role.LOCKSMITH: "låsfirma",
    Role.TRYGGHETSJOUR: "Trygghetsjouren",
    Role.DISTRICT_VIEWER: "stadsdelsläsare",
}


class AuthError(PlannerError):
    """A user that cannot be created, found or allowed."""


class Permission(StrEnum):
    VIEW_MAP = "view_map"
    VIEW_PROPERTIES = "view_properties"  # owners, consents, designations
    VIEW_CUSTOMER_AGGREGATES = "view_customer_aggregates"
    VIEW_LOCKS = "view_locks"
    VIEW_FAULTS = "view_faults"
    VIEW_REPORTS = "view_reports"
    VIEW_OWN_ROUTE_SHEETS = "view_own_route_sheets"
    VIEW_ALL_ROUTE_SHEETS = "view_all_route_sheets"
    EDIT_CONSENTS = "edit_consents"
    PLAN_WAVES = "plan_waves"
    RECORD_RESULTS = "record_results"
    MANAGE_FAULTS = "manage_faults"
    VIEW_ACCESS_LOG = "view_access_log"
    IMPORT_DATA = "import_data"
    MANAGE_USERS = "manage_users"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ROLLOUT_MANAGER: frozenset(Permission),
    Role.LOCKSMITH: frozenset({Permission.VIEW_OWN_ROUTE_SHEETS}),
    Role.TRYGGHETSJOUR: frozenset({Permission.VIEW_OWN_ROUTE_SHEETS}),
    Role.DISTRICT_VIEWER: frozenset(
        {
            Permission.VIEW_MAP,
            Permission.VIEW_CUSTOMER_AGGREGATES,
            Permission.VIEW_LOCKS,
            Permission.VIEW_FAULTS,
            Permission.VIEW_REPORTS,
        }
    ),
}
ROLE_ORGANISATION: dict[Role, OrgKind] = {
    Role.LOCKSMITH: OrgKind.LOCKSMITH,
    Role.TRYGGHETSJOUR: OrgKind.TRYGGHETSJOUR,
}


@dataclass(frozen=True)
class User:
    """Who is signed in, and the scope of what they may see."""

    username: str
    display_name: str
    role: Role
    organisation_id: int | None = None
    district_names: tuple[str, ...] = field(default_factory=tuple)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def can(user: User | None, permission: Permission) -> bool:
    return user is not None and permission in ROLE_PERMISSIONS[user.role]


def require(user: User | None, permission: Permission) -> User:
    """The user, if allowed; otherwise ``AuthError`` (pages show it and stop)."""
    if user is None:
        msg = "Du är inte inloggad."
        raise AuthError(msg)
    if not can(user, permission):
        msg = f"Din roll ({user.role_label}) har inte behörighet till det här."
        raise AuthError(msg)
    return user


def district_ids(session: Session, user: User) -> set[int] | None:
    """The current-set district ids the user may see; None means all of them."""
    if user.role is Role.ROLLOUT_MANAGER:
        return None
    if user.role is not Role.DISTRICT_VIEWER:
        return set()
    rows = session.scalars(
        select(District.id)
        .join(DistrictSet, DistrictSet.id == District.set_id)
        .where(DistrictSet.is_current.is_(True), District.name.in_(user.district_names))
    )
    return set(rows)


def _to_user(row: AppUser) -> User:
    return User(
        username=row.username,
        display_name=row.display_name or row.username,
        role=row.role,
        organisation_id=row.organisation_id,
        district_names=tuple(row.district_names or ()),
    )


def add_user(
    session: Session,
    *,
    username: str,
    password: str | None,
    role: Role,
    display_name: str | None = None,
    organisation: str | None = None,
    districts: tuple[str, ...] = (),
    actor: str,
) -> User:
    """Create a user; ``password`` None makes an OIDC-only user (signs in with ``st.login``)."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        msg = (
            f"Ogiltigt användarnamn {username!r}: använd 2–80 tecken a–z, 0–9, punkt, "
            "bindestreck, understreck eller @ (e-postadress för OIDC)."
        )
        raise AuthError(msg)
    if session.scalar(select(AppUser.id).where(AppUser.username == username)) is not None:
        msg = f"Användaren {username!r} finns redan."
        raise AuthError(msg)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        msg = f"Lösenordet är för kort: minst {MIN_PASSWORD_LENGTH} tecken."
        raise AuthError(msg)
    org_id = _organisation_id(session, role, organisation)
    if role is Role.DISTRICT_VIEWER:
        _check_districts(session, districts)
    elif districts:
        msg = "Stadsdelsområden anges bara för rollen stadsdelsläsare."
        raise AuthError(msg)
    row = AppUser(
        username=username,
        display_name=display_name,
        password_hash=_hasher.hash(password) if password is not None else None,
        role=role,
        organisation_id=org_id,
        district_names=list(districts),
        active=True,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        entity="app_user",
        entity_id=row.id,
        action="created",
        actor=actor,
        to_state=role.value,
        note=f"användare {username}",
    )
    return _to_user(row)


def _organisation_id(session: Session, role: Role, organisation: str | None) -> int | None:
    kind = ROLE_ORGANISATION.get(role)
    if kind is None:
        if organisation:
            msg = "Organisation anges bara för rollerna låsfirma och Trygghetsjouren."
            raise AuthError(msg)
        return None
    candidates = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.kind == kind)
    ).all()
    if organisation:
        chosen = [i for i, name in candidates if name == organisation]
    else:
        chosen = [i for i, _ in candidates] if len(candidates) == 1 else []
    if len(chosen) != 1:
        names = ", ".join(repr(n) for _, n in candidates) or "inga"
        msg = f"Ange organisationen med --organisation; möjliga för rollen: {names}."
        raise AuthError(msg)
    return int(chosen[0])


def _check_districts(session: Session, districts: tuple[str, ...]) -> None:
    known = set(
        session.scalars(
            select(District.name)
            .join(DistrictSet, DistrictSet.id == District.set_id)
            .where(DistrictSet.is_current.is_(True))
        )
    )
    unknown = [d for d in districts if d not in known]
    if not districts or unknown:
        msg = (
            f"Okända stadsdelsområden: {', '.join(unknown) or '(inga angivna)'}. "
            f"Möjliga: {', '.join(sorted(known))}."
        )
        raise AuthError(msg)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the name and password match an active local user, else None."""
    row = session.scalars(
        select(AppUser).where(
            AppUser.username == username.strip().lower(), AppUser.active.is_(True)
        )
    ).first()
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.password_hash:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    return _to_user(row)


def user_by_email(session: Session, email: str) -> User | None:
    """The active user an OIDC login maps to (its username is the e-mail address)."""
    row = session.scalars(
        select(AppUser).where(AppUser.username == email.strip().lower(), AppUser.active.is_(True))
    ).first()
    return _to_user(row) if row is not None else None


def set_password(session: Session, username: str, password: str, *, actor: str) -> None:
    row = session.scalars(select(AppUser).where(AppUser.username == username)).first()
    if row is None:
        msg = f"Användaren {username!r} finns inte."
        raise AuthError(msg)
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = f"Lösenordet är för kort: minst {MIN_PASSWORD_LENGTH} tecken."
        raise AuthError(msg)
    row.password_hash = _hasher.hash(password)
    audit(session, entity="app_user", entity_id=row.id, action="password_changed", actor=actor)


def list_users(session: Session) -> list[User]:
    return [_to_user(r) for r in session.scalars(select(AppUser).order_by(AppUser.username))]
