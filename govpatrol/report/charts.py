"""Pass-rate bar charts (by platform, by region) as PNG bytes, with a CJK font set by file path.

matplotlib's font lookup by family name depends on the machine's cache; pointing at the Noto CJK
file directly means Chinese labels never render as empty boxes.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from govpatrol.report.compute import Report, Tally  # noqa: E402

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
PREFERRED_FONT = FONT_DIR / "NotoSansCJK-Regular.ttc"


@lru_cache(maxsize=1)
def cjk_font() -> font_manager.FontProperties:
    """The Noto CJK font; fails loudly when none is installed (charts would be unreadable)."""
    candidates = [PREFERRED_FONT, *sorted(FONT_DIR.glob("Noto*CJK*"))]
    for path in candidates:
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path))
    raise FileNotFoundError(f"no Noto CJK font under {FONT_DIR} (install fonts-noto-cjk)")


def _bar_chart(title: str, rows: list[Tally]) -> bytes:
    """Horizontal bars, one row per category, so 30+ region names never overlap: the figure grows
    with the number of rows and each label has its own line."""
    font = cjk_font()
    rows = [r for r in rows if r.checked]
    height = max(2.4, 0.9 + 0.32 * len(rows))
    fig, ax = plt.subplots(figsize=(7, height), dpi=110)
    try:
        positions = list(range(len(rows)))[::-1]  # the first row on top
        bars = ax.barh(positions, [float(r.rate or 0) for r in rows], color="#2f6fb0", height=0.6)
        ax.set_yticks(positions)
        ax.set_yticklabels([r.label for r in rows], fontproperties=font, fontsize=9)
        ax.set_xlim(0, 118)
        ax.set_xlabel("合格率（%）", fontproperties=font)
        ax.set_title(title, fontproperties=font)
        for bar, row in zip(bars, rows, strict=True):
            ax.text(
                bar.get_width() + 1.0,
                bar.get_y() + bar.get_height() / 2,
                f"{row.rate}%（{row.passed}/{row.checked}）",
                va="center",
                fontproperties=font,
                fontsize=8,
            )
        if not rows:
            ax.text(0.5, 0.5, "无检查数据", ha="center", transform=ax.transAxes, fontproperties=font)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)


def render_charts(report: Report) -> dict[str, bytes]:
    """PNG per chart key used by the outline: ``platform`` (sites, accounts, each platform), ``region``."""
    return {
        "platform": _bar_chart("分类检查合格率", [report.sites, report.accounts, *report.platforms]),
        "region": _bar_chart("分地区检查合格率", report.regions),
    }
