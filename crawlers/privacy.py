"""Unmasked personal numbers in text: resident ID numbers, mobile numbers, bank card numbers.

Kernel, not judgment: spiders must mask these before anything is stored, so the detector runs
where the text is read and returns only masked forms and positions. A number counts only when it
stands alone (not part of a longer run of digits or letters, and not next to a ``*``: a masked
``1101**********1234`` or ``138****5678`` is what a careful office publishes) and passes its own
check: the GB 11643-1999 check digit, a province-level region prefix and a real birth date for ID
numbers; a current mobile prefix; the Luhn digit, a plausible length and issuer prefix for bank
cards. Full-width digits count as digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

# GB/T 2260 province-level codes: the first two digits of every 18-digit resident ID number; 71, 81,
# 82 are Taiwan, Hong Kong and Macao (their residents' residence permits use 830000, 810000, 820000).
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)
# GB 11643-1999: weights of the first 17 digits and the check character for sum mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
EARLIEST_BIRTH_YEAR = 1900

# Mobile numbers: the three-digit prefixes issued by MIIT to China Mobile, Unicom, Telecom, Broadnet
# and the virtual operators (13x, 14x data/virtual, 15x, 16x, 17x, 18x, 19x).
MOBILE_PREFIXES = frozenset(
    [f"13{d}" for d in range(10)]
    + ["145", "146", "147", "148", "149"]
    + ["150", "151", "152", "153", "155", "156", "157", "158", "159"]
    + ["162", "165", "166", "167"]
    + ["170", "171", "172", "173", "175", "176", "177", "178"]
    + [f"18{d}" for d in range(10)]
    + ["190", "191", "192", "193", "195", "196", "197", "198", "199"]
)

# Bank cards (ISO/IEC 7812): UnionPay 62, Visa 4, Mastercard 51-55 and 2221-2720, JCB 3528-3589,
# and the 19-digit ICBC 9558 range still in circulation; 16 to 19 digits.
CARD_LENGTHS = range(16, 20)

_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789xX")
_DIGIT = "0-9０-９"
# A run of digits (an ID number may end in X), not touching other digits, letters, or a mask star.
_RUN = re.compile(rf"(?<![{_DIGIT}A-Za-z*＊])[{_DIGIT}]{{11,19}}[xXｘＸ]?(?![{_DIGIT}A-Za-z*＊])")
# Numbers written in groups: mobiles 3-4-4 and cards 4-4-4-4(-1..3), with single spaces or hyphens.
_GROUPED = re.compile(
    rf"(?<![{_DIGIT}A-Za-z*＊])(?<![{_DIGIT}][ -])(?:[{_DIGIT}]{{3}}[ -][{_DIGIT}]{{4}}[ -][{_DIGIT}]{{4}}"
    rf"|[{_DIGIT}]{{4}}(?:[ -][{_DIGIT}]{{4}}){{3}}(?:[ -][{_DIGIT}]{{1,3}})?)(?![{_DIGIT}A-Za-z*＊]|[ -][{_DIGIT}])"
)


@dataclass(frozen=True)
class PrivacyHit:
    """One unmasked number: where it stands in the text and its masked form (never the number)."""

    kind: str  # id_card | mobile | bank_card
    start: int
    end: int
    masked: str
    checks: tuple[str, ...] = field(default=())


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def _birth_ok(digits: str, today: date) -> bool:
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return born.year >= EARLIEST_BIRTH_YEAR and born <= today


def id_card_checks(number: str, today: date | None = None) -> tuple[str, ...] | None:
    """The checks an 18-character ID number passes, or None when any fails."""
    if len(number) != 18 or not number[:17].isdigit():
        return None
    if number[:2] not in PROVINCE_PREFIXES:
        return None
    if not _birth_ok(number, today or date.today()):
        return None
    if id_check_char(number[:17]) != number[17].upper():
        return None
    return ("region", "birth_date", "gb11643")


def luhn_ok(number: str) -> bool:
    """The Luhn (mod 10) check over a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_prefix_ok(number: str) -> bool:
    """A bank card issuer prefix in use in China, for the number's length."""
    n = len(number)
    if number.startswith("62"):
        return n in CARD_LENGTHS
    if number.startswith("4"):
        return n in (16, 19)
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4]) <= 2720:
        return n == 16
    if 3528 <= int(number[:4]) <= 3589:
        return n in CARD_LENGTHS
    if number.startswith("9558"):
        return n == 19
    return False


def bank_card_checks(number: str) -> tuple[str, ...] | None:
    if len(number) not in CARD_LENGTHS or not number.isdigit():
        return None
    if not card_prefix_ok(number) or not luhn_ok(number):
        return None
    return ("length", "issuer_prefix", "luhn")


def mobile_checks(number: str) -> tuple[str, ...] | None:
    if len(number) != 11 or not number.isdigit() or number[:3] not in MOBILE_PREFIXES:
        return None
    return ("mobile_prefix",)


def mask(kind: str, number: str) -> str:
    """The form a finding may show: enough to find the entry again, not to read the number."""
    if kind == "mobile":
        return f"{number[:3]}****{number[-4:]}"
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def _classify(number: str, today: date) -> tuple[str, tuple[str, ...]] | None:
    checks = id_card_checks(number, today)
    if checks:
        return "id_card", checks
    checks = mobile_checks(number)
    if checks:
        return "mobile", checks
    if looks_like_id(number, today):
        return None  # a mistyped ID number (wrong check digit) is not a bank card that passes Luhn
    checks = bank_card_checks(number)
    if checks:
        return "bank_card", checks
    return None


def looks_like_id(number: str, today: date) -> bool:
    """18 characters with a region prefix and a birth date: an ID number, whatever its check digit."""
    return len(number) == 18 and number[:2] in PROVINCE_PREFIXES and _birth_ok(number, today)


def find_personal_numbers(text: str, today: date | None = None) -> list[PrivacyHit]:
    """Every unmasked ID, mobile and bank card number in ``text``, in order of position."""
    day = today or date.today()
    hits: list[PrivacyHit] = []
    for pattern in (_RUN, _GROUPED):
        for m in pattern.finditer(text):
            raw = m.group(0).translate(_FULLWIDTH)
            number = raw.replace(" ", "").replace("-", "")
            found = _classify(number.upper() if len(number) == 18 else number, day)
            if found is not None:
                kind, checks = found
                hits.append(PrivacyHit(kind, m.start(), m.end(), mask(kind, number.upper()), checks))
    hits.sort(key=lambda h: h.start)
    return hits


def mask_personal_numbers(text: str, today: date | None = None) -> tuple[str, list[PrivacyHit]]:
    """``text`` with every detected number replaced by its masked form, and the hits.

    Each hit's ``start``/``end`` point into the returned (masked) text, so line and context are
    read from what is stored.
    """
    hits = find_personal_numbers(text, today)
    if not hits:
        return text, []
    out: list[str] = []
    moved: list[PrivacyHit] = []
    pos = 0
    shift = 0
    for hit in hits:
        out.append(text[pos : hit.start])
        start = hit.start + shift
        out.append(hit.masked)
        shift += len(hit.masked) - (hit.end - hit.start)
        moved.append(PrivacyHit(hit.kind, start, start + len(hit.masked), hit.masked, hit.checks))
        pos = hit.end
    out.append(text[pos:])
    return "".join(out), moved
