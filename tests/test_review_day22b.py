"""Review of day 22b's merges: usage errors name an unzipped archive's folder and a DID."""

from __future__ import annotations

import io

import pytest

from linkratio.cli.app import main

FOLDER = "twitter-2024-12-01-1a2b3c4d5e6f7a8b"  # an X archive unzipped: its folder's name
DID = "bsky:did:plc:ewvi7nxzyoun6zhxrhs64oiz"  # how `accounts` names a Bluesky account


def _usage_err(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(argv, io.StringIO())
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("name", [FOLDER, f"exports/{FOLDER}", DID])
def test_a_folder_or_an_account_typed_without_its_command_is_named(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _usage_err([name], capsys)
    assert f"unknown command '{name}'" in err, err
    err = _usage_err(["import", "a.zip", name], capsys)
    assert f"unrecognized arguments: {name}" in err, err


def test_a_token_beside_them_is_still_hidden(capsys: pytest.CaptureFixture[str]) -> None:
    token = "Zk3mQ9vT2xLp8aW4nR7cY1bH6jD0sF5gE"
    err = _usage_err(["import", "a.zip", FOLDER, DID, token], capsys)
    assert f"{FOLDER} {DID} <hidden: looks like a secret>" in err, err
    assert token not in err
