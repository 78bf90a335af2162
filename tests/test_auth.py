"""Users, passwords and roles: who may do what, enforced in the library."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from planner.auth import (
    AuthError,
    Permission,
    User,
    add_user,
    authenticate,
    can,
    district_ids,
    require,
    set_password,
    user_by_email,
)
from planner.cli import app
from planner.demo import build_demo
from planner.models import AppUser, AuditEvent, Role
from tests.conftest import DEMO_DAY


@pytest.fixture
def city(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as session:
        build_demo(session, seed=3, today=DEMO_DAY, scale=0.02, users=False)
    return sessions


def test_a_password_is_stored_hashed_and_checked(city: sessionmaker[Session]) -> None:
    with city.begin() as s:
        add_user(
            s,
            username="anna",
            password="korrekt-häst-batteri",
            role=Role.ROLLOUT_MANAGER,
            actor="test",
        )
    with city.begin() as s:
        stored = s.scalars(select(AppUser.password_hash).where(AppUser.username == "anna")).one()
        assert stored is not None and stored.startswith("$argon2") and "häst" not in stored
        assert authenticate(s, "anna", "korrekt-häst-batteri") is not None
        assert authenticate(s, "ANNA ", "korrekt-häst-batteri") is not None
        assert authenticate(s, "anna", "fel-lösenord-1234") is None
        assert authenticate(s, "okänd", "korrekt-häst-batteri") is None
        set_password(s, "anna", "ett-nytt-lösenord", actor="test")
        assert authenticate(s, "anna", "korrekt-häst-batteri") is None
        assert authenticate(s, "anna", "ett-nytt-lösenord") is not None
        assert s.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "app_user")
        ).all() == ["created", "password_changed"]


def test_bad_users_are_refused_with_a_reason(city: sessionmaker[Session]) -> None:
    with city.begin() as s:
        with pytest.raises(AuthError, match="för kort"):
            add_user(s, username="bo", password="kort", role=Role.ROLLOUT_MANAGER, actor="t")
        with pytest.raises(AuthError, match="Okända stadsdelsområden: Atlantis"):
            add_user(
                s,
                username="bo",
                password="tillräckligt-långt",
                role=Role.DISTRICT_VIEWER,
                districts=("Atlantis",),
                actor="t",
            )
        with pytest.raises(AuthError, match="Ogiltigt användarnamn"):
            add_user(
                s,
                username="b o",
                password="tillräckligt-långt",
                role=Role.ROLLOUT_MANAGER,
                actor="t",
            )
        add_user(
            s, username="bo", password="tillräckligt-långt", role=Role.ROLLOUT_MANAGER, actor="t"
        )
        with pytest.raises(AuthError, match="finns redan"):
            add_user(
                s,
                username="bo",
                password="tillräckligt-långt",
                role=Role.ROLLOUT_MANAGER,
                actor="t",
            )


def test_a_locksmith_belongs_to_its_firm_and_sees_only_route_sheets(
    city: sessionmaker[Session],
) -> None:
    with city.begin() as s:
        user = add_user(s, username="las@firma.se", password=None, role=Role.LOCKSMITH, actor="t")
        assert user.organisation_id is not None
        assert user_by_email(s, "LAS@firma.se") == user
        assert authenticate(s, "las@firma.se", "") is None  # OIDC-only: no password login
        assert district_ids(s, user) == set()
    assert can(user, Permission.VIEW_OWN_ROUTE_SHEETS)
    for forbidden in (
        Permission.VIEW_MAP,
        Permission.VIEW_PROPERTIES,
        Permission.VIEW_REPORTS,
        Permission.EDIT_CONSENTS,
        Permission.VIEW_ALL_ROUTE_SHEETS,
    ):
        assert not can(user, forbidden)
        with pytest.raises(AuthError, match="låsfirma"):
            require(user, forbidden)


def test_a_district_viewer_sees_only_its_districts(city: sessionmaker[Session]) -> None:
    with city.begin() as s:
        user = add_user(
            s,
            username="farsta",
            password="läsare-lösenord",
            role=Role.DISTRICT_VIEWER,
            districts=("Farsta", "Skarpnäck"),
            actor="t",
        )
        ids = district_ids(s, user)
    assert ids is not None and len(ids) == 2
    assert can(user, Permission.VIEW_REPORTS) and not can(user, Permission.EDIT_CONSENTS)
    assert not can(user, Permission.VIEW_PROPERTIES)
    manager = User("m", "M", Role.ROLLOUT_MANAGER)
    assert all(can(manager, p) for p in Permission)
    with pytest.raises(AuthError, match="inte inloggad"):
        require(None, Permission.VIEW_MAP)


def test_users_are_added_from_the_command_line(db_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--database-url", db_url, "--scale", "0.02"]).exit_code == 0
    result = runner.invoke(
        app,
        [
            "users",
            "add",
            "karin",
            "--role",
            "district_viewer",
            "--district",
            "Södermalm",
            "--password-stdin",
            "--database-url",
            db_url,
        ],
        input="ett-långt-lösenord\n",
    )
    assert result.exit_code == 0, result.stderr
    assert "karin" in result.stdout and "stadsdelsläsare" in result.stdout
    listed = runner.invoke(app, ["users", "list", "--database-url", db_url])
    assert "karin" in listed.stdout and "Södermalm" in listed.stdout
    bad = runner.invoke(app, ["users", "add", "x1", "--role", "boss", "--database-url", db_url])
    assert bad.exit_code == 1 and "Okänd roll" in bad.stderr
