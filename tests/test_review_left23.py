"""Review of day 23 (left): a token typed in a value's place is quoted by no error or warning
said after the parsing; `classify @handle` says when posts are due to be re-read; SIGTERM
at any moment of a run ends it in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, SAMPLE, one_error, private_home
from helpers import run_cli as run
from test_reread import imported, read_by_old

import linkratio.sources.reread as sources_reread
from linkratio.render.escape import HIDDEN, typed_secrets

TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
"""A GitHub token's shape: what a user pastes into the wrong option."""
PASSWORD = "abcd-efgh-ijkl-mnop"
"""A Bluesky app password's shape."""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's folders of their own: a library with the sample in it, no config."""
    monkeypatch.chdir(tmp_path)
    return private_home(tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["audit", str(SAMPLE), "--tz", TOKEN], "unknown time zone"),
        (["report", str(SAMPLE), "--tz", TOKEN, "--out", "r"], "unknown time zone"),
        (["weekly", "@marenbuilds", "--tz", TOKEN], "unknown time zone"),
        (["audit", str(SAMPLE), "--author", TOKEN], "holds no posts by"),
        (["classify", str(SAMPLE), "--author", f"@{TOKEN}"], "holds no posts by"),
        (["audit", f"@{TOKEN}"], "no account"),
        (["expand", TOKEN], "no account"),
        (["weekly", f"x:{TOKEN}"], "no account"),
        (["weekly", "@marenbuilds", "--email", TOKEN], "invalid email address"),
        (["weekly", "@marenbuilds", "--week", TOKEN], "invalid week"),
        (["weekly", "@marenbuilds", "--webhook-env", TOKEN], "that variable is not set"),
        (["schedule", "@marenbuilds", "--weekday", PASSWORD], "invalid weekday"),
        (["fetch", f"bsky:{TOKEN}"], "no Bluesky account"),
    ],
)
def test_a_token_typed_in_a_values_place_is_not_quoted_by_the_error(
    argv: list[str], said: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported(SAMPLE, home / "lib.sqlite", capsys)
    code, out, err = run(argv, capsys)
    line = one_error(err)
    assert code == 2 and out == ""
    assert said in line and HIDDEN in line  # the error is still the one it was
    assert TOKEN not in line and TOKEN[4:20] not in line and PASSWORD not in line


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (["audit", str(SAMPLE), "--tz", "Europe/Pari"], "'Europe/Pari'"),
        (["audit", str(SAMPLE), "--author", "@nobody"], "holds no posts by @nobody"),
        (["audit", "@someoneelse"], "no account @someoneelse"),
        (["audit", "exports/twitter.zip"], "exports/twitter.zip: no such file"),
        (["weekly", "@marenbuilds", "--email", "me.example.org"], "'me.example.org'"),
        (["weekly", "@marenbuilds", "--week", "2026-W77"], "'2026-W77'"),
        (["weekly", "@marenbuilds", "--webhook-env", "SLACK_HOOK"], "SLACK_HOOK"),
    ],
)
def test_an_ordinary_value_is_still_named_so_it_can_be_fixed(
    argv: list[str], shown: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported(SAMPLE, home / "lib.sqlite", capsys)
    code, _, err = run(argv, capsys)
    line = one_error(err)
    assert code == 2 and shown in line and HIDDEN not in line


def test_a_token_given_as_the_library_is_not_quoted_by_the_warning(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["audit", str(SAMPLE), "--db", TOKEN, "--json"], capsys)
    assert code == 0 and json.loads(out)["posts"] > 0
    assert err == (
        f"linkratio: warning: {HIDDEN}: no library file there: short links are counted "
        "without its resolved links\n"
    )
    code, out, err = run(["audit", str(SAMPLE), "--db", "nolib.sqlite", "--json"], capsys)
    assert code == 0 and err.startswith("linkratio: warning: nolib.sqlite: no library file")


def test_the_command_line_hides_a_token_from_its_own_process_end_to_end(home: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "linkratio", "audit", str(SAMPLE), f"--tz={TOKEN}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        f"linkratio: error: unknown time zone '{HIDDEN}': expected an IANA name such as "
        "Europe/Berlin\n"
    )


def test_an_earlier_run_in_the_process_hides_nothing_of_the_next(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A value hidden once is the user's own: a later command line that does not hold it
    # shows what it quotes as it is (a notebook runs main() many times).
    zone = "Mars/Olympus_Mons_Base_2024"  # long, letters and digits: hidden when typed
    code, _, err = run(["audit", str(SAMPLE), "--tz", zone], capsys)
    assert code == 2 and HIDDEN in one_error(err)
    code, _, err = run(["audit", str(SAMPLE), "--tz", "Europe/Pari"], capsys)
    assert code == 2 and "'Europe/Pari'" in one_error(err)


def test_the_secret_parts_of_a_command_line() -> None:
    slack = "https://hooks.slack.com/services/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"
    found = typed_secrets(
        [
            "weekly",
            "@marenbuilds",
            "--tz=Europe/Berlin",
            f"--webhook={slack}",
            "https://me:s3cr3tpass@smtp.example.org:465",
            f"x:{TOKEN}",
            "/home/me/exports/twitter-2024.zip",
            "did:plc:abcdefghijklmnopqrstuvwx",
            "alice2024.bsky.social",
        ]
    )
    assert found == [TOKEN, "x1Y2z3A4b5C6d7E8f9G0h1I2", "s3cr3tpass"]


@pytest.fixture
def old_library(home: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The sample in the library, as an older linkratio read it."""
    db = home / "lib.sqlite"
    read_by_old(db, imported(SAMPLE, db, capsys))
    return db


NOTICE = (
    "linkratio: warning: 2,390 posts of @marenbuilds were read by an older linkratio: "
    "run 'linkratio library reread @marenbuilds' to read them again\n"
)


@pytest.mark.parametrize("output", ["jsonl", "csv", "table"])
def test_classify_from_the_library_says_posts_are_due_to_be_reread(
    output: str,
    old_library: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sources_reread, "_NOTICED", set())
    code, out, err = run(["classify", "@marenbuilds", "--output", output], capsys)
    assert code == 0 and err == NOTICE
    assert "reread" not in out and len(out.splitlines()) >= 2390  # the listing, untouched
    monkeypatch.setattr(sources_reread, "_NOTICED", set())
    code, quiet_out, err = run(["classify", "@marenbuilds", "--output", output, "-q"], capsys)
    assert code == 0 and err == "" and quiet_out == out  # silent under -q, as audit


def test_classify_says_nothing_once_the_posts_were_reread(
    old_library: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources_reread, "_NOTICED", set())
    assert run(["library", "reread", "@marenbuilds", "-q"], capsys)[0] == 0
    code, out, err = run(["classify", "@marenbuilds", "--output", "jsonl"], capsys)
    assert code == 0 and err == "" and out.count("\n") == 2390


def _sigterm_when(monkeypatch: pytest.MonkeyPatch, installed: bool) -> list[tuple[int, object]]:
    """SIGTERM comes the moment `main` sets its handler (`installed`) or sets it back."""
    import signal

    from linkratio.cli import app

    real, calls = signal.signal, []

    def setting(signum: int, handler: object) -> object:
        calls.append((signum, handler))
        # Once: the handler itself sets SIGTERM back to the default.
        once = not [h for _, h in calls[:-1] if h is signal.SIG_DFL]
        if once and signal.getsignal(signum) is app._terminate and not installed:
            os.kill(os.getpid(), signal.SIGTERM)  # just before it is set back; handled here
        before = real(signum, handler)  # type: ignore[arg-type]
        if once and handler is app._terminate and installed:
            os.kill(os.getpid(), signal.SIGTERM)  # just after it is set
        return before

    monkeypatch.setattr(signal, "signal", setting)
    return calls


@pytest.mark.parametrize("installed", [True, False])
def test_sigterm_as_the_handler_is_set_or_set_back_is_one_line_too(
    installed: bool,
    home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Between setting the handler and the command's start (or its end and setting it
    back), SIGTERM escaped `main` as a KeyboardInterrupt: a traceback, no exit 143."""
    import signal

    calls = _sigterm_when(monkeypatch, installed)
    try:
        code, _, err = run(["config", "path"], capsys)
    except KeyboardInterrupt as escaped:  # else pytest takes it for Ctrl-C and stops
        pytest.fail(f"SIGTERM escaped main: {type(escaped).__name__}")
    assert code == 143 and err == "linkratio: terminated\n"
    assert calls and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # left as it was


@pytest.mark.parametrize("names", [["@marenbuilds"], ["--all-accounts"]])
def test_a_cohort_of_library_accounts_says_posts_are_due_to_be_reread(
    names: list[str],
    old_library: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`cohort build @you` reads the stored posts as audit does, and said nothing."""
    monkeypatch.setattr(sources_reread, "_NOTICED", set())
    argv = ["cohort", "build", *names, "--out", "c", "--workers", "1"]
    code, out, err = run(argv, capsys)
    assert code == 0 and NOTICE in err and err.count("read by an older linkratio") == 1
    assert "reread" not in out
    monkeypatch.setattr(sources_reread, "_NOTICED", set())
    code, _, err = run([*argv[:-4], "--out", "q", "--workers", "1", "-q"], capsys)
    assert code == 0 and "older linkratio" not in err
    assert run(["library", "reread", "-q"], capsys)[0] == 0
    code, _, err = run(argv, capsys)
    assert code == 0 and "older linkratio" not in err


def test_a_cohort_of_many_accounts_due_says_so_in_one_line(
    old_library: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers import FIXTURES

    from linkratio.frame import Library
    from linkratio.model import Account

    feed = FIXTURES / "bluesky" / "getAuthorFeed.json"
    assert run(["import", str(feed), "-q"], capsys)[0] == 0
    with Library(old_library) as lib:
        (sky,) = [a for a in lib.accounts() if a.platform == "bluesky"]
    assert read_by_old(old_library, Account(sky.platform, sky.id, sky.handle)) > 0
    monkeypatch.setattr(sources_reread, "_NOTICED", set())
    code, _, err = run(
        ["cohort", "build", "--all-accounts", "--out", "c", "--workers", "1"], capsys
    )
    assert code == 0
    assert err.count("read by an older linkratio") == 1  # one line, not one per account
    assert (
        "linkratio: warning: posts of 2 accounts were read by an older linkratio: run "
        "'linkratio library reread' to read them again\n"
    ) in err
