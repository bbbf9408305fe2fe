"""SITE-REQ-FOOTER-MARKS (页面底部标识): the homepage footer shows the site's identity marks.

政府网站标识码 (right length, equal to the registry's code when the registry gives one), ICP备案,
公网安备 and the 党政机关网站标识 badge. One notice listing every problem.
"""

from __future__ import annotations

from crawlers.models import Finding
from pipelines.rules.base import RuleContext, page_url

INDICATOR = "SITE-REQ-FOOTER-MARKS"
NEEDS_HOMEPAGE = True


def check(ctx: RuleContext) -> list[Finding]:
    footer = ctx.homepage.footer
    length = ctx.params["site_code_length"]
    expected = ctx.obs.target.site_code
    code = str(footer.get("site_code") or "").strip()
    problems = []
    if not code:
        problems.append("缺少政府网站标识码")
    else:
        if len(code) != length:
            problems.append(f"网站标识码“{code}”不是{length}位")
        if expected and code != expected:
            problems.append(f"网站标识码“{code}”与登记的“{expected}”不一致")
    if not footer.get("icp"):
        problems.append("缺少ICP备案编号")
    if not footer.get("beian"):
        problems.append("缺少公网安备编号")
    if not footer.get("conac_badge"):
        problems.append("缺少党政机关网站标识")
    if not problems:
        return []
    url = page_url(ctx.homepage)
    evidence = {"url": url, "footer": footer, "registry_site_code": expected, "problems": problems}
    message = f"首页底部标识不规范：{'；'.join(problems)}"
    return [ctx.finding(subject="footer", subject_url=url, evidence=evidence, message=message)]
