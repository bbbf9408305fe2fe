"""The report as an ordered list of blocks (headings, paragraphs, tables, charts), in Chinese.

The three renderers only lay these blocks out, so Markdown, DOCX and HTML always say the same
thing in the same order, and a test that checks one format's words checks the structure of all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govpatrol.report.compute import Problem, Report, Tally, TargetRow, cn_date, group_count, rate_text
from govpatrol.report.reposts import HEADERS as HEADERS_REPOST
from govpatrol.report.reposts import repost_parts

RATE_HEADERS = ["总数", "检查数", "合格数", "不合格数", "未能核实", "合格率"]
PROBLEM_HEADERS = ["序号", "名称", "类型", "主办单位", "地区", "问题类型", "问题描述", "首次发现"]


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str


@dataclass
class Chart:
    key: str  # "platform" | "region" (govpatrol.report.charts)
    title: str


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)


Block = Heading | Para | Chart | Table


def site_sentence(report: Report) -> str:
    t, scope = report.sites, report.settings.scope
    inspected = t.checked + t.unverified
    text = f"{scope}共有政府网站{t.population}个，" if t.population != inspected else ""
    text += f"对{scope}正在运行的{inspected}个政府网站进行了检查"
    if t.unverified:
        text += f"，其中{t.unverified}个因无法访问等原因未能核实（见附件5），实际检查{t.checked}个"
    return text + f"，发现存在突出问题的政府网站{t.failed}个，检查合格率为{rate_text(t.rate)}。"


def account_sentence(report: Report) -> str:
    t, scope, sample = report.accounts, report.settings.scope, report.sample
    platforms = "、".join(f"{p.label}{p.population}个" for p in report.platforms if p.population)
    text = f"{scope}共有政务新媒体账号{t.population}个" + (f"（{platforms}）" if platforms else "")
    extra = report.extra_accounts
    if sample:
        text += (
            f"，按{float(sample['ratio']) * 100:g}%的比例分地区、分平台随机抽查了{int(sample['sampled'])}个"
        )
        forced = len(sample.get("forced") or [])
        if forced:
            text += f"（含此前发现问题、必须复查的{forced}个）"
    else:
        text += f"，检查了{t.checked + t.unverified}个"
    if t.unverified:
        text += f"，其中{t.unverified}个因平台限制未能核实（见附件5），实际检查{t.checked - extra}个"
    if extra:
        text += f"，另有日常巡查发现存在突出问题的未抽查账号{extra}个，一并计入"
    return text + f"，发现存在突出问题的政务新媒体{t.failed}个，检查合格率为{rate_text(t.rate)}。"


def _rate_table(title: str, first: str, rows: list[Tally]) -> Table:
    table = Table(title, [first, *RATE_HEADERS])
    for t in rows:
        table.rows.append(
            [t.label, str(t.population), str(t.checked), str(t.passed), str(t.failed), str(t.unverified)]
            + [rate_text(t.rate)]
        )
    return table


def _problem_rows(problems: list[Problem], rectified: bool = False) -> list[list[str]]:
    rows = []
    for i, p in enumerate(problems, 1):
        row = [str(i), p.name, p.where, p.owner, p.region, p.indicator_name, p.message, cn_date(p.first_seen)]
        if rectified:
            row.append(cn_date(p.rectified_at))
        rows.append(row)
    return rows


def _score_line(t: TargetRow) -> str:
    score = f"{t.score:g}分" if t.score is not None else "不足合格分"
    return f"{t.name}（{t.owner}）：扣分项累计扣分后得分{score}，低于合格线"


def _failing_rows(report: Report, kind: str) -> list[list[str]]:
    problems = [p for group in report.problems.values() for p in group if p.kind == kind]
    rows = _problem_rows(problems)
    for t in report.score_fails:
        if t.kind == kind:
            rows.append(
                [
                    str(len(rows) + 1),
                    t.name,
                    t.where,
                    t.owner,
                    t.region,
                    "综合得分低于合格线",
                    _score_line(t),
                    "",
                ]
            )
    return rows


def _names(problems: list[Problem]) -> str:
    return "；".join(f"{p.name}（{p.owner}）{p.indicator_name}" for p in problems)


def outline(report: Report) -> list[Block]:
    """Sections 一 to 四 and the annexes, in the provincial reports' order."""
    s = report.settings
    blocks: list[Block] = [
        Heading(0, s.title),
        Para(f"{s.office}　{cn_date(report.report_date)}"),
        Heading(1, "一、总体情况"),
        Para(f"检查期间：{report.period_label}。"),
        Para(site_sentence(report)),
        Para(account_sentence(report)),
        _rate_table("表1 分类检查情况", "类别", [report.sites, report.accounts, *report.platforms]),
        _rate_table("表2 分地区检查情况", "地区", report.regions),
        Chart("platform", "图1 分类检查合格率"),
        Chart("region", "图2 分地区检查合格率"),
        Heading(1, "二、发现的主要问题"),
    ]
    if not report.problems and not report.score_fails:
        blocks.append(Para("本次检查未发现单项否决等突出问题。"))
    n = 0
    for n, (indicator, problems) in enumerate(report.problems.items(), 1):
        blocks.append(Heading(2, f"（{cn_number(n)}）{indicator}（{group_count(problems)}）"))
        blocks += [Para(f"{i}. {p.line}") for i, p in enumerate(problems, 1)]
    if report.score_fails:
        blocks.append(
            Heading(2, f"（{cn_number(n + 1)}）综合得分低于合格线（{len(report.score_fails)}个网站）")
        )
        blocks += [Para(f"{i}. {_score_line(t)}") for i, t in enumerate(report.score_fails, 1)]
    blocks += _reposts(report, n + 1 + bool(report.score_fails))
    others = [p for group in report.others.values() for p in group]
    if others:
        sites = len({p.target_id for p in others})
        blocks.append(
            Para(f"此外，扣分项、提示类及疑似问题{len(others)}个（涉及{sites}个对象），详见附件6。")
        )
    blocks.append(Heading(1, "三、复查情况"))
    blocks.append(
        Para(
            f"对此前检查发现的问题进行了复查，已整改{len(report.rectified)}个，"
            f"仍未整改{len(report.still_open)}个。"
        )
    )
    if report.rectified:
        blocks.append(Para(f"已完成整改的：{_names(report.rectified)}。"))
    if report.still_open:
        blocks.append(Para(f"仍未整改的：{_names(report.still_open)}。"))
    blocks += [Heading(1, "四、下一步要求"), Para(report.requirements), Heading(1, "附件")]
    blocks.append(Table("附件1 存在突出问题的政府网站名单", PROBLEM_HEADERS, _failing_rows(report, "site")))
    blocks.append(
        Table("附件2 存在突出问题的政务新媒体名单", PROBLEM_HEADERS, _failing_rows(report, "account"))
    )
    blocks.append(
        Table(
            "附件3 已整改问题名单",
            [*PROBLEM_HEADERS, "整改时间"],
            _problem_rows(report.rectified, rectified=True),
        )
    )
    blocks.append(Table("附件4 仍未整改问题名单", PROBLEM_HEADERS, _problem_rows(report.still_open)))
    unverified = Table("附件5 未能核实名单", ["序号", "名称", "类型", "主办单位", "地区", "原因"])
    for i, t in enumerate(report.unverified, 1):
        reasons = "；".join(dict.fromkeys(t.reasons)) or "未能核实"
        unverified.rows.append([str(i), t.name, t.where, t.owner, t.region, reasons])
    blocks.append(unverified)
    if report.settings.other_problems == "annex":
        title = "附件6 其他问题（扣分项、提示类及疑似问题）"
        if report.others:
            title += "：" + "；".join(f"{k}（{group_count(v)}）" for k, v in report.others.items())
        blocks.append(Table(title, PROBLEM_HEADERS, _problem_rows(others)))
    return blocks


def _reposts(report: Report, number: int) -> list[Block]:
    """（n）重大信息转载情况: late and missing accounts per 重大事件, with their delays."""
    count, parts = repost_parts(report.reposts)
    if not parts:
        return []
    blocks: list[Block] = [Heading(2, f"（{cn_number(number)}）重大信息转载情况（{count}个账号）")]
    for part in parts:
        blocks += [Para(part.line), Table(part.title, HEADERS_REPOST, part.rows)]
    return blocks


def cn_number(n: int) -> str:
    digits = "零一二三四五六七八九十"
    if n <= 10:
        return digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
