"""The report as an ordered list of blocks (headings, paragraphs, tables, charts), in Chinese.

The three renderers only lay these blocks out, so Markdown, DOCX and HTML always say the same
thing in the same order, and a test that checks one format's words checks the structure of all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govpatrol.report.compute import KIND_LABELS, PLATFORM_LABELS, Problem, Report, cn_date, rate_text


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


def _kind_sentence(report: Report, kind: str) -> str:
    scope = report.settings.scope
    if kind == "site":
        t = report.sites
        text = (
            f"对{scope}正在运行的{t.checked}个政府网站进行了检查，发现存在突出问题的政府网站{t.failed}个，"
            f"检查合格率为{rate_text(t.rate)}。"
        )
    else:
        t = report.accounts
        platforms = "、".join(f"{p.label}{p.population}个" for p in report.platforms if p.population)
        ratio = (
            f"，按{report.sample_ratio * 100:g}%的比例抽查" if report.sample_ratio is not None else "，检查"
        )
        text = (
            f"{scope}共有政务新媒体账号{t.population}个（{platforms}）{ratio}了{t.checked}个，"
            f"发现存在突出问题的政务新媒体{t.failed}个，检查合格率为{rate_text(t.rate)}。"
        )
    if t.unverified:
        text += f"另有{t.unverified}个{KIND_LABELS[kind]}因无法访问等原因未能核实，未计入检查数。"
    return text


def _rate_table(title: str, rows: list) -> Table:
    table = Table(title, ["类别", "总数", "检查数", "合格数", "不合格数", "未能核实", "合格率"])
    for t in rows:
        table.rows.append(
            [
                t.label,
                str(t.population or ""),
                str(t.checked),
                str(t.passed),
                str(t.failed),
                str(t.unverified),
                rate_text(t.rate),
            ]
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


def outline(report: Report) -> list[Block]:
    """Sections 一 to 四 and the annexes, in the provincial reports' order."""
    s = report.settings
    blocks: list[Block] = [
        Heading(0, s.title),
        Para(f"{s.office}　{cn_date(report.report_date)}"),
        Heading(1, "一、总体情况"),
        Para(f"检查期间：{report.period_label}。"),
        Para(_kind_sentence(report, "site")),
        Para(_kind_sentence(report, "account")),
        _rate_table("表1 分类检查情况", [report.sites, report.accounts, *report.platforms]),
        _rate_table("表2 分地区检查情况", report.regions),
        Chart("platform", "图1 分平台检查合格率"),
        Chart("region", "图2 分地区检查合格率"),
        Heading(1, "二、发现的主要问题"),
    ]
    if not report.problems:
        blocks.append(Para("本次检查未发现突出问题。"))
    for n, (indicator, problems) in enumerate(report.problems.items(), 1):
        blocks.append(Heading(2, f"（{_cn_number(n)}）{indicator}（{len(problems)}个）"))
        blocks += [Para(f"{i}. {p.line}") for i, p in enumerate(problems, 1)]
    blocks.append(Heading(1, "三、复查情况"))
    blocks.append(
        Para(
            f"对此前检查发现的问题进行了复查，已整改{len(report.rectified)}个，"
            f"仍未整改{len(report.still_open)}个。"
        )
    )
    if report.rectified:
        blocks.append(
            Para(
                "已完成整改的："
                + "；".join(f"{p.name}（{p.owner}）{p.indicator_name}" for p in report.rectified)
                + "。"
            )
        )
    if report.still_open:
        blocks.append(
            Para(
                "仍未整改的："
                + "；".join(f"{p.name}（{p.owner}）{p.indicator_name}" for p in report.still_open)
                + "。"
            )
        )
    blocks += [Heading(1, "四、下一步要求"), Para(report.requirements), Heading(1, "附件")]
    headers = ["序号", "名称", "类型", "主办单位", "地区", "问题类型", "问题描述", "首次发现"]
    failing = [p for group in report.problems.values() for p in group]
    blocks.append(
        Table(
            "附件1 存在突出问题的政府网站名单",
            headers,
            _problem_rows([p for p in failing if p.kind == "site"]),
        )
    )
    blocks.append(
        Table(
            "附件2 存在突出问题的政务新媒体名单",
            headers,
            _problem_rows([p for p in failing if p.kind != "site"]),
        )
    )
    blocks.append(
        Table("附件3 已整改问题名单", [*headers, "整改时间"], _problem_rows(report.rectified, rectified=True))
    )
    blocks.append(Table("附件4 仍未整改问题名单", headers, _problem_rows(report.still_open)))
    unverified = Table("附件5 未能核实名单", ["序号", "名称", "类型", "主办单位", "地区", "原因"])
    for i, d in enumerate(report.unverified, 1):
        kind = PLATFORM_LABELS.get(d.get("platform") or "", "网站") if d.get("kind") == "account" else "网站"
        reasons = "；".join(d.get("unverified_reasons") or []) or "未能核实"
        unverified.rows.append(
            [str(i), d.get("name", ""), kind, d.get("owner", ""), d.get("region", ""), reasons]
        )
    blocks.append(unverified)
    return blocks


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九十"
    if n <= 10:
        return digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
