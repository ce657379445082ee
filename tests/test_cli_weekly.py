"""`linkratio weekly` end to end: real SMTP and HTTP peers on 127.0.0.1, a fixed clock.

The library is the bundled sample (imported once); `--now 2024-12-16T08:00:00+00:00` makes
"last week" 2024-W50 (2024-12-09 to 2024-12-15).
"""

from __future__ import annotations

import ast
import dataclasses
import io
import logging
import shutil
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fakes.smtp import PASSWORD, SMTP_WARNINGS, USER, FakeSmtp, free_port
from fakes.webhook import FakeWebhook
from fakes.x_api import FakeXApi, unavailable

from linkratio import sync as refresh
from linkratio.cli import main
from linkratio.frame import Library
from linkratio.net.x import Credentials
from linkratio.weekly import deliver

pytestmark = SMTP_WARNINGS

NOW = "2024-12-16T08:00:00+00:00"
WEEK = "2024-W50"
ME = "@marenbuilds"
READER = "reader@example.org"
X_ENV = ("X_BEARER_TOKEN", "X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN")


@pytest.fixture(scope="module")
def sample_library(tmp_path_factory, sample) -> Path:
    db = tmp_path_factory.mktemp("weekly") / "lib.sqlite"
    assert main(["import", str(sample), "--db", str(db), "-q"], out=io.StringIO()) == 0
    return db


@pytest.fixture(scope="module")
def sample():
    from helpers import SAMPLE

    return SAMPLE


