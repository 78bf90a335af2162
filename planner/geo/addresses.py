"""Swedish street addresses: parse, normalise and key them for matching.

A Swedish address (SS 637003) is a street ("adressområde") + a number ("adressplatsnummer") +
optional letter(s) ("bokstavstillägg", one or two letters) + an optional entrance suffix
("lägestillägg": UH = uppgång höger, UV = uppgång vänster, U or U1, U2 …), then a postcode
"NNN NN" and a postort, which inside Stockholm municipality is often not "Stockholm"
(Bromma, Hägersten, Johanneshov …). A four-digit apartment number ("lägenhetsnummer", floor then
position: 1101) may follow.

Two keys come out of a street name:

* :func:`street_key` is for exact lookups. It is lower case, folds å/ä/ö/é and their ASCII
  stand-ins (a, o, aa, ae, oe), drops spaces and punctuation, expands abbreviations
  (g./gt. → gatan, v. → vägen, pl. → platsen, S:t/St. → Sankt) and makes the generic ending
  canonical (gatan/gata → gata, vägen/väg → vag, backen/backe → backe …), so that "Goetgatan",
  "Gotgatan", "Götgatan" and "GÖTG." all meet.
* :func:`street_fuzzy_key` is the same without the canonical ending, for edit-distance scoring:
  a typo inside "vägen" should cost one edit, not break the ending rule.

House-number ranges ("31A-D", "31-33") are kept on the parsed address (``number_to``,
``letter_to``). :meth:`SwedishAddress.expand` lists every address in the range (numbers of the
same parity as the first, as Swedish streets number one side odd and the other even; every
letter from the first to the last); :meth:`SwedishAddress.first` maps a range to its first
address. Register readers expand ranges; the geocoder matches a customer's range on its first
address and says so in its reasons.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from planner.errors import PlannerError

log = logging.getLogger(__name__)

__all__ = [
    "STOCKHOLM_POSTORTER",
    "AddressParseError",
    "SwedishAddress",
    "address_key",
    "canonical_postort",
    "fold_text",
    "format_postcode",
    "is_stockholm_postort",
    "normalise_street",
    "parse_address",
    "parse_house_number",
    "street_fuzzy_key",
    "street_key",
]


class AddressParseError(PlannerError):
    """An address text that cannot be read as a Swedish street address.

    ``reason`` holds the Swedish explanation without the address, for use in row reports.
    """

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"Kan inte tolka adressen {text!r}: {reason}")


# Postorter whose addresses lie inside Stockholm municipality (PostNord's names).
STOCKHOLM_POSTORTER: tuple[str, ...] = (
    "Stockholm",
    "Bagarmossen",
    "Bandhagen",
    "Bromma",
    "Enskede",
    "Enskededalen",
    "Farsta",
    "Hägersten",
    "Hässelby",
    "Johanneshov",
    "Kista",
    "Skarpnäck",
    "Skärholmen",
    "Sköndal",
    "Spånga",
    "Vällingby",
    "Årsta",
    "Älvsjö",
)

# Names people write where a postort belongs but which are not postorter (stadsdelar and
# well-known areas): kept as ``area`` on the address, never as postort.
_AREAS_NOT_POSTORT: tuple[str, ...] = (
    "Södermalm",
    "Kungsholmen",
    "Östermalm",
    "Norrmalm",
    "Vasastan",
    "Vasastaden",
    "Gamla stan",
    "Djurgården",
    "Gärdet",
    "Liljeholmen",
    "Hammarby sjöstad",
    "Hornstull",
    "Midsommarkransen",
    "Aspudden",
    "Gröndal",
    "Essingen",
    "Stora Essingen",
    "Lilla Essingen",
    "Fredhäll",
    "Stadshagen",
    "Rinkeby",
    "Tensta",
    "Husby",
    "Akalla",
    "Hammarbyhöjden",
    "Norra innerstaden",
    "Järva",
    "Hägersten-Liljeholmen",
    "Hägersten-Älvsjö",
    "Enskede-Årsta-Vantör",
    "Hässelby-Vällingby",
    "Rinkeby-Kista",
    "Spånga-Tensta",
)

_POSTORT_ALIASES: dict[str, str] = {"sthlm": "Stockholm", "stockholmc": "Stockholm"}

_FOLD_TABLE = str.maketrans(
    {
        "å": "a",
        "ä": "a",
        "à": "a",
        "á": "a",
        "â": "a",
        "æ": "a",
        "ö": "o",
        "ø": "o",
        "ó": "o",
        "ò": "o",
        "ô": "o",
        "é": "e",
        "è": "e",
        "ê": "e",
        "ë": "e",
        "ü": "u",
        "ú": "u",
        "í": "i",
        "ß": "ss",
    }
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# ASCII stand-ins for å/ä/ö, applied after folding so that both sides meet.
_STAND_INS = (("aa", "a"), ("ae", "a"), ("oe", "o"))
# Generic street-name endings made canonical in the exact key (longest first).
_CANONICAL_ENDINGS: tuple[tuple[str, str], ...] = (
    ("granden", "grand"),
    ("backen", "backe"),
    ("stigen", "stig"),
    ("torget", "torg"),
    ("gatan", "gata"),
    ("vagen", "vag"),
    ("allen", "alle"),
)

# Abbreviations inside a street name (the part before the number), case-insensitive.
_SANKT_RE = re.compile(r"^(?:s:t|st\.|st)\s+(?=\w)", re.IGNORECASE)
_SANKTA_RE = re.compile(r"^(?:s:ta|sta\.)\s*(?=\w)", re.IGNORECASE)
_STREET_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "Götg." "Götgt." "Götgt" and a separate "Göt g." / "Göt gt"
    (re.compile(r"(?<=\w)\s?(?:gt\.?|g\.)$", re.IGNORECASE), "gatan"),
    (re.compile(r"(?<=\w)\s?(?:vg\.?|v\.|väg\.)$", re.IGNORECASE), "vägen"),
    (re.compile(r"(?<=\w)\s?pl\.$", re.IGNORECASE), "platsen"),
)

_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"})
_APARTMENT_RE = re.compile(
    r"(?:,\s*)?\b(?:lägenhetsnummer|lagenhetsnummer|lägenhetsnr|lägenhet|lagenhet|lgh)"
    r"\.?\s*(?:nr\.?|nummer)?\s*:?\s*(\d{4})\b",
    re.IGNORECASE,
)
_FLOOR_RE = re.compile(
    r"(?:,\s*)?\b(?:\d{1,2}\s*(?:tr|trp|trappa|trappor)\b\.?|n\.?b\.?(?=\s|,|$)|bv\b)",
    re.IGNORECASE,
)
_COUNTRY_RE = re.compile(r"(?:,\s*)?\b(?:sverige|sweden)\b\.?", re.IGNORECASE)
_POSTCODE_PREFIX_RE = re.compile(r"\b(?:SE|S)-(?=\d)", re.IGNORECASE)
_POSTCODE_RE = re.compile(r"(?<!\d)([1-9]\d{2})\s?(\d{2})(?!\d)")
_FOUR_DIGITS_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_LETTER = r"[A-Za-zÅÄÖåäö]"
_END = r"(?=[\s,;/\-]|$)"
_NUMBER_RE = re.compile(
    rf"""^(?P<number>\d{{1,4}})
    (?:\s*(?!U[HV]?{_END}|U\s?\d)(?P<letter>{_LETTER}{{1,2}}){_END})?
    (?:\s*-\s*(?:(?P<number_to>\d{{1,4}})(?:\s*(?P<letter_to_n>{_LETTER}){_END})?
                |(?P<letter_to>{_LETTER}){_END}))?
    (?:\s*(?P<entrance>U[HV]|U\s?\d{{1,2}}|U){_END})?""",
    re.VERBOSE | re.IGNORECASE,
)


@lru_cache(maxsize=65536)
def fold_text(text: str) -> str:
    """Lower case, Swedish letters and accents folded to ASCII, only ``a-z0-9`` kept.

    ASCII stand-ins are folded too (aa → a, ae → a, oe → o), so "Bjoerkvaegen", "Bjorkvagen" and
    "Björkvägen" give the same text.
    """
    lowered = unicodedata.normalize("NFC", text).casefold().translate(_FOLD_TABLE)
    decomposed = unicodedata.normalize("NFKD", lowered)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = _NON_ALNUM.sub("", ascii_only)
    for stand_in, letter in _STAND_INS:
        folded = folded.replace(stand_in, letter)
    return folded


def _tidy_case(text: str) -> str:
    """Title case for text written all upper or all lower case; other text is left alone."""
    letters = [ch for ch in text if ch.isalpha()]
    if letters and (all(ch.isupper() for ch in letters) or all(ch.islower() for ch in letters)):
        words = [w[:1].upper() + w[1:].lower() for w in text.split(" ")]
        text = " ".join(words)
        # "Sankt Eriksgatan" keeps its capital; small words inside a name stay lower.
        text = re.sub(r"(?<=\s)(Och|I|På|Av|Vid)(?=\s)", lambda m: m.group(1).lower(), text)
    return text


def normalise_street(street: str) -> str:
    """A street name for display: whitespace tidied, abbreviations expanded, case tidied.

    >>> normalise_street("s:t eriksg.")
    'Sankt Eriksgatan'
    """
    text = _tidy_case(" ".join(unicodedata.normalize("NFC", street).split()).strip(" ,"))
    text = _SANKTA_RE.sub("Sankta ", text)
    text = _SANKT_RE.sub("Sankt ", text)
    for pattern, ending in _STREET_ABBREVIATIONS:
        text = pattern.sub(ending, text)
    return text


@lru_cache(maxsize=65536)
def street_fuzzy_key(street: str) -> str:
    """The folded street name (abbreviations expanded) for edit-distance scoring."""
    return fold_text(normalise_street(street))


@lru_cache(maxsize=65536)
def street_key(street: str) -> str:
    """The exact-match key of a street name: folded, abbreviations expanded, ending canonical."""
    key = street_fuzzy_key(street)
    for ending, canonical in _CANONICAL_ENDINGS:
        if key.endswith(ending) and len(key) > len(ending):
            return key[: -len(ending)] + canonical
    return key


def address_key(street: str, number: int, letter: str = "") -> str:
    """The exact-match key of an address: ``"gotgata|12|a"``."""
    return f"{street_key(street)}|{number}|{fold_text(letter)}"


def format_postcode(text: str | int | None) -> str:
    """A postcode as "NNN NN" ("11846", "118 46", "SE-118 46", 11846 all work); "" when empty.

    Raises :class:`AddressParseError` when the text is not a Swedish postcode.
    """
    if text is None:
        return ""
    raw = str(text).strip()
    if raw in ("", "nan", "None", "<NA>"):
        return ""
    if raw.endswith(".0") and raw[:-2].isdigit():  # read as a float from a spreadsheet
        raw = raw[:-2]
    cleaned = _POSTCODE_PREFIX_RE.sub("", raw)
    match = _POSTCODE_RE.fullmatch(cleaned.strip())
    if match is None:
        raise AddressParseError(raw, "postnumret ska ha fem siffror, t.ex. '118 46' eller '11846'")
    return f"{match.group(1)} {match.group(2)}"


def _lookup_table(names: tuple[str, ...]) -> dict[str, str]:
    return {fold_text(name): name for name in names}


_POSTORT_BY_KEY = _lookup_table(STOCKHOLM_POSTORTER) | _POSTORT_ALIASES
_AREA_BY_KEY = _lookup_table(_AREAS_NOT_POSTORT)


def canonical_postort(text: str) -> str:
    """The canonical spelling of a postort ("HAGERSTEN" → "Hägersten"); others are tidied."""
    cleaned = " ".join(text.split()).strip(" ,")
    if not cleaned:
        return ""
    return _POSTORT_BY_KEY.get(fold_text(cleaned), _tidy_case(cleaned))


def is_stockholm_postort(text: str) -> bool:
    """True for a postort inside Stockholm municipality (in any spelling)."""
    return fold_text(text) in _POSTORT_BY_KEY


@dataclass(frozen=True, slots=True)
class SwedishAddress:
    """A parsed Swedish street address.

    ``street`` is the display form (abbreviations expanded); ``letter`` is upper case ("" when
    none); ``postcode`` is "NNN NN" or ""; ``postort`` is canonical for known postorter;
    ``area`` holds a named area that is not a postort ("Södermalm"); ``number_to`` and
    ``letter_to`` describe a range ("31-33", "31A-D"); ``alternatives`` holds other readings of
    the street (``"St. Nygatan"`` may be Sankt or Stora Nygatan); ``notes`` holds Swedish
    remarks on what the parser set aside (floor, unknown postort).
    """

    street: str
    number: int
    letter: str = ""
    entrance: str = ""
    postcode: str = ""
    postort: str = ""
    apartment: str = ""
    area: str = ""
    number_to: int | None = None
    letter_to: str = ""
    alternatives: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def street_key(self) -> str:
        return street_key(self.street)

    @property
    def key(self) -> str:
        """The exact-match key: street key, number and letter (no entrance, no postcode)."""
        return address_key(self.street, self.number, self.letter)

    @property
    def is_range(self) -> bool:
        return self.number_to is not None or bool(self.letter_to)

    @property
    def house_number(self) -> str:
        """Number and letter as written on the door: "12A"."""
        return f"{self.number}{self.letter}"

    def label(self) -> str:
        """A one-line address for people: "Götgatan 12A UH, 118 46 Stockholm"."""
        parts = [f"{self.street} {self.house_number}"]
        if self.number_to is not None:
            parts[0] += f"-{self.number_to}"
        elif self.letter_to:
            parts[0] += f"-{self.letter_to}"
        if self.entrance:
            parts[0] += f" {self.entrance}"
        place = " ".join(p for p in (self.postcode, self.postort) if p)
        if place:
            parts.append(place)
        if self.apartment:
            parts.append(f"lgh {self.apartment}")
        return ", ".join(parts)

    def first(self) -> SwedishAddress:
        """The first address of a range (the address itself when it is not a range)."""
        if not self.is_range:
            return self
        return replace(self, number_to=None, letter_to="")

    def expand(self) -> list[SwedishAddress]:
        """Every address in a range: "31A-D" → 31A…31D; "31-35" → 31, 33, 35; "46-48" → 46, 48.

        Numbers of the same parity as the first are listed (one side of the street); a range of
        mixed parity ("31-32") lists every number. The letter of the first number, if any, is
        kept on the first only.
        """
        if not self.is_range:
            return [self]
        base = replace(self, number_to=None, letter_to="")
        if self.letter_to and self.number_to is None:
            start = self.letter or "A"
            if not (start.isalpha() and len(start) == 1 and start <= self.letter_to):
                return [base]
            letters = [chr(c) for c in range(ord(start), ord(self.letter_to) + 1)]
            return [replace(base, letter=letter) for letter in letters]
        assert self.number_to is not None
        if self.number_to <= self.number or self.number_to - self.number > 40:
            return [base]
        step = 2 if (self.number_to - self.number) % 2 == 0 else 1
        out = [base]
        for number in range(self.number + step, self.number_to + 1, step):
            letter = self.letter_to if number == self.number_to else ""
            out.append(replace(base, number=number, letter=letter))
        return out


def parse_house_number(text: str) -> tuple[int, str, int | None, str, str]:
    """Read a house number field: "29A", "12 a", "31A-D", "46-48", "33 B-C", "12 UH".

    Returns ``(number, letter, number_to, letter_to, entrance)``. Raises
    :class:`AddressParseError` for text that is not a house number.
    """
    raw = " ".join(str(text).translate(_DASHES).split())
    match = _NUMBER_RE.match(raw)
    if match is None or match.end() != len(raw):
        raise AddressParseError(
            raw, "gatunumret ska vara ett tal med ev. bokstav, t.ex. '12', '12A' eller '31A-D'"
        )
    return _number_parts(match)


def _number_parts(match: re.Match[str]) -> tuple[int, str, int | None, str, str]:
    number = int(match.group("number"))
    letter = (match.group("letter") or "").upper()
    number_to = int(match.group("number_to")) if match.group("number_to") else None
    letter_to = (match.group("letter_to") or match.group("letter_to_n") or "").upper()
    entrance = re.sub(r"\s+", "", match.group("entrance") or "").upper()
    if number == 0:
        raise AddressParseError(match.string, "gatunumret kan inte vara 0")
    return number, letter, number_to, letter_to, entrance


def parse_address(text: str) -> SwedishAddress:
    """Parse one free-text Swedish address.

    Accepted, in this order: street, number (+ letter, range, entrance), then optionally a
    postcode, a postort and an apartment number, separated by spaces or commas::

        "Götgatan 12A, 118 46 Stockholm, lgh 1101"
        "GOETGATAN 12 a 11846 STOCKHOLM"
        "S:t Eriksg. 31A-D UH, 1101"

    Floor notes ("3 tr", "nb") and "Sverige" are set aside. Raises :class:`AddressParseError`
    with a Swedish reason when no street or no number can be found, or when text after the
    number cannot be read.
    """
    if text is None or not str(text).strip():
        raise AddressParseError("", "adressen är tom")
    raw = str(text)
    work = " ".join(unicodedata.normalize("NFC", raw).translate(_DASHES).split())
    notes: list[str] = []

    apartment = ""
    apartment_match = _APARTMENT_RE.search(work)
    if apartment_match:
        apartment = apartment_match.group(1)
        work = (work[: apartment_match.start()] + " " + work[apartment_match.end() :]).strip()
    work = _COUNTRY_RE.sub(" ", work)
    work = " ".join(_POSTCODE_PREFIX_RE.sub("", work).split())

    first_digit = re.search(r"\d", work)
    if first_digit is None:
        raise AddressParseError(raw, "gatunummer saknas; skriv t.ex. 'Götgatan 12A'")
    street_text = work[: first_digit.start()].strip(" ,")
    if not re.search(r"[^\W\d_]", street_text):
        raise AddressParseError(raw, "gatunamn saknas före gatunumret")
    rest = work[first_digit.start() :]
    number_match = _NUMBER_RE.match(rest)
    if number_match is None:  # pragma: no cover - the regex always matches a leading digit
        raise AddressParseError(raw, "gatunumret kan inte läsas")
    number, letter, number_to, letter_to, entrance = _number_parts(number_match)
    remainder = rest[number_match.end() :].strip(" ,;")
    if _FLOOR_RE.search(remainder):
        notes.append("våningsuppgift borttagen")
        remainder = _FLOOR_RE.sub(" ", remainder)

    postcode = ""
    postcode_match = _POSTCODE_RE.search(remainder)
    if postcode_match:
        postcode = f"{postcode_match.group(1)} {postcode_match.group(2)}"
        remainder = remainder[: postcode_match.start()] + " " + remainder[postcode_match.end() :]
    if not apartment:
        four = _FOUR_DIGITS_RE.search(remainder)
        if four:
            apartment = four.group(1)
            remainder = remainder[: four.start()] + " " + remainder[four.end() :]
    leftover = " ".join(remainder.replace(",", " ").replace(";", " ").split())
    if re.search(r"\d", leftover):
        raise AddressParseError(
            raw,
            f"okänd del {leftover!r} efter gatunumret; väntade postnummer 'NNN NN', postort "
            "och ev. lägenhetsnummer (fyra siffror)",
        )

    postort = ""
    area = ""
    if leftover:
        key = fold_text(leftover)
        if key in _POSTORT_BY_KEY:
            postort = _POSTORT_BY_KEY[key]
        elif key in _AREA_BY_KEY:
            area = _AREA_BY_KEY[key]
            notes.append(f"{area} är inte en postort")
        else:
            postort = canonical_postort(leftover)
            notes.append(f"okänd postort {postort!r}")

    street = normalise_street(street_text)
    alternatives: tuple[str, ...] = ()
    st_prefix = re.match(r"^st(?:\.\s*|\s+)(?=\w)", street_text, re.IGNORECASE)
    if st_prefix and not street_text.lower().startswith("s:t"):
        alternatives = (normalise_street("Stora " + street_text[st_prefix.end() :]),)
    return SwedishAddress(
        street=street,
        number=number,
        letter=letter,
        entrance=entrance,
        postcode=postcode,
        postort=postort,
        apartment=apartment,
        area=area,
        number_to=number_to,
        letter_to=letter_to,
        alternatives=alternatives,
        notes=tuple(notes),
    )
