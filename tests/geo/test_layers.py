"""Map layers on the whole demo city: what each shows, and what it never shows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from planner.geo.layers import MIN_COUNT, MapData, build_map_data
from planner.geo.mapview import build_map, use_local_assets
from planner.locks.states import FaultState
from planner.models import Customer, FaultReport
from tests.conftest import DEMO_DAY

DEMO_MOMENT = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)  # mid-morning: day shifts are on


@pytest.fixture(scope="module")
def map_data(demo_sessions: sessionmaker[Session]) -> MapData:
    with demo_sessions() as session:
        return build_map_data(session, on=DEMO_DAY, at=DEMO_MOMENT)


def test_every_layer_has_features_and_a_swedish_legend(map_data: MapData) -> None:
    keys = [layer.key for layer in map_data.layers]
    assert keys == [
        "districts",
        "customers",
        "properties",
        "entrance_locks",
        "apartment_locks",
        "active_keys",
        "faults",
    ]
    for layer in map_data.layers:
        assert layer.feature_count > 0, layer.key
        assert layer.legend, layer.key
    assert map_data.layer("districts").feature_count == 11
    assert map_data.demo and map_data.background


def test_legend_counts_add_up_to_the_points_drawn(map_data: MapData) -> None:
    for key in ("properties", "entrance_locks", "apartment_locks", "faults"):
        layer = map_data.layer(key)
        assert sum(item.count or 0 for item in layer.legend) == layer.feature_count, key


def test_customers_are_only_shown_as_counts_per_cell(
    map_data: MapData, demo_sessions: sessionmaker[Session]
) -> None:
    grid = map_data.layer("customers")
    shown = [f["properties"]["kunder"] for f in grid.geojson["features"]]
    numbers = [int(v) for v in shown if v.isdigit()]
    assert all(n >= MIN_COUNT for n in numbers)
    assert any(not v.isdigit() for v in shown), "small cells hide their number"
    with demo_sessions() as session:
        current = session.scalar(
            select(func.count(Customer.id)).where(
                Customer.active_from <= DEMO_DAY,
                (Customer.active_to.is_(None)) | (Customer.active_to >= DEMO_DAY),
            )
        )
    assert sum(numbers) <= current < sum(numbers) + MIN_COUNT * len(shown)
    for layer in map_data.layers:
        for feature in layer.geojson["features"]:
            props = set(feature["properties"])
            assert not props & {"pseudonym", "lagenhet", "apartment", "kund_id"}, layer.key


def test_only_faults_that_are_not_closed_are_drawn(
    map_data: MapData, demo_sessions: sessionmaker[Session]
) -> None:
    with demo_sessions() as session:
        open_faults = session.scalar(
            select(func.count(FaultReport.id)).where(FaultReport.state != FaultState.CLOSED)
        )
    assert map_data.layer("faults").feature_count == open_faults


def test_the_rendered_map_loads_nothing_from_the_internet(map_data: MapData) -> None:
    use_local_assets()
    html = build_map(map_data, tiles=None).get_root().render()
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    for cdn in (
        "cdn.jsdelivr",
        "cdnjs.cloudflare",
        "code.jquery",
        "bootstrapcdn",
        "tile.openstreetmap",
    ):
        assert cdn not in html, cdn


def test_a_wave_filter_keeps_only_that_waves_districts(
    demo_sessions: sessionmaker[Session], map_data: MapData
) -> None:
    from planner.geo.layers import filter_options

    with demo_sessions() as session:
        options = filter_options(session)
        wave_id = next(i for i, name in options.waves if name.startswith("Våg 3"))
        filtered = build_map_data(session, on=DEMO_DAY, at=DEMO_MOMENT, wave_id=wave_id)
    names = {f["properties"]["namn"] for f in filtered.layer("districts").geojson["features"]}
    assert names == {"Norra innerstaden", "Hägersten-Älvsjö"}
    for key in ("properties", "entrance_locks", "customers"):
        assert 0 < filtered.layer(key).feature_count < map_data.layer(key).feature_count, key


def test_keys_are_counted_only_where_an_entrance_lock_is_active(map_data: MapData) -> None:
    keys = map_data.layer("active_keys")
    locks = map_data.layer("entrance_locks")
    active_at = {
        tuple(f["geometry"]["coordinates"])
        for f in locks.geojson["features"]
        if f["properties"]["las"] == "aktivt"
    }
    assert keys.feature_count > 0
    assert all(tuple(f["geometry"]["coordinates"]) in active_at for f in keys.geojson["features"])


def test_addresses_waiting_for_review_are_drawn_for_those_who_resolve_them(
    sessions: sessionmaker[Session],
) -> None:
    from planner.auth import User
    from planner.demo import build_demo
    from planner.geo.features import describe
    from planner.models import GeocodeReview, ImportRun, ReviewState, Role

    with sessions.begin() as s:
        build_demo(s, seed=2, today=DEMO_DAY, scale=0.02, users=False)
        run = ImportRun(
            kind="entrances",
            file_name="entreer.csv",
            file_sha256="0" * 64,
            actor="test",
            at=DEMO_MOMENT,
        )
        s.add(run)
        s.flush()
        s.add(
            GeocodeReview(
                import_id=run.id,
                import_kind="entrances",
                source_file="entreer.csv",
                source_row=7,
                raw_address="Gotgatn 12, Stockholm",
                choice_key="gotgatan 12",
                candidates=[
                    {
                        "label": "Götgatan 12",
                        "lat": 59.3143,
                        "lon": 18.0736,
                        "score": 0.8,
                        "register_id": None,
                    }
                ],
                confidence=0.8,
                reasons="gatunamnet liknar",
                state=ReviewState.OPEN,
                created_at=DEMO_MOMENT,
            )
        )
    with sessions() as s:
        with_review = build_map_data(s, on=DEMO_DAY, at=DEMO_MOMENT, review=True)
        without = build_map_data(s, on=DEMO_DAY, at=DEMO_MOMENT)
        layer = with_review.layer("review")
        ref = layer.geojson["features"][0]["properties"]["ref"]
        manager = describe(s, ref, user=User("a", "A", Role.ROLLOUT_MANAGER), on=DEMO_DAY)
        viewer = describe(
            s,
            ref,
            user=User("v", "V", Role.DISTRICT_VIEWER, district_names=("Södermalm",)),
            on=DEMO_DAY,
        )
    assert layer.feature_count == 1
    assert layer.geojson["features"][0]["geometry"]["coordinates"] == [18.0736, 59.3143]
    assert "review" not in [lay.key for lay in without.layers]
    assert manager is not None and manager.title == "Gotgatn 12, Stockholm"
    assert manager.actions[0].page == "app_pages/geokodning.py"
    assert viewer is None


def test_an_empty_layer_still_renders(map_data: MapData) -> None:
    from dataclasses import replace

    empty = replace(map_data.layer("faults"), geojson={"type": "FeatureCollection", "features": []})
    data = replace(map_data, layers=(*map_data.layers[:-1], empty))
    use_local_assets()
    html = build_map(data, tiles=None).get_root().render()  # folium used to refuse this
    assert "\\u00d6ppna felanm\\u00e4lningar" in html or "Öppna felanmälningar" in html


def test_the_map_of_today_from_the_audit_trail_matches_the_current_states(
    demo_sessions: sessionmaker[Session], map_data: MapData
) -> None:
    with demo_sessions() as session:
        replayed = build_map_data(session, on=DEMO_DAY, at=DEMO_MOMENT, historical=True)
    for key in ("districts", "properties", "entrance_locks", "apartment_locks", "faults"):
        now = [(i.text, i.count) for i in map_data.layer(key).legend]
        then = [(i.text, i.count) for i in replayed.layer(key).legend]
        assert now == then, key


def test_a_day_before_the_rollout_shows_no_locks_and_no_consents(
    demo_sessions: sessionmaker[Session],
) -> None:
    from datetime import timedelta

    before = DEMO_DAY - timedelta(days=800)
    with demo_sessions() as session:
        old = build_map_data(session, on=before, at=DEMO_MOMENT, historical=True)
    assert old.layer("entrance_locks").feature_count == 0
    assert old.layer("apartment_locks").feature_count == 0
    assert old.layer("faults").feature_count == 0
    consent = {i.text: i.count for i in old.layer("properties").legend}
    assert consent["Ej tillfrågad"] == old.layer("properties").feature_count > 0
    waves = {i.text: i.count for i in old.layer("districts").legend}
    assert waves["Våg ej påbörjad"] == 11
