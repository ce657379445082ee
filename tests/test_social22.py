"""Bluesky and Mastodon users end to end: names as people write them (session 22 review)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fakes.social import OWNER_DID, OWNER_HANDLE, FakeSocial, Fault

from linkratio import cli
from linkratio.accounts import lookup
from linkratio.authors import names
from linkratio.errors import SettingError
from linkratio.frame import Library
from linkratio.model import Account
from linkratio.net.mastodon import configured_token, split_handle

PUNY = "xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("@alice@Bücher.Example", ("alice", PUNY)),
        ("alice@bücher.example:8443", ("alice", PUNY + ":8443")),
        (f"@alice@{PUNY}", ("alice", PUNY)),
    ],
)
def test_a_mastodon_handle_on_a_unicode_instance_is_its_ascii_name(
    handle: str, expected: tuple[str, str]
) -> None:
    assert split_handle(handle) == expected


@pytest.mark.parametrize("handle", ["@alice@bü cher.example", "@alice@bü_cher.example", "@a@-x.de"])
def test_a_broken_unicode_instance_is_still_no_handle(handle: str) -> None:
    with pytest.raises(SettingError, match="is not a Mastodon handle"):
        split_handle(handle)


def test_a_stored_account_on_a_unicode_instance_is_found_by_its_unicode_name(
    lib: Library,
) -> None:
    stored = Account("mastodon", f"https://{PUNY}/@alice", f"alice@{PUNY}")
    lib.save_posts(stored, [], origin="api")
    for name in ("mastodon:@alice@bücher.example", f"mastodon:@Alice@{PUNY}"):
        found = lookup(lib, name)
        assert found is not None and found.id == stored.id, name


def test_a_token_for_a_unicode_instance_goes_to_its_ascii_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINKRATIO_CONFIG", "/nonexistent/linkratio-test-config.toml")
    monkeypatch.setenv("LINKRATIO_MASTODON_TOKEN", "tok-123456")
    monkeypatch.setenv("LINKRATIO_MASTODON_INSTANCE", "https://Bücher.example/")
    assert configured_token(PUNY) == "tok-123456"
    assert configured_token("other.example") is None


def test_a_bluesky_handle_in_capitals_is_asked_for_in_lower_case(
    fake_bluesky: FakeSocial, tmp_path: Path
) -> None:
    # Handles are case-insensitive and normalized to lower case (AT Protocol handle spec).
    db = str(tmp_path / "lib.sqlite")
    out = io.StringIO()
    assert cli.main(["fetch", "bsky:ShinyaKato.DEV", "--db", db], out=out) == 0
    assert f"of bsky:{OWNER_HANDLE} (bluesky)" in out.getvalue()
    assert [c.params["actor"] for c in fake_bluesky.calls("getProfile")] == [OWNER_HANDLE]
    assert cli.main(["fetch", f"bsky:{OWNER_DID}", "--db", db], out=io.StringIO()) == 0
    assert fake_bluesky.calls("getProfile")[-1].params["actor"] == OWNER_DID


def test_a_bluesky_handle_taken_by_another_did_lists_the_old_account_by_its_did(
    fake_bluesky: FakeSocial, tmp_path: Path
) -> None:
    # shinyakato.dev moves to another account (a new DID): both are in the library, and
    # `accounts` must name each one so that the name reaches that account, not the other.
    db = str(tmp_path / "lib.sqlite")
    assert cli.main(["fetch", f"bsky:{OWNER_HANDLE}", "--db", db], out=io.StringIO()) == 0
    new_did = "did:plc:newperson0000000000000000"
    fake_bluesky.profiles = {OWNER_HANDLE: new_did}
    for item in fake_bluesky.feed:
        post = item["post"]
        if post["author"]["did"] == OWNER_DID:
            post["uri"] = post["uri"].replace(OWNER_DID, new_did)
            post["author"]["did"] = new_did
        if "reason" in item:
            item["reason"]["by"]["did"] = new_did
    assert cli.main(["fetch", f"bsky:{OWNER_HANDLE}", "--db", db], out=io.StringIO()) == 0
    out = io.StringIO()
    assert cli.main(["accounts", "--db", db], out=out) == 0
    names = sorted(line.split()[0] for line in out.getvalue().splitlines()[1:])
    assert names == [f"bsky:{OWNER_DID}", f"bsky:{OWNER_HANDLE}"]
    with Library(tmp_path / "lib.sqlite") as lib:
        reached = {lookup(lib, name).id for name in names}  # type: ignore[union-attr]
    assert reached == {OWNER_DID, new_did}


def test_weekly_sync_of_a_quiet_account_does_not_ask_for_the_sync_it_just_ran(
    fake_bluesky: FakeSocial, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fake's posts end 2024-06-01: the sync works and finds nothing newer.
    db = str(tmp_path / "lib.sqlite")
    out = str(tmp_path / "w")
    name = f"bsky:{OWNER_HANDLE}"
    assert cli.main(["fetch", name, "--db", db], out=io.StringIO()) == 0
    capsys.readouterr()
    assert cli.main(["weekly", name, "--sync", "--db", db, "--out", out, "--tz", "UTC"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("linkratio: warning: no posts since 2024-06-01 (")
    assert "--sync" not in err[0] and "found no newer posts" in err[0]
    # Without --sync, the line still says how to bring new posts.
    assert cli.main(["weekly", name, "--db", db, "--out", out, "--tz", "UTC"]) == 1
    err = capsys.readouterr().err.strip()
    assert "run 'linkratio weekly --sync' or 'linkratio fetch'" in err


def test_a_bluesky_name_without_its_domain_is_a_one_line_input_error(
    fake_bluesky: FakeSocial, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "lib.sqlite")
    assert cli.main(["fetch", "bsky:alice", "--db", db], out=io.StringIO()) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "@alice" in err[0] and "bsky:alice.bsky.social" in err[0], err
    assert fake_bluesky.calls("getProfile") == []  # told before any request


def test_the_appviews_invalid_handle_answer_names_the_account(
    fake_bluesky: FakeSocial, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = b'{"error":"InvalidRequest","message":"Error: actor must be a valid did or a handle"}'
    fake_bluesky.faults = [Fault("/xrpc/app.bsky.actor.getProfile", 400, body=body)]
    db = str(tmp_path / "lib.sqlite")
    assert cli.main(["fetch", "bsky:a_b.example", "--db", db], out=io.StringIO()) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "@a_b.example" in err[0] and "bsky:alice.bsky.social" in err[0]


def test_author_option_names_a_mastodon_account_on_a_unicode_instance() -> None:
    account = Account("mastodon", f"https://{PUNY}/@alice", f"alice@{PUNY}")
    assert names(account, "mastodon:@alice@Bücher.example")
    assert names(account, f"mastodon:@ALICE@{PUNY}")
    assert not names(account, "mastodon:@alice@bucher.example")
