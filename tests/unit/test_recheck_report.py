"""The 复查 summary in the terminal: findings the re-check could not look at (captcha, refused,
timeout) are 未能核实, never counted as 仍未整改; cleared suspicions are not 已整改."""

from __future__ import annotations

from datetime import datetime, timedelta

from crawlers.dates import BEIJING
from crawlers.models import Finding
from govpatrol.cli.recheck import print_recheck
from pipelines.recorder import SweepResult

AS_OF = datetime(2025, 3, 31, 8, 0, tzinfo=BEIJING)
FIRST = AS_OF - timedelta(days=20)


def finding(name: str, status: str, check: str = "") -> Finding:
    entry = {"at": AS_OF.isoformat(), "status": status, **({"check": check} if check else {})}
    return Finding(
        target_id=name,
        indicator="ACCOUNT-VETO-NO-UPDATE",
        severity="veto",
        status=status,  # type: ignore[arg-type]
        subject_url=f"https://weibo.com/{name}",
        evidence={},
        as_of=AS_OF,
        target_name=f"{name}发布",
        first_seen=FIRST,
        recheck_count=1,
        last_recheck_at=AS_OF,
        rectified_at=AS_OF if status == "rectified" else None,
        history=[{"at": FIRST.isoformat(), "status": "open"}, entry],
    )


def test_unverified_findings_are_reported_apart_from_still_open(capsys) -> None:  # type: ignore[no-untyped-def]
    fixed = finding("a1", "rectified")
    result = SweepResult(sweep_id="recheck-1", kind="recheck", as_of=AS_OF, started_at=AS_OF)
    result.findings = [
        fixed,
        finding("a2", "open"),  # found again
        finding("a3", "open", check="unverified"),  # captcha this time: kept open, not re-confirmed
        finding("a4", "unverified"),  # still could not look
        finding("a5", "dismissed", check="cleared"),
    ]
    result.rectified = [fixed]
    print_recheck(result)
    out = capsys.readouterr().out
    assert "已整改 1 个，仍未整改 1 个，未能核实 2 个，经核实无问题 1 个" in out
    still = out.split("仍未整改：")[1].split("未能核实")[0]
    assert "a2" in still
    assert "a3" not in still
    assert "a4" not in still
    unknown = out.split("未能核实（")[1].split("经核实无问题")[0]
    assert "a3" in unknown
    assert "a4" in unknown
