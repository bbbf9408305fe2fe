"""One normaliser for names as a page shows them (column names) and the keywords matched against them.

CMS templates space names out ("政 策 文 件", with ASCII, full-width or no-break spaces), mix
full-width and half-width forms ("ＰＯＬＩＣＹ", "（政策）") and wrap them in brackets ("【通知公告】").
Every comparison of a name with a keyword goes through :func:`normalize_name`, so the rules, the
navigation reader and the simulated web's ground truth agree on what "the same name" is.
"""

from __future__ import annotations

import re
import unicodedata

# brackets a name may be wrapped in (after NFKC, so the full-width ［］（）＜＞ are their ASCII forms)
BRACKETS = "【】[]()〔〕〖〗《》<>「」『』{}"
_DROP = re.compile("[\\s\u200b\u200c\u200d\u2060\ufeff" + re.escape(BRACKETS) + "]+")


def normalize_name(text: str | None) -> str:
    """NFKC forms, no spaces of any width, no brackets, Latin letters lower-cased."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def name_has(name: str, keyword: str) -> bool:
    """The keyword occurs in the name, both normalised (an empty keyword never matches)."""
    word = normalize_name(keyword)
    return bool(word) and word in normalize_name(name)
