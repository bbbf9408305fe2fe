"""The duty desk's small pieces: where a login may send the browser, roles, durations, bindings."""

from __future__ import annotations

import pytest

from govpatrol.cli.web import check_binding, is_loopback
from govpatrol.users import ROLES, UserError, check_password, parse_role
from govpatrol.web.auth import _safe_next
from govpatrol.web.desk import duration_zh
from govpatrol.web.security import PAGE_CSP, SNAPSHOT_CSP


@pytest.mark.parametrize(
    ("asked", "followed"),
    [
        ("/review", "/review"),
        ("/findings?region=苏州", "/findings?region=苏州"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_after_login_only_a_path_of_the_desk_is_followed(asked: str, followed: str) -> None:
    assert _safe_next(asked) == followed


def test_roles_by_key_or_chinese_name() -> None:
    assert [parse_role(r) for r in ("admin", "值守人员", "检查人员", "Duty")] == [
        "admin",
        "duty",
        "inspector",
        "duty",
    ]
    assert set(ROLES) == {"admin", "duty", "inspector"}
    with pytest.raises(UserError, match="unknown role"):
        parse_role("root")
    with pytest.raises(UserError, match="at least 10"):
        check_password("short")


def test_durations_read_as_officers_say_them() -> None:
    assert duration_zh(7 * 60) == "7分"
    assert duration_zh(2 * 3600 + 5 * 60) == "2小时5分"
    assert duration_zh(27 * 3600) == "1天3小时"


def test_loopback_only_unless_tls_or_insecure() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("desk.example")
    assert check_binding("desk.example", None, None, False) is not None


def test_no_page_may_run_script_and_snapshots_are_sandboxed() -> None:
    assert "script-src" not in PAGE_CSP
    assert PAGE_CSP.startswith("default-src 'none'")
    assert SNAPSHOT_CSP.startswith("sandbox;")
    assert "script-src" not in SNAPSHOT_CSP
