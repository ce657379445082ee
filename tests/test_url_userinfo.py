"""A `user:password@` in an API base URL is a secret: never in a message, an error or a repr."""

from __future__ import annotations

import socket

import pytest
from helpers import Waits, credentials_for

from linkratio.cli.app import main
from linkratio.errors import ApiUnavailable, SettingError
from linkratio.net.redact import REDACTOR, hide_userinfo
from linkratio.net.service import checked_base_url
from linkratio.net.x import XClient
from linkratio.net.x_settings import checked_url

SECRET = "pa55-w0rd-xyz"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_x_give_up_line_and_repr_hide_the_password_of_the_base_url():
    port = _closed_port()
    waits = Waits()
    client = XClient(
        credentials_for("bearer"),
        base_url=f"http://someone:{SECRET}@127.0.0.1:{port}",
        retries=1,
        backoff=0.01,
        on_wait=waits.on_wait,
        sleep=waits.sleep,
    )
    with pytest.raises(ApiUnavailable) as caught:
        client.lookup_user("owner")
    assert "is unavailable: cannot connect" in str(caught.value)
    assert SECRET not in str(caught.value) and "someone:" not in str(caught.value)
    assert "http://***@127.0.0.1" in str(caught.value)
    assert SECRET not in repr(client)


def test_a_refused_base_url_names_the_setting_without_its_password():
    with pytest.raises(SettingError) as x_error:
        checked_url(f"ftp://someone:{SECRET}@example.org")
    with pytest.raises(SettingError) as service_error:
        checked_base_url(f"ftp://other:{SECRET}9@example.org", "LINKRATIO_BSKY_URL", "bluesky")
    for error in (x_error.value, service_error.value):
        assert SECRET not in str(error)
        assert "***@example.org" in str(error)


def test_a_url_without_userinfo_adds_no_secret():
    before = set(REDACTOR.secrets)
    assert hide_userinfo("https://api.example.org/2/users?x=a@b") == (
        "https://api.example.org/2/users?x=a@b"
    )
    assert REDACTOR.secrets == before


def test_the_command_line_error_masks_the_password(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("LINKRATIO_X_API_URL", f"ftp://someone:{SECRET}@example.org")
    monkeypatch.setenv("X_BEARER_TOKEN", "a-bearer-token-for-the-test")
    code = main(["fetch", "@someone", "--db", str(tmp_path / "lib.db"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "LINKRATIO_X_API_URL" in err and SECRET not in err
