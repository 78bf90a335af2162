"""Geocoding benchmark: 15,000 customer addresses against a 100,000-address register.

Run with ``.venv/bin/python -m bench.geocode`` (options: ``--help``). It builds a synthetic,
Stockholm-like register (Swedish street names built from common parts, numbers 1–150 with some
letters, postcodes by postort, some street names repeated in two postorter as in the real city),
draws customers from it, writes each customer twice (clean, and messy: typos, abbreviations,
ASCII stand-ins for å/ä/ö, case, missing postcode, letter spacing, apartment numbers) and
geocodes both sets, printing:

* elapsed seconds per set (index build separately),
* % correct: the best candidate is the customer's register row,
* % confidently wrong: accepted (at or above the threshold) but not the customer's row,
* % sent to review, and % accepted and correct.

Targets (issue 3): under 20 s per 15,000; ≥ 99 % correct clean; ≥ 95 % correct messy;
< 0.5 % confidently wrong. Not part of the test run.
"""

from __future__ import annotations

import argparse
import random
import string
import time
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from planner.geo.addresses import fold_text, street_key
from planner.geo.geocode import DEFAULT_ACCEPT_THRESHOLD, AddressMatcher, GeocodeResult

# postort → (postcode prefixes, centre lat, centre lon, radius in degrees of latitude)
POSTORTER: dict[str, tuple[tuple[int, ...], float, float, float]] = {
    "Stockholm": ((111, 112, 113, 114, 115, 116, 117, 118), 59.330, 18.060, 0.025),
    "Bromma": ((161, 167, 168), 59.340, 17.940, 0.020),
    "Hägersten": ((126, 129), 59.300, 17.980, 0.015),
    "Johanneshov": ((121,), 59.295, 18.080, 0.010),
    "Årsta": ((120,), 59.298, 18.045, 0.008),
    "Enskede": ((122,), 59.280, 18.070, 0.010),
    "Bandhagen": ((124,), 59.265, 18.050, 0.010),
    "Farsta": ((123,), 59.245, 18.090, 0.012),
    "Skarpnäck": ((128,), 59.265, 18.130, 0.010),
    "Skärholmen": ((127,), 59.275, 17.905, 0.010),
    "Älvsjö": ((125,), 59.278, 18.000, 0.010),
    "Spånga": ((163,), 59.385, 17.900, 0.012),
    "Kista": ((164,), 59.405, 17.945, 0.010),
    "Hässelby": ((165,), 59.370, 17.820, 0.010),
    "Vällingby": ((162,), 59.365, 17.870, 0.010),
}
_FIRST_PARTS_TEXT = (
    "Björk Ek Sjö Kungs Drottning Lind Gran Tall Rönn Hassel Al Asp Lönn Alm Sälg Sol Måne "
    "Stjärn Berg Dal Ängs Hav Strand Skogs Fjäll Åker Lärk Svan Trast Fink Hök Örn Falk Uggle "
    "Räv Varg Björn Älg Hjort Ros Lilje Viol Klöver Vete Råg Korn Havre Smed Murar Snickar "
    "Timmermans Bagar Skeppar Fiskar Kyrk Skol Kvarn Bruks Hamn Bro Park Gärdes Malm Sten Klipp "
    "Koppar Tenn Glas Svea Göta Norr Söder Väster Öster Runebergs Tegnérs Strindbergs "
    "Lagerlöfs Bellmans Taubes Almqvists Frödings Karlfeldts Heidenstams Rudbecks Linnés "
    "Celsius Polhems Nobels Swedenborgs Tessins Ekehjelms Oxenstierns Banérs Torstensons "
    "Wrangels Brahe Sparre Bielke Lejon Mölle Tegel Kalk Gruv Sågverks Vägmästar Lots Tull"
)
FIRST_PARTS = tuple(_FIRST_PARTS_TEXT.split())
SAINTS = ("Sankt Eriks", "Sankt Görans", "Sankt Pauls", "Sankt Göstas", "Sankt Olofs")
MIDDLE_PARTS = (
    "",
    "",
    "",
    "dals",
    "bergs",
    "hags",
    "ängs",
    "lunds",
    "viks",
    "näs",
    "holms",
    "sunds",
)
ENDINGS = (
    "gatan",
    "gatan",
    "gatan",
    "vägen",
    "vägen",
    "vägen",
    "gränd",
    "backen",
    "stigen",
    "plan",
    "torget",
    "allén",
    "platsen",
    "gången",
    "slingan",
)
PREFIXES = ("Västra ", "Östra ", "Norra ", "Södra ", "Stora ", "Lilla ")
KEYBOARD = {
    "q": "wa",
    "w": "qes",
    "e": "wrd",
    "r": "etf",
    "t": "ryg",
    "y": "tuh",
    "u": "yij",
    "i": "uok",
    "o": "ipl",
    "p": "oå",
    "a": "qsz",
    "s": "adw",
    "d": "sfe",
    "f": "dgr",
    "g": "fht",
    "h": "gjy",
    "j": "hku",
    "k": "jli",
    "l": "kö",
    "z": "xa",
    "x": "zc",
    "c": "xv",
    "v": "cb",
    "b": "vn",
    "n": "bm",
    "m": "n",
    "å": "pä",
    "ä": "åö",
    "ö": "lä",
}


