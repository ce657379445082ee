"""Settings: environment wins over the 0600 config file; values are never described."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from linkratio import config
from linkratio.errors import InputError

SECRET = "sekrit-AAAA-1234"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for env in config.KEYS.values():
        monkeypatch.delenv(env, raising=False)
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "conf" / "config.toml"))


def test_file_is_private_and_read_back() -> None:
    path = config.set_value("x.bearer_token", SECRET)
    assert path == config.config_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.get("x.bearer_token") == SECRET
    assert 'bearer_token = "sekrit-AAAA-1234"' in path.read_text()


def test_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    config.set_value("x.bearer_token", SECRET)
    monkeypatch.setenv("X_BEARER_TOKEN", "from-env")
    assert config.get("x.bearer_token") == "from-env"
    sources = {s.key: s.source for s in config.describe()}
    assert sources["x.bearer_token"] == "environment"
    assert sources["x.consumer_key"] is None


def test_describe_never_holds_values() -> None:
    config.set_value("x.access_token", SECRET)
    described = repr(config.describe())
    assert SECRET not in described
    assert "file" in described


def test_remove_and_unknown_key() -> None:
    config.set_value("x.access_token", SECRET)
    config.set_value("x.access_token", None)
    assert config.get("x.access_token") is None
    with pytest.raises(InputError, match="unknown setting 'x.token'"):
        config.set_value("x.token", "v")


def test_broken_file_names_the_path() -> None:
    path = config.config_path()
    path.parent.mkdir(parents=True)
    path.write_text("[x\nbearer_token = ")
    with pytest.raises(InputError, match="config.toml: not a valid TOML"):
        config.get("x.bearer_token")


@pytest.mark.parametrize(
    "value",
    ["päss😀", 'quote " and back\\slash', "tab\tand\nnewline", "\u202eright-to-left", "日本語"],
)
def test_any_unicode_value_round_trips(tmp_path, monkeypatch, value: str) -> None:
    path = tmp_path / "config.toml"
    config.set_value("smtp.user", value, path)
    config.set_value("smtp.host", "mail.example.org", path)  # rewriting keeps the first
    assert config.get("smtp.user", path) == value
    config.set_value("smtp.user", None, path)  # and unset still works afterwards
    assert config.get("smtp.user", path) is None
    assert config.get("smtp.host", path) == "mail.example.org"


def test_a_value_that_is_not_utf8_is_refused_and_the_file_kept(tmp_path) -> None:
    path = tmp_path / "config.toml"
    config.set_value("smtp.user", "me", path)
    before = path.read_bytes()
    with pytest.raises(InputError, match="smtp.password.*not valid UTF-8"):
        config.set_value("smtp.password", "p\udcc3ss", path)
    assert path.read_bytes() == before


def test_config_set_from_a_pipe_keeps_emoji_and_later_commands_work(tmp_path) -> None:
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "LINKRATIO_CONFIG": str(tmp_path / "c.toml"), "LANG": "C.UTF-8"}
    run = [sys.executable, "-m", "linkratio", "config"]
    setting = subprocess.run(
        [*run, "set", "smtp.user"], input="päss😀\n".encode(), env=env, capture_output=True
    )
    assert setting.returncode == 0, setting.stderr
    shown = subprocess.run([*run, "show"], env=env, capture_output=True, text=True)
    assert shown.returncode == 0 and "smtp.user" in shown.stdout
    assert "päss" not in shown.stdout  # a secret is never printed
    assert config.get("smtp.user", tmp_path / "c.toml") == "päss😀"
    unset = subprocess.run([*run, "unset", "smtp.user"], env=env, capture_output=True)
    assert unset.returncode == 0, unset.stderr
