"""Read dates the way Chinese government sites and platforms print them.

Exact formats are matched with regular expressions first (microseconds each); dateparser is only a
fallback for odd strings, because it costs ~1 ms a call and misses Weibo's ``created_at``. Every
naive value is Beijing time, and year-less dates take the year that does not put
them more than 7 days in the future.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from crawlers.errors import InputError

BEIJING = ZoneInfo("Asia/Shanghai")

FUTURE_SLACK = timedelta(days=7)  # year-less rule: "more than ~7 days in the future" -> last year
MS_THRESHOLD = 1e12  # a unix value >= 1e12 is in milliseconds
_MIN_YEAR, _MAX_YEAR = 1990, 2100

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space map 1:1 to ASCII, so positions in
# the normalised text are positions in the original and raw substrings can be cut from it.
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_TIME = (
    r"(?:(?:\s*T\s*|\s*-\s*|\s*)(?P<H>[01]?\d|2[0-3])\s*[:时]\s*(?P<M>[0-5]\d)\s*分?"
    r"(?:\s*:\s*(?P<S>[0-5]\d)(?:\.\d+)?|(?P<S2>[0-5]\d)\s*秒)?"
    r"(?:\s*(?P<tz>Z|[+-](?:0\d|1[0-4]):?[0-5]\d)(?![\d:]))?)?"
)
_FULL = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})(?!\d)" + _TIME
)
_ZH = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]" + _TIME)
_MD_ZH = re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]" + _TIME)
_MD_BRACKET = re.compile(
    r"[\[(【（]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})\s*[\])】）]"
)  # [09-26], (9/26)
_MD_DASH = re.compile(r"(?<![\d\-/.:])(?P<m>[01]\d)-(?P<d>[0-3]\d)(?![\d\-/.:%])" + _TIME)
_RELATIVE = re.compile(r"(?P<n>\d{1,4})\s*(?P<unit>秒|分钟|小时|天|周|星期|个月|年)\s*前")
_JUST = re.compile(r"刚刚|刚才")
_DAYWORD = re.compile(
    r"(?P<w>今天|昨天|前天)(?:\s*(?P<H>[01]?\d|2[0-3])\s*:\s*(?P<M>[0-5]\d)(?:\s*:\s*(?P<S>[0-5]\d))?)?"
)
_WEIBO = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2} "
    r"\d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}"
)
# Cheap gate before the nine patterns: two digits joined by a date separator, a relative form, or
# a day word. Titles such as "第12号" or "2024年工作要点" skip the full scan.
_PREFILTER = re.compile(
    r"\d\s*[-/.:年月]\s*\d|\d\s*(?:秒|分钟|小时|天|周|星期|个月|年)\s*前|刚|今天|昨天|前天"
)
_BRACKETS = {"[": "]", "(": ")", "【": "】", "（": "）", "<": ">", "〔": "〕"}

_URL_PATTERNS = (
    re.compile(r"(?<![A-Za-z0-9])t(?P<y>(?:19|20)\d\d)(?P<m>\d\d)(?P<d>\d\d)(?=_\d)"),  # TRS t20240926_1
    re.compile(r"(?<=/)(?P<y>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?=/)"),  # /art/2024-9-26/
    re.compile(r"(?<=/)(?P<y>(?:19|20)\d\d)/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?=/)"),  # /art/2024/9/26/
    re.compile(r"(?<=/)(?P<y>(?:19|20)\d\d)-?(?P<m>\d\d)/(?P<d>\d\d)(?=/)"),  # /202409/26/, /2024-09/26/
    re.compile(r"(?<=/)(?P<y>(?:19|20)\d\d)(?P<m>\d\d)(?P<d>\d\d)(?=/)"),  # /20240926/
)


def beijing_now() -> datetime:
    """The current time in Beijing (timezone-aware)."""
    return datetime.now(BEIJING)


def parse_as_of(text: str | None) -> datetime:
    """A sweep's as-of time: ISO 8601, a time without an offset is Beijing time; None = now."""
    if not text:
        return datetime.now(BEIJING).replace(microsecond=0)
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(
            f"--as-of: not an ISO 8601 time: {text!r} (example: 2025-03-31T10:00:00+08:00)"
        ) from exc
    return value if value.tzinfo else value.replace(tzinfo=BEIJING)


