"""Checking registry rows: the header (English or Chinese names, a title row above it), each value,
and whether an account row tells its platform which account it is.

Every problem becomes one line ``{file}: row {n}, column {col}: {what}``; nothing here raises on a
hostile value (odd URLs, control characters, a page object's own complaint).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast
from urllib.parse import urlsplit

from crawlers.models import PLATFORMS, Target, TargetKind
from crawlers.platforms import page_object
from crawlers.platforms.base import AccountResult, PlatformSettings
from crawlers.redact import mask_url
from crawlers.registry_vocab import KNOWN_COLUMNS, REQUIRED_COLUMNS, header_name, vocabulary

TITLE_ROWS = 2  # at most this many title lines (one non-empty cell each) above the header


def find_header(numbered: list[tuple[int, list[str]]]) -> int:
    """Index of the header among the non-blank rows: the first unless title lines (one non-empty
    cell each, such as a merged "2025年全省政府网站名录") stand above a row of known column names."""
    for index, (_, cells) in enumerate(numbered[: TITLE_ROWS + 1]):
        if sum(1 for c in cells if _column_of(c) is not None) >= 2:
            return index
        if sum(1 for c in cells if c) > 1:
            break
    return 0


def _column_of(header: str) -> str | None:
    vocab = vocabulary()
    name = header_name(header)
    return vocab.columns.get(name) or vocab.fallback.get(name)


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class AnyValue(dict[str, str]):
    """Settings that claim every credential and cookie: what a start() refuses then is the row's fault."""

    def get(self, key: str, default: str | None = None) -> str:  # type: ignore[override]
        return "registry-check"


class RowChecker:
    """Checks rows against one header, remembering ids seen so duplicates name their first row."""

    def __init__(self, shown: str, header: list[str], site_code_length: int) -> None:
        self.shown = shown
        self.header = header
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.first_row: dict[str, int] = {}
        self.site_code_length = site_code_length
        self.columns, self.labels = self._columns()

    def _columns(self) -> tuple[dict[str, int], dict[str, str]]:
        """Column -> cell index and column -> how to name it, reporting missing, unknown, duplicates."""
        vocab = vocabulary()
        columns: dict[str, int] = {}
        labels: dict[str, str] = {}
        fallbacks: dict[str, int] = {}
        for index, raw in enumerate(self.header):
            name = header_name(raw)
            if not name:
                continue
            column = vocab.columns.get(name)
            if column is None and name in vocab.fallback:
                fallbacks.setdefault(vocab.fallback[name], index)
            elif column is None and name not in vocab.ignored:
                known = ", ".join(KNOWN_COLUMNS)
                self.errors.append(
                    f"{self.shown}: header: unknown column {raw} (known: {known}, or Chinese names)"
                )
            elif column is not None and column in columns:
                self.errors.append(f"{self.shown}: header: duplicate column {column} ({raw})")
            elif column is not None:
                columns[column] = index
                labels[column] = column if name == column else f"{column} ({raw.strip()})"
        for column, index in fallbacks.items():
            if column not in columns:
                columns[column] = index
                labels[column] = f"{column} ({self.header[index].strip()})"
        self.errors.extend(
            f"{self.shown}: header: missing column {c}" for c in REQUIRED_COLUMNS if c not in columns
        )
        return columns, labels

    def check(self, n: int, cells: list[str], formulas: dict[tuple[int, int], str]) -> Target | None:
        """Check one data row; record its problems and return a Target only if it is clean."""
        where = f"{self.shown}: row {n}"
        self.errors.extend(f"{where}{p}" for p in self._layout_problems(cells))
        values = {name: (cells[i] if i < len(cells) else "") for name, i in self.columns.items()}
        unsaved = {name: formulas[(n, i)] for name, i in self.columns.items() if (n, i) in formulas}
        problems = list(self._value_problems(n, values, unsaved))
        self.errors.extend(f"{where}, column {self.labels.get(col, col)}: {p}" for col, p in problems)
        if self.errors:  # this row or an earlier one is bad: the file will be refused anyway
            return None
        vocab = vocabulary()
        target = Target(
            id=values["id"],
            kind=cast(TargetKind, vocab.kind(values["kind"])),
            name=values["name"],
            owner=values["owner"],
            region=values["region"],
            url=values["url"],
            platform=vocab.platform(values.get("platform", "")) or None,
            account_id=values.get("account_id") or None,
            site_code=values.get("site_code") or None,
            account_type=values.get("account_type") or None,
        )
        if target.id.startswith(str(vocab.template["example_id_prefix"])):
            self.warnings.append(f"{where}: '{target.id}' is an example row of the template (delete it)")
        return target

    def _layout_problems(self, cells: list[str]) -> Iterator[str]:
        """Values outside the named columns: they would otherwise be dropped without a word."""
        width = len(self.header)
        if any(cells[width:]):
            last = max(i for i, c in enumerate(cells) if c) + 1
            yield f": {last} values but the header has {width} columns"
        for index, value in enumerate(cells[:width]):
            if value and not self.header[index].strip():
                yield f", column {_letter(index)}: value under a column with no header: '{value[:100]}'"

    def _value_problems(
        self, n: int, values: dict[str, str], unsaved: dict[str, str]
    ) -> Iterator[tuple[str, str]]:
        vocab = vocabulary()
        for name in REQUIRED_COLUMNS:
            if name in unsaved:
                yield (
                    name,
                    f"formula {unsaved[name][:80]!r} has no saved value (open and save the file in Excel or WPS, or type the value)",
                )
            elif name in values and not values[name]:
                yield name, "required value is empty"
        for name in ("platform", "account_id", "site_code", "account_type"):
            if name in unsaved:
                yield (
                    name,
                    f"formula {unsaved[name][:80]!r} has no saved value (open and save the file in Excel or WPS)",
                )
        target_id = values.get("id", "")
        if target_id in self.first_row:
            yield "id", f"duplicate id '{target_id}' (first used on row {self.first_row[target_id]})"
        elif target_id:
            self.first_row[target_id] = n
        kind = vocab.kind(values.get("kind", "")) or ""
        if values.get("kind") and not kind:
            yield "kind", f"unknown kind '{values['kind'][:50]}' (expected site or account, 网站 or 账号)"
        bad_url = url_problem(values["url"]) if values.get("url") else ""
        if bad_url:
            yield "url", bad_url
        platform = values.get("platform", "")
        key = vocab.platform(platform) if platform else None
        problem = platform_problem(kind, platform, key)
        if problem:
            yield "platform", problem
        elif kind == "account" and key and not bad_url and values.get("url"):
            problem = account_id_problem(key, values)
            if problem:
                yield "account_id", problem
        site_code = values.get("site_code", "")
        if site_code and len(site_code) != self.site_code_length:
            yield (
                "site_code",
                f"site_code must be {self.site_code_length} characters, got {len(site_code)}: '{site_code[:50]}'",
            )
        account_type = values.get("account_type", "")
        if account_type and account_type not in ACCOUNT_TYPES:
            yield (
                "account_type",
                f"unknown account_type '{account_type[:50]}' (expected {' or '.join(ACCOUNT_TYPES)})",
            )


