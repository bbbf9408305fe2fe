"""The command line teaches and refuses bad input with exit code 2 and one clear line."""

from __future__ import annotations

import pytest

from govpatrol.cli import main
from govpatrol.sweep import InputError, parse_as_of


def test_help_lists_the_jobs(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for command in ("sweep", "demo", "services"):
        assert command in out


def test_sweep_help_explains_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    out = capsys.readouterr().out
    for option in ("--targets", "--as-of", "--kind", "--output", "--es", "--config", "--no-es"):
        assert option in out
    assert "id, kind, name, owner, region, url" in out


def test_as_of_without_offset_is_beijing_time():
    assert parse_as_of("2025-03-31T10:00:00").utcoffset().total_seconds() == 8 * 3600
    assert parse_as_of("2025-03-31T10:00:00+00:00").utcoffset().total_seconds() == 0


def test_bad_as_of_is_named():
    with pytest.raises(InputError, match="--as-of: not an ISO 8601 time: 'yesterday'"):
        parse_as_of("yesterday")


def test_missing_registry_exits_2_with_the_file_named(tmp_path, capsys):
    missing = tmp_path / "sites.csv"
    code = main(["sweep", "--targets", str(missing), "--no-es", "--output", str(tmp_path / "o.jsonl")])
    assert code == 2
    err = capsys.readouterr().err
    assert f"{missing}: file does not exist" in err
    assert "nothing was imported" in err


def test_no_es_without_output_is_refused(tmp_path, capsys):
    code = main(["sweep", "--targets", str(tmp_path / "x.csv"), "--no-es"])
    assert code == 2
    assert "--no-es needs --output" in capsys.readouterr().err
