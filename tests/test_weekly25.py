"""Session 25 on the scheduled weekly summary, as a cron user relies on it.

A gap before a destination's latest delivery is caught up; a week a server refused for
good is recorded and not sent again by later runs. Real SMTP and webhook peers on
127.0.0.1. `--now 2024-12-02T08:00:00+00:00` makes the run's own week 2024-W48.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from fakes.smtp import SMTP_WARNINGS, FakeSmtp
from fakes.webhook import FakeWebhook
from test_catchup24 import NOW, READER, sent_weeks, smtp, weekly  # noqa: F401  (fixture)
from test_cli_weekly import (  # noqa: F401  (fixtures)
    ME,
    env,
    sample,
    sample_library,
    smtp_env,
)

from linkratio.cli import main
from linkratio.frame import Library
from linkratio.weekly.catchup import missed_weeks
from linkratio.weekly.deliver import email_destination, webhook_destination

pytestmark = SMTP_WARNINGS

NEXT = "2024-12-09T08:00:00+00:00"
"""A week after `NOW` (whose own week is 2024-W48): the run's own week is 2024-W49."""


def hook_weeks(hook: FakeWebhook, since: int = 0) -> list[str]:
    """The week of each message the webhook received from the `since`th on."""
    return [r.json()["text"].split()[1] for r in hook.received[since:]]


def table(env: Path, name: str) -> list[tuple[str, str]]:  # noqa: F811
    """Every (destination, week) of the table `name` (deliveries, refusals), in order."""
    with sqlite3.connect(env / "lib.sqlite") as db:
        return db.execute(f"SELECT destination, week FROM {name} ORDER BY 1, 2").fetchall()


# -- 1. a gap before the latest delivery ---------------------------------------------------


