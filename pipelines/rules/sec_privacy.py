"""SITE-SEC-PRIVACY (隐私泄露): unmasked personal numbers in pages and attachments.

The spiders found and masked them while reading (:mod:`crawlers.privacy`); this rule decides which
kinds are raised and skips the masked forms an office allows. One finding per file and masked
number, ``pending_review``, with every page and line it appears on. A file that could not be read
(encrypted, corrupt, over a cap) is an ``unverified`` note for that file, never a silent pass.
"""

from __future__ import annotations

from crawlers.models import Finding, PrivacyCandidate, TextObservation
from pipelines.rules.base import RuleContext
from pipelines.rules.sec_common import KIND_WORDS, PENDING, fingerprint, text_evidence, where_words

INDICATOR = "SITE-SEC-PRIVACY"
NEEDS_HOMEPAGE = False

KIND_NAMES = {"id_card": "身份证号码", "mobile": "手机号码", "bank_card": "银行卡号"}
REASON_WORDS = {
    "too_large": "文件超过大小上限",
    "too_many_pages": "页数超过上限，只检查了前面部分",
    "too_many_cells": "表格单元格超过上限，只检查了前面部分",
    "encrypted": "文件已加密",
    "malformed": "文件已损坏或格式不符",
    "zip_bomb": "压缩内容异常（解压后过大）",
    "timeout": "读取超时",
    "image_too_large": "图片像素超过上限",
    "ocr_unavailable": "未安装文字识别（OCR）组件",
    "unsupported": "不支持的文件格式",
    "tool_missing": "缺少读取该格式的工具",
    "text_cap": "文字超过上限，只检查了前面部分",
}


def _context(text: TextObservation, cand: PrivacyCandidate, chars: int) -> str:
    body = text.text
    return " ".join(body[max(0, cand.offset - chars) : cand.offset + len(cand.masked) + chars].split())


def _note(ctx: RuleContext, text: TextObservation) -> Finding:
    """The file could not be (fully) read: say so, for that file."""
    reason = REASON_WORDS.get(text.reason, text.reason or "未知原因")
    what = KIND_WORDS.get(text.kind, "内容")
    done = "已检查读取到的部分" if text.extraction == "partial" else "未能检查错敏词和个人信息"
    evidence = text_evidence(text) | {
        "extraction": text.extraction,
        "reason": text.reason,
        "pages": text.pages,
    }
    message = f"{what}无法完整读取（{reason}），{done}"
    return ctx.finding(
        subject=text.url,
        subject_url=text.url,
        evidence=evidence,
        message=message,
        status="unverified",
        severity="notice",
    )


def check(ctx: RuleContext) -> list[Finding]:
    kinds = set(ctx.params.get("kinds", KIND_NAMES))
    allowed = set(ctx.params.get("allow_masked", []))
    chars = int(ctx.rules.table("SITE-SEC-WORDING").get("context_chars", 30))
    findings: list[Finding] = []
    for text in ctx.obs.texts:
        if text.extraction != "ok":
            findings.append(_note(ctx, text))
        groups: dict[tuple[str, str], list[PrivacyCandidate]] = {}
        for cand in text.privacy:
            if cand.kind in kinds and cand.masked not in allowed:
                groups.setdefault((cand.kind, cand.masked), []).append(cand)
        for (kind, masked), same in groups.items():
            first = same[0]
            evidence = text_evidence(text) | {
                "personal_kind": kind,
                "masked": masked,
                "checks": first.checks,
                "page": first.page,
                "line": first.line,
                "context": _context(text, first, chars),
                "occurrences": [{"page": c.page, "line": c.line} for c in same],
            }
            message = (
                f"{where_words(text, first.page, first.line)}公开了未脱敏的{KIND_NAMES.get(kind, kind)}"
                f"（{masked}），待人工审核"
            )
            finding = ctx.finding(
                subject=text.url, subject_url=text.url, evidence=evidence, message=message, status=PENDING
            )
            finding.fingerprint = fingerprint(INDICATOR, kind, masked)
            findings.append(finding)
    return findings