ACCOUNT_TYPES = (
    "订阅号",
    "服务号",
)  # WeChat 公众号 kinds: a subscription account's repost deadline is longer


def platform_problem(kind: str, platform: str, key: str | None) -> str:
    """Why this platform value is wrong for this kind of target, or '' when it is right."""
    expected = f"expected one of {', '.join(PLATFORMS)} or their Chinese names"
    if platform and key is None:
        return f"unknown platform '{platform[:50]}' ({expected})"
    if kind == "site" and platform:
        return f"platform given for a site (only accounts have one): '{platform[:50]}'"
    if kind == "account" and not platform:
        # Reported even when the whole column is missing: an account cannot be crawled without it.
        return f"platform is required for an account ({expected})"
    return ""


def account_id_problem(platform: str, values: dict[str, str]) -> str:
    """Why the platform cannot tell which account the row means ('' when it can).

    The platform's own page object decides, with every credential it could want granted: what it
    still refuses is missing from the row (neither ``account_id`` nor the URL names the account).
    """
    target = Target(
        id="registry-check",
        kind="account",
        name="-",
        owner="-",
        region="-",
        url=values["url"],
        platform=platform,
        account_id=values.get("account_id") or None,
    )
    settings = PlatformSettings(cookies=AnyValue(), credentials=AnyValue())
    try:
        first = page_object(platform).start(target, settings)
    except Exception as exc:  # noqa: BLE001 - a page object's complaint about a hostile value
        return f"{platform} cannot read the account from this row: {type(exc).__name__}"
    if isinstance(first, AccountResult) and first.state == "unverified":
        where = "is not valid for" if values.get("account_id") else "is needed by"
        return f"account_id {where} {platform} (the URL does not name the account either: {first.reason})"
    return ""


def url_problem(url: str) -> str:
    """Why ``url`` cannot be fetched, or '' when it is a usable http(s) URL. Never echoes a password."""
    shown = mask_url(url)[:200]
    if any(ch.isspace() for ch in url):
        return f"URL contains whitespace: '{shown}'"
    if "://" not in url:
        return f"URL has no scheme or host: '{shown}'"
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as exc:
        return f"URL is not valid ({exc}): '{shown}'"
    scheme = parts.scheme.lower()
    if not scheme or not hostname:
        return f"URL has no scheme or host: '{shown}'"
    if scheme not in ("http", "https"):
        return f"URL scheme must be http or https, got '{parts.scheme[:20]}': '{shown}'"
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return f"URL has an invalid port: '{shown}'"
    if parts.username is not None or parts.password is not None:
        return f"URL contains a user name or password: '{shown}' (remove it: credentials never go in the registry)"
    return ""