def street_names(rng: random.Random, count: int) -> list[str]:
    """Unique street names (by normalised key), Swedish-looking."""
    names: list[str] = []
    keys: set[str] = set()
    while len(names) < count:
        if rng.random() < 0.03:
            name = rng.choice(SAINTS) + rng.choice(ENDINGS)
        else:
            name = rng.choice(FIRST_PARTS) + rng.choice(MIDDLE_PARTS) + rng.choice(ENDINGS)
        if rng.random() < 0.05:
            name = rng.choice(PREFIXES) + name
        key = street_key(name)
        if key in keys:
            continue
        keys.add(key)
        names.append(name[0].upper() + name[1:])
    return names


def build_register(rng: random.Random, size: int) -> pd.DataFrame:
    """About ``size`` address points on streets spread over the postorter."""
    n_streets = max(50, size // 33)
    names = street_names(rng, n_streets)
    postorter = list(POSTORTER)
    weights = [8, 3, 2, 1, 1, 1, 1, 1.5, 1, 1, 1, 1, 1, 1, 1]
    placements: list[tuple[str, str]] = [(n, rng.choices(postorter, weights)[0]) for n in names]
    # As in the real city, some names exist in two parts of town.
    for name in rng.sample(names, k=len(names) // 25):
        other = rng.choice([p for p in postorter if p != dict(placements)[name]])
        placements.append((name, other))
    rows: list[tuple[str, int, str, str, str, float, float, str]] = []
    for name, postort in placements:
        prefixes, lat0, lon0, radius = POSTORTER[postort]
        code = f"{rng.choice(prefixes)} {rng.randint(10, 99)}"
        lat = lat0 + rng.uniform(-radius, radius)
        lon = lon0 + rng.uniform(-radius, radius) * 2
        bearing = rng.uniform(0, np.pi)
        highest = int(min(150, max(6, rng.expovariate(1 / 45))))
        for number in range(1, highest + 1):
            if rng.random() < 0.35:
                continue  # not every number exists
            offset_m = number * 8.0
            side_m = 12.0 if number % 2 else -12.0
            dlat = (offset_m * np.cos(bearing) + side_m * np.sin(bearing)) / 111_000
            dlon = (offset_m * np.sin(bearing) - side_m * np.cos(bearing)) / 56_500
            letters = [""]
            if rng.random() < 0.12:
                letters = list("ABC"[: rng.randint(2, 3)])
            for k, letter in enumerate(letters):
                rows.append(
                    (
                        name,
                        number,
                        letter,
                        code,
                        postort,
                        lat + dlat + k * 1e-4,
                        lon + dlon,
                        "bench",
                    )
                )
    frame = pd.DataFrame(
        rows, columns=["street", "number", "letter", "postcode", "postort", "lat", "lon", "source"]
    )
    if len(frame) > size:
        frame = frame.sample(n=size, random_state=rng.randint(0, 2**31)).reset_index(drop=True)
    return frame


@dataclass(frozen=True)
class Customer:
    row: int
    clean: str
    messy: str


def _typo(rng: random.Random, word: str) -> str:
    positions = [i for i, ch in enumerate(word) if ch.isalpha()][1:]  # keep the first letter
    if not positions:
        return word
    i = rng.choice(positions)
    kind = rng.choice(("substitute", "delete", "insert", "transpose"))
    ch = word[i]
    if kind == "substitute":
        replacement = rng.choice(KEYBOARD.get(ch.lower(), string.ascii_lowercase))
        return word[:i] + replacement + word[i + 1 :]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        return word[:i] + ch + word[i:]
    if i + 1 < len(word) and word[i + 1].isalpha():
        return word[:i] + word[i + 1] + ch + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def _abbreviate(rng: random.Random, street: str) -> str:
    if street.startswith("Sankt ") and rng.random() < 0.7:
        street = rng.choice(("S:t ", "St. ", "St ")) + street[6:]
    if street.endswith("gatan"):
        return street[:-5] + rng.choice(("g.", "gt.", "gt"))
    if street.endswith("vägen"):
        return street[:-5] + "v."
    if street.endswith("platsen"):
        return street[:-7] + "pl."
    return street


def _ascii(rng: random.Random, text: str) -> str:
    style = rng.choice(("plain", "digraph"))
    table = (
        {"å": "a", "ä": "a", "ö": "o", "Å": "A", "Ä": "A", "Ö": "O"}
        if style == "plain"
        else {"å": "aa", "ä": "ae", "ö": "oe", "Å": "Aa", "Ä": "Ae", "Ö": "Oe"}
    )
    return "".join(table.get(ch, ch) for ch in text)


def write_customer(rng: random.Random, row: pd.Series, *, messy: bool, typos: int = 1) -> str:
    street = str(row["street"])
    number = f"{row['number']}{row['letter']}"
    postcode = str(row["postcode"])
    postort = str(row["postort"])
    if not messy:
        return f"{street} {number}, {postcode} {postort}"
    changes = 0
    while changes == 0:
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, typos)):
                street = _typo(rng, street)
            changes += 1
        if rng.random() < 0.3:
            abbreviated = _abbreviate(rng, street)
            changes += abbreviated != street
            street = abbreviated
        if rng.random() < 0.25:
            street, changes = _ascii(rng, street), changes + 1
        if row["letter"] and rng.random() < 0.5:
            letter = str(row["letter"])
            spelled = rng.choice((" " + letter, letter.lower(), " " + letter.lower()))
            number = f"{row['number']}{spelled}"
            changes += 1
        if rng.random() < 0.3:
            postcode, changes = "", changes + 1
            if rng.random() < 0.5:
                postort = ""
        elif rng.random() < 0.4:
            postcode, changes = postcode.replace(" ", ""), changes + 1
    text = f"{street} {number}"
    if rng.random() < 0.2:
        text = text.upper() if rng.random() < 0.5 else text.lower()
    place = " ".join(p for p in (postcode, postort) if p)
    if place:
        text += rng.choice((", ", " ")) + place
    if rng.random() < 0.3:
        apartment = f"{rng.randint(10, 16)}0{rng.randint(1, 4)}"
        text += rng.choice((f", lgh {apartment}", f" lgh {apartment}", f", {apartment}"))
    return text