@pytest.fixture
def env(tmp_path: Path, sample_library: Path, monkeypatch) -> Path:
    """A private copy of the sample library, a config file of its own, no SMTP or X settings."""
    db = tmp_path / "lib.sqlite"
    shutil.copy(sample_library, db)
    monkeypatch.setenv("LINKRATIO_DB", str(db))
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "config.toml"))
    for name in ("HOST", "PORT", "USER", "PASSWORD", "SENDER", "TLS"):
        monkeypatch.delenv(f"LINKRATIO_SMTP_{name}", raising=False)
    for name in ("LINKRATIO_WEEKLY_EMAIL", "LINKRATIO_WEEKLY_WEBHOOK", *X_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(deliver, "BACKOFF", 0.01)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def smtp_env(monkeypatch, server: FakeSmtp, password: str = PASSWORD) -> None:
    monkeypatch.setenv("LINKRATIO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LINKRATIO_SMTP_PORT", str(server.port))
    monkeypatch.setenv("LINKRATIO_SMTP_TLS", "none")
    monkeypatch.setenv("LINKRATIO_SMTP_USER", USER)
    monkeypatch.setenv("LINKRATIO_SMTP_PASSWORD", password)
    monkeypatch.setenv("LINKRATIO_SMTP_SENDER", "linkratio@example.org")


def weekly(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["weekly", ME, "--now", NOW, "--tz", "Europe/Berlin", "--out", "out", *args], out)
    return code, out.getvalue()


def deliveries(env: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(env / "lib.sqlite") as db:
        return db.execute(
            "SELECT week, destination FROM deliveries ORDER BY destination"
        ).fetchall()


def test_files_for_the_last_complete_week(env: Path, capsys) -> None:
    code, out = weekly()
    assert code == 0
    for ext in ("md", "html", "png"):
        assert (env / "out" / f"linkratio-{WEEK}.{ext}").is_file()
    assert f"week {WEEK} of {ME}" in out
    md = (env / "out" / f"linkratio-{WEEK}.md").read_text()
    assert "2024-12-09 to 2024-12-15" in md and "8-week mean" in md
    assert deliveries(env) == [] and capsys.readouterr().err == ""


def test_email_and_webhook_are_delivered_once(env: Path, monkeypatch, capsys, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeSmtp() as smtp, FakeWebhook(200) as hook:
        smtp_env(monkeypatch, smtp)
        code, out = weekly("--email", READER, "--webhook", hook.url)
        assert code == 0, capsys.readouterr().err
        assert len(smtp.envelopes) == 1 and len(hook.received) == 1
        assert smtp.envelopes[0].rcpt_tos == [READER]
        subject = smtp.messages[0]["Subject"]
        assert subject.startswith(f"linkratio: week {WEEK} for {ME} — talk share ")
        assert hook.received[0].json()["text"].startswith(f"*Week {WEEK} for {ME}")
        assert "delivered to email reader@example.org" in out
        assert "delivered to webhook 127.0.0.1/…" in out

        # The retried cron job: everything is there already, nothing is sent again.
        code, out = weekly("--email", READER, "--webhook", hook.url)
        assert code == 0
        assert len(smtp.envelopes) == 1 and len(hook.received) == 1
        assert out.count("already delivered") == 2

        code, out = weekly("--email", READER, "--webhook", hook.url, "--force")
        assert code == 0 and len(smtp.envelopes) == 2 and len(hook.received) == 2
    keys = [key for _, key in deliveries(env)]
    assert keys[0] == f"email:{READER}" and keys[1].startswith("webhook:")
    # Neither the webhook URL's token nor the SMTP password is written anywhere.
    captured = capsys.readouterr()
    written = b"".join(p.read_bytes() for p in env.rglob("*") if p.is_file())
    for secret in ("SECRETTOKEN", PASSWORD):
        assert secret not in out and secret not in captured.out + captured.err
        assert secret not in caplog.text
        assert secret.encode() not in written
        assert all(secret.encode() not in e.content for e in smtp.envelopes)


def test_webhook_500_then_200_is_one_delivery(env: Path, capsys) -> None:
    with FakeWebhook(500, 200) as hook:
        code, _ = weekly("--webhook", hook.url)
    assert code == 0 and len(hook.received) == 2
    assert len(deliveries(env)) == 1
    err = capsys.readouterr().err
    assert "HTTP 500; retry 1 of 2" in err and "SECRETTOKEN" not in err


def test_a_partial_failure_exits_1_and_the_retry_sends_only_what_is_missing(
    env: Path, monkeypatch, capsys
) -> None:
    with FakeSmtp() as smtp, FakeWebhook(404, 200) as hook:
        smtp_env(monkeypatch, smtp)
        code, _ = weekly("--email", READER, "--webhook", hook.url)
        assert code == 1
        err = capsys.readouterr().err
        assert "HTTP 404" in err and "SECRETTOKEN" not in err
        assert [key for _, key in deliveries(env)] == [f"email:{READER}"]
        # The next run sends the webhook (now answering 200) and not the email again.
        code, out = weekly("--email", READER, "--webhook", hook.url)
        assert code == 0
        assert "already delivered to email" in out and "delivered to webhook" in out
    assert len(smtp.envelopes) == 1 and len(hook.received) == 2
    assert len(deliveries(env)) == 2


def test_every_delivery_failing_for_now_exits_75(env: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("LINKRATIO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LINKRATIO_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("LINKRATIO_SMTP_TLS", "none")
    monkeypatch.setenv("LINKRATIO_SMTP_SENDER", "linkratio@example.org")
    with FakeWebhook(503) as hook:
        code, _ = weekly("--email", READER, "--webhook", hook.url)
    assert code == 75
    assert len(hook.received) == 3 and deliveries(env) == []
    err = capsys.readouterr().err
    assert err.count("linkratio: error:") == 2 and "try again later" in err


def test_an_overlapping_run_is_refused_with_the_holder_named(env: Path, capsys) -> None:
    with Library(env / "lib.sqlite") as other, other.run_lock("fetch @marenbuilds"):
        code, out = weekly("--wait", "0.2")
    assert code == 75 and out == ""
    err = capsys.readouterr().err
    assert "in use by another linkratio run (fetch @marenbuilds" in err
    # The wait is said first (see test_left24), then the one error line.
    assert err.count("\n") == 2 and "waiting for the library lock" in err.splitlines()[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--week", "2024-W60"], "2024 has no ISO week 60"),
        (["--week", "soon"], "expected YYYY-Www"),
        (["--tz", "Mars/Base"], "unknown time zone"),
        (["--email", "not-an-address"], "invalid email address"),
        (["--webhook", "hooks.example.org/SECRET"], "not an http(s) URL"),
        (["--webhook", "https://ex_ample..com/x/SECRET"], "no valid host name"),
        (["--webhook", "https://xn--/x/SECRET"], "not a valid URL"),
        (["--webhook", "https://host:99999/x/SECRET"], "port 99999"),
        (["--webhook", "https://exa mple.com/x/SECRET"], "no valid host name"),
        (["--week", "2024-W51"], "week 2024-W51 ends 2024-12-22: not complete yet"),
        (["--week", "2030-W10"], "week 2030-W10 ends 2030-03-10: not complete yet"),
        (["--email", READER], "email needs smtp.host"),
        (["--webhook-env", "NO_SUCH_VAR_XYZ"], "NO_SUCH_VAR_XYZ: that variable is not set"),
    ],
)
def test_bad_input_exits_2_in_one_line(env: Path, capsys, args: list[str], expected: str) -> None:
    code, _ = weekly(*args)
    assert code == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1 and "SECRET" not in err
    assert not (env / "out").exists()


def test_an_smtp_host_that_cannot_be_looked_up_is_bad_input(env: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("LINKRATIO_SMTP_HOST", "bad host..")
    monkeypatch.setenv("LINKRATIO_SMTP_SENDER", "linkratio@example.org")
    assert weekly("--email", READER)[0] == 2
    err = capsys.readouterr().err
    assert "smtp.host: 'bad host..' is not a host name" in err and err.count("\n") == 1
    assert not (env / "out").exists()


def test_a_negative_wait_is_refused_by_the_parser(env: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        weekly("--wait=-3")
    assert exited.value.code == 2
    assert "invalid wait '-3': expected seconds, 0 or more" in capsys.readouterr().err


def test_a_week_ending_today_is_not_complete(env: Path, capsys) -> None:
    # Sunday 2024-12-15, 21:00 in Berlin: W50 is not over; summarized now, the Monday run
    # would find it "already delivered".
    out = io.StringIO()
    args = ["weekly", ME, "--now", "2024-12-15T20:00:00+00:00", "--tz", "Europe/Berlin"]
    assert main([*args, "--week", WEEK, "--out", "out"], out) == 2
    assert "ends 2024-12-15: not complete yet" in capsys.readouterr().err
    assert deliveries(env) == [] and not (env / "out").exists()


def test_a_permanent_failure_of_every_destination_exits_2(env: Path, monkeypatch, capsys) -> None:
    # Nothing was delivered and waiting will not help: a setting to fix, not exit 75 or 1.
    with FakeWebhook(404) as hook:
        assert weekly("--webhook", hook.url)[0] == 2
    with FakeSmtp() as smtp:
        smtp_env(monkeypatch, smtp, password="wrong-PASSWORD")
        assert weekly("--email", READER)[0] == 2
    err = capsys.readouterr().err
    assert "HTTP 404" in err and "smtp.user/smtp.password" in err
    assert "wrong-PASSWORD" not in err and deliveries(env) == []


def test_one_failing_destination_never_stops_the_others(env: Path, monkeypatch, capsys) -> None:
    def resolver_fails(settings: object, msg: object, **more: object) -> None:
        # What a host name the resolver cannot encode raises inside smtplib.
        raise UnicodeError("encoding with 'idna' codec failed")

    monkeypatch.setattr(deliver, "send_email", resolver_fails)
    with FakeSmtp() as smtp, FakeWebhook(200) as hook:
        smtp_env(monkeypatch, smtp)
        code, out = weekly("--email", READER, "--webhook", hook.url)
    assert code == 1
    assert len(hook.received) == 1 and "delivered to webhook" in out
    err = capsys.readouterr().err
    assert "email reader@example.org: failed (UnicodeError)" in err and "Traceback" not in err
    assert [key for _, key in deliveries(env)][0].startswith("webhook:")


def test_unknown_account_exits_2(env: Path, capsys) -> None:
    assert main(["weekly", "@nobody", "--now", NOW], out=io.StringIO()) == 2
    assert "no account @nobody" in capsys.readouterr().err


def test_quiet_prints_nothing_on_success(env: Path, capsys) -> None:
    with FakeWebhook(200) as hook:
        code, out = weekly("--webhook", hook.url, "--quiet")
    assert code == 0 and out == "" and capsys.readouterr().err == ""
    assert len(hook.received) == 1


def test_destinations_from_the_config_and_webhook_env(env: Path, monkeypatch) -> None:
    with FakeWebhook(200) as hook:
        monkeypatch.setenv("LINKRATIO_WEEKLY_WEBHOOK", hook.url)
        assert weekly("--webhook-format", "json")[0] == 0
        body = hook.received[0].json()
        assert body["week"] == WEEK and body["account"] == ME and len(body["history"]) == 12
    with FakeWebhook(200) as hook:
        monkeypatch.setenv("TEAM_HOOK", hook.url.replace("B000", "B111"))
        assert weekly("--webhook-env", "TEAM_HOOK")[0] == 0
        assert len(hook.received) == 1 and "text" in hook.received[0].json()


def test_challenge_days_are_judged_in_the_zone_they_were_set_in(env: Path) -> None:
    from linkratio.analysis import resolve_zone
    from linkratio.analysis.challenge import outcome
    from linkratio.analysis.weekly import parse_week

    # Find a day of the week whose verdict differs between Berlin and Kiritimati (UTC+14).
    with Library(env / "lib.sqlite") as lib:
        account = lib.find_account("marenbuilds")
        assert account is not None
        df = lib.frame(account.platform, account.id or "")
    monday = parse_week(WEEK)
    far, berlin = resolve_zone("Pacific/Kiritimati")[0], resolve_zone("Europe/Berlin")[0]
    today = monday.replace(year=2025)
    days = [monday + timedelta(days=k) for k in range(7)]
    differ = [d for d in days if outcome(df, d, far, today).status
              != outcome(df, d, berlin, today).status]  # fmt: skip
    assert differ, "the sample needs a day whose verdict depends on the zone"
    day = differ[0]
    args = ["challenge", "set", str(day), "--tz", "Pacific/Kiritimati", "--now", NOW]
    assert main(args, io.StringIO()) == 0
    assert weekly("--webhook-format", "json")[0] == 0  # files only, in Berlin days
    md = (env / "out" / f"linkratio-{WEEK}.md").read_text()
    expected = outcome(df, day, far, today).status
    assert f"{day} ({day:%A}): {expected}" in md


def test_challenge_days_appear_in_the_weekly_summary(env: Path) -> None:
    day = ["challenge", "set", "2024-12-10", "--tz", "Europe/Berlin", "--now", NOW]
    assert main(day, io.StringIO()) == 0
    assert weekly()[0] == 0
    md = (env / "out" / f"linkratio-{WEEK}.md").read_text()
    assert "2024-12-10 (Tuesday): broken by" in md
    assert "## Next challenge day" in md


# -- --sync ---------------------------------------------------------------------------------

CREDS = Credentials("bearer-WEEKLY-secret", "ck-W-secret", "cs-W-secret", "at-W-secret", "ats-W")


@pytest.fixture
def api(start_fake, monkeypatch):
    server = start_fake(FakeXApi, **dataclasses.asdict(CREDS))
    monkeypatch.setenv("LINKRATIO_X_API_URL", server.base_url)
    return server


def test_a_failed_sync_delivers_a_summary_marked_stale_and_exits_1(
    env: Path, api: FakeXApi, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", "wrong-token-WEEKLY")
    with FakeWebhook(200) as hook:
        code, _ = weekly("--sync", "--webhook", hook.url)
    assert code == 1
    err = capsys.readouterr().err
    assert "warning: --sync failed" in err and "wrong-token-WEEKLY" not in err
    assert "data may be stale (never synced)" in hook.received[0].json()["text"]
    md = (env / "out" / f"linkratio-{WEEK}.md").read_text()
    assert "data may be stale (never synced)" in md
    assert len(deliveries(env)) == 1  # delivered all the same


def test_a_sync_against_an_unavailable_api_is_retried_then_stale(
    env: Path, api: FakeXApi, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", CREDS.bearer_token or "")
    monkeypatch.setattr(refresh, "BACKOFF", 0.01)
    monkeypatch.setattr(refresh, "RETRIES", 1)
    api.script(unavailable(times=None))
    code, _ = weekly("--sync")
    assert code == 1
    assert len(api.requests) == 2  # the first try and one retry
    err = capsys.readouterr().err
    assert "503" in err and "warning: --sync failed" in err
    assert ": waiting 0s" in err  # the retry's wait is shown (the CLI's waiter, not quiet)


def test_a_sync_that_works_brings_new_posts_first(
    env: Path, api: FakeXApi, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", CREDS.bearer_token or "")
    owner = api.users[api.owner_id]["username"]
    assert main(["fetch", f"@{owner}", "--max-posts", "10", "-q"], io.StringIO()) == 0
    with Library(env / "lib.sqlite") as lib:
        before = len(lib.posts("x", api.owner_id))
    out = io.StringIO()
    code = main(["weekly", f"@{owner}", "--sync", "--now", NOW, "--out", "out"], out)
    assert "--sync failed" not in capsys.readouterr().err
    with Library(env / "lib.sqlite") as lib:
        assert len(lib.posts("x", api.owner_id)) > before
    summary = (env / "out" / f"linkratio-{WEEK}.md").read_text()
    assert "data may be stale" not in summary
    # The fake's posts are from 2020: synced, but still no post as recent as the week.
    assert code == 1 and "> **Note:** no posts since 2020-05-05 (last sync " in summary


def test_refresh_is_a_library_module_that_imports_no_cli_module() -> None:
    tree = ast.parse(Path(refresh.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert "linkratio.net.waiting" in imported and "linkratio.net.page" in imported
    assert not [m for m in imported if m and m.startswith("linkratio.cli")]


def test_a_waiter_writes_to_the_stderr_of_its_time(monkeypatch) -> None:
    from linkratio.net.waiting import Waiter

    now = io.StringIO()
    monkeypatch.setattr(sys, "stderr", now)
    Waiter(quiet=False).on_wait(3, "HTTP 503")
    assert now.getvalue() == "linkratio: HTTP 503: waiting 3s\n"
