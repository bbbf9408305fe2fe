"""The report tests' known world: a registry, findings and sweep records with their ground truth.

12 sites and 12 accounts in 2 regions (9 accounts drawn at 75%); :data:`TRUTH` says what each
report (the sweep's and the quarter's) must print, and :func:`plant` writes the world into a store.
The story is told in ``tests/integration/test_report.py``.
"""

from __future__ import annotations

from datetime import datetime

from crawlers.dates import BEIJING
from crawlers.models import Finding, Target
from govpatrol.report import ReportSettings
from pipelines.store import Store

AS_OF = datetime(2025, 3, 31, 2, 0, tzinfo=BEIJING)
LAST_QUARTER = datetime(2024, 12, 31, 2, 0, tzinfo=BEIJING)
SWEEP = "full-20250331T020000-abc123"
OLD_SWEEP = "full-20241231T020000-aaa111"
SETTINGS = ReportSettings(scope="全省", office="省政府办公厅", report_date="2025-04-03")
PLATFORMS = {"weibo": "微博", "wechat": "微信公众号", "douyin": "抖音"}

# id, name, region, the sweep's verdict (score)
SITES = [
    ("s01", "甲市人民政府", "甲市", "pass", 100.0),
    ("s02", "甲市教育局", "甲市", "fail", 55.0),
    ("s03", "甲市交通运输局", "甲市", "fail", 100.0),
    ("s04", "甲市卫生健康委员会", "甲市", "pass", 98.0),
    ("s05", "甲市财政局", "甲市", "pass", 100.0),
    ("s06", "甲市民政局", "甲市", "pass", 100.0),
    ("s07", "甲市水利局", "甲市", "pass", 100.0),
    ("s08", "乙市人民政府", "乙市", "pass", 100.0),
    ("s09", "乙市农业农村局", "乙市", "fail", 100.0),
    ("s10", "乙市文化和旅游局", "乙市", "pass", 100.0),
    ("s11", "乙市应急管理局", "乙市", "pass", 100.0),
    ("s12", "乙市统计局", "乙市", "unverified", None),
]
# id, name, owner, region, platform, the sweep's verdict (None: not drawn)
ACCOUNTS = [
    ("a01", "甲市发布", "甲市人民政府新闻办公室", "甲市", "weibo", "pass"),
    ("a02", "甲市市场监管", "甲市市场监督管理局", "甲市", "weibo", "fail"),
    ("a03", "甲市公安", "甲市公安局", "甲市", "weibo", "pass"),
    ("a04", "甲市人社", "甲市人力资源和社会保障局", "甲市", "wechat", "pass"),
    ("a05", "甲市生态环境", "甲市生态环境局", "甲市", "wechat", "pass"),
    ("a06", "乙市发布", "乙市人民政府新闻办公室", "乙市", "wechat", "pass"),
    ("a07", "乙市税务", "乙市税务局", "乙市", "douyin", "pass"),
    ("a08", "乙市自然资源", "乙市自然资源局", "乙市", "douyin", "fail"),
    ("a09", "乙市住建", "乙市住房和城乡建设局", "乙市", "douyin", "pass"),
    ("a10", "甲市交警", "甲市公安局交通警察支队", "甲市", "weibo", None),
    ("a11", "乙市文旅", "乙市文化和旅游局", "乙市", "douyin", None),
    ("a12", "乙市水务", "乙市水务局", "乙市", "douyin", None),
]
REGISTRY = [
    Target(s[0], "site", f"{s[1]}网站", s[1], s[2], f"https://{s[0]}.example.gov.cn/") for s in SITES
] + [
    Target(a[0], "account", a[1], a[2], a[3], f"https://{a[4]}.example.com/{a[0]}", platform=a[4])
    for a in ACCOUNTS
]
NAMES = {t.id: t.name for t in REGISTRY}


