"""Every sentence of the 通报 in Chinese: reasons and page-object details that arrive in English
(``captcha``, ``homepage not fetched (timeout)``, ``account does not exist or is closed: ...``)
are said in Chinese or left out; URLs and HTTP status codes stay as they are."""

from __future__ import annotations

import re

from pipelines.rules.unreachable import ERROR_NAMES

_URL = re.compile(r"https?://[^\s，。；、（）()]+")
_KEEP = re.compile(r"^(?:HTTPS?|ICP|URL|IP|ID)$")
_EN = re.compile(r"[A-Za-z][A-Za-z'’_-]*(?:[ ,:;/._-]+[A-Za-z][A-Za-z'’_-]*)*")
_HOMEPAGE = re.compile(r"homepage not fetched \((?P<why>[^)]*)\)")
_HTTP = re.compile(r"\bHTTP (\d{3})\b")
ACCOUNT_REASONS = (  # keyword in the platform's reason -> what the 通报 says
    ("captcha", "平台要求验证码"),
    ("login", "平台要求登录"),
    ("anti-bot", "平台反爬拦截"),
    ("antibot", "平台反爬拦截"),
    ("blocked", "平台拦截访问"),
    ("rate", "平台限制访问频率"),
    ("private", "账号内容不公开"),
    ("no public", "平台无公开内容列表"),
    ("timeout", "访问超时"),
    ("not found", "平台未找到该账号"),
)


def chinese(text: str) -> str:
    """``text`` with English words removed (URLs, HTTP codes and acronyms kept), brackets tidied."""
    urls: list[str] = []

    def keep_url(match: re.Match[str]) -> str:
        urls.append(match.group(0))
        return f"\x00{len(urls) - 1}\x00"

    out = _URL.sub(keep_url, text)
    out = _HTTP.sub(lambda m: f"\x01{m.group(1)}\x01", out)

    def drop(match: re.Match[str]) -> str:
        word = match.group(0)
        return word if _KEEP.match(word) else ""

    out = _EN.sub(drop, out)
    out = re.sub(r"\x01(\d{3})\x01", r"HTTP \1", out)
    for _ in range(3):  # brackets left empty, or opening with the punctuation of a removed phrase
        out = re.sub(r"[（(]\s*[:：,，;；]*\s*", "（", out)
        out = re.sub(r"\s*[:：,，;；]*\s*[)）]", "）", out)
        out = out.replace("（）", "")
    out = re.sub(r"\s{2,}", " ", out).strip(" ：:，,")
    return re.sub(r"\x00(\d+)\x00", lambda m: urls[int(m.group(1))], out)


def unverified_reason(reason: str) -> str:
    """One recorded reason (``INDICATOR: detail``) as the 通报 names it."""
    detail = reason.split(": ", 1)[1] if ": " in reason and reason.split(": ", 1)[0].isupper() else reason
    if match := _HOMEPAGE.search(detail):
        why = match.group("why").strip()
        return f"首页无法访问（{why if why.startswith('HTTP') else ERROR_NAMES.get(why, '连接错误')}）"
    lower = detail.lower()
    if match := _HTTP.search(detail):
        return f"平台返回HTTP {match.group(1)}，未能查看"
    for key, said in ACCOUNT_REASONS:
        if key in lower:
            return said
    return chinese(detail) or "平台限制，未能查看"
