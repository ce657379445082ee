"""Review of the cron user's path: the crontab line as cron really reads it, the config file
a job relies on, a library the job cannot write, and deliveries whose peers misbehave
after accepting the summary (real SMTP and HTTP servers on 127.0.0.1).

The library is the bundled sample; `--now 2024-12-16T08:00:00+00:00` makes "last week"
2024-W50.
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from fakes.scripted import Answer, Scripted
from fakes.smtp import PASSWORD, SMTP_WARNINGS, USER, FakeSmtp, Keeper, free_port
from helpers import SAMPLE

from linkratio import config
from linkratio.cli import main
from linkratio.weekly import deliver
from linkratio.weekly.schedule import crontab_line, make_plan

pytestmark = SMTP_WARNINGS

NOW = "2024-12-16T08:00:00+00:00"
WEEK = "2024-W50"
ME = "@marenbuilds"


# -- the crontab line, read the way cron reads it ---------------------------------------


def _cron_command(line: str, collapse_backslashes: bool) -> str:
    """The command cron hands to /bin/sh for crontab `line`: `\\%` is a `%`, the first
    other `%` ends the command (the rest is its stdin). cronie keeps every other
    backslash; the BSD and older Vixie crons also turn `\\\\` into one backslash."""
    command = line.split(" ", 5)[5]
    out: list[str] = []
    escaped = False
    for ch in command:
        if escaped:
            escaped = False
            if ch == "%" or (collapse_backslashes and ch == "\\"):
                out[-1] = ch
                continue
            out.append(ch)
            continue
        if ch == "%":
            break
        escaped = ch == "\\"
        out.append(ch)
    return "".join(out)


@pytest.mark.parametrize("collapse", [False, True], ids=["cronie", "bsd-vixie"])
@pytest.mark.parametrize("name", ["a\\%b", "two\\\\back", "100%", "a\\b", "it's \\%u %H"])
def test_a_backslash_or_percent_in_a_path_reaches_the_job_unchanged(
    tmp_path: Path, name: str, collapse: bool
) -> None:
    """A path that holds `\\%` ended cron's command in the middle of a quoted word (a
    shell syntax error every week); `\\\\` lost a backslash under the BSD crons."""
    if shutil.which("sh") is None:
        pytest.skip("needs sh")
    args = tmp_path / "args"
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{args}'\n")
    script.chmod(0o755)
    out = Path("/srv") / name / "weekly"
    plan = make_plan("@me", environ={}, python=str(script), out=out, sync=False)
    plan = dataclasses.replace(plan, log=tmp_path / "log")
    command = _cron_command(crontab_line(plan), collapse)
    done = subprocess.run(
        ["sh", "-c", command], env={"PATH": "/usr/bin:/bin"}, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    got = args.read_text().splitlines()
    assert got[got.index("--out") + 1] == str(out)


# -- the weekly run: a sample library, a config file of its own -------------------------


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cron9") / "lib.sqlite"
    assert main(["import", str(SAMPLE), "--db", str(db), "-q"], out=io.StringIO()) == 0
    return db


@pytest.fixture
def env(tmp_path: Path, sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the sample library, an empty config file of its own, no settings in env."""
    db = tmp_path / "lib.sqlite"
    shutil.copy(sample_db, db)
    monkeypatch.setenv("LINKRATIO_DB", str(db))
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "config.toml"))
    for name in config.KEYS.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(deliver, "BACKOFF", 0.01)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def weekly(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["weekly", ME, "--now", NOW, "--tz", "Europe/Berlin", "--out", "out", *args], out)
    return code, out.getvalue()


def smtp_config(env: Path, port: int, **more: Any) -> None:
    """A hand-written config file: SMTP on 127.0.0.1 without TLS, plus `more` [weekly] keys."""
    weekly_keys = "".join(f"{key} = {value}\n" for key, value in more.items())
    (env / "config.toml").write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\ntls = "none"\n'
        f'sender = "lr@example.org"\n\n[weekly]\n{weekly_keys}',
        encoding="utf-8",
    )


def deliveries(env: Path) -> list[str]:
    with sqlite3.connect(env / "lib.sqlite") as db:
        return [row[0] for row in db.execute("SELECT destination FROM deliveries ORDER BY 1")]


# -- the config file: a value of a type linkratio cannot use -----------------------------