def test_a_gap_before_the_latest_delivery_is_sent_oldest_first(
    env: Path,  # noqa: F811
    smtp: FakeSmtp,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    # W46 never went (the login was refused that Monday, since mended); W45 and W47 did.
    assert weekly("--email", READER, "--week", "2024-W45")[0] == 0
    assert weekly("--email", READER, "--week", "2024-W47")[0] == 0
    code, out = weekly("--email", READER)
    assert code == 0, capsys.readouterr().err
    assert sent_weeks(smtp) == ["2024-W45", "2024-W47", "2024-W46", "2024-W48"]
    assert out.splitlines()[0].startswith(f"week 2024-W46 of {ME} (missed, sent now): ")
    weeks = [f"2024-W{n}" for n in (45, 46, 47, 48)]
    assert table(env, "deliveries") == [(f"email:{READER}", w) for w in weeks]
    # Each at most once: the next run sends nothing again.
    assert weekly("--email", READER)[0] == 0 and len(smtp.envelopes) == 4


def test_a_gap_is_sent_only_within_the_three_weeks_and_never_before_the_first_delivery(
    env: Path,  # noqa: F811
    smtp: FakeSmtp,  # noqa: F811
) -> None:
    old, new = email_destination(READER), email_destination("new@example.org")
    assert weekly("--email", READER, "--week", "2024-W43")[0] == 0  # W44 falls outside
    assert weekly("--email", READER, "--week", "2024-W46")[0] == 0
    assert weekly("--email", "new@example.org", "--week", "2024-W46")[0] == 0
    with Library(env / "lib.sqlite") as lib:
        missed = missed_weeks(lib, ME, [old, new], date(2024, 11, 25))
    # W45 and W47 for the old address; only W47 for the new one (no history before W46).
    assert [(m.week, m.destinations) for m in missed.weeks] == [
        ("2024-W45", [old]),
        ("2024-W47", [old, new]),
    ]
    assert missed.left_out is None  # W44 lies before its latest delivery: named no more


# -- 1. a week refused for good ----------------------------------------------------------


def test_a_week_a_webhook_refused_for_good_is_not_sent_again_by_later_runs(
    env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeWebhook(200) as hook:
        key = webhook_destination(hook.url).key
        assert weekly("--webhook", hook.url, "--week", "2024-W45")[0] == 0
        hook.statuses = [400]  # a --webhook-format the service refuses, say
        capsys.readouterr()
        code, _ = weekly("--webhook", hook.url)
        err = capsys.readouterr().err
        assert code == 2  # every week refused for good: a setting to fix
        assert hook_weeks(hook, 1) == ["2024-W46", "2024-W47", "2024-W48"]
        assert table(env, "refusals") == [(key, f"2024-W{n}") for n in (46, 47, 48)]
        assert (
            "linkratio: error: week 2024-W46: webhook 127.0.0.1/…: refused the message "
            "(HTTP 400): check the webhook URL and --webhook-format; refused for good: no "
            "later run sends week 2024-W46 (--week does)"
        ) in err.splitlines()
        # The run's own week: its error line as ever, the same ending.
        assert err.splitlines()[-1].startswith("linkratio: error: webhook 127.0.0.1/…: ")
        assert err.splitlines()[-1].endswith("no later run sends week 2024-W48 (--week does)")
        assert err.count("refused for good") == 3 and "SECRETTOKEN" not in err

        # Mended: the next week's run sends its own week, not the refused ones again.
        hook.statuses = [200]
        before = len(hook.received)
        code, out = weekly("--webhook", hook.url, now=NEXT)
        assert code == 0, capsys.readouterr().err
        assert hook_weeks(hook, before) == ["2024-W49"] and "missed" not in out
        # What the error said works: --week sends a refused week.
        assert weekly("--webhook", hook.url, "--week", "2024-W46", now=NEXT)[0] == 0
        assert hook_weeks(hook, before + 1) == ["2024-W46"]
    assert table(env, "deliveries") == [(key, f"2024-W{n}") for n in (45, 46, 49)]


def test_a_mail_refused_for_good_is_recorded_and_a_refused_login_is_not(
    env: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A mail over the server's size (552) is refused for good; a login is a setting to mend,
    # after which the catch-up sends the week.
    with FakeSmtp(size_limit=1000) as small:
        smtp_env(monkeypatch, small)
        assert weekly("--email", READER)[0] == 2
    assert table(env, "refusals") == [(f"email:{READER}", "2024-W48")]
    assert "refused for good" in capsys.readouterr().err
    with FakeSmtp() as server:
        smtp_env(monkeypatch, server, password="not-the-password-25")
        assert weekly("--email", READER, now=NEXT)[0] == 2
        err = capsys.readouterr().err
        assert "smtp.user/smtp.password" in err and "refused for good" not in err
    assert table(env, "refusals") == [(f"email:{READER}", "2024-W48")]


# -- 2. schedule --out "" ------------------------------------------------------------------


@pytest.mark.parametrize("empty", ["", "  "])
def test_schedule_refuses_an_empty_out_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], empty: str
) -> None:
    from helpers import one_account_home, one_error

    from linkratio.weekly import schedule

    home = one_account_home(tmp_path, monkeypatch, "me", "@ana hi")
    calls: list[list[str]] = []
    monkeypatch.setattr(schedule, "run_systemctl", lambda args: calls.append(list(args)) or 0)
    out = io.StringIO()
    code = main(["schedule", "@me", "--out", empty, "--install"], out)
    err = capsys.readouterr().err
    assert code == 2 and out.getvalue() == "" and calls == []
    assert "--out" in one_error(err) and "empty" in err
    assert not (home / "xdg" / "systemd").exists()
    assert not list(home.rglob("weekly.log"))


# -- 3. a destination setting with a bad value -------------------------------------------


def test_a_bad_destination_setting_names_the_variable_it_came_from(
    env: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from helpers import one_error

    # A cron line names no address: the error must say where the bad one was set.
    monkeypatch.setenv("LINKRATIO_WEEKLY_EMAIL", "me@example.org, not-an-address")
    assert weekly()[0] == 2
    assert one_error(capsys.readouterr().err) == (
        "linkratio: error: LINKRATIO_WEEKLY_EMAIL: invalid email address 'not-an-address': "
        "expected name@example.org"
    )
    monkeypatch.delenv("LINKRATIO_WEEKLY_EMAIL")
    monkeypatch.setenv("LINKRATIO_WEEKLY_WEBHOOK", "https://exa mple.org/SECRETTOKEN")
    assert weekly()[0] == 2
    error = one_error(capsys.readouterr().err)
    assert error.startswith("linkratio: error: LINKRATIO_WEEKLY_WEBHOOK: ")
    assert "SECRETTOKEN" not in error
    assert not (env / "out").exists()  # refused before any work


def test_a_bad_destination_in_the_config_file_names_the_setting_and_the_file(
    env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    from helpers import one_error

    from linkratio import config

    path = config.config_path()
    path.write_text('[weekly]\nemail = "me@example.org,,nope"\n', encoding="utf-8")
    assert weekly()[0] == 2
    assert one_error(capsys.readouterr().err) == (
        f"linkratio: error: weekly.email in {path}: invalid email address 'nope': "
        "expected name@example.org"
    )


# -- 3. a start time the clock change skips ----------------------------------------------


def test_schedule_warns_when_its_time_falls_in_the_hour_a_clock_change_skips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers import one_account_home

    one_account_home(tmp_path, monkeypatch, "me", "@ana hi")
    at_now = ["--now", "2026-12-08T01:00:00+00:00", "--webhook-env", "HOOK"]
    # Sunday 02:30 in Berlin: on 2027-03-28 the clocks go from 02:00 to 03:00.
    argv = ["schedule", "@me", "--weekday", "sun", "--at", "02:30", "--tz", "Europe/Berlin"]
    code = main([*argv, *at_now], io.StringIO())
    err = capsys.readouterr().err
    assert code == 0
    assert err.count("\n") == 1 and err.startswith(
        "linkratio: warning: 02:30 on Sunday 2027-03-28 does not exist in Europe/Berlin "
        "(the clocks skip it): "
    ), err
    # Monday 02:30 always exists there, and so does Sunday 03:00: nothing to say.
    for day, at in (("mon", "02:30"), ("sun", "03:00")):
        argv = ["schedule", "@me", "--weekday", day, "--at", at, "--tz", "Europe/Berlin"]
        assert main([*argv, *at_now], io.StringIO()) == 0
        assert capsys.readouterr().err == ""
