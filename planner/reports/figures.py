"""The report's figures per district, at many days at once.

``count_figures(data, days)`` evaluates every count of issue 7 at the end of each day (Stockholm)
for every district: a door's lock state, a property's consent and a fault's state are read from
their spans (``planner.reports._data``) into door × day, property × day and entrance × day
matrices, which sparse incidence matrices sum to districts. The single-day report and the
week-by-week trend use the same function, so the trend's last point is the report.

Definitions (the rules of DESIGN §4, as ``planner.locks.readiness`` applies them):

- a customer counts on the days between ``active_from`` and ``active_to`` (both included);
- an entrance (building) *with customers* has at least one such customer; a property with
  customers has at least one such entrance;
- a door is *fitted* when its lock is installed, active or deactivated (kept installed), and
  *active* when its lock is active;
- a customer is *keyless-ready* when every entrance door of their entrance and their apartment
  door are active; a building is *fully live* when all its customers are keyless-ready;
- consents are counted for properties with customers: *requested* when a request has been sent
  (whatever the answer), *received* when a consent holds, *refused* when the owner said no,
  *awaiting* when a request (or reminder) is unanswered. A property with several consent rows
  (a new owner) counts by its most advanced one;
- entrance doors (apartment doors) *remaining* are those of buildings (customers) with
  customers that are not fitted yet;
- keys returned: buildings with a key return recorded on or before the day, and the keys and
  tags handed back; *awaiting key return*: fully-live buildings without one;
- open faults: reported and not closed at the end of the day;
- anomalies: access-log anomalies (one per event and kind) in the ``anomaly_days`` days up to
  and including the day, counted where the lock is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import sparse

from planner.locks.states import LockState
from planner.reports._data import FITTED_STATES, NO_DISTRICT_ID, RolloutData, moment

COUNT_COLUMNS: tuple[str, ...] = (
    "customers",
    "properties",
    "buildings",
    "consents_requested",
    "consents_received",
    "consents_refused",
    "consents_awaiting",
    "entrance_doors_fitted",
    "entrance_doors_remaining",
    "apartment_doors_fitted",
    "apartment_doors_remaining",
    "entrance_doors_remaining_consented",
    "entrance_doors_remaining_pending",
    "apartment_doors_remaining_consented",
    "apartment_doors_remaining_pending",
    "ready_customers",
    "live_buildings",
    "buildings_keys_returned",
    "keys_returned",
    "tags_returned",
    "buildings_awaiting_key_return",
    "faults_open",
    "anomalies",
)
ANOMALY_DAYS = 30


def _covered(
    rows: np.ndarray, start: np.ndarray, end: np.ndarray, n_rows: int, moments: np.ndarray
) -> np.ndarray:
    """rows × moments: whether some span of the row holds at the moment (start < t ≤ end)."""
    first = np.searchsorted(moments, start, side="right")
    stop = np.searchsorted(moments, end, side="right")
    keep = first < stop
    diff = np.zeros((n_rows, len(moments) + 1), dtype=np.int32)
    np.add.at(diff, (rows[keep], first[keep]), 1)
    np.add.at(diff, (rows[keep], stop[keep]), -1)
    return np.cumsum(diff, axis=1)[:, : len(moments)] > 0


def _incidence(groups: np.ndarray, n_groups: int) -> sparse.csr_matrix:
    """A groups × items 0/1 matrix: item i belongs to group ``groups[i]`` (``-1``: to none)."""
    keep = groups >= 0
    items = np.flatnonzero(keep)
    return sparse.csr_matrix(
        (np.ones(len(items), dtype=np.int64), (groups[keep], items)),
        shape=(n_groups, len(groups)),
    )


def _index(values: pd.Series | np.ndarray, known: pd.Index) -> np.ndarray:
    """Positions of ``values`` in ``known`` (-1 where absent or missing)."""
    series = pd.Series(values)
    keys = pd.Index(series.where(series.notna(), -(2**62)))
    return np.asarray(known.get_indexer(keys), dtype=np.int64)


def count_figures(
    data: RolloutData, days: Sequence[date], *, anomaly_days: int = ANOMALY_DAYS
) -> pd.DataFrame:
    """Every count (``COUNT_COLUMNS``) per day and district: one row per (day, district_id).

    ``district_id`` -1 holds what lies in no district of the current set (a row that is all
    zeros in a tidy database).
    """
    days = sorted(set(days))
    moments = np.array([moment(d) for d in days], dtype=np.int64)
    ordinals = np.array([d.toordinal() for d in days], dtype=np.int64)
    n_t = len(days)

    district_ids = [*data.districts["district_id"].astype(int).tolist(), NO_DISTRICT_ID]
    district_index = pd.Index(district_ids)
    n_d = len(district_ids)

    entrances = data.entrances
    entrance_index = pd.Index(entrances["entrance_id"])
    n_e = len(entrance_index)
    entrance_district = _index(entrances["district_id"], district_index)
    to_district = _incidence(entrance_district, n_d)  # districts × entrances

    doors = data.doors
    door_index = pd.Index(doors["door_id"])
    n_door = len(door_index)
    door_entrance = _index(doors["entrance_id"], entrance_index)
    spans = data.lock_spans
    span_door = _index(spans["door_id"], door_index)
    states = spans["state"].to_numpy()
    start = spans["start"].to_numpy()
    end = spans["end"].to_numpy()
    active_span = (states == LockState.ACTIVE.value) & (span_door >= 0)
    fitted_span = np.isin(states, FITTED_STATES) & (span_door >= 0)
    active = _covered(span_door[active_span], start[active_span], end[active_span], n_door, moments)
    fitted = _covered(span_door[fitted_span], start[fitted_span], end[fitted_span], n_door, moments)

    is_entrance_door = (doors["kind"] == "entrance").to_numpy()
    is_apartment_door = (doors["kind"] == "apartment").to_numpy()
    entrance_doors = _incidence(np.where(is_entrance_door, door_entrance, -1), n_e)
    apartment_doors = _incidence(np.where(is_apartment_door, door_entrance, -1), n_e)
    n_entrance_doors = np.asarray(entrance_doors.sum(axis=1)).ravel()
    active_entrance_doors = entrance_doors @ active.astype(np.int64)
    all_doors_active = (active_entrance_doors == n_entrance_doors[:, None]) & (
        n_entrance_doors[:, None] > 0
    )

    # customers
    customers = data.customers
    customer_entrance = _index(customers["entrance_id"], entrance_index)
    apartment = _index(customers["apartment_door_id"], door_index)
    has_door = apartment >= 0
    since = np.array([d.toordinal() for d in customers["active_from"]], dtype=np.int64)
    until = np.array(
        [d.toordinal() if pd.notna(d) else 10**9 for d in customers["active_to"]], dtype=np.int64
    )
    current = (since[:, None] <= ordinals[None, :]) & (until[:, None] >= ordinals[None, :])
    current &= (customer_entrance >= 0)[:, None]
    safe_entrance = np.maximum(customer_entrance, 0)
    safe_door = np.maximum(apartment, 0)
    apartment_active = active[safe_door] & has_door[:, None]
    apartment_fitted = fitted[safe_door] & has_door[:, None]
    ready = current & all_doors_active[safe_entrance] & apartment_active
    by_entrance = _incidence(customer_entrance, n_e)  # entrances × customers
    current_at = by_entrance @ current.astype(np.int64)
    ready_at = by_entrance @ ready.astype(np.int64)
    with_customers = current_at > 0
    live = with_customers & (ready_at == current_at)
    apartment_remaining = by_entrance @ (current & ~apartment_fitted).astype(np.int64)

    # entrance and apartment doors
    door_needed = with_customers[np.maximum(door_entrance, 0)] & (door_entrance >= 0)[:, None]
    entrance_fitted = entrance_doors @ fitted.astype(np.int64)
    entrance_remaining = entrance_doors @ (door_needed & ~fitted).astype(np.int64)
    apartment_fitted_count = apartment_doors @ fitted.astype(np.int64)

    # properties and consents (counted in the property's home district)
    property_index = pd.Index(data.property_district.index)
    n_p = len(property_index)
    property_of_entrance = _index(entrances["property_id"], property_index)
    property_has = (_incidence(property_of_entrance, n_p) @ with_customers.astype(np.int64)) > 0
    cs = data.consent_spans
    consent_property = _index(cs["property_id"], property_index)
    codes = cs["code"].to_numpy()
    code = np.zeros((n_p, n_t), dtype=np.int8)
    for value in range(1, 6):
        chosen = (codes == value) & (consent_property >= 0)
        held = _covered(
            consent_property[chosen],
            cs["start"].to_numpy()[chosen],
            cs["end"].to_numpy()[chosen],
            n_p,
            moments,
        )
        code[held] = value
    consented = code == 5
    pending = (code == 0) | (code == 2) | (code == 3)
    door_property = property_of_entrance[np.maximum(door_entrance, 0)]
    door_property = np.where(door_entrance >= 0, door_property, -1)
    customer_property = np.where(customer_entrance >= 0, property_of_entrance[safe_entrance], -1)

    def split(rows: np.ndarray, mask: np.ndarray, by: sparse.csr_matrix) -> dict[str, np.ndarray]:
        known = (rows >= 0)[:, None]
        safe = np.maximum(rows, 0)
        return {
            "consented": by @ (mask & known & consented[safe]).astype(np.int64),
            "pending": by @ (mask & known & pending[safe]).astype(np.int64),
        }

    entrance_split = split(door_property, door_needed & ~fitted, entrance_doors)
    apartment_split = split(customer_property, current & ~apartment_fitted, by_entrance)
    property_district = _index(data.property_district.to_numpy(), district_index)
    by_property = _incidence(property_district, n_d)  # districts × properties

    def per_property(mask: np.ndarray) -> np.ndarray:
        return np.asarray(by_property @ (mask & property_has).astype(np.int64))

    # key returns (by day), faults (by moment), anomalies (in a window of days)
    returns = data.returns
    return_entrance = _index(returns["entrance_id"], entrance_index)
    from_index = np.searchsorted(
        ordinals,
        np.array([d.toordinal() for d in returns["returned_on"]], dtype=np.int64),
        side="left",
    )
    ones = np.ones(len(returns), dtype=np.int64)
    returned = _cumulative(return_entrance, from_index, ones, n_e, n_t) > 0
    keys = _cumulative(return_entrance, from_index, returns["keys_count"].to_numpy(), n_e, n_t)
    tags = _cumulative(return_entrance, from_index, returns["tags_count"].to_numpy(), n_e, n_t)

    fs = data.fault_spans
    fault_entrance = _index(fs["entrance_id"], entrance_index)
    ok = fault_entrance >= 0
    faults_open = _count_spans(
        fault_entrance[ok], fs["start"].to_numpy()[ok], fs["end"].to_numpy()[ok], n_e, moments
    )

    window_starts = np.array(
        [moment(d - timedelta(days=anomaly_days)) for d in days], dtype=np.int64
    )
    anomalies = _windowed(data, district_index, window_starts, moments)

    per_entrance = {
        "customers": current_at,
        "buildings": with_customers.astype(np.int64),
        "entrance_doors_fitted": entrance_fitted,
        "entrance_doors_remaining": entrance_remaining,
        "apartment_doors_fitted": apartment_fitted_count,
        "apartment_doors_remaining": apartment_remaining,
        "entrance_doors_remaining_consented": entrance_split["consented"],
        "entrance_doors_remaining_pending": entrance_split["pending"],
        "apartment_doors_remaining_consented": apartment_split["consented"],
        "apartment_doors_remaining_pending": apartment_split["pending"],
        "ready_customers": ready_at,
        "live_buildings": live.astype(np.int64),
        "buildings_keys_returned": returned.astype(np.int64),
        "keys_returned": keys,
        "tags_returned": tags,
        "buildings_awaiting_key_return": (live & ~returned).astype(np.int64),
        "faults_open": faults_open,
    }
    columns: dict[str, np.ndarray] = {
        name: np.asarray(to_district @ values) for name, values in per_entrance.items()
    }
    columns["properties"] = per_property(np.ones_like(property_has))
    columns["consents_requested"] = per_property(code >= 1)
    columns["consents_received"] = per_property(code == 5)
    columns["consents_refused"] = per_property(code == 4)
    columns["consents_awaiting"] = per_property((code == 2) | (code == 3))
    columns["anomalies"] = anomalies

    frame = pd.DataFrame(
        {
            "day": np.repeat(np.array(days, dtype=object), n_d),
            "district_id": np.tile(np.array(district_ids, dtype=np.int64), n_t),
            **{name: columns[name].T.reshape(-1).astype(np.int64) for name in COUNT_COLUMNS},
        }
    )
    return frame


def _cumulative(
    rows: np.ndarray, from_index: np.ndarray, values: np.ndarray, n_rows: int, n_t: int
) -> np.ndarray:
    """rows × days: the sum of ``values`` whose day index is at or before each day."""
    diff = np.zeros((n_rows, n_t + 1), dtype=np.int64)
    keep = rows >= 0
    np.add.at(diff, (rows[keep], from_index[keep]), values[keep].astype(np.int64))
    return np.cumsum(diff, axis=1)[:, :n_t]


def _count_spans(
    rows: np.ndarray, start: np.ndarray, end: np.ndarray, n_rows: int, moments: np.ndarray
) -> np.ndarray:
    """rows × moments: how many spans of the row hold at each moment."""
    first = np.searchsorted(moments, start, side="right")
    stop = np.searchsorted(moments, end, side="right")
    diff = np.zeros((n_rows, len(moments) + 1), dtype=np.int64)
    np.add.at(diff, (rows, first), 1)
    np.add.at(diff, (rows, stop), -1)
    return np.cumsum(diff, axis=1)[:, : len(moments)]


def _windowed(
    data: RolloutData, district_index: pd.Index, starts: np.ndarray, moments: np.ndarray
) -> np.ndarray:
    """districts × moments: anomalies from each start (included) to each moment (excluded)."""
    out = np.zeros((len(district_index), len(moments)), dtype=np.int64)
    events = data.anomalies
    if not len(events) or not len(moments):
        return out
    district_of = dict(
        zip(data.entrances["entrance_id"], data.entrances["district_id"], strict=True)
    )
    district = np.array(
        [district_of.get(int(e), NO_DISTRICT_ID) for e in events["entrance_id"]], dtype=np.int64
    )
    rows = district_index.get_indexer(pd.Index(district))
    at = events["at"].to_numpy()
    for row in range(len(district_index)):
        times = np.sort(at[rows == row])
        if not len(times):
            continue
        upto = np.searchsorted(times, moments, side="left")
        before = np.searchsorted(times, starts, side="left")
        out[row] = upto - before
    return out
