"""Helpers for the page tests: open a page as a signed-in user of a given role."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_pages.common import USER_KEY
from planner.auth import User
from planner.models import Role

ROOT = Path(__file__).resolve().parents[2]

MANAGER = User("ansvarig", "Anna Ansvarig", Role.ROLLOUT_MANAGER)


def open_page(path: str, *, user: User | None = MANAGER, timeout: float = 60) -> AppTest:
    """An AppTest of ``path`` (relative to the project) with ``user`` signed in, not yet run."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=timeout)
    if user is not None:
        at.session_state[USER_KEY] = user
    return at
