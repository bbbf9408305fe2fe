"""The registry of simulated sites and the profile each one plants.

One row per site: where it lives, which CMS it imitates, who owns it, and which profiles (problems or
traps) it carries. ``world.py`` turns each row into pages; ``truth.py`` into expectations.
"""

from __future__ import annotations

from dataclasses import dataclass

from simweb.checkplan import CHECK_PROFILES


@dataclass(frozen=True)
class SiteSpec:
    id: str
    host: str
    cms: str
    name: str
    owner: str
    region: str
    place: str  # short name used in titles
    adcode: str  # 6-digit administrative code: the first digits of the 标识码
    profiles: tuple[str, ...]


# Every profile the world plants; each appears on at least one site.
PROFILES: tuple[str, ...] = (
    "healthy",
    "home_stale",
    "home_warning",
    "columns_stale_a",
    "columns_stale_a_warning",
    "columns_long_idle_b",
    "columns_empty_c",
    "columns_empty_c_warning",
    "pinned",
    "yearless_dates",
    "yearless_new_year",
    "date_in_link",
    "date_in_url",
    "gbk",
    "gbk_mislabelled",
    "dead_links",
    "head_405",
    "redirect_loop",
    "footer_missing_code",
    "footer_wrong_code",
    "footer_missing_icp",
    "redirect_chain",
    "slow",
    "refused",
    "js_list",
    "nav_only",
    "policy_stale",
    "spaced_names",  # first-level column names rendered spaced out (政 策 文 件), as CMS templates do
    "non_gov_domain",
    *CHECK_PROFILES,  # the site checks' plants (interaction, search, 找错, article tags): simweb.checkplan
)

_GOV = "人民政府"
_OFFICE = "人民政府办公室"


def _gov(sid: str, host: str, cms: str, city: str, region: str, adcode: str, *profiles: str) -> SiteSpec:
    return SiteSpec(sid, host, cms, f"{city}{_GOV}", f"{city}{_OFFICE}", region, city, adcode, profiles)


def _unit(
    sid: str, host: str, cms: str, name: str, region: str, place: str, adcode: str, *profiles: str
) -> SiteSpec:
    return SiteSpec(sid, host, cms, name, name, region, place, adcode, profiles)