@pytest.mark.parametrize(
    ("port", "more", "key"),
    [
        # A TOML list is how one writes several addresses: it was dropped without a word,
        # and the job wrote its files, mailed nobody and exited 0 every week.
        (None, {"email": '["me@example.org", "you@example.org"]'}, "weekly.email"),
        # A float port was dropped too: port 25 was tried instead, "try again later" (75).
        ("2525.0", {"email": '"me@example.org"'}, "smtp.port"),
    ],
)
def test_a_setting_of_the_wrong_type_is_one_line_naming_file_and_key(
    env: Path, capsys: pytest.CaptureFixture[str], port: str | None, more: dict[str, str], key: str
) -> None:
    with FakeSmtp(auth=False) as server:
        smtp_config(env, port or server.port, **more)
        code, out = weekly("--quiet")
        assert server.envelopes == []
    err = capsys.readouterr().err
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert str(env / "config.toml") in err and key in err
    assert "me@example.org" not in err  # a value is never shown: it may be a secret


def test_a_secret_of_the_wrong_type_is_not_shown(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "config.toml").write_text('[smtp]\npassword = ["hunter2-SECRET"]\n', encoding="utf-8")
    assert main(["config", "show"], io.StringIO()) == 2
    err = capsys.readouterr().err
    assert "smtp.password" in err and "hunter2" not in err


# -- a library the job cannot write --------------------------------------------------------


@pytest.fixture
def read_only_library(env: Path) -> Iterator[Path]:
    """The library file read-only in a writable folder (its run lock can be taken)."""
    db = env / "lib.sqlite"
    if os.geteuid() == 0:
        binds = [["mount", "--bind", str(db), str(db)], ["mount", "-o", "remount,ro,bind", str(db)]]
        for i, cmd in enumerate(binds):
            if subprocess.run(cmd, capture_output=True, check=False).returncode != 0:
                if i:
                    subprocess.run(["umount", str(db)], check=False)
                pytest.skip("running as root and cannot bind-mount a file read-only")
        try:
            yield db
        finally:
            subprocess.run(["umount", str(db)], check=False)
        return
    db.chmod(0o444)
    yield db


