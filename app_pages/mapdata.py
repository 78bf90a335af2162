"""The map's layers, cached for the whole server, and warmed while someone signs in."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import streamlit as st

from app_pages.common import sessions, today
from planner.db import database_url
from planner.geo.layers import MapData, build_map_data
from planner.status import data_version

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False, max_entries=12)
def map_data(
    url: str,
    version: tuple[int, ...],
    on: date,
    hour: datetime,
    districts: frozenset[int] | None,
    wave: int | None,
    review: bool,
) -> MapData:
    """Layers are rebuilt only when the data, the day, the hour (keys active now) or the filters
    change; ``url`` keeps databases apart. A past day shows the states of that day."""
    with sessions()() as session:
        return build_map_data(
            session,
            on=on,
            at=hour,
            district_ids=set(districts) if districts else None,
            wave_id=wave,
            review=review,
            historical=on != today(),
        )


def current_hour() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def noon(day: date) -> datetime:
    """Mid-day in Stockholm: the moment a past day's "keys active" layer shows."""
    return datetime.combine(day, time(12), tzinfo=ZoneInfo("Europe/Stockholm")).astimezone(UTC)


def current_version() -> tuple[int, ...]:
    with sessions()() as session:
        return data_version(session)


def _warm(url: str, version: tuple[int, ...], on: date, hour: datetime) -> None:
    try:
        map_data(url, version, on, hour, None, None, True)
    except Exception:  # warming is an optimisation; the map page reports real errors
        log.exception("could not prepare the map in advance")


def warm_up() -> None:
    """Build the rollout manager's default map in the background (once per data version), so the
    map is ready when they have signed in."""
    args = (database_url(), current_version(), today(), current_hour())
    _start(*args)


@st.cache_resource(show_spinner=False, max_entries=4)
def _start(url: str, version: tuple[int, ...], on: date, hour: datetime) -> threading.Thread:
    thread = threading.Thread(target=_warm, args=(url, version, on, hour), daemon=True)
    thread.start()
    return thread
