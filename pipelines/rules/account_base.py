"""What the account rules share: their context, the newest post's evidence, and reason wording.

Account rules read an :class:`AccountObservation` (``None`` when the sweep never reached the
account) instead of a site's pages, so they get their own context; findings still come out with
the same target fields as site findings, marked ``kind="account"`` with the platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawlers.models import AccountObservation, Finding, Severity, Target
from pipelines.rules.base import IndicatorParams, Rules, make_finding
from pipelines.rules.base import days_since as idle_days

NOT_CHECKED = "not checked"  # the reason for an account the sweep never reached

# Inspector wording for the reasons page objects give (matched as lower-case substrings, in order).
_REASON_WORDS: tuple[tuple[str, str], ...] = (
    (NOT_CHECKED, "本次巡查未检查到该账号（巡查中断）"),
    ("page object error", "检查程序出错"),
    ("captcha", "遇到验证码"),
    ("验证码", "遇到验证码"),
    ("安全验证", "遇到验证码"),
    ("请完成验证", "遇到验证码"),
    ("login", "遇到登录墙"),
    ("passport", "遇到登录墙"),
    ("throttl", "访问过于频繁被限流"),
    ("rate limit", "访问过于频繁被限流"),
    ("频繁", "访问过于频繁被限流"),
    ("anti-bot", "遇到平台反爬验证"),
    ("network", "网络访问失败"),
    ("empty body", "平台返回空内容"),
    ("malformed", "平台返回内容无法解析"),
    ("no public list", "该平台无公开发布列表（需提供合集链接或后台授权）"),
    ("private", "账号内容设为不公开"),
)


def reason_words(reason: str) -> str:
    """A page object's reason ("captcha", "HTTP 412", ...) as the Chinese an inspector reads."""
    low = reason.lower()
    for key, words in _REASON_WORDS:
        if key in low:
            return words
    if low.startswith("http "):
        return f"平台返回{reason}（疑似反爬拦截）"
    return f"无法访问（{reason}）" if reason else "无法访问"


def latest_source(obs: AccountObservation | None) -> str | None:
    """Where the summary's latest_update was read, e.g. ``weibo post 47... (created_at '...')``."""
    if obs is None or obs.latest is None:
        return None
    post = obs.latest_post
    ident = post.get("id") or post.get("url") or "?"
    field = post.get("field") or post.get("source") or "date"
    raw = post.get("raw", obs.latest.isoformat())
    pinned = " pinned" if post.get("pinned") else ""
    return f"{obs.platform} post {ident}{pinned} ({field} '{raw}')"


def post_evidence(obs: AccountObservation, as_of: datetime) -> dict[str, Any]:
    """The newest post and where its date came from, so the verdict can be checked by hand."""
    if obs.latest is None:
        return {"latest": None}
    post = obs.latest_post
    return {
        "latest": obs.latest.isoformat(),
        "latest_raw": post.get("raw", ""),
        "latest_source": post.get("source", ""),
        "post_id": post.get("id", ""),
        "post_url": post.get("url", ""),
        "post_title": post.get("title", ""),
        "pinned": bool(post.get("pinned", False)),
        "idle_days": round(idle_days(obs.latest, as_of), 2),
    }


@dataclass
class AccountContext(IndicatorParams):
    """One rule's view of one account's observation at the as-of time."""

    obs: AccountObservation | None
    target: Target
    as_of: datetime
    rules: Rules
    indicator: str

    @property
    def platform(self) -> str | None:
        return self.obs.platform if self.obs is not None else self.target.platform

    @property
    def profile_url(self) -> str:
        return (self.obs.url if self.obs is not None else "") or self.target.url

    @property
    def state(self) -> str:
        return self.obs.state if self.obs is not None else "unverified"

    def base_evidence(self) -> dict[str, Any]:
        """Platform and profile: every account finding names what was looked at."""
        evidence: dict[str, Any] = {
            "platform": self.platform,
            "profile_url": self.profile_url,
            "account_id": self.target.account_id,
            "state": self.state,
        }
        if self.obs is not None:
            evidence["account_name"] = self.obs.name
            evidence["fetched_at"] = self.obs.fetched_at.isoformat()
            if self.obs.reason:
                evidence["reason"] = self.obs.reason
            if self.obs.evidence:
                evidence["check"] = self.obs.evidence
        else:
            evidence["reason"] = NOT_CHECKED
        return evidence

    def finding(
        self,
        *,
        evidence: dict[str, Any],
        message: str,
        subject: str = "",
        status: str = "open",
        level: str = "violation",
        severity: Severity | None = None,
    ) -> Finding:
        """A finding for this rule about this account (see :func:`make_finding`)."""
        return make_finding(
            self.target,
            self.indicator,
            self.params,
            evidence=evidence,
            as_of=self.as_of,
            message=message,
            level=level,
            severity=severity,
            status=status,
            subject_url=self.profile_url,
            subject=subject,
            platform=self.platform,
        )
