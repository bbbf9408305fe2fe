"""Page requirement notices: footer marks, meta tags, domain and HTTPS."""

from __future__ import annotations

import pytest

from pipelines.judge import judge_site, load_rules
from tests.unit import factories as f

RULES = load_rules()


def notice(obs, indicator):
    findings, summary = judge_site(obs, f.AS_OF, RULES)
    hits = [x for x in findings if x.indicator == indicator]
    assert summary.verdict == "pass"  # notices never fail a site
    assert all(x.severity == "notice" and x.status == "open" for x in hits)
    return hits


def footer_problems(footer, **target):
    obs = f.site(f.homepage(footer=footer), target=f.target(**target))
    hits = notice(obs, "SITE-REQ-FOOTER-MARKS")
    return hits[0].evidence["problems"] if hits else []


def test_complete_footer_is_fine():
    assert footer_problems(dict(f.GOOD_FOOTER)) == []


def test_missing_footer_lists_every_mark():
    assert footer_problems({}) == [
        "缺少政府网站标识码",
        "缺少ICP备案编号",
        "缺少公网安备编号",
        "缺少党政机关网站标识",
    ]


@pytest.mark.parametrize(
    ("code", "registry", "problems"),
    [
        ("320500001", "320500001", ["网站标识码“320500001”不是10位"]),
        ("32050000011", None, ["网站标识码“32050000011”不是10位"]),
        ("3205000002", f.SITE_CODE, ["网站标识码“3205000002”与登记的“3205000001”不一致"]),
        ("3205000002", None, []),
        ("bm07000001", "bm07000001", []),
    ],
)
def test_site_code_length_and_registry_match(code, registry, problems):
    assert footer_problems(f.GOOD_FOOTER | {"site_code": code}, site_code=registry) == problems


def test_footer_finding_subject_and_message():
    (hit,) = notice(f.site(f.homepage(footer=f.GOOD_FOOTER | {"beian": ""})), "SITE-REQ-FOOTER-MARKS")
    assert (hit.subject, hit.subject_url) == ("footer", f.HOME)
    assert hit.message == "首页底部标识不规范：缺少公网安备编号"


def test_meta_on_homepage_and_columns():
    home = f.homepage(meta={"SiteName": "某某市人民政府", "SiteIDCode": f.SITE_CODE})
    cols = [
        f.column("工作动态"),
        f.column("通知公告", meta={"ColumnName": "通知公告"}),
        f.column("坏栏目", status=404, meta={}),
    ]
    (hit,) = notice(f.site(home, cols), "SITE-REQ-META")
    assert hit.evidence["homepage_missing"] == ["SiteDomain"]
    assert [(c["name"], c["missing"]) for c in hit.evidence["columns_missing"]] == [
        ("通知公告", ["ColumnType"])
    ]
    assert hit.subject == "meta"
    assert "首页缺少SiteDomain标签" in hit.message
    assert "通知公告" in hit.message


def test_meta_site_id_code_must_equal_footer_code():
    home = f.homepage(meta=f.GOOD_META | {"SiteIDCode": "3205000009"})
    (hit,) = notice(f.site(home), "SITE-REQ-META")
    assert hit.evidence["problems"] == ["SiteIDCode“3205000009”与底部标识码“3205000001”不一致"]


def test_complete_meta_is_fine():
    assert notice(f.site(), "SITE-REQ-META") == []


@pytest.mark.parametrize(
    ("url", "bad"),
    [
        ("https://www.example.gov.cn/", False),
        ("https://example.gov.cn/", False),
        ("https://www.example.com.cn/", True),
        ("https://gov.cn.example.com/", True),
        ("https://www.examplegov.cn/", True),
    ],
)
def test_domain_must_end_with_gov_cn(url, bad):
    hits = notice(f.site(f.homepage(url=url, final_url=url), target=f.target(url=url)), "SITE-REQ-DOMAIN")
    assert bool(hits) is bad


def test_domain_is_judged_from_the_registry_when_the_homepage_failed():
    url = "https://www.example.com/"
    obs = f.site(target=f.target(url=url), homepage=None)
    findings, summary = judge_site(obs, f.AS_OF, RULES)
    assert {x.indicator for x in findings} == {"SITE-VETO-HOME-STALE", "SITE-REQ-DOMAIN"}
    assert summary.verdict == "unverified"


def test_https_required_and_certificate_must_verify():
    assert notice(f.site(), "SITE-REQ-HTTPS") == []
    (plain,) = notice(f.site(f.homepage(final_url="http://www.example.gov.cn/")), "SITE-REQ-HTTPS")
    assert plain.evidence["scheme"] == "http"
    (tls,) = notice(
        f.site(https={"scheme": "https", "tls_error": "certificate has expired"}), "SITE-REQ-HTTPS"
    )
    assert "certificate has expired" in tls.message
