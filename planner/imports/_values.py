"""Cell values from the city's files: org numbers, dates, yes/no, e-mail, personnummer.

Each parser takes the cell text (already stripped) and returns the value, or raises
:class:`BadValue` with a Swedish reason that names what would be accepted.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from planner.geo.addresses import fold_text


class BadValue(ValueError):
    """A cell that cannot be read; ``str(error)`` is the Swedish reason."""


_DIGITS = re.compile(r"\D")


def luhn_ok(digits: str) -> bool:
    """The Luhn check used by Swedish personnummer and organisation numbers (10 digits)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 1 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def org_number(text: str) -> str:
    """An organisation number as "NNNNNN-NNNN" (10 digits, or 12 with the "16" prefix)."""
    digits = _DIGITS.sub("", text)
    if len(digits) == 12 and digits.startswith("16"):
        digits = digits[2:]
    if len(digits) != 10 or re.search(r"[^\d\s\-+]", text):
        msg = f"{text!r} är inget organisationsnummer; skriv tio siffror, t.ex. '556677-8899'"
        raise BadValue(msg)
    if not luhn_ok(digits):
        msg = f"kontrollsiffran i organisationsnumret {text!r} stämmer inte"
        raise BadValue(msg)
    return f"{digits[:6]}-{digits[6:]}"


_PERSONNUMMER = re.compile(r"^(?:19|20)?(\d{2})(\d{2})(\d{2})[-+]?(\d{4})$")


def looks_like_personnummer(text: str) -> bool:
    """True for a Swedish personal identity (or co-ordination) number with a valid check digit.

    "19450101-1234", "450101-1234", "194501011234" and "4501011234" are all recognised; the
    date must be a real day (a co-ordination number adds 60 to the day).
    """
    match = _PERSONNUMMER.match(text.replace(" ", ""))
    if match is None:
        return False
    yy, mm, dd, last = match.groups()
    day = int(dd) - 60 if int(dd) > 60 else int(dd)
    try:
        date(2000 if int(yy) < 50 else 1900, int(mm), day)
    except ValueError:
        return False
    return luhn_ok(f"{yy}{mm}{dd}{last}")


PERSONNUMMER_COLUMNS = frozenset(
    fold_text(name)
    for name in (
        "personnummer",
        "personnr",
        "pers.nr",
        "pnr",
        "persnr",
        "personid",
        "person-id",
        "samordningsnummer",
        "födelsenummer",
        "personal number",
        "personal identity number",
        "personal_id_number",
        "ssn",
        "social security number",
    )
)


def is_personnummer_column(name: str) -> bool:
    key = fold_text(name)
    return key in PERSONNUMMER_COLUMNS or "personnummer" in key or "personnr" in key


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(text: str) -> date:
    """A date as ÅÅÅÅ-MM-DD (also ÅÅÅÅMMDD and Excel's "2026-11-28 00:00:00")."""
    match = _ISO_DATE.match(text) or _COMPACT_DATE.match(text)
    if match is not None:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    msg = f"{text!r} är inget datum; skriv ÅÅÅÅ-MM-DD, t.ex. 2026-11-28"
    raise BadValue(msg)


_YES = frozenset({"ja", "j", "x", "1", "yes", "y", "true", "sant"})
_NO = frozenset({"nej", "n", "0", "no", "false", "falskt", ""})


def parse_yes_no(text: str) -> bool:
    key = text.strip().casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    msg = f"{text!r}: skriv ja eller nej"
    raise BadValue(msg)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_email(text: str) -> str:
    if not _EMAIL.match(text):
        msg = f"{text!r} är ingen e-postadress"
        raise BadValue(msg)
    return text


_PHONE = re.compile(r"^\+?[\d\s\-()/]{5,20}$")


def parse_phone(text: str) -> str:
    if not _PHONE.match(text):
        msg = f"{text!r} är inget telefonnummer; skriv t.ex. 08-123 45 67"
        raise BadValue(msg)
    return " ".join(text.split())


def parse_int_text(text: str) -> str:
    """An integer written by a spreadsheet ("12.0" → "12")."""
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


_APARTMENT = re.compile(
    r"^(?:(?:lgh|lägenhet|lagenhet|lägenhetsnummer|lägenhetsnr)\.?\s*(?:nr\.?)?\s*)?(\d{4})$",
    re.IGNORECASE,
)


def parse_apartment(text: str) -> str:
    """A lägenhetsnummer: four digits, floor then position ("1101"; "lgh 1101" accepted)."""
    match = _APARTMENT.match(parse_int_text(text).strip())
    if match is None:
        msg = (
            f"{text!r} är inget lägenhetsnummer; det har fyra siffror, våning och läge, t.ex. 1101"
        )
        raise BadValue(msg)
    return match.group(1)


def parse_float(text: str) -> float:
    cleaned = text.replace("\u2212", "-").replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        msg = f"{text!r} är inget tal"
        raise BadValue(msg) from None
    if value != value:  # NaN
        msg = f"{text!r} är inget tal"
        raise BadValue(msg)
    return value


def as_datetime_text(value: object) -> str:
    """A cell as text; Excel dates come as datetimes and are written ÅÅÅÅ-MM-DD."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return str(value)
