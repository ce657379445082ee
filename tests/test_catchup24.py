"""`linkratio weekly` sends the weeks a run missed (the machine off that Monday, every
destination failed for now, the library busy past the wait) before its own: at most 3, for
a destination that has had a delivery before. Real SMTP and webhook peers on 127.0.0.1.

`--now 2024-12-02T08:00:00+00:00` makes the run's own week 2024-W48 of the bundled sample.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fakes.smtp import SMTP_WARNINGS, FakeSmtp
from fakes.webhook import FakeWebhook
from fakes.x_api import FakeXApi, unavailable
from test_cli_weekly import (  # noqa: F401  (fixtures)
    CREDS,
    ME,
    api,
    env,
    sample,
    sample_library,
    smtp_env,
)

from linkratio import sync as refresh
from linkratio.cli import main
from linkratio.frame import Library
from linkratio.weekly.catchup import missed_weeks, worst_exit
from linkratio.weekly.deliver import email_destination, webhook_destination

pytestmark = SMTP_WARNINGS

NOW = "2024-12-02T08:00:00+00:00"
"""The run's own week: 2024-W48 (Monday 2024-11-25 to Sunday 2024-12-01)."""
READER = "reader@example.org"


@pytest.fixture
def smtp(env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmtp]:  # noqa: F811
    """A mail server for the runs in `env`, its settings in the environment."""
    with FakeSmtp() as server:
        smtp_env(monkeypatch, server)
        yield server


def weekly(*args: str, now: str = NOW) -> tuple[int, str]:
    """`linkratio weekly @marenbuilds` at `now`: its exit code and stdout."""
    out = io.StringIO()
    code = main(["weekly", ME, "--now", now, "--tz", "Europe/Berlin", "--out", "out", *args], out)
    return code, out.getvalue()


def sent_weeks(smtp: FakeSmtp) -> list[str]:
    """The week each mail the server took is of, in the order they came."""
    return [m["Subject"].split()[2] for m in smtp.messages]


def ours(err: str) -> list[str]:
    """The lines linkratio wrote to stderr, less the fake SMTP server's own log warnings."""
    return [x for x in err.splitlines() if "auth_require" not in x and "login_data" not in x]


def recorded(env: Path) -> list[tuple[str, str]]:  # noqa: F811
    """Every (destination, week) of the deliveries record, in order."""
    with sqlite3.connect(env / "lib.sqlite") as db:
        return db.execute(
            "SELECT destination, week FROM deliveries ORDER BY destination, week"
        ).fetchall()


