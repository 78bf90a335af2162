"""Fixtures for the lock-lifecycle tests: the tiny city of ``city.py`` on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.locks.city import City, build_city, fit


@pytest.fixture
def city(sessions: sessionmaker[Session]) -> City:
    """The tiny city with every door of Götgatan 12 and 14 fitted with an active lock."""
    with sessions.begin() as session:
        world = build_city(session)
        for door_id, serial in (
            (world.g12_door, "SL-G12"),
            (world.g12_refuse, "SL-R12"),
            (world.door_1101, "SL-1101"),
            (world.door_1102, "SL-1102"),
            (world.g14_door, "SL-G14"),
            (world.door_1201, "SL-1201"),
        ):
            fit(session, door_id, serial)
    return world


@pytest.fixture
def bare_city(sessions: sessionmaker[Session]) -> City:
    """The tiny city without any locks."""
    with sessions.begin() as session:
        return build_city(session)
