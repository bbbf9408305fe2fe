"""The SSRF guard's decisions (address classes, odd spellings, the allowlist) and credential masking."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings
from twisted.internet.error import DNSLookupError
from twisted.internet.task import Clock

from crawlers.alerts_config import AlertsConfig
from crawlers.config import Config, NetworkConfig, PlatformConfig
from crawlers.guard import policy_for
from crawlers.redact import mask_url, redact_text, redact_value
from crawlers.resolver import AddressGuardMiddleware, PatrolResolver
from crawlers.servicestate import services_run_dir, services_state_file
from crawlers.ssrf import METADATA_ADDRESSES, AddressPolicy, BlockedAddress, classify
from govpatrol.services import run_dir
from pipelines.rules import link_state
from pipelines.rules.base import Rules
from spiders.fetchfacts import classify_failure
from spiders.linkcheck import LinkResult, LinkUse, make_check
from spiders.settings import build_settings


@pytest.mark.parametrize(
    ("address", "klass"),
    [
        ("127.0.0.1", "loopback"),
        ("127.0.0.2", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("169.254.169.254", "metadata"),
        ("169.254.170.2", "metadata"),
        ("100.100.100.200", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "shared"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.10", "reserved"),
        ("198.18.0.1", "reserved"),
        ("240.0.0.1", "reserved"),
        ("8.8.8.8", None),
        ("202.96.134.133", None),
        ("2400:3200::1", None),
        ("172.32.0.1", None),
    ],
)
def test_every_address_class(address, klass):
    assert classify(address) == klass


@pytest.mark.parametrize(
    ("spelling", "klass"),
    [
        ("2130706433", "loopback"),  # 127.0.0.1 as one decimal number
        ("0177.0.0.1", "loopback"),  # octal
        ("0x7f.1", "loopback"),  # hex, short form
        ("127.1", "loopback"),
        ("[::1]", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:a01:203", "private"),  # IPv4-mapped, hex form of 10.1.2.3
        ("::ffff:169.254.169.254", "metadata"),
        ("2002:a9fe:a9fe::1", "metadata"),  # 6to4 of 169.254.169.254
        ("2002:c0a8:101::", "private"),  # 6to4 of 192.168.1.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("::127.0.0.1", "loopback"),  # IPv4-compatible
        ("fe80::1%eth0", "link-local"),  # with a zone
    ],
)
def test_odd_spellings_do_not_slip_through(spelling, klass):
    assert classify(spelling) == klass


def test_metadata_addresses_are_data_and_all_classed_metadata():
    assert "169.254.169.254" in METADATA_ADDRESSES
    assert all(classify(a) == "metadata" for a in METADATA_ADDRESSES)


def test_a_blocked_address_names_the_host_the_address_and_the_class():
    with pytest.raises(BlockedAddress) as caught:
        AddressPolicy().check("www.x.gov.cn", "10.1.2.3")
    message = str(caught.value)
    assert message == (
        "refused: www.x.gov.cn resolves to 10.1.2.3 (private address; add it to [network] allow_hosts to allow)"
    )
    assert isinstance(caught.value, DNSLookupError)  # every download path treats it as a failed fetch
    with pytest.raises(BlockedAddress, match=r"^refused: 169\.254\.169\.254 is a metadata address \("):
        AddressPolicy().check("169.254.169.254", "169.254.169.254")


def test_public_addresses_pass_without_any_allowlist():
    AddressPolicy().check("www.gov.cn", "202.96.134.133")


def test_allowlist_by_host_name_by_ip_and_by_cidr():
    policy = AddressPolicy.from_config(
        NetworkConfig(allow_hosts=["intranet.gov.example", "127.0.0.1", "10.0.0.0/8", "*.lan.example"])
    )
    policy.check("intranet.gov.example", "192.168.5.5")  # the name opens any address it resolves to
    policy.check("INTRANET.gov.example.", "192.168.5.5")
    policy.check("127.0.0.1", "127.0.0.1")
    policy.check("2130706433", "127.0.0.1")  # the same address, however the URL spells it
    policy.check("10.200.1.1", "10.200.1.1")
    policy.check("a.b.lan.example", "172.16.1.1")
    with pytest.raises(BlockedAddress, match="127.0.0.2 is a loopback address"):
        policy.check("127.0.0.2", "127.0.0.2")
    with pytest.raises(BlockedAddress, match="private"):
        policy.check("intranet2.gov.example", "192.168.5.5")
    with pytest.raises(BlockedAddress):
        policy.check("lan.example", "172.16.1.1")  # "*.suffix" does not cover the bare suffix


def test_allowing_an_address_does_not_allow_the_names_that_resolve_to_it():
    policy = AddressPolicy.from_entries(["127.0.0.1", "10.0.0.0/8"])
    for name, ip in [("localhost", "127.0.0.1"), ("alias.gov.cn", "127.0.0.1"), ("intra.gov.cn", "10.1.1.1")]:
        with pytest.raises(BlockedAddress, match="resolves to"):
            policy.check(name, ip)


def test_an_entry_with_a_port_opens_only_that_port():
    policy = AddressPolicy.from_entries(
        ["127.0.0.1:8080", "sim.gov.cn:8081", "[::1]:8082", "*.lan.example:81"]
    )
    policy.check("127.0.0.1", "127.0.0.1", 8080)
    policy.check("sim.gov.cn", "127.0.0.1", 8081)
    policy.check("::1", "::1", 8082)
    policy.check("a.lan.example", "10.0.0.1", 81)
    for host, ip, port in [
        ("127.0.0.1", "127.0.0.1", 9200),
        ("sim.gov.cn", "127.0.0.1", 8080),
        ("::1", "::1", 8080),
        ("a.lan.example", "10.0.0.1", 80),
    ]:
        with pytest.raises(BlockedAddress):
            policy.check(host, ip, port)
    # a lookup that cannot know the port (the Scrapy resolver) lets the port-aware check decide later
    policy.check("sim.gov.cn", "127.0.0.1")
    assert policy.entries_text() == ["127.0.0.1:8080", "sim.gov.cn:8081", "[::1]:8082", "*.lan.example:81"]


@pytest.mark.parametrize(
    "entry", ["127.0.0.1:0", "127.0.0.1:99999", "sim.gov.cn:http", "[::1]x", "a b.gov.cn", "http://x.gov.cn/"]
)
def test_a_malformed_entry_is_rejected_with_the_entry_named(entry):
    with pytest.raises(ValueError, match="allow_hosts"):
        AddressPolicy.from_entries([entry])


def test_the_projects_own_services_are_refused_whatever_the_allow_list_says(monkeypatch, tmp_path):
    monkeypatch.setenv("GOVPATROL_RUN_DIR", str(tmp_path))  # no services state: only the config counts
    monkeypatch.delenv("GOVPATROL_ES_URL", raising=False)
    monkeypatch.delenv("GOVPATROL_REDIS_URL", raising=False)
    config = Config()
    config.elasticsearch.url = "http://127.0.0.1:9200"
    config.distributed.redis_url = "redis://localhost:6379/0"
    config.network.allow_hosts = ["127.0.0.1", "::1", "0.0.0.0", "localhost", "es.alias.gov.cn"]
    config.network.resolve = {"es.alias.gov.cn": "127.0.0.1"}
    policy = policy_for(config)
    for host, ip, port in [
        ("127.0.0.1", "127.0.0.1", 9200),
        ("2130706433", "127.0.0.1", 9200),
        ("127.0.0.2", "127.0.0.2", 9200),  # the node listens on loopback: every loopback spelling
        ("::1", "::1", 9200),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1", 9200),
        ("0.0.0.0", "0.0.0.0", 9200),
        ("localhost", "127.0.0.1", 9200),
        ("es.alias.gov.cn", "127.0.0.1", 9200),
        ("127.0.0.1", "127.0.0.1", 6379),
        ("localhost", "::1", 6379),
    ]:
        with pytest.raises(BlockedAddress, match="project's own services") as caught:
            policy.check(host, ip, port)
        assert caught.value.klass == "service"
    policy.check("127.0.0.1", "127.0.0.1", 8080)  # another port on the allowed address is fine


def test_services_started_by_govpatrol_are_found_in_the_services_state(monkeypatch, tmp_path):
    monkeypatch.setenv("GOVPATROL_RUN_DIR", str(tmp_path))
    (tmp_path / "state.json").write_text(
        '{"elasticsearch": {"url": "http://127.0.0.1:9321"}, "redis": {"url": "redis://10.9.0.4:6400/0"}}',
        encoding="utf-8",
    )
    config = Config()
    config.network.allow_hosts = ["127.0.0.1", "10.0.0.0/8"]
    policy = policy_for(config)
    with pytest.raises(BlockedAddress, match="own services"):
        policy.check("127.0.0.1", "127.0.0.1", 9321)
    with pytest.raises(BlockedAddress, match="own services"):
        policy.check("10.9.0.4", "10.9.0.4", 6400)
    policy.check("10.9.0.4", "10.9.0.4", 80)


def test_the_services_state_is_where_govpatrol_services_keeps_it(monkeypatch, tmp_path):
    monkeypatch.setenv("GOVPATROL_RUN_DIR", str(tmp_path / "run"))
    assert run_dir() == services_run_dir()
    monkeypatch.delenv("GOVPATROL_RUN_DIR")
    assert services_state_file() == Path("/tmp/govpatrol-services/state.json")


def test_a_bad_cidr_entry_is_rejected():
    with pytest.raises(ValueError, match="allow_hosts"):
        AddressPolicy.from_entries(["10.0.0.0/99"])


def test_platform_origins_are_allowed_implicitly_but_not_the_elasticsearch_host():
    config = Config()
    config.platforms["weibo"] = PlatformConfig(origin="http://weibo-mirror.internal:8080")
    config.platforms["douyin"] = PlatformConfig(origin="https://douyin-mirror.internal")
    config.elasticsearch.url = "http://es.internal:9200"
    policy = policy_for(config)
    policy.check("weibo-mirror.internal", "10.9.9.9", 8080)
    policy.check("douyin-mirror.internal", "10.9.9.8", 443)
    with pytest.raises(BlockedAddress):
        policy.check("weibo-mirror.internal", "10.9.9.9", 9200)  # the origin's port only
    with pytest.raises(BlockedAddress):
        policy.check("es.internal", "10.9.9.10", 9200)
    crawler = SimpleNamespace(settings=Settings(build_settings(config)))
    guard = AddressGuardMiddleware.from_crawler(crawler).policy  # what the crawl's middleware enforces
    assert guard.entries_text() == ["douyin-mirror.internal:443", "weibo-mirror.internal:8080"]


def _fired(deferred):
    box: list = []
    deferred.addCallbacks(box.append, lambda failure: box.append(failure.value))
    assert box
    return box[0]


def test_the_scrapy_resolver_refuses_mapped_names_and_literals_into_blocked_ranges():
    policy = AddressPolicy.from_entries(["www.site.gov.cn"])
    resolver = PatrolResolver(
        Clock(),  # type: ignore[arg-type]  # a reactor clock is all the resolver uses here
        100,
        5.0,
        resolve={"www.site.gov.cn": "127.0.0.1", "alias.gov.cn": "127.0.0.1"},
        offline=True,
        policy=policy,
    )
    assert _fired(resolver.getHostByName("www.site.gov.cn")) == "127.0.0.1"
    for name, klass in [("alias.gov.cn", "loopback"), ("10.1.2.3", "private"), ("2130706433", "loopback")]:
        refused = _fired(resolver.getHostByName(name))
        assert isinstance(refused, BlockedAddress)
        assert refused.klass == klass


def test_a_blocked_download_is_recorded_as_blocked_not_dns():
    refused = BlockedAddress("localhost", "127.0.0.1", "loopback")
    assert classify_failure(refused)[0] == "blocked"
    wrapped = RuntimeError("download failed")
    wrapped.__cause__ = refused
    assert classify_failure(wrapped)[0] == "blocked"
    assert classify_failure(DNSLookupError("x: not found"))[0] == "dns"


def test_a_blocked_link_is_an_unusable_link_and_certain():
    result = LinkResult(url="http://10.1.2.3/", checked_at=None, error="blocked")  # type: ignore[arg-type]
    use = LinkUse(target_id="t1", kind="external", found_on=["http://www.site.gov.cn/"])
    check = make_check(use, "http://10.1.2.3/", "http://www.site.gov.cn/", result)
    assert (check.error, check.internal) == ("blocked", False)  # the fact; then the rule's judgment:
    state = link_state.judge_link(check, [], Rules.load())
    assert state.dead
    assert state.confirmed


# ------------------------------------------------------------------ credential masking


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("http://elastic:Pa55word@es.internal:9200/", "Pa55word"),
        ("https://oapi.dingtalk.com/robot/send?access_token=abcdef123456", "abcdef123456"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx", "693a91f6-7xxx"),
        ("POST .../robot/send?access_token=tok999&timestamp=1&sign=SiGnAtUrE%3D", "SiGnAtUrE"),
        ("Authorization: ApiKey VnVhQ2ZHY0JDZGJrU", "VnVhQ2ZHY0JDZGJrU"),
        ("Authorization: Basic ZWxhc3RpYzpQYTU1", "ZWxhc3RpYzpQYTU1"),
    ],
)
def test_credential_patterns_are_masked_wherever_they_appear(text, secret):
    masked = redact_text(text, ())
    assert secret not in masked
    assert "***" in masked


def test_a_masked_url_keeps_what_an_operator_needs_to_see():
    assert mask_url("http://elastic:pw@es.internal:9200/x") == "http://***@es.internal:9200/x"
    assert mask_url("https://oapi.dingtalk.com/robot/send?access_token=t0k3n&x=1") == (
        "https://oapi.dingtalk.com/robot/send?access_token=***&x=1"
    )


def test_every_configured_secret_is_found_and_masked_even_without_a_pattern():
    config = Config()
    config.elasticsearch.url = "http://elastic:UrlPassw0rd@127.0.0.1:9200"
    config.elasticsearch.api_key = "ApiKeyValue42"
    config.elasticsearch.password = "EnvPassw0rd"
    config.alerts = AlertsConfig.from_table(
        {
            "enabled": True,
            "webhooks": [
                {
                    "kind": "dingtalk",
                    "url": "https://oapi.dingtalk.com/robot/send?access_token=DtToken77",
                    "secret": "SECsign88",
                },
                {"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=WcKey99"},
            ],
            "smtp": {
                "host": "smtp.example.gov.cn",
                "password": "SmtpPw55",
                "sender": "patrol@example.gov.cn",
                "recipients": ["office@example.gov.cn"],
            },
        }
    )
    secrets = config.secrets()
    for value in (
        "UrlPassw0rd",
        "ApiKeyValue42",
        "EnvPassw0rd",
        "DtToken77",
        "SECsign88",
        "WcKey99",
        "SmtpPw55",
    ):
        assert value in secrets
        assert value not in redact_text(f"failed with {value} in the text", secrets)
    doc = {"a": ["x SmtpPw55 y", {"b": "DtToken77"}], "n": 3}
    assert redact_value(doc, secrets) == {"a": ["x *** y", {"b": "***"}], "n": 3}