def test_a_library_that_cannot_record_a_delivery_stops_before_sending(
    env: Path, read_only_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Delivered, then unrecordable: the first mail went out, the run died with 74 and
    the other destinations never got theirs, week after week, while every retry sent
    the first one again."""
    with FakeSmtp(auth=False) as server:
        smtp_config(env, server.port)
        code, out = weekly("--email", "me@example.org", "--email", "you@example.org", "--quiet")
        assert server.envelopes == []
    err = capsys.readouterr().err
    assert code == 74 and out == ""
    assert len(err.strip().splitlines()) == 1 and str(read_only_library) in err
    # Files only (no destination) still work from a read-only library.
    capsys.readouterr()
    assert weekly("--quiet") == (0, "")
    assert (env / "out" / f"linkratio-{WEEK}.md").is_file()


# -- peers that misbehave after they accepted the summary -------------------------------


class _QuitRefused(SMTP):
    """An SMTP session whose QUIT is answered 451 after a mail was taken (250)."""

    async def smtp_QUIT(self, arg: str) -> None:  # noqa: N802 - aiosmtpd's name
        await self.push("451 4.3.0 closing anyway")
        self.transport.close()


class _QuitRefusingServer(Controller):
    def factory(self) -> SMTP:
        return _QuitRefused(self.handler, **self.SMTP_kwargs)


@pytest.fixture
def quit_refusing_smtp() -> Iterator[tuple[int, Keeper]]:
    taker, port = Keeper(), free_port()
    server = _QuitRefusingServer(taker, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield port, taker
    finally:
        server.stop()


def test_a_mail_the_server_took_is_delivered_whatever_it_answers_to_quit(
    env: Path, quit_refusing_smtp: tuple[int, Keeper], capsys: pytest.CaptureFixture[str]
) -> None:
    """The mail was taken (250 to its data): a 451 to QUIT made it 'try again later'
    (75), unrecorded, so the retried job mailed the same week again."""
    port, taker = quit_refusing_smtp
    smtp_config(env, port)
    assert weekly("--email", "me@example.org", "--quiet") == (0, "")
    assert capsys.readouterr().err == ""
    assert len(taker.envelopes) == 1 and deliveries(env) == ["email:me@example.org"]
    assert weekly("--email", "me@example.org", "--quiet") == (0, "")
    assert len(taker.envelopes) == 1  # the retry sends nothing again


def test_a_failure_is_said_as_it_was_whatever_the_server_answers_to_quit(
    quit_refusing_smtp: tuple[int, Keeper],
) -> None:
    """A login the server does not offer is a setting to fix (exit 2): the 451 to the
    QUIT that followed replaced it with 'try again later' (75)."""
    from linkratio.errors import DeliveryUnavailable

    port, taker = quit_refusing_smtp
    settings = deliver.SmtpSettings("127.0.0.1", port, "lr@example.org", "none", "me", "pw")
    msg = deliver.build_email("s", "lr@example.org", "a@example.org", "t", lambda _: "", b"")
    with pytest.raises(deliver.DeliveryError, match="offers no login") as raised:
        deliver.send_email(settings, msg)
    assert not isinstance(raised.value, DeliveryUnavailable) and taker.envelopes == []


def test_a_webhook_answer_with_a_broken_gzip_body_is_no_traceback(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 200 whose body claims gzip and is not: the run died with a DecodingError
    traceback, and the destinations after the webhook were never tried."""

    def broken(_: Any) -> Answer:
        return Answer(200, b"this is not gzip", {"content-encoding": "gzip"})

    with Scripted(broken) as hook, FakeSmtp(auth=False) as smtp:
        smtp_config(env, smtp.port)
        url = f"{hook.url}/services/T0/B0/SECRETTOKEN9"
        code, out = weekly("--webhook", url, "--email", "me@example.org", "--quiet")
        assert len(smtp.envelopes) == 1 and len(hook.asked) == 1
    err = capsys.readouterr().err
    assert (code, out, err) == (0, "", "")
    assert len(deliveries(env)) == 2


# -- SMTP credentials smtplib cannot send ---------------------------------------------------


@pytest.mark.parametrize(
    ("user", "password"), [(USER, "pässwörd-SECRET"), ("üser", PASSWORD)], ids=["password", "user"]
)
def test_a_login_that_is_not_ascii_is_said_as_such_not_as_a_bad_host(
    user: str, password: str
) -> None:
    """smtplib sends AUTH as ASCII only: a password with 'ä' was reported as 'smtp.host
    cannot be used', sending the user to fix the wrong setting."""
    settings = deliver.SmtpSettings("127.0.0.1", 0, "lr@example.org", "none", user, password)
    msg = deliver.build_email("s", "lr@example.org", "a@example.org", "t", lambda _: "", b"")
    with FakeSmtp() as server:
        settings = dataclasses.replace(settings, port=server.port)
        with pytest.raises(deliver.DeliveryError) as raised:
            deliver.send_email(settings, msg)
        assert server.envelopes == []
    said = str(raised.value)
    assert "smtp.host" not in said and "smtp.user" in said and "smtp.password" in said
    assert "SECRET" not in said and "ä" not in said


def test_config_set_replaces_a_setting_of_the_wrong_type(env: Path) -> None:
    """The error says which key to fix: `config set` must be able to fix it, not stop
    at the very value it replaces."""
    (env / "config.toml").write_text('[weekly]\nemail = ["me@example.org"]\n', encoding="utf-8")
    setting = subprocess.run(
        [sys.executable, "-m", "linkratio", "config", "set", "weekly.email", "-q"],
        input="me@example.org, you@example.org\n",
        env={**os.environ, "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert setting.returncode == 0, setting.stderr
    assert config.get("weekly.email") == "me@example.org, you@example.org"


def test_tls_against_a_server_that_speaks_plain_smtp_is_a_setting_to_fix(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """smtp.tls = ssl on a port that greets in plain text (587, the STARTTLS port, is the
    usual mix-up) will never work: it was 'try again later' (75), every week."""
    with FakeSmtp(auth=False) as server:
        smtp_config(env, server.port)
        text = (env / "config.toml").read_text(encoding="utf-8")
        (env / "config.toml").write_text(text.replace('"none"', '"ssl"'), encoding="utf-8")
        code, out = weekly("--email", "me@example.org", "--quiet")
        assert server.envelopes == []
    err = capsys.readouterr().err
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and "smtp.tls" in err and "later" not in err


def test_an_https_webhook_url_for_a_plain_http_server_is_a_setting_to_fix() -> None:
    """The same mix-up for a webhook: three attempts, then 'try again later' (75)."""
    from fakes.webhook import FakeWebhook

    with FakeWebhook(200) as hook:
        dest = deliver.webhook_destination(hook.url.replace("http://", "https://"))
        with pytest.raises(deliver.DeliveryError) as raised:
            deliver.post_webhook(dest, {}, sleep=lambda _: None)
    said = str(raised.value)
    assert raised.value.exit_code != 75 and "TLS" in said and "webhook URL" in said
    assert "SECRETTOKEN" not in said