def parse_timestamp(value: int | float | str) -> datetime:
    """A unix time in seconds or milliseconds (>= 1e12 is ms) as Beijing time."""
    number = float(value)
    if number >= MS_THRESHOLD:
        number /= 1000.0
    return datetime.fromtimestamp(number, BEIJING)


def _normalise(text: str) -> str:
    return text.translate(_FULLWIDTH) if not text.isascii() else text


def _beijing(now: datetime) -> datetime:
    if now.tzinfo is BEIJING:
        return now
    return now.replace(tzinfo=BEIJING) if now.tzinfo is None else now.astimezone(BEIJING)


def _make(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime | None:
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        return None
    try:
        return datetime(y, m, d, hh, mm, ss, tzinfo=BEIJING)
    except ValueError:
        return None


def _hms(m: re.Match[str]) -> tuple[int, int, int]:
    groups = m.groupdict()
    if not groups.get("H"):
        return 0, 0, 0
    seconds = groups.get("S") or groups.get("S2") or 0
    return int(groups["H"]), int(groups["M"]), int(seconds)


def _with_tz(dt: datetime | None, m: re.Match[str]) -> datetime | None:
    """Apply an explicit offset (ISO ``+08:00``/``Z``) and express the result in Beijing time."""
    tz = m.groupdict().get("tz")
    if dt is None or not tz:
        return dt
    aware = datetime.fromisoformat(dt.replace(tzinfo=None).isoformat() + ("+00:00" if tz == "Z" else tz))
    return aware.astimezone(BEIJING)


def _full(m: re.Match[str], now: datetime) -> datetime | None:
    dt = _make(int(m["y"]), int(m["m"]), int(m["d"]), *_hms(m))
    return _with_tz(dt, m)


def _yearless(m: re.Match[str], now: datetime) -> datetime | None:
    month, day = int(m["m"]), int(m["d"])
    hh, mm, ss = _hms(m)
    for year in (now.year, now.year - 1):
        dt = _make(year, month, day, hh, mm, ss)
        if dt is not None and (year < now.year or dt <= now + FUTURE_SLACK):
            return dt
    return None


def _relative(m: re.Match[str], now: datetime) -> datetime | None:
    n, unit = int(m["n"]), m["unit"]
    seconds = {"秒": 1, "分钟": 60, "小时": 3600, "天": 86400, "周": 604800, "星期": 604800}
    if unit in seconds:
        return now - timedelta(seconds=n * seconds[unit])
    if unit == "个月":
        return now - timedelta(days=30 * n)
    return now - timedelta(days=365 * n)


def _just(m: re.Match[str], now: datetime) -> datetime | None:
    return now


def _dayword(m: re.Match[str], now: datetime) -> datetime | None:
    day = now - timedelta(days={"今天": 0, "昨天": 1, "前天": 2}[m["w"]])
    if not m["H"]:
        return day
    hh, mm, ss = _hms(m)
    return day.replace(hour=hh, minute=mm, second=ss, microsecond=0)


def _weibo(m: re.Match[str], now: datetime) -> datetime | None:
    return datetime.strptime(m.group(0), "%a %b %d %H:%M:%S %z %Y").astimezone(BEIJING)


_Converter = Callable[[re.Match[str], datetime], "datetime | None"]
# (pattern, converter, substrings one of which must occur for the pattern to be worth running).
# Order matters only for ties (same start and length): the more specific pattern wins.
_PATTERNS: tuple[tuple[re.Pattern[str], _Converter, tuple[str, ...]], ...] = (
    (_WEIBO, _weibo, (":",)),
    (_FULL, _full, ("-", "/", ".")),
    (_ZH, _full, ("年",)),
    (_MD_ZH, _yearless, ("月",)),
    (_MD_BRACKET, _yearless, ("[", "(", "【", "（")),
    (_MD_DASH, _yearless, ("-",)),
    (_RELATIVE, _relative, ("前",)),
    (_DAYWORD, _dayword, ("今天", "昨天", "前天")),
    (_JUST, _just, ("刚",)),
)


def find_dates(text: str, now: datetime) -> list[tuple[datetime, str]]:
    """Every date-looking substring of ``text``, in order, with the raw substring it came from.

    Bare digit runs (phone numbers, 标识码, ICP and 公安备案 numbers) and document numbers such
    as ``〔2024〕12号`` never match: a date needs a date separator or date word.
    """
    norm = _normalise(text or "")
    if not _PREFILTER.search(norm):
        return []
    now = _beijing(now)
    candidates = []
    for order, (pattern, convert, needs) in enumerate(_PATTERNS):
        if not any(n in norm for n in needs):
            continue
        for m in pattern.finditer(norm):
            candidates.append((m.start(), -(m.end() - m.start()), order, m, convert))
    candidates.sort(key=lambda c: c[:3])
    found: list[tuple[datetime, str]] = []
    taken_until = -1
    for start, _neg_len, _order, m, convert in candidates:
        if start < taken_until:
            continue
        dt = convert(m, now)
        if dt is None:
            continue
        found.append((dt, text[start : m.end()]))
        taken_until = m.end()
    return found


def _unwrap(s: str) -> str:
    while len(s) >= 2 and _BRACKETS.get(s[0]) == s[-1]:
        s = s[1:-1].strip()
    return s


def parse_date(raw: str, now: datetime) -> datetime | None:
    """One date string in any supported form, as an aware datetime; None when there is no date.

    A string shaped like a date but impossible (``2024-02-30``, month 13) is None, not a guess.
    """
    if not raw:
        return None
    now = _beijing(now)
    s = _unwrap(_normalise(raw).strip())
    if re.fullmatch(r"\d{10}|\d{13}", s):
        stamp = parse_timestamp(s)  # a 标识码 such as 3205000001 would land decades ahead: not a time
        return stamp if stamp <= now + FUTURE_SLACK else None
    if re.fullmatch(r"(?:19|20)\d{6}", s):
        return _make(int(s[:4]), int(s[4:6]), int(s[6:]))
    for pattern, convert, _needs in _PATTERNS:
        m = pattern.fullmatch(s)
        if m:
            return convert(m, now)
    found = find_dates(s, now)
    if found:
        return found[0][0]
    if any(pattern.search(s) for pattern, _convert, _needs in _PATTERNS):
        return None  # date-shaped but invalid: never let a fuzzy parser guess
    return _fallback(s, now)


def _fallback(s: str, now: datetime) -> datetime | None:
    """dateparser for rare forms ("3 days ago", "Sep 26, 2024"), guarded against bare numbers."""
    if len(s) > 48 or re.search(r"\d{5,}", s) or not re.search(r"\d|[A-Za-z]{3}", s):
        return None
    import dateparser  # slow import; only pay for it when a rare form appears

    settings = {
        "TIMEZONE": "Asia/Shanghai",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "past",
        "STRICT_PARSING": False,
    }
    try:
        dt = dateparser.parse(s, languages=["zh", "en"], settings=settings)
    except (ValueError, OverflowError):
        return None
    if dt is None or not _MIN_YEAR <= dt.year <= _MAX_YEAR:
        return None
    return _beijing(dt)


def date_from_url(url: str) -> tuple[datetime, str] | None:
    """A date embedded in an article URL (TRS ``t20240926_…``, Hanweb ``/art/2024/9/26/``, …).

    Weaker evidence than a printed date: callers use it only when an entry shows none.
    """
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    for pattern in _URL_PATTERNS:
        for m in pattern.finditer(path):
            dt = _make(int(m["y"]), int(m["m"]), int(m["d"]))
            if dt is not None:
                return dt, m.group(0)
    return None
