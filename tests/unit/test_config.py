"""The TOML config: defaults, overrides, and errors that name the file and key."""

from __future__ import annotations

import pytest

from crawlers.config import ConfigError, load_config


def write(tmp_path, text: str):
    p = tmp_path / "govpatrol.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_a_file(monkeypatch):
    monkeypatch.delenv("GOVPATROL_ES_URL", raising=False)
    config = load_config(None)
    assert config.crawl.homepage_timeout == 15.0
    assert config.elasticsearch.url == "http://127.0.0.1:9200"
    assert config.network.allow_hosts == []


def test_values_and_platform_origin(tmp_path):
    (tmp_path / "mine.toml").write_text("", encoding="utf-8")
    config = load_config(
        write(
            tmp_path,
            "[crawl]\nconcurrency = 8\nhomepage_timeout = 10\n"
            '[network]\nresolve = {"*.gov.cn" = "127.0.0.1"}\noffline = true\n'
            '[platforms.weibo]\norigin = "http://127.0.0.1:8081"\n'
            '[indicators]\nfile = "mine.toml"\n',
        )
    )
    assert config.crawl.concurrency == 8
    assert config.crawl.homepage_timeout == 10.0
    assert config.network.resolve == {"*.gov.cn": "127.0.0.1"}
    assert config.platforms["weibo"].origin == "http://127.0.0.1:8081"
    assert config.indicators_file == str(tmp_path / "mine.toml")


def test_the_files_url_comes_before_the_environment(tmp_path, monkeypatch):
    """Elasticsearch is found in the order --es, config, GOVPATROL_ES_URL, the recorded node."""
    monkeypatch.setenv("GOVPATROL_ES_URL", "http://es.internal:9200")
    config = load_config(write(tmp_path, '[elasticsearch]\nurl = "http://other:9200"\n'))
    assert (config.elasticsearch.url, config.es_url_from) == ("http://other:9200", "config")
    config = load_config(write(tmp_path, '[elasticsearch]\nindex_prefix = "x"\n'))
    assert (config.elasticsearch.url, config.es_url_from) == ("http://es.internal:9200", "env")


def test_secrets_stay_out_of_the_repr(tmp_path):
    config = load_config(write(tmp_path, '[elasticsearch]\napi_key = "c2VjcmV0"\npassword = "hunter2"\n'))
    assert "c2VjcmV0" not in repr(config)
    assert "hunter2" not in repr(config)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # unknown keys and sections, each with the nearest known name
        ("[crawl]\nconcurency = 8\n", "[crawl].concurency: unknown key (did you mean 'concurrency'?)"),
        ("[crwal]\n", "[crwal]: unknown section (did you mean 'crawl'?)"),
        ("[report]\ntitel = 'x'\n", "[report].titel: unknown key (did you mean 'title'?)"),
        ("[platforms.weibbo]\norigin = 'x'\n", "unknown platform 'weibbo' (did you mean 'weibo'?)"),
        # types are strict: a number is not a flag, a word is not a number
        (
            "[crawl]\nconcurrency = 'many'\n",
            "[crawl].concurrency: Input should be a valid integer (got 'many')",
        ),
        ("[crawl]\ncheck_links = 1\n", "[crawl].check_links: Input should be a valid boolean (got 1)"),
        ("[crawl\n", "not valid TOML"),
        ("[crawl]\nrender_js = 'always'\n", "[crawl].render_js: Input should be 'auto' or 'never'"),
        # tracebacks before
        (
            '[network]\nallow_hosts = ["10.0.0.0/33"]\n',
            "[network].allow_hosts: '10.0.0.0/33' is not a CIDR network",
        ),
        # the guard's own parser (crawlers.ssrf.AllowEntry): ports and names as it reads them
        (
            '[network]\nallow_hosts = ["127.0.0.1:99999"]\n',
            "[network].allow_hosts: '127.0.0.1:99999' has an invalid port (1-65535)",
        ),
        (
            '[network]\nallow_hosts = ["http://a.gov.cn/"]\n',
            "[network].allow_hosts: 'http://a.gov.cn/' is a URL: give its host (and port)",
        ),
        (
            '[network]\nresolve = {"a.gov.cn" = "not-an-ip"}\n',
            "[network].resolve: 'a.gov.cn' = 'not-an-ip': expected a host name",
        ),
        ("[crawl]\npage_timeout = inf\n", "[crawl].page_timeout: Input should be a finite number"),
        ('[indicators]\nfile = "missing.toml"\n', "[indicators].file: no such file"),
        # silently accepted before
        ("[crawl]\nsite_time_budget = -1\n", "[crawl].site_time_budget: Input should be greater than 0"),
        ("[crawl]\nconcurrency = 0\n", "[crawl].concurrency: Input should be greater than or equal to 1"),
        ("[crawl]\nper_host = -4\n", "[crawl].per_host: Input should be greater than or equal to 1"),
        ("[crawl]\nsites_in_flight = 0\n", "[crawl].sites_in_flight: Input should be greater than or equal"),
        (
            "[distributed]\ntargets_in_flight = -1\n",
            "[distributed].targets_in_flight: Input should be greater",
        ),
        ("[crawl]\nlink_timeout = nan\n", "[crawl].link_timeout: Input should be a finite number"),
        ("[scheduler]\nsample_ratio = nan\n", "[scheduler].sample_ratio: Input should be a finite number"),
        ("[report]\nfoo = 1\n", "[report].foo: unknown key"),
        # richer checks
        ("[scheduler]\nrollup_cron = 'every monday'\n", "[scheduler].rollup_cron: not a crontab expression"),
        ("[distributed]\nheartbeat_seconds = 20\n", "[distributed]: heartbeat_seconds (20) must be below"),
        ("[report]\ndeadline = '2025-13-01'\n", "[report].deadline: expected a date YYYY-MM-DD"),
        (
            "[platforms.weibo]\norigin = 'ftp://x'\n",
            "[platforms.weibo].origin: expected an http:// or https://",
        ),
        (
            "[elasticsearch]\nindex_prefix = 'GovPatrol'\n",
            "[elasticsearch].index_prefix: String should match",
        ),
        ("[alerts]\nenabled = 'yes'\n", "[alerts].enabled: unexpected value str"),
    ],
)
def test_bad_config_names_file_key_and_reason(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value)
    assert str(err.value).startswith(f"{path}: ")