SITE_SPECS: tuple[SiteSpec, ...] = (
    _gov("S001", "www.suzhou.gov.cn", "trs", "苏州市", "江苏省苏州市", "320500", "healthy"),
    _gov("S002", "www.wuzhong.gov.cn", "hanweb", "苏州市吴中区", "江苏省苏州市吴中区", "320506", "healthy"),
    _unit(
        "S003",
        "fgw.nanjing.gov.cn",
        "govcn",
        "南京市发展和改革委员会",
        "江苏省南京市",
        "南京市",
        "320100",
        "healthy",
    ),
    _gov("S004", "www.kunshan.gov.cn", "handmade", "昆山市", "江苏省苏州市昆山市", "320583", "healthy"),
    _gov("S005", "www.wuxi.gov.cn", "trs", "无锡市", "江苏省无锡市", "320200", "pinned"),
    _gov("S006", "www.changzhou.gov.cn", "hanweb", "常州市", "江苏省常州市", "320400", "yearless_dates"),
    _gov("S007", "www.nantong.gov.cn", "govcn", "南通市", "江苏省南通市", "320600", "date_in_link"),
    _gov("S008", "www.yangzhou.gov.cn", "trs", "扬州市", "江苏省扬州市", "321000", "date_in_url"),
    _gov("S009", "www.zhenjiang.gov.cn", "handmade", "镇江市", "江苏省镇江市", "321100", "gbk"),
    _gov("S010", "www.taizhou.gov.cn", "trs", "泰州市", "江苏省泰州市", "321200", "gbk_mislabelled"),
    _gov("S011", "www.xuzhou.gov.cn", "hanweb", "徐州市", "江苏省徐州市", "320300", "home_stale"),
    _gov("S012", "www.lyg.gov.cn", "trs", "连云港市", "江苏省连云港市", "320700", "home_warning"),
    _gov("S013", "www.huaian.gov.cn", "govcn", "淮安市", "江苏省淮安市", "320800", "columns_stale_a"),
    _gov(
        "S014",
        "www.yancheng.gov.cn",
        "handmade",
        "盐城市",
        "江苏省盐城市",
        "320900",
        "columns_stale_a_warning",
    ),
    _gov("S015", "www.suqian.gov.cn", "trs", "宿迁市", "江苏省宿迁市", "321300", "columns_long_idle_b"),
    _gov(
        "S016", "www.jiangyin.gov.cn", "hanweb", "江阴市", "江苏省无锡市江阴市", "320281", "columns_empty_c"
    ),
    _gov(
        "S017",
        "www.yixing.gov.cn",
        "govcn",
        "宜兴市",
        "江苏省无锡市宜兴市",
        "320282",
        "columns_empty_c_warning",
    ),
    _gov(
        "S018",
        "www.changshu.gov.cn",
        "trs",
        "常熟市",
        "江苏省苏州市常熟市",
        "320581",
        "dead_links",
        "head_405",
    ),
    _gov("S019", "www.taicang.gov.cn", "handmade", "太仓市", "江苏省苏州市太仓市", "320585", "redirect_loop"),
    _gov(
        "S020", "www.zjg.gov.cn", "trs", "张家港市", "江苏省苏州市张家港市", "320582", "footer_missing_code"
    ),
    _gov(
        "S021",
        "www.wujiang.gov.cn",
        "hanweb",
        "苏州市吴江区",
        "江苏省苏州市吴江区",
        "320509",
        "footer_wrong_code",
    ),
    _gov(
        "S022",
        "www.gusu.gov.cn",
        "govcn",
        "苏州市姑苏区",
        "江苏省苏州市姑苏区",
        "320508",
        "footer_missing_icp",
    ),
    _gov(
        "S023",
        "www.xiangcheng.gov.cn",
        "trs",
        "苏州市相城区",
        "江苏省苏州市相城区",
        "320507",
        "redirect_chain",
    ),
    _gov("S024", "www.snd.gov.cn", "handmade", "苏州市虎丘区", "江苏省苏州市虎丘区", "320505", "slow"),
    _unit(
        "S025",
        "www.sipac.gov.cn",
        "trs",
        "苏州工业园区管理委员会",
        "江苏省苏州市",
        "苏州工业园区",
        "320571",
        "refused",
    ),
    _unit(
        "S026", "jyj.suzhou.gov.cn", "trs", "苏州市教育局", "江苏省苏州市", "市教育局", "320500", "js_list"
    ),
    _unit(
        "S027",
        "sfj.suzhou.gov.cn",
        "handmade",
        "苏州市司法局",
        "江苏省苏州市",
        "市司法局",
        "320500",
        "nav_only",
    ),
    _gov(
        "S028",
        "www.jiangning.gov.cn",
        "govcn",
        "南京市江宁区",
        "江苏省南京市江宁区",
        "320115",
        "policy_stale",
    ),
    _unit(
        "S029",
        "www.xx-kaifaqu.com",
        "handmade",
        "相城经济技术开发区管理委员会",
        "江苏省苏州市相城区",
        "相城经开区",
        "320507",
        "non_gov_domain",
    ),
    _unit(
        "S030",
        "www.sz-gaoxinqu.net",
        "hanweb",
        "苏州高新技术产业开发区管理委员会",
        "江苏省苏州市虎丘区",
        "苏州高新区",
        "320505",
        "non_gov_domain",
    ),
    _unit(
        "S031",
        "rsj.nanjing.gov.cn",
        "hanweb",
        "南京市人力资源和社会保障局",
        "江苏省南京市",
        "市人社局",
        "320100",
        "yearless_new_year",
    ),
    _gov("S032", "www.pukou.gov.cn", "handmade", "南京市浦口区", "江苏省南京市浦口区", "320111", "healthy"),
    _gov("S033", "www.njgl.gov.cn", "trs", "南京市鼓楼区", "江苏省南京市鼓楼区", "320106", "healthy"),
    _unit(
        "S034",
        "sthjj.wuxi.gov.cn",
        "govcn",
        "无锡市生态环境局",
        "江苏省无锡市",
        "市生态环境局",
        "320200",
        "healthy",
        "spaced_names",  # the healthy look-alike: a fresh 政 策 文 件 column gets nothing
    ),
    _gov(
        "S035",
        "www.lishui.gov.cn",
        "trs",
        "南京市溧水区",
        "江苏省南京市溧水区",
        "320117",
        "policy_stale",
        "spaced_names",  # the stale 政 策 文 件 column gets its SITE-DED-POLICY-STALE like 政策文件 does
    ),
    # the site checks' sites (simweb.checkplan): each spoils a few of interaction, search, 找错, article tags
    _gov(
        "S036",
        "www.rugao.gov.cn",
        "trs",
        "如皋市",
        "江苏省南通市如皋市",
        "320682",
        "letters_unanswered",
        "search_broken",
        "article_untagged",
        "compact",
    ),
    _gov(
        "S037",
        "www.qidong.gov.cn",
        "hanweb",
        "启东市",
        "江苏省南通市启东市",
        "320681",
        "letters_warning",
        "letters_late",
        "zhaocuo_missing",
        "channel_in_column",
        "compact",
    ),
    _unit(
        "S038",
        "slj.nantong.gov.cn",
        "handmade",
        "南通市水利局",
        "江苏省南通市",
        "市水利局",
        "320600",
        "channel_submit_404",
        "zhaocuo_missing",  # a department's site: no 找错 finding (portals only), the look-alike
        "search_provincial",
        "compact",
    ),
    _gov(
        "S039",
        "www.danyang.gov.cn",
        "govcn",
        "丹阳市",
        "江苏省镇江市丹阳市",
        "321181",
        "channel_other_host",
        "search_js",
        "article_pubdate_mismatch",
        "compact",
    ),
    _gov(
        "S040",
        "www.dongtai.gov.cn",
        "handmade",
        "东台市",
        "江苏省盐城市东台市",
        "320981",
        "letters_json",
        "search_missing",
        "article_pubdate_future",
        "compact",
    ),
    _gov(
        "S041",
        "www.liyang.gov.cn",
        "trs",
        "溧阳市",
        "江苏省常州市溧阳市",
        "320481",
        "letters_unreadable",
        "compact",
    ),
)

# Other origins pages link to. Served with healthy pages unless noted.
EXTERNAL_HOSTS: tuple[str, ...] = (
    "www.gov.cn",
    "www.js.gov.cn",
    "www.beian.gov.cn",
    "beian.miit.gov.cn",
    "bszs.conac.cn",
    "www.old-partner.com.cn",  # every page 404
)
REFUSED_EXTERNAL_HOST = "zwfw.sipac.gov.cn"  # resolves, but its port refuses connections
DNS_FAIL_HOST = "www.closed-partner.example"  # deliberately missing from the resolve map
