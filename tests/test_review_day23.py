"""Review of day 23's change (e30a6b3..dec9254): what a command line hides from errors said
after the parsing (a path in a folder that is there is named; a short password typed in a
URL hides no part of other words; a variable named by --webhook-env is named; nothing of it
outlives `main`); `library backup` stopped by Ctrl-C or SIGTERM leaves no temporary copy
behind; the --max-posts and repeated-token lines name "the X API" as every other line does."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SAMPLE, one_error, private_home
from helpers import run_cli as run
from test_reread import imported

from linkratio.net.redact import REDACTOR, one_line
from linkratio.render.escape import HIDDEN, hide_typed, typed_secrets

TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
"""A GitHub token's shape: what a user pastes into the wrong option."""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's folders of their own, the current folder among them; no config."""
    monkeypatch.chdir(tmp_path)
    return private_home(tmp_path, monkeypatch)


@pytest.mark.parametrize(
    "path",
    [
        "Documents/social/twitter/archive_maren",  # 38 characters: no token is that long
        "exports/twitter_archive_2024_dec",  # 20 or more, letters and digits
    ],
)
def test_a_mistyped_path_in_a_folder_that_is_there_is_named(
    path: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The one thing "no such file" must say is which file: hidden, the user cannot fix it.
    (home / path).parent.mkdir(parents=True)
    code, out, err = run(["audit", path], capsys)
    line = one_error(err)
    assert code == 2 and out == ""
    assert f"{path}: no such file or folder" in line and HIDDEN not in line
    code, _, err = run(["audit", str(SAMPLE), f"--db={path}.db", "--json"], capsys)
    assert code == 0 and err.startswith(f"linkratio: warning: {path}.db: no library file")


def test_a_token_with_slashes_is_still_hidden(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A base64 secret holds `/`: its "folder" is no folder here, so it stays hidden.
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    code, _, err = run(["audit", str(SAMPLE), "--tz", secret], capsys)
    line = one_error(err)
    assert code == 2 and "unknown time zone" in line and HIDDEN in line
    assert "K7MDENG" not in line


def test_a_short_password_in_a_typed_url_hides_no_part_of_other_words() -> None:
    typed = typed_secrets(["weekly", "--webhook", "https://bob:post@hooks.example.org/x"])
    assert typed == ["post"]
    said = "no posts since 2024-01-01: could not post to https://bob:post@hooks.example.org/x"
    assert hide_typed(said, typed) == (
        f"no posts since 2024-01-01: could not {HIDDEN} to https://bob:{HIDDEN}@hooks.example.org/x"
    )
    assert hide_typed("2 posts, 1 reposted", typed) == "2 posts, 1 reposted"
    # A long token is still hidden where it is part of a name (`@token`, `token.bsky.social`).
    typed = typed_secrets([f"bsky:{TOKEN}"])
    assert hide_typed(f"no account @{TOKEN.lower()}.bsky.social", typed) == (
        f"no account @{HIDDEN}.bsky.social"
    )


def test_what_a_command_line_hid_does_not_outlive_main(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A notebook runs main() and then the library's own functions: their messages are the
    # library's (`one_line`), not hidden by what the last command line held.
    zone = "Mars/Olympus_Mons_Base_2024"  # long, letters and digits: hidden when typed
    code, _, err = run(["audit", str(SAMPLE), "--tz", zone], capsys)
    assert code == 2 and HIDDEN in one_error(err)
    assert one_line(f"zone {zone} unknown") == f"zone {zone} unknown"
    assert REDACTOR.mask(zone) == zone


@pytest.mark.parametrize("stop", ["terminated", "interrupted"])
def test_a_backup_stopped_while_it_checks_leaves_no_temporary_copy(
    stop: str, home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # SIGTERM (a nightly job's timeout) or Ctrl-C during the check of a big copy: the
    # copy, named by the process id, stayed in the backup folder, a new one each night.
    import linkratio.store.garbled as garbled
    from linkratio.cli.app import Terminated

    imported(SAMPLE, home / "lib.sqlite", capsys)
    folder = home / "backups"
    folder.mkdir()
    # An earlier copy (a SQLite file: a backup replaces nothing else).
    (folder / "lib.sqlite").write_bytes(b"SQLite format 3\x00last night's copy")

    def stopped(db: object) -> list[str]:
        raise Terminated if stop == "terminated" else KeyboardInterrupt

    monkeypatch.setattr(garbled, "check", stopped)
    code, out, err = run(["library", "backup", f"{folder}/"], capsys)
    assert (code, err) == (
        (143, "linkratio: terminated\n")
        if stop == "terminated"
        else (130, "linkratio: interrupted\n")
    )
    assert sorted(p.name for p in folder.iterdir()) == ["lib.sqlite"]
    assert (folder / "lib.sqlite").read_bytes() == b"SQLite format 3\x00last night's copy"


@pytest.mark.parametrize(
    "variable", ["LINKRATIO_WEEKLY_SLACK_WEBHOOK_URL", "LINKRATIO_WEEKLY_WEBHOOK_2024"]
)
def test_a_long_variable_name_given_to_webhook_env_is_named(
    variable: str, home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The weekly job's log says which variable cron did not have: hidden, it names nothing.
    monkeypatch.delenv(variable, raising=False)
    imported(SAMPLE, home / "lib.sqlite", capsys)
    code, _, err = run(["weekly", "@marenbuilds", "--webhook-env", variable], capsys)
    line = one_error(err)
    assert code == 2 and f"--webhook-env {variable}: that variable is not set" in line
    assert HIDDEN not in line
    # What a token looks like is still hidden there (lower case, or no word between `_`).
    for token in (TOKEN, "A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6Q7"):
        code, _, err = run(["weekly", "@marenbuilds", "--webhook-env", token], capsys)
        line = one_error(err)
        assert code == 2 and HIDDEN in line and token not in line


def test_the_max_posts_and_repeated_token_lines_name_the_service_as_the_others_do(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every other line says "the X API", "Bluesky", "Mastodon": these said "the x API".
    from linkratio.errors import NoProgressError
    from linkratio.net.page import follow

    monkeypatch.setenv("X_BEARER_TOKEN", "not-used-before-the-refusal")
    code, _, err = run(["fetch", "@marenbuilds", "--max-posts", "4"], capsys)
    assert code == 2 and one_error(err) == (
        "linkratio: error: --max-posts 4: the X API serves at least 5 posts a request; "
        "give --max-posts 5 or more"
    )
    for platform, name in (("x", "X"), ("bluesky", "Bluesky"), ("mastodon", "Mastodon")):
        with pytest.raises(NoProgressError) as raised:
            follow("c1", {"c1"}, platform, "@someone", "cursor")
        assert str(raised.value).startswith(f"the {name} API sent the same next page cursor")


def test_a_quiet_main_leaves_the_library_s_warnings_to_a_notebook() -> None:
    # `main([..., "-q"])` in a notebook left its error-level handler and root level behind:
    # every later warning of the library in that kernel (linkratio.load's) was silent. A
    # process of its own, as a kernel is (pytest puts handlers of its own on the root logger).
    import subprocess
    import sys

    script = (
        "import io, logging\n"
        "from linkratio.cli import main\n"
        f"assert main(['audit', {str(SAMPLE)!r}, '-q'], io.StringIO()) == 0\n"
        "logging.getLogger('linkratio.loading').warning('a warning after main')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "a warning after main" in done.stderr
