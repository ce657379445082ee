"""Review of the weekly run's settings and delivery (session 23): `config set` refuses at once
a value every later use would refuse, and keeps the file as it was."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from linkratio.cli import main


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = ""
) -> tuple[int, str, str]:
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", io.StringIO(stdin))
        code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


# --- config set: a value every later use refuses ------------------------------------------

REFUSED = [
    # key, value, what the error says is expected, and what it must not show (a secret)
    ("smtp.port", "99999", "port number", None),
    ("smtp.port", "five", "port number", None),
    ("smtp.tls", "maybe", "starttls, ssl, none", None),
    ("smtp.host", "bad host!", "host name", None),
    ("smtp.sender", "not an address", "address", None),
    ("weekly.email", "me@example.org, nobody", "name@example.org", None),
    ("weekly.webhook", "ftp://hooks.example.org/T0/SECRETPATH", "https://host/path", "SECRET"),
    ("x.bearer_token", "AAAA SECRETTOKEN", "space", "SECRET"),
    ("mastodon.token", "tok\x1bSECRETTOKEN", "space", "SECRET"),
]


@pytest.mark.parametrize(("key", "value", "expected", "hidden"), REFUSED)
def test_config_set_refuses_a_value_its_users_refuse_and_keeps_the_file(
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    key: str,
    value: str,
    expected: str,
    hidden: str | None,
) -> None:
    # `config set` stored `smtp.port 99999`, `smtp.tls maybe` or a token with a space, exit 0:
    # every weekly run or fetch after it refused the setting (in cron, weeks later).
    run(["config", "set", "smtp.user", "-q"], capsys, "me\n")
    before = config_file.read_bytes()
    code, out, err = run(["config", "set", key], capsys, value + "\n")
    assert code == 2, err
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert key in err and expected in err, err
    if hidden:
        assert hidden not in err
    assert config_file.read_bytes() == before


ACCEPTED = [
    ("smtp.port", "2525"),
    ("smtp.tls", "SSL"),
    ("smtp.host", "mail.example.org"),
    ("smtp.sender", "Linkratio <linkratio@example.org>"),
    ("weekly.email", "me@example.org, you@example.org"),
    ("weekly.webhook", "https://hooks.example.org/services/T0/B0/x"),
    ("x.bearer_token", "AAAA%2Fbcd"),
    ("mastodon.instance", "example.social"),
]


@pytest.mark.parametrize(("key", "value"), ACCEPTED)
def test_config_set_still_stores_a_good_value(
    config_file: Path, capsys: pytest.CaptureFixture[str], key: str, value: str
) -> None:
    from linkratio import config

    code, out, err = run(["config", "set", key], capsys, value + "\n")
    assert code == 0, err
    assert config.get(key) == value