def _h(*entries: tuple[datetime, str, str]) -> list[dict]:
    return [
        {"at": at.isoformat(), "sweep_id": sid, "kind": sid.split("-")[0], "status": st}
        for at, sid, st in entries
    ]


def _finding(tid: str, indicator: str, message: str, *, seen: datetime = AS_OF, **kw: object) -> Finding:
    target = next(t for t in REGISTRY if t.id == tid)
    defaults: dict = {
        "severity": "veto",
        "status": "open",
        "subject_url": target.url,
        "evidence": {},
        "as_of": seen,
        "first_seen": seen,
        "last_seen": seen,
        "sweep_id": SWEEP,
        "history": _h((seen, SWEEP, "open")),
    }
    defaults.update(kw)
    return Finding(
        target_id=tid,
        indicator=indicator,
        message=message,
        target_name=target.name,
        owner=target.owner,
        region=target.region,
        kind=target.kind,
        platform=target.platform,
        **defaults,  # type: ignore[arg-type]
    )


ROLLUP = datetime(2025, 3, 24, 6, 0, tzinfo=BEIJING)
PATROL = datetime(2025, 2, 10, 10, 0, tzinfo=BEIJING)
FEB_RECHECK = datetime(2025, 2, 15, 8, 0, tzinfo=BEIJING)
FINDINGS = [
    _finding("s03", "SITE-VETO-HOME-STALE", "首页最近更新于2025年2月20日，已39天未更新"),
    _finding("s09", "SITE-VETO-COLUMN-STALE", "5个新闻、通知公告类栏目超过规定时间未更新"),
    _finding(
        "a02",
        "ACCOUNT-VETO-NO-UPDATE",
        "最近发布于2025年3月1日，已30天未更新",
        first_seen=LAST_QUARTER,
        history=_h((LAST_QUARTER, OLD_SWEEP, "open"), (AS_OF, SWEEP, "open")),
    ),
    _finding("a08", "ACCOUNT-GONE", "账号已注销或被封禁（account does not exist or is closed: 用户不存在）"),
    _finding(
        "s11",
        "SITE-VETO-UNREACHABLE",
        "近7天首页可用性探测168次，失败10次，失败率6.0%，达到5%的否决标准",
        seen=ROLLUP,
        sweep_id="rollup-20250323T220000Z",
        history=_h((ROLLUP, "rollup-20250323T220000Z", "open")),
    ),
    _finding(
        "a12",
        "ACCOUNT-VETO-NO-UPDATE",
        "最近发布于2025年1月2日，已39天未更新",
        seen=PATROL,
        sweep_id="patrol-20250210T100000-bbb",
        history=_h((PATROL, "patrol-20250210T100000-bbb", "open")),
    ),
    # deductions and notices: annex 6, never 二
    _finding(
        "s02",
        "SITE-DED-DEAD-LINK",
        "栏目页链接不可用：https://s02.example.gov.cn/a.html，HTTP 404",
        severity="deduction",
        points=45.0,
        subject="https://s02.example.gov.cn/a.html",
    ),
    _finding(
        "s04",
        "SITE-DED-DEAD-LINK-HOME",
        "首页链接不可用：https://s04.example.gov.cn/x.html，HTTP 404",
        severity="deduction",
        points=1.0,
        subject="https://s04.example.gov.cn/x.html",
        evidence={"confirmed": True},
    ),
    _finding(
        "s04",
        "SITE-DED-DEAD-LINK-HOME",
        "首页链接不可用（疑似，待复测确认）：https://s04.example.gov.cn/y.html，超时",
        severity="deduction",
        subject="https://s04.example.gov.cn/y.html",
        evidence={"confirmed": False},
    ),
    _finding("s06", "SITE-REQ-HTTPS", "网站未启用HTTPS", severity="notice"),
    # neither a warning nor an unverifiable check is a problem
    _finding("s01", "SITE-VETO-HOME-STALE", "预警：首页已11天未更新", level="warning"),
    _finding("s12", "SITE-VETO-HOME-STALE", "首页本次无法访问（timeout）", status="unverified"),
    # 复查: rectified by this sweep, by a February re-check, and long before the window
    _finding(
        "s05",
        "SITE-VETO-HOME-STALE",
        "首页已20天未更新",
        status="rectified",
        seen=LAST_QUARTER,
        rectified_at=AS_OF,
        history=_h((LAST_QUARTER, OLD_SWEEP, "open"), (AS_OF, SWEEP, "rectified")),
    ),
    _finding(
        "s07",
        "SITE-VETO-COLUMN-STALE",
        "6个栏目未更新",
        status="rectified",
        seen=LAST_QUARTER,
        rectified_at=FEB_RECHECK,
        sweep_id="recheck-20250215T080000-def456",
        history=_h(
            (LAST_QUARTER, OLD_SWEEP, "open"), (FEB_RECHECK, "recheck-20250215T080000-def456", "rectified")
        ),
    ),
    _finding(
        "s10",
        "SITE-VETO-HOME-STALE",
        "首页已30天未更新",
        status="rectified",
        seen=datetime(2024, 9, 30, tzinfo=BEIJING),
        rectified_at=datetime(2024, 11, 1, tzinfo=BEIJING),
        history=_h((datetime(2024, 9, 30, tzinfo=BEIJING), "full-20240930", "open")),
    ),
]
DRAWN = [a[0] for a in ACCOUNTS if a[5] is not None]
SAMPLE = {"ratio": 0.75, "seed": 2019, "population": 12, "sampled": 9, "forced": ["a02"], "ids": DRAWN}

