"""The 通报 report: gather (ES) -> compute (pure numbers) -> outline (blocks) -> md | docx | html."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from crawlers.config import load_config
from crawlers.dates import BEIJING
from crawlers.models import Target
from crawlers.thresholds import load_thresholds
from govpatrol.report.compute import Report, ReportSettings, build_report
from govpatrol.report.data import ReportError, gather
from pipelines.store import Store

__all__ = ["FORMATS", "ReportError", "ReportSettings", "load_settings", "make_report", "write_report"]

FORMATS = ("md", "docx", "html")


def load_settings(source: ReportSettings | str | Path | None = None) -> ReportSettings:
    """The ``[report]`` table of a config file, validated with the rest of it (crawlers/config.py)."""
    if isinstance(source, ReportSettings):
        return source
    return load_config(source).report


def indicator_names(override: str | Path | None = None) -> dict[str, str]:
    """Indicator id -> Chinese name, in the data file's order (vetoes first)."""
    data = load_thresholds(override)
    return {k: v["name"] for k, v in data.items() if isinstance(v, dict) and "name" in v}


def make_report(
    store: Store,
    *,
    sweep_id: str | None = None,
    quarter: str | None = None,
    settings: ReportSettings | None = None,
    indicators_file: str | Path | None = None,
    registry: list[Target] | None = None,
) -> Report:
    settings = settings or ReportSettings()
    data = gather(
        store, sweep_id=sweep_id, quarter=quarter, review_days=settings.review_days, registry=registry
    )
    return build_report(data, settings, indicator_names(indicators_file), datetime.now(BEIJING).date())


def write_report(
    store: Store,
    *,
    sweep_id: str | None = None,
    quarter: str | None = None,
    fmt: str,
    out: str | Path | None,
    config: ReportSettings | str | Path | None = None,
    indicators_file: str | Path | None = None,
    registry: list[Target] | None = None,
) -> Path:
    """Write the report for one sweep or one quarter; returns the file written.

    ``config`` is a ReportSettings or a TOML file with a ``[report]`` table; ``out`` defaults to
    ``通报-<sweep or quarter>.<fmt>`` in the working directory; ``registry`` gives the 总数 (default:
    the registry file the inspection sweep read).
    """
    from govpatrol.report.outline import outline

    if fmt not in FORMATS:
        raise ReportError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    report = make_report(
        store,
        sweep_id=sweep_id,
        quarter=quarter,
        settings=load_settings(config),
        indicators_file=indicators_file,
        registry=registry,
    )
    path = Path(out or f"通报-{sweep_id or quarter}.{fmt}")
    path.parent.mkdir(parents=True, exist_ok=True)
    blocks = outline(report)
    if fmt == "md":
        from govpatrol.report.render_md import render_md

        path.write_text(render_md(blocks), encoding="utf-8")
        return path
    from govpatrol.report.charts import render_charts

    charts = render_charts(report)
    if fmt == "html":
        from govpatrol.report.render_html import render_html

        path.write_text(render_html(blocks, charts, report.settings.title), encoding="utf-8")
        return path
    from govpatrol.report.render_docx import render_docx

    return render_docx(blocks, charts, path)
