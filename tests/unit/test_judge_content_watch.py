"""The content-watch rules over recorded facts: each hit a pending_review veto finding with its
evidence and fingerprint; an unreadable file an unverified note; the same facts judged under
another dictionary give other findings, without a crawl."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from crawlers.contentwatch import observe_post, observe_text
from crawlers.dates import BEIJING
from crawlers.models import AccountObservation, SiteObservations, Target
from crawlers.platforms.base import Post
from pipelines.judge import judge_account, judge_site, load_rules

AS_OF = datetime(2024, 10, 1, 10, 0, tzinfo=BEIJING)
SITE = Target("S900", "site", "示范市政府", "示范市人民政府", "江苏省示范市", "http://www.example.gov.cn/")
ACCOUNT = Target(
    "A900", "account", "示范发布", "示范市政府新闻办", "江苏省示范市", "https://m.weibo.cn/u/1", "weibo"
)
PAGE = "http://www.example.gov.cn/art/1.html"
XLSX = "http://www.example.gov.cn/files/list.xlsx"
ID = "11010519491231002X"


def site_facts() -> SiteObservations:
    page = observe_text(
        SITE.id,
        PAGE,
        "通知\n根据国家工商行政管理总局要求，各级农业部门……\n联系人 13812345678",
        kind="page",
        fetched_at=AS_OF,
    )
    sheet = observe_text(
        SITE.id,
        XLSX,
        f"姓名\t身份证号\n张某\t{ID}\f说明\n李某\t{ID}",
        kind="attachment",
        fetched_at=AS_OF,
        found_on=PAGE,
        fmt="xlsx",
        pages=2,
    )
    broken = observe_text(
        SITE.id,
        "http://www.example.gov.cn/files/a.pdf",
        "",
        kind="attachment",
        fetched_at=AS_OF,
        found_on=PAGE,
        fmt="pdf",
        extraction="unverified",
        reason="encrypted",
    )
    return SiteObservations(target=SITE, texts=[page, sheet, broken])


def sec(findings: list, indicator: str) -> list:
    return [f for f in findings if f.indicator == indicator]


def test_a_wording_hit_is_a_pending_review_veto_with_its_evidence() -> None:
    findings, summary = judge_site(site_facts(), AS_OF, load_rules())
    [hit] = sec(findings, "SITE-SEC-WORDING")
    assert (hit.status, hit.severity, hit.subject_url) == ("pending_review", "veto", PAGE)
    ev = hit.evidence
    assert (ev["term"], ev["suggested"], ev["dictionary"], ev["entry"]) == (
        "国家工商行政管理总局",
        "国家市场监督管理总局",
        "outdated_names",
        "saic",
    )
    assert (ev["page"], ev["line"]) == (1, 2)
    assert "根据国家工商行政管理总局要求" in ev["context"]
    assert "国家市场监督管理总局" in hit.message
    assert hit.fingerprint
    assert hit.id != hit.__class__(**{**hit.__dict__, "fingerprint": ""}).id
    assert summary.findings == 0  # waiting for a person: not an open veto yet


def test_privacy_hits_are_masked_grouped_per_file_and_number() -> None:
    findings, _ = judge_site(site_facts(), AS_OF, load_rules())
    hits = {
        (f.subject_url, f.evidence["personal_kind"]): f
        for f in sec(findings, "SITE-SEC-PRIVACY")
        if f.status == "pending_review"
    }
    assert set(hits) == {(PAGE, "mobile"), (XLSX, "id_card")}
    sheet = hits[(XLSX, "id_card")]
    assert sheet.evidence["masked"] == "1101**********002X"
    assert sheet.evidence["occurrences"] == [{"page": 1, "line": 2}, {"page": 2, "line": 2}]
    assert sheet.evidence["found_on"] == PAGE
    assert ID not in str(sheet.to_dict())
    assert "第1页第2行" in sheet.message


def test_an_unreadable_file_is_an_unverified_note_that_does_not_decide_the_verdict() -> None:
    findings, summary = judge_site(site_facts(), AS_OF, load_rules())
    [note] = [f for f in findings if f.status == "unverified" and f.indicator == "SITE-SEC-PRIVACY"]
    assert note.evidence["reason"] == "encrypted"
    assert "文件已加密" in note.message
    assert note.severity == "notice"
    assert "SITE-SEC-PRIVACY" not in " ".join(summary.unverified_reasons)


def test_the_same_hit_on_the_same_page_keeps_its_fingerprint_across_sweeps() -> None:
    first, _ = judge_site(site_facts(), AS_OF, load_rules())
    again, _ = judge_site(site_facts(), datetime(2024, 10, 8, 10, tzinfo=BEIJING), load_rules())
    assert {f.id for f in sec(first, "SITE-SEC-WORDING")} == {f.id for f in sec(again, "SITE-SEC-WORDING")}


def test_judging_the_facts_under_another_dictionary_gives_other_findings(tmp_path: Path) -> None:
    override = tmp_path / "indicators.toml"
    override.write_text(
        '["SITE-SEC-WORDING"]\ndictionaries = ["sovereignty"]\n'
        '[["SITE-SEC-WORDING".office_entries]]\nwrong = "联系人"\nright = "联系人员"\nseverity = "low"\n'
        '["SITE-SEC-PRIVACY"]\nkinds = ["id_card"]\n',
        encoding="utf-8",
    )
    findings, _ = judge_site(site_facts(), AS_OF, load_rules(override))
    assert [f.evidence["term"] for f in sec(findings, "SITE-SEC-WORDING")] == ["联系人"]
    kinds = {
        f.evidence["personal_kind"] for f in sec(findings, "SITE-SEC-PRIVACY") if f.status == "pending_review"
    }
    assert kinds == {"id_card"}


def test_an_account_post_with_a_planted_expression_is_raised() -> None:
    posts = [
        Post(
            date=AS_OF,
            raw="x",
            id="1",
            url="https://m.weibo.cn/detail/1",
            title="转发：国家旅游局提示",
            text="转发：国家旅游局提示假日出行",
        ),
        Post(date=AS_OF, raw="x", id="2", url="https://m.weibo.cn/detail/2", title="文化和旅游部提示"),
    ]
    obs = AccountObservation(
        ACCOUNT.id,
        "weibo",
        ACCOUNT.url,
        AS_OF,
        "latest",
        latest=AS_OF,
        posts=[observe_post(ACCOUNT.id, p, fetched_at=AS_OF) for p in posts],
    )
    findings, summary = judge_account(obs, ACCOUNT, AS_OF, load_rules())
    [hit] = sec(findings, "ACCOUNT-SEC-WORDING")
    assert (hit.status, hit.subject_url, hit.kind, hit.platform) == (
        "pending_review",
        "https://m.weibo.cn/detail/1",
        "account",
        "weibo",
    )
    assert hit.evidence["suggested"] == "文化和旅游部"
    assert summary.verdict == "pass"