def test_every_mistake_of_a_file_is_reported_at_once(tmp_path):
    path = write(tmp_path, "[crawl]\nconcurrency = 0\npage_timeout = inf\n[report]\ntitel = 'x'\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"{path}: [") for line in lines)


def test_the_indicators_file_is_found_next_to_the_config(tmp_path):
    (tmp_path / "office.toml").write_text("", encoding="utf-8")
    config = load_config(write(tmp_path, '[indicators]\nfile = "office.toml"\n'))
    assert config.indicators_file == str(tmp_path / "office.toml")


def test_report_settings_come_from_the_same_schema(tmp_path):
    config = load_config(write(tmp_path, "[report]\nscope = '全市'\ndeadline = '2025-05-01'\n"))
    assert (config.report.scope, config.report.deadline) == ("全市", "2025-05-01")
    assert config.report.review_days == 92


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file does not exist"):
        load_config(tmp_path / "nope.toml")


def test_platform_cookie_from_the_environment(monkeypatch):
    monkeypatch.setenv("GOVPATROL_WEIBO_COOKIE", "SUB=abc; SUBP=def")
    config = load_config(None)
    assert config.platforms["weibo"].cookies == {"SUB": "abc", "SUBP": "def"}
    assert "abc" not in repr(config)


def test_platform_credentials_are_read_and_kept_out_of_reprs(tmp_path):
    config = load_config(
        write(tmp_path, '[platforms.wechat]\ncredentials = { token = "t0k3n", cookie = "c=1" }\n')
    )
    assert config.platforms["wechat"].credentials == {"token": "t0k3n", "cookie": "c=1"}
    assert "t0k3n" not in repr(config)


def test_alert_secrets_stay_out_of_the_repr(tmp_path):
    config = load_config(
        write(
            tmp_path,
            '[alerts]\nenabled = true\nsmtp = { host = "127.0.0.1", password = "s3cr3t", '
            'sender = "patrol@example.gov.cn", recipients = ["office@example.gov.cn"] }\n',
        )
    )
    assert config.alerts.smtp is not None
    assert config.alerts.smtp.password == "s3cr3t"
    assert "s3cr3t" not in repr(config)


def test_bad_alert_settings_fail_at_start_up(tmp_path):
    with pytest.raises(ConfigError, match=r"\[alerts\]\.smtp: host, sender and recipients are required"):
        load_config(write(tmp_path, '[alerts]\nenabled = true\nsmtp = { host = "127.0.0.1" }\n'))
