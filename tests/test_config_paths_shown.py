"""The config file's path as `config show`/`set`/`unset` print it: safe for a terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from linkratio import config
from linkratio.cli.app import main


@pytest.fixture
def odd_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file in a folder whose name holds a terminal escape (a colour change)."""
    folder = tmp_path / "a\x1b[31mred"
    folder.mkdir()
    path = folder / "config.toml"
    monkeypatch.setenv("LINKRATIO_CONFIG", str(path))
    for env in config.KEYS.values():
        monkeypatch.delenv(env, raising=False)
    return path


@pytest.mark.parametrize("action", [["show"], ["set", "smtp.host"], ["unset", "smtp.host"]])
def test_the_path_printed_carries_no_escape(
    odd_config: Path, action: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("mail.example.org\n"))
    assert main(["config", "set", "smtp.host"], out=io.StringIO()) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("mail.example.org\n"))
    out = io.StringIO()
    assert main(["config", *action], out=out) == 0
    assert "red" in out.getvalue()  # the path is shown ...
    assert "\x1b" not in out.getvalue()  # ... without its escape


def test_config_path_prints_the_path_as_it_is_for_scripts(odd_config: Path) -> None:
    out = io.StringIO()
    assert main(["config", "path"], out=out) == 0
    assert out.getvalue() == f"{odd_config}\n"