def draw_customers(
    rng: random.Random, register: pd.DataFrame, count: int, *, typos: int = 1
) -> list[Customer]:
    rows = rng.sample(range(len(register)), k=count)
    return [
        Customer(
            row,
            write_customer(rng, register.iloc[row], messy=False),
            write_customer(rng, register.iloc[row], messy=True, typos=typos),
        )
        for row in rows
    ]


def _is_right(result: GeocodeResult, truth: int, register: pd.DataFrame) -> bool:
    best = result.best
    if best is None or best.index is None:
        return False
    if best.index == truth:
        return True
    # A duplicate register row for the same address on the same spot counts as right.
    a, b = register.iloc[int(cast(int, best.index))], register.iloc[truth]
    return bool(
        street_key(str(a["street"])) == street_key(str(b["street"]))
        and a["number"] == b["number"]
        and fold_text(str(a["letter"])) == fold_text(str(b["letter"]))
        and abs(a["lat"] - b["lat"]) < 1e-6
        and abs(a["lon"] - b["lon"]) < 1e-6
    )


def evaluate(
    label: str,
    results: list[GeocodeResult],
    truth: list[int],
    register: pd.DataFrame,
    seconds: float,
) -> None:
    n = len(results)
    right = np.array([_is_right(r, t, register) for r, t in zip(results, truth, strict=True)])
    accepted = np.array([r.accepted for r in results])
    review = np.array([r.status.value == "needs_review" for r in results])
    print(
        f"{label:<6} {n:>6} queries  {seconds:6.2f} s  "
        f"correct {100 * right.mean():6.2f} %  "
        f"confidently wrong {100 * (accepted & ~right).mean():5.2f} %  "
        f"review {100 * review.mean():5.2f} %  "
        f"accepted+correct {100 * (accepted & right).mean():6.2f} %"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--register-size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=15_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--threshold", type=float, default=DEFAULT_ACCEPT_THRESHOLD)
    parser.add_argument("--typos", type=int, default=1, help="at most this many typos a street")
    parser.add_argument("--show-wrong", type=int, default=0, help="print some wrong answers")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    started = time.perf_counter()
    register = build_register(rng, args.register_size)
    customers = draw_customers(rng, register, args.queries, typos=args.typos)
    print(
        f"register {len(register):,} addresses on {register['street'].nunique():,} street names; "
        f"{len(customers):,} customers (generated in {time.perf_counter() - started:.1f} s)"
    )
    started = time.perf_counter()
    matcher = AddressMatcher(register, accept_threshold=args.threshold)
    print(f"index built in {time.perf_counter() - started:.2f} s; threshold {args.threshold}")
    truth = [c.row for c in customers]
    for label, texts in (
        ("clean", [c.clean for c in customers]),
        ("messy", [c.messy for c in customers]),
    ):
        started = time.perf_counter()
        results = matcher.geocode_many(texts)
        seconds = time.perf_counter() - started
        evaluate(label, results, truth, register, seconds)
        if args.show_wrong:
            shown = 0
            for r, c in zip(results, customers, strict=True):
                if not _is_right(r, c.row, register) and shown < args.show_wrong:
                    shown += 1
                    truth_row = register.iloc[c.row]
                    print(
                        f"  {r.query!r}: {r.status.value} {r.confidence:.2f} "
                        f"→ {r.best.label if r.best else None} | truth "
                        f"{truth_row['street']} {truth_row['number']}{truth_row['letter']} "
                        f"{truth_row['postcode']} | {'; '.join(r.reasons)}"
                    )


if __name__ == "__main__":
    main()
