"""The commands agree: --quiet everywhere, --skip-invalid wherever files are read, help
that names every platform, and errors that name the missing part."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import SAMPLE

from linkratio import config
from linkratio.cli import build_parser, main
from linkratio.frame import Library
from linkratio.model import Account, Post

READS_FILES = {"classify", "audit", "report", "import", "cohort build"}
"""The commands that read posts from files."""


def leaf_parsers(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command that runs (`library check`, not `library`), with its full name."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix, parser
    for sub in subs:
        for name, child in sub.choices.items():
            yield from leaf_parsers(child, f"{prefix} {name}".strip())


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def test_every_command_takes_quiet() -> None:
    commands = dict(leaf_parsers(build_parser()))
    assert {"accounts", "config", "challenge", "schedule", "library check"} <= set(commands)
    for name, parser in commands.items():
        assert {"-q", "--quiet"} <= _options(parser), f"{name} has no --quiet"


def test_every_command_that_reads_files_takes_skip_invalid() -> None:
    commands = dict(leaf_parsers(build_parser()))
    for name in READS_FILES:
        assert "--skip-invalid" in _options(commands[name]), name


@pytest.mark.parametrize("command", ["import", "weekly", "fetch", "expand"])
def test_help_names_all_three_platforms(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "X" in text, text
    assert "Bluesky" in text or "bsky:" in text, text
    assert "Mastodon" in text or "mastodon:" in text, text


def test_report_quiet_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", str(SAMPLE), "--out", str(tmp_path / "r"), "-q", "--tz", "UTC"])
    assert code == 0
    assert capsys.readouterr() == ("", "")
    assert (tmp_path / "r" / "report.html").is_file()


@pytest.fixture
def two_accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "lib.sqlite"
    with Library(db) as lib:
        for uid, handle in (("1", "me"), ("2", "other")):
            post = Post("x", uid, datetime(2026, 11, 17, 9, tzinfo=UTC), "@ana hi", author_id=uid)
            lib.save_posts(Account("x", uid, handle), [post], origin="file")
    monkeypatch.setenv("LINKRATIO_DB", str(db))
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "config.toml"))
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    for env in config.KEYS.values():
        monkeypatch.delenv(env, raising=False)
    return db


def test_schedule_takes_the_account_its_error_asks_for(
    two_accounts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schedule", "--email", "a@example.org"], io.StringIO()) == 2
    assert "name one with --account" in capsys.readouterr().err
    out = io.StringIO()
    assert main(["schedule", "--account", "@other", "--email", "a@example.org"], out) == 0
    assert "weekly @other --quiet" in out.getvalue()
    assert main(["schedule", "@me", "--account", "@other"], io.StringIO()) == 2
    assert "not two different ones" in capsys.readouterr().err


def test_challenge_names_the_missing_part(
    two_accounts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["challenge", "set", "--account", "@me"], io.StringIO()) == 2
    assert "challenge set needs a DATE, the day" in capsys.readouterr().err
    assert main(["challenge", "set", "2026-12-02", "--suggest"], io.StringIO()) == 2
    assert "not both" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["challenge"])
    assert "required: set|status" in capsys.readouterr().err
    out = io.StringIO()
    argv = ["challenge", "set", "2026-12-02", "--account", "@me", "-q", "--now", "2026-12-01"]
    assert main(argv, out) == 0 and out.getvalue() == ""
