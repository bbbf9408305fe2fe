"""`govpatrol event add`: bad input is a clear error naming the option, exit 2, before anything is
stored; the scope (region, owner, platform, targets file) picks the registry's accounts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from crawlers.dates import BEIJING
from crawlers.errors import InputError
from govpatrol.cli import main
from govpatrol.events import Scope, new_event, platform_keys
from spiders.arguments import load_registry

ROWS = [
    "id,kind,name,owner,region,url,platform,account_id,site_code,account_type",
    "S1,site,昆山市人民政府,昆山市人民政府办公室,江苏省苏州市昆山市,http://www.ks.gov.cn/,,,3205830001,",
    "A1,account,昆山发布,昆山市人民政府新闻办公室,江苏省苏州市昆山市,https://weibo.com/u/1000000001,weibo,1000000001,,",
    "A2,account,昆山警方,昆山市公安局,江苏省苏州市昆山市,https://weibo.com/u/1000000002,weibo,1000000002,,",
    "A3,account,吴中发布,苏州市吴中区人民政府,江苏省苏州市吴中区,https://weibo.com/u/1000000003,weibo,1000000003,,",
    "A4,account,昆山政务服务,昆山市人民政府办公室,江苏省苏州市昆山市,"
    "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzAwMDAwMDAwMQ==,wechat,MzAwMDAwMDAwMQ==,,服务号",
]
NOW = datetime(2025, 7, 1, 16, 0, tzinfo=BEIJING)


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    path = tmp_path / "targets.csv"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    return path


def add(registry: Path, *extra: str) -> int:
    base = ["event", "add", "--targets", str(registry), "--es", "http://127.0.0.1:1"]
    return main([*base, *extra])


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--published", "2025-07-01T15:00"], "--title / --url"),
        (["--title", "通告", "--published", "昨天下午"], "--published"),
        (["--title", "通告", "--published", "2025-07-01T15:00", "--deadline", "2 hours"], "--deadline"),
        (["--title", "通告", "--published", "2025-07-01T15:00", "--deadline", "0h"], "--deadline"),
        (
            ["--title", "通告", "--published", "2025-07-01T15:00", "--region", "江苏省南京市"],
            "--region 江苏省南京市",
        ),
        (["--title", "通告", "--published", "2025-07-01T15:00", "--platform", "抖音"], "--platform douyin"),
        (["--title", "通告", "--published", "2025-07-01T15:00", "--platform", "myspace"], "--platform"),
        (["--url", "ftp://x/y", "--published", "2025-07-01T15:00"], "--url"),
    ],
)
def test_bad_input_exits_2_naming_the_option(registry: Path, capsys, args: list[str], option: str) -> None:
    assert add(registry, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: "), err
    assert option in err, err


def test_a_missing_registry_is_named(tmp_path: Path, capsys) -> None:
    assert add(tmp_path / "nope.csv", "--title", "通告", "--published", "2025-07-01T15:00") == 2
    assert "nope.csv" in capsys.readouterr().err


def test_the_scope_narrows_by_region_owner_and_platform_and_keeps_the_registry_rows(registry: Path) -> None:
    targets = load_registry(registry)

    def ids(scope: Scope) -> list[str]:
        event = new_event(
            targets, scope, title="通告", url="", keywords=[], published=NOW, deadline="90m", now=NOW
        )
        assert event.deadline_minutes == 90
        return event.target_ids

    assert ids(Scope()) == ["A1", "A2", "A3", "A4"]  # every account, never a site
    assert ids(Scope(regions=("江苏省苏州市昆山市",))) == ["A1", "A2", "A4"]
    assert ids(Scope(regions=("江苏省苏州市",), owners=("公安局", "吴中区"))) == ["A2", "A3"]
    assert ids(Scope(platforms=platform_keys("微信公众号"))) == ["A4"]
    event = new_event(targets, Scope(platforms=("wechat",)), title="", url="https://x.gov.cn/a", keywords=[],
                      published=NOW, deadline=None, now=NOW)  # fmt: skip
    assert event.accounts[0]["account_type"] == "服务号"
    assert event.deadline_minutes is None


def test_a_time_zone_is_required_in_the_kernel_call() -> None:
    with pytest.raises(InputError, match="--published"):
        new_event(
            [],
            Scope(),
            title="t",
            url="",
            keywords=[],
            published=datetime(2025, 7, 1),
            deadline=None,
            now=NOW,
        )
