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
        ("[crawl]\nconcurency = 8\n", "[crawl]: unknown key 'concurency'"),
        ("[crawl]\nconcurrency = 'many'\n", "[crawl].concurrency: expected int, got str 'many'"),
        ("[crawl]\ncheck_links = 1\n", "[crawl].check_links: expected bool, got int 1"),
        ("[crwal]\n", "[crwal]: unknown section"),
        ("[platforms.facebook]\norigin = 'x'\n", "[platforms.facebook]: unknown platform"),
        ("[crawl\n", "not valid TOML"),
        ("[crawl]\nrender_js = 'always'\n", "render_js must be 'auto' or 'never'"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


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
    assert config.alerts["smtp"]["password"] == "s3cr3t"
    assert "s3cr3t" not in repr(config)


def test_bad_alert_settings_fail_at_start_up(tmp_path):
    with pytest.raises(ConfigError, match=r"\[alerts\]\.smtp: host, sender and recipients are required"):
        load_config(write(tmp_path, '[alerts]\nenabled = true\nsmtp = { host = "127.0.0.1" }\n'))