def test_a_destination_that_missed_two_weeks_gets_them_first_oldest_first(
    env: Path,  # noqa: F811
    smtp: FakeSmtp,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert weekly("--email", READER, "--week", "2024-W45")[0] == 0
    # W46 and W47 were never sent (the machine was off those Mondays); now W48's run.
    code, out = weekly("--email", READER)
    assert code == 0, capsys.readouterr().err
    assert sent_weeks(smtp) == ["2024-W45", "2024-W46", "2024-W47", "2024-W48"]
    assert smtp.messages[1]["Subject"].startswith(f"linkratio: week 2024-W46 for {ME} — ")
    assert all(e.rcpt_tos == [READER] for e in smtp.envelopes)
    weeks = [f"2024-W{n}" for n in (45, 46, 47, 48)]
    assert recorded(env) == [(f"email:{READER}", w) for w in weeks]
    for week in weeks[1:]:  # the same files an explicit --week run writes
        for ext in ("md", "html", "png"):
            assert (env / "out" / f"linkratio-{week}.{ext}").is_file()
    lines = out.splitlines()
    assert lines[0].startswith(f"week 2024-W46 of {ME} (missed, sent now): ")
    assert lines[1] == f"delivered to email {READER}"
    assert lines[2].startswith(f"week 2024-W47 of {ME} (missed, sent now): ")
    assert lines[4].startswith(f"week 2024-W48 of {ME}: ")
    assert lines[5] == f"delivered to email {READER}" and len(lines) == 6

    # The retried job sends nothing again, and catches nothing up.
    code, out = weekly("--email", READER)
    assert code == 0 and len(smtp.envelopes) == 4
    assert out.count("\n") == 2 and "already delivered to email" in out
    assert ours(capsys.readouterr().err) == []


def test_a_first_run_sends_only_its_own_week(
    env: Path,  # noqa: F811
    smtp: FakeSmtp,
) -> None:
    code, out = weekly("--email", READER)
    assert code == 0
    assert sent_weeks(smtp) == ["2024-W48"]
    assert recorded(env) == [(f"email:{READER}", "2024-W48")]
    assert "missed" not in out


def test_a_destination_six_weeks_behind_gets_three_and_a_warning_naming_the_rest(
    env: Path,  # noqa: F811
    smtp: FakeSmtp,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert weekly("--email", READER, "--week", "2024-W42")[0] == 0
    capsys.readouterr()
    code, _ = weekly("--email", READER, "--quiet")
    err = capsys.readouterr()
    assert code == 0 and err.out == ""
    assert sent_weeks(smtp) == ["2024-W42", "2024-W45", "2024-W46", "2024-W47", "2024-W48"]
    assert err.err == (
        f"linkratio: warning: 2024-W43 and 2024-W44 never reached email {READER}: they are "
        f"older than the 3 missed weeks a run sends; send each with 'linkratio weekly {ME} "
        "--week YYYY-Www'\n"
    )
    # What the warning says works: the older week goes with --week, and only that week.
    assert weekly("--email", READER, "--week", "2024-W43")[0] == 0
    assert sent_weeks(smtp)[5:] == ["2024-W43"]


def test_one_failing_destination_does_not_stop_the_other_ones_catch_up(
    env: Path,  # noqa: F811
    smtp: FakeSmtp,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeWebhook(200) as hook:
        both = ("--email", READER, "--webhook", hook.url)
        assert weekly(*both, "--week", "2024-W45")[0] == 0
        hook.statuses = [503]  # the webhook is down for now: W46 fails, W47 and W48 wait
        code, out = weekly(*both)
        err = "\n".join(ours(capsys.readouterr().err))
        assert code == 1, err  # partial: the mail went
        assert sent_weeks(smtp) == ["2024-W45", "2024-W46", "2024-W47", "2024-W48"]
        tried = {r.json()["text"].split()[1] for r in hook.received[1:]}
        assert tried == {"2024-W46"}  # retried, but no later week sent out of order
        hook_key = webhook_destination(hook.url).key
        assert (hook_key, "2024-W46") not in recorded(env)
        errors = [line for line in err.splitlines() if "error" in line]
        assert errors == [
            "linkratio: error: week 2024-W46: webhook 127.0.0.1/…: HTTP 503 after 3 attempts: "
            "try again later; the next run sends it and the weeks after it"
        ]
        assert out.count("delivered to email") == 3 and "delivered to webhook" not in out

        # Back up: the next run sends the webhook its three weeks, in order, and no mail.
        hook.statuses = [200]
        before = len(hook.received)
        code, out = weekly(*both)
        assert code == 0, capsys.readouterr().err
        texts = [r.json()["text"] for r in hook.received[before:]]
        assert [t.split()[1] for t in texts] == ["2024-W46", "2024-W47", "2024-W48"]
        assert len(smtp.envelopes) == 4
    weeks = [f"2024-W{n}" for n in (45, 46, 47, 48)]
    assert recorded(env) == sorted(
        [(f"email:{READER}", w) for w in weeks] + [(hook_key, w) for w in weeks]
    )


def test_a_webhook_alone_failing_for_now_exits_75_and_is_caught_up_later(
    env: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeWebhook(200) as hook:
        assert weekly("--webhook", hook.url, "--week", "2024-W46")[0] == 0
        hook.statuses = [503]
        code, out = weekly("--webhook", hook.url)
        assert code == 75, capsys.readouterr().err
        # W48's files are written as ever; W47 is not made for nobody.
        assert out.splitlines()[0].startswith(f"week 2024-W47 of {ME} (missed, sent now)")
        assert out.splitlines()[-1].startswith(f"week 2024-W48 of {ME}: ")
        assert {r.json()["text"].split()[1] for r in hook.received[1:]} == {"2024-W47"}


def test_a_catch_up_syncs_once_and_a_failed_sync_marks_every_week_stale(
    env: Path,  # noqa: F811
    api: FakeXApi,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", CREDS.bearer_token or "")
    monkeypatch.setattr(refresh, "BACKOFF", 0.01)
    monkeypatch.setattr(refresh, "RETRIES", 1)
    with FakeWebhook(200) as hook:
        assert weekly("--webhook", hook.url, "--week", "2024-W46")[0] == 0
        api.script(unavailable(times=None))
        capsys.readouterr()
        code, _ = weekly("--sync", "--webhook", hook.url)
        texts = [r.json()["text"] for r in hook.received[1:]]
    assert code == 1
    assert len(api.requests) == 2  # one sync (a try and one retry), not one per week
    assert [t.split()[1] for t in texts] == ["2024-W47", "2024-W48"]
    assert all("data may be stale" in t for t in texts)
    assert capsys.readouterr().err.count("warning: --sync failed") == 1


def test_an_explicit_week_sends_only_that_week(
    env: Path,  # noqa: F811
    smtp: FakeSmtp,
) -> None:
    assert weekly("--email", READER, "--week", "2024-W44")[0] == 0
    code, out = weekly("--email", READER, "--week", "2024-W47")
    assert code == 0
    assert sent_weeks(smtp) == ["2024-W44", "2024-W47"]
    assert "missed" not in out


def test_missed_weeks_only_for_destinations_with_a_delivery_before(
    env: Path,  # noqa: F811
    smtp: FakeSmtp,
) -> None:
    assert weekly("--email", READER, "--week", "2024-W45")[0] == 0
    old, new = email_destination(READER), email_destination("new@example.org")
    with Library(env / "lib.sqlite") as lib:
        missed = missed_weeks(lib, ME, [old, new], date(2024, 11, 25))
    assert [(m.week, m.destinations) for m in missed.weeks] == [
        ("2024-W46", [old]),
        ("2024-W47", [old]),
    ]
    assert missed.left_out is None and missed.left_out_text == ""
    # The new address gets W48 alone, the old one its missed weeks first.
    code, _ = weekly("--email", READER, "--email", "new@example.org")
    assert code == 0
    mails = zip(sent_weeks(smtp), smtp.envelopes, strict=True)
    assert [(week, e.rcpt_tos) for week, e in mails][1:] == [
        ("2024-W46", [READER]),
        ("2024-W47", [READER]),
        ("2024-W48", [READER]),
        ("2024-W48", ["new@example.org"]),
    ]


def test_left_out_weeks_read_as_a_span_across_a_year() -> None:
    from linkratio.weekly.catchup import MissedWeeks

    span = MissedWeeks(left_out=(date(2020, 12, 21), date(2021, 1, 11)))
    assert span.left_out_text == "2020-W52 to 2021-W02 (4 weeks)"
    assert MissedWeeks(left_out=(date(2020, 12, 28),) * 2).left_out_text == "2020-W53"


def test_the_worst_exit_of_the_weeks() -> None:
    assert worst_exit([0, 0]) == 0 and worst_exit([]) == 0
    assert worst_exit([0, 1, 0]) == 1
    assert worst_exit([1, 75, 0]) == 75
    assert worst_exit([75, 2]) == 2
