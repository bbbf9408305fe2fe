"""Pass-rate charts stay readable at provincial size: one line per region, however many."""

from __future__ import annotations

import struct

from govpatrol.report.charts import _bar_chart
from govpatrol.report.compute import Tally


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_a_chart_of_35_regions_gives_every_label_its_own_line() -> None:
    regions = []
    for i in range(35):
        t = Tally(f"第{i + 1}区县（自治县）")
        for verdict in ["pass"] * (i % 7 + 1) + ["fail"]:
            t.add(verdict)
        regions.append(t)
    _, height = _size(_bar_chart("分地区检查合格率", regions))
    _, small = _size(_bar_chart("分地区检查合格率", regions[:3]))
    assert height / len(regions) >= 30  # pixels per label line at 110 dpi: 9-point text fits
    assert height > 3 * small