# the ground truth of each report: target -> verdict (None: not inspected), problems of 二, 复查
TRUTH = {
    "sweep": {
        "verdicts": {**{s[0]: s[3] for s in SITES}, **{a[0]: a[5] for a in ACCOUNTS}},
        "vetoes": {
            "s03": ["首页不更新"],
            "s09": ["栏目不更新"],
            "a02": ["内容不更新"],
            "a08": ["账号已注销或被封禁"],
        },
        "rectified": ["s05", "s07"],
        "still_open": ["s11", "a02", "a12"],
    },
    "quarter": {
        "verdicts": {
            **{s[0]: s[3] for s in SITES},
            **{a[0]: a[5] for a in ACCOUNTS},
            "s11": "fail",
            "a12": "fail",
        },
        "vetoes": {
            "s03": ["首页不更新"],
            "s09": ["栏目不更新"],
            "s11": ["站点无法访问"],
            "a02": ["内容不更新"],
            "a08": ["账号已注销或被封禁"],
            "a12": ["内容不更新"],
        },
        "rectified": ["s05", "s07"],
        "still_open": ["a02"],
    },
}


def plant(store: Store) -> Store:
    """The known findings and sweep records written and made searchable."""
    store.upsert_findings(FINDINGS)
    verdicts = {
        s[0]: {
            "verdict": s[3],
            "score": s[4],
            "reasons": ["SITE-VETO-HOME-STALE: homepage not fetched (timeout) https://s12.example.gov.cn/"]
            if s[3] == "unverified"
            else [],
        }
        for s in SITES
    }
    verdicts |= {a[0]: {"verdict": a[5], "score": None, "reasons": []} for a in ACCOUNTS if a[5]}
    store.write_sweep(
        {"id": SWEEP, "kind": "full", "as_of": AS_OF.isoformat(), "sample": SAMPLE, "verdicts": verdicts}
    )
    for sid, kind, when in (
        ("rollup-20250323T220000Z", "rollup", ROLLUP),
        ("patrol-20250405T100000-f", "patrol", datetime(2025, 4, 5, 10, tzinfo=BEIJING)),
    ):
        store.write_sweep({"id": sid, "kind": kind, "as_of": when.isoformat()})
    store.refresh()
    return store
