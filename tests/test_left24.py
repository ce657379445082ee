"""Session 24's leftovers: a weekly run waits for a busy library (and says so), a mail the
server accepted is recorded before QUIT, tokens after `@` hidden, zone names never hidden,
`config path` terminal-safe, the cohort report's zone and period, the X lookup's cost."""

from __future__ import annotations

import io
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from fakes.smtp import SMTP_WARNINGS, FakeSmtp
from helpers import one_account_home, run_cli
from test_cli_weekly import smtp_env
from test_cohort_cli import built  # noqa: F401  (the fixture: a cohort of one twarc2 file)
from test_cost22 import OWNER, OWNER_ID, Billed, api, cli_env  # noqa: F401  (fixtures)

from linkratio.cli import main
from linkratio.frame import Library

pytestmark = SMTP_WARNINGS

NOW = "2026-11-23T08:00:00+00:00"
"""The clock of the weekly runs: "last week" is 2026-W47, the week of the one stored post."""


@contextmanager
def library_held(db: Path, release: threading.Event) -> Iterator[None]:
    """Another run (a thread of this test) holds `db`'s run lock until `release` is set."""
    got = threading.Event()

    def hold() -> None:
        with Library(db) as other, other.run_lock("fetch @maren"):
            got.set()
            release.wait(120)

    thread = threading.Thread(target=hold)
    thread.start()
    assert got.wait(30)
    try:
        yield
    finally:
        release.set()
        thread.join()


class Watched(io.StringIO):
    """A stderr that sets `event` when a line saying `words` is written to it."""

    def __init__(self, words: str, event: threading.Event) -> None:
        super().__init__()
        self.words, self.event = words, event

    def write(self, text: str) -> int:
        if self.words in text:
            self.event.set()
        return super().write(text)


def test_weekly_waits_for_a_busy_library_says_so_and_makes_the_week(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cron run at 07:00 met a fetch still running: it gave up after 5 s (exit 75), and
    # the run a week later summarizes the next week: this one was never sent.
    home = one_account_home(tmp_path, monkeypatch, "maren", "hello there")
    release = threading.Event()
    err = Watched("waiting for the library lock", release)  # the holder ends once it is said
    monkeypatch.setattr(sys, "stderr", err)
    with library_held(home / "lib.sqlite", release):
        code = main(["weekly", "@maren", "--now", NOW, "--out", str(home / "out")], io.StringIO())
    assert code == 0, err.getvalue()
    assert (home / "out" / "linkratio-2026-W47.md").is_file()
    said = err.getvalue().splitlines()
    assert said[0].startswith("linkratio: the library is in use by fetch @maren (pid ")
    assert said[0].endswith(": waiting for the library lock (at most 3600 s)")


def test_a_quiet_weekly_waits_without_a_word_and_gives_up_when_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = one_account_home(tmp_path, monkeypatch, "maren", "hello there")
    with library_held(home / "lib.sqlite", threading.Event()):
        code, out, err = run_cli(
            ["weekly", "@maren", "--now", NOW, "--out", str(home / "out"), "-q", "--wait", "0.3"],
            capsys,
        )
    assert code == 75 and out == ""
    assert "waiting" not in err and err.count("\n") == 1
    assert "in use by another linkratio run (fetch @maren" in err


def test_a_sigterm_after_the_server_took_the_mail_does_not_send_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # systemd stopping the job (or a shutdown) while linkratio said QUIT: the server had
    # answered 250 to the mail, the run ended unrecorded, and the next run mailed it again.
    from linkratio.cli.app import EXIT_TERMINATED

    home = one_account_home(tmp_path, monkeypatch, "maren", "hello there")
    argv = ["weekly", "@maren", "--now", NOW, "--out", str(home / "out"), "--email", "a@b.org"]
    main_thread = threading.main_thread().ident
    assert main_thread is not None

    async def terminated(server: object, session: object, envelope: object) -> str:
        signal.pthread_kill(main_thread, signal.SIGTERM)  # the run waits for this answer
        return "221 Bye"

    with FakeSmtp() as smtp:
        smtp_env(monkeypatch, smtp)
        smtp.handler.handle_QUIT = terminated  # type: ignore[attr-defined]
        code, _, err = run_cli(argv, capsys)
        assert code == EXIT_TERMINATED and err.endswith("linkratio: terminated\n")
        assert len(smtp.envelopes) == 1
        del smtp.handler.handle_QUIT  # type: ignore[attr-defined]
        with sqlite3.connect(home / "lib.sqlite") as db:
            recorded = db.execute("SELECT week, destination FROM deliveries").fetchall()
        assert recorded == [("2026-W47", "email:a@b.org")]
        code, out, _ = run_cli(argv, capsys)
    assert code == 0 and "already delivered to email a@b.org" in out
    assert len(smtp.envelopes) == 1


TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
"""A GitHub token's shape: pasted where a handle goes."""
KEY = "xvz1evFS4wEEPTGEFPHBog"
"""A 22-character key of letters and digits, mixed case: no prefix says it is one."""


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (f"mastodon:@{TOKEN}@example.social", "mastodon:@{hidden}@example.social"),
        (f"mastodon:@maren@{TOKEN}", "mastodon:@maren@{hidden}"),
        (f"mastodon:@{KEY}@example.social", "mastodon:@{hidden}@example.social"),
        (f"@{TOKEN}", "@{hidden}"),
    ],
)
def test_a_token_after_an_at_sign_is_hidden_and_the_handle_around_it_shown(
    typed: str, shown: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from linkratio.render.escape import HIDDEN, usage_safe

    one_account_home(tmp_path, monkeypatch, "maren", "hello there")
    code, _, err = run_cli(["classify", typed], capsys)
    assert code == 2
    assert TOKEN not in err and KEY not in err and TOKEN.lower() not in err.lower()
    assert f"no account {shown.format(hidden=HIDDEN)} in the library" in err
    assert usage_safe(f"bad {typed}") == f"bad {shown.format(hidden=HIDDEN)}"


@pytest.mark.parametrize(
    "name",
    [
        "mastodon:@photography_lover_2024@mastodon.social",
        "mastodon:@marenbuilds2024andfriends@example.social",
        "@marenbuilds",
        "jonathan.smith.marketing2024@company.example",
    ],
)
def test_an_ordinary_handle_or_address_is_shown_whole(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from linkratio.render.escape import typed_secrets, usage_safe

    one_account_home(tmp_path, monkeypatch, "maren", "hello there")
    assert typed_secrets([name]) == [] and usage_safe(name) == name
    if not name.startswith("jonathan"):
        code, _, err = run_cli(["classify", name], capsys)
        assert code == 2 and f"no account {name.lower()} in the library" in err.lower()


def test_no_real_time_zone_name_is_hidden_as_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # America/Argentina/ComodRivadavia is 32 characters: as long as a token, so the error
    # said "(days in <hidden: looks like a secret>)".
    import zoneinfo

    from linkratio.render.escape import typed_secrets, usage_safe

    zones = sorted(zoneinfo.available_timezones())
    assert "America/Argentina/ComodRivadavia" in zones
    assert [z for z in zones if typed_secrets([z]) or usage_safe(z) != z] == []
    assert typed_secrets(["America/Argentina/ComodRivadavia" + "x1"]) != []  # only real names
    one_account_home(tmp_path, monkeypatch, "maren", "hello there")
    zone = "America/Argentina/ComodRivadavia"
    code, _, err = run_cli(["audit", "@maren", "--tz", zone, "--since", "2030-01-01"], capsys)
    assert code != 0 and f"(days in {zone})" in err


def test_config_path_prints_a_path_made_terminal_safe_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A folder named by an escape sequence (a crafted download, a shared drive) retitled
    # the terminal when `config path` printed it there as it was. A script's $(...) still
    # gets the path as it is (test_config_paths_shown): a pipe is no terminal.
    from helpers import Terminal

    home = one_account_home(tmp_path, monkeypatch, "maren", "hello there")
    odd = home / "a\x1b]0;owned\x07b\nc" / "config.toml"
    monkeypatch.setenv("LINKRATIO_CONFIG", str(odd))
    shown, piped = Terminal(), io.StringIO()
    assert main(["config", "path"], out=shown) == 0 == main(["config", "path"], out=piped)
    assert shown.getvalue() == f"{home}/ab\ufffdc/config.toml\n"  # one line, no sequence
    assert piped.getvalue() == f"{odd}\n"
    monkeypatch.setenv("LINKRATIO_CONFIG", str(home / "plain" / "config.toml"))
    plain = Terminal()
    assert main(["config", "path"], out=plain) == 0
    assert plain.getvalue() == f"{home}/plain/config.toml\n"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ([], "Days in UTC, from the first post to the last post."),
        (
            ["--tz", "America/Argentina/ComodRivadavia", "--since", "2024-01-01"],
            "Days in America/Argentina/ComodRivadavia, from 2024-01-01 to the last post.",
        ),
        (
            ["--tz", "Asia/Kolkata", "--since", "2024-01-01", "--until", "2024-12-31"],
            "Days in Asia/Kolkata, from 2024-01-01 to 2024-12-31.",
        ),
    ],
)
def test_the_cohort_report_says_its_zone_and_period(
    args: list[str],
    said: str,
    built: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    # Two reports of the same cohort in different zones or periods looked alike: their
    # numbers differed and nothing on the page said why.
    target = tmp_path / "cohort.html"
    code = main(["cohort", "report", str(built), "--out", str(target), *args], io.StringIO())
    assert code == 0
    page = target.read_text(encoding="utf-8")
    header = page[page.index("<h1>") : page.index("<section")]
    assert f'<p class="period">{said}</p>' in header


def test_the_cohort_report_header_escapes_its_period_for_html() -> None:
    import pandas as pd

    from linkratio.cohort.query import SUMMARY_COLUMNS
    from linkratio.cohort.report import render_html

    empty = pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    trend = pd.DataFrame(columns=["week", "accounts", "median", "q1", "q3"])
    sites = pd.DataFrame(columns=["site", "posts", "accounts"])
    page = render_html(empty, trend, sites, period={"tz": "<b>Z</b>", "since": "\x1b&"})
    assert "Days in &lt;b&gt;Z&lt;/b&gt;, from \ufffd&amp; to the last post." in page


def test_the_x_cost_notice_counts_the_paid_user_lookup(
    api: Billed,  # noqa: F811
    cli_env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    # X bills a user read ($0.010) for the lookup of @handle (or of the tokens' owner) that a
    # first fetch makes: the notice said "$0.50" for 100 posts, the run cost $0.51.
    from fakes.x_api import timeline

    api.timelines[OWNER_ID] = timeline(250)
    assert main(["fetch", f"@{OWNER}", "--max-posts", "100"], out=io.StringIO()) == 0
    err = capsys.readouterr().err
    lookups = [r for r in api.seen() if "/users/by/username/" in r.path]
    assert len(lookups) == 1
    assert (
        f"first fetch of @{OWNER}: up to 100 posts, at most $0.51 in API reads "
        "(the account's lookup included)"
    ) in err
    # The account is known now: going on with its backfill looks nothing up.
    assert main(["fetch", f"@{OWNER}"], out=io.StringIO()) == 0
    err = capsys.readouterr().err
    assert f"backfill of @{OWNER}: up to 3,200 posts, at most $16.00 in API reads\n" in err
    assert len([r for r in api.seen() if "/users/by/username/" in r.path]) == 1


def test_run_week_from_a_notebook_says_it_waits_for_a_busy_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The library API waits up to an hour too: without a word, a notebook cell looks hung."""
    import logging

    from linkratio.weekly.run import run_week

    home = one_account_home(tmp_path, monkeypatch, "maren", "hello there")
    release = threading.Event()

    class Released(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "waiting for the library lock" in record.getMessage():
                release.set()

    handler = Released()
    logging.getLogger("linkratio").addHandler(handler)
    try:
        with library_held(home / "lib.sqlite", release), Library(home / "lib.sqlite") as lib:
            run = run_week(lib, "@maren", now=datetime.fromisoformat(NOW), out_dir=home / "out")
    finally:
        logging.getLogger("linkratio").removeHandler(handler)
    assert run.exit_code == 0
    said = [r.getMessage() for r in caplog.records if "library lock" in r.getMessage()]
    assert len(said) == 1 and "in use by fetch @maren (pid " in said[0], said
