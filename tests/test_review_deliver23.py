"""Review of the weekly run's settings and delivery (session 23): `config set` refuses at once
a value every later use would refuse, and keeps the file as it was; the success lines of
weekly, report, import, accounts and library check/backup show a path made terminal-safe;
weekly never shows an SMTP password a server echoes, and quotes a long multi-line SMTP
refusal on one short line; the mail subject of a week without posts is made safe."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_cli as run

# --- config set: a value every later use refuses ------------------------------------------

REFUSED = [
    # key, value, what the error says is expected, and what it must not show (a secret)
    ("smtp.port", "99999", "port number", None),
    ("smtp.port", "five", "port number", None),
    ("smtp.tls", "maybe", "starttls, ssl, none", None),
    ("smtp.host", "bad host!", "host name", None),
    ("smtp.sender", "not an address", "address", None),
    ("weekly.email", "me@example.org, nobody", "name@example.org", None),
    ("weekly.webhook", "ftp://hooks.example.org/T0/SECRETPATH", "https://host/path", "SECRET"),
    ("x.bearer_token", "AAAA SECRETTOKEN", "space", "SECRET"),
    ("mastodon.token", "tok\x1bSECRETTOKEN", "space", "SECRET"),
]


@pytest.mark.parametrize(("key", "value", "expected", "hidden"), REFUSED)
def test_config_set_refuses_a_value_its_users_refuse_and_keeps_the_file(
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    key: str,
    value: str,
    expected: str,
    hidden: str | None,
) -> None:
    # `config set` stored `smtp.port 99999`, `smtp.tls maybe` or a token with a space, exit 0:
    # every weekly run or fetch after it refused the setting (in cron, weeks later).
    run(["config", "set", "smtp.user", "-q"], capsys, "me\n")
    before = config_file.read_bytes()
    code, out, err = run(["config", "set", key], capsys, value + "\n")
    assert code == 2, err
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert key in err and expected in err, err
    if hidden:
        assert hidden not in err
    assert config_file.read_bytes() == before


ACCEPTED = [
    ("smtp.port", "2525"),
    ("smtp.tls", "SSL"),
    ("smtp.host", "mail.example.org"),
    ("smtp.sender", "Linkratio <linkratio@example.org>"),
    ("weekly.email", "me@example.org, you@example.org"),
    ("weekly.webhook", "https://hooks.example.org/services/T0/B0/x"),
    ("x.bearer_token", "AAAA%2Fbcd"),
    ("mastodon.instance", "example.social"),
]


@pytest.mark.parametrize(("key", "value"), ACCEPTED)
def test_config_set_still_stores_a_good_value(
    config_file: Path, capsys: pytest.CaptureFixture[str], key: str, value: str
) -> None:
    from linkratio import config

    code, out, err = run(["config", "set", key], capsys, value + "\n")
    assert code == 0, err
    assert config.get(key) == value


# --- success lines: a path from --out or LINKRATIO_DB reaches the terminal made safe ------

ESC = "\x1b]0;owned\x07\x1b[2J"
"""A title-setting OSC and a clear-screen CSI: what a crafted folder name would do raw."""


def _inert(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text, repr(text)


def _mail_week(
    port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    """`weekly` of the sample's week mailed through the fake SMTP server on `port`, logged in
    as `fakes.smtp.USER` without TLS; its exit code, stdout and stderr."""
    from fakes.smtp import PASSWORD, USER

    for name, value in {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "TLS": "none",
        "USER": USER,
        "PASSWORD": PASSWORD,
        "SENDER": "linkratio@example.org",
    }.items():
        monkeypatch.setenv(f"LINKRATIO_SMTP_{name}", value)
    return run(
        ["weekly", "@marenbuilds", "--now", "2024-12-16T08:00:00+00:00", "--out", "w"]
        + ["--email", "reader@example.org", *extra],
        capsys,
    )


@pytest.fixture
def odd_home(tmp_path: Path, sample_library: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder whose name holds escape sequences, a copy of the sample library in it."""
    from helpers import copied

    home = tmp_path / f"lib{ESC}dir"
    home.mkdir()
    db = copied(sample_library, home)
    monkeypatch.setenv("LINKRATIO_DB", str(db))
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "config.toml"))
    for name in ("LINKRATIO_WEEKLY_EMAIL", "LINKRATIO_WEEKLY_WEBHOOK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return home


def test_weekly_names_its_out_folder_made_terminal_safe(
    odd_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        [
            "weekly",
            "@marenbuilds",
            "--now",
            "2024-12-16T08:00:00+00:00",
            "--out",
            str(odd_home / "w"),
        ],
        capsys,
    )
    assert code in (0, 1), err
    assert "week 2024-W50 of" in out and "dir" in out
    _inert(out + err)


def test_report_says_where_it_wrote_made_terminal_safe(
    odd_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["report", "@marenbuilds", "--out", str(odd_home / "r")], capsys)
    assert code == 0, err
    assert "report written to" in out
    _inert(out + err)


def test_import_and_accounts_name_the_library_made_terminal_safe(
    odd_home: Path, capsys: pytest.CaptureFixture[str], sample: Path, monkeypatch
) -> None:
    code, out, err = run(["import", str(sample)], capsys)
    assert code == 0, err
    assert "into" in out
    _inert(out + err)
    from linkratio.store import Library

    with Library(odd_home / "empty.sqlite"):
        pass
    monkeypatch.setenv("LINKRATIO_DB", str(odd_home / "empty.sqlite"))
    code, out, err = run(["accounts"], capsys)
    assert code == 0 and "holds no accounts yet" in out, err
    _inert(out + err)


def test_library_check_and_backup_name_paths_made_terminal_safe(
    odd_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["library", "check"], capsys)
    assert code == 0 and "sound" in out, err
    _inert(out + err)
    code, out, err = run(["library", "backup", str(odd_home / "copy.sqlite")], capsys)
    assert code == 0 and "backed up to" in out, err
    _inert(out + err)


# --- weekly's error lines: a server's reply never shows the SMTP password -----------------


@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("echo", ["plain", "auth-plain"])
def test_weekly_never_prints_the_smtp_password_a_server_echoes(
    odd_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch, echo: str
) -> None:
    # The reply to DATA was quoted as the server sent it: a server (or a relay's error page)
    # that echoed the login, plain or as its AUTH PLAIN base64, put it in cron's mail.
    import base64

    from fakes.smtp import PASSWORD, USER, FakeSmtp

    said = {
        "plain": PASSWORD,
        "auth-plain": base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode(),
    }[echo]
    with FakeSmtp(reply=f"554 5.7.1 refused, your login was {said}") as smtp:
        code, out, err = _mail_week(smtp.port, monkeypatch, capsys)
    assert code == 2, err
    assert "554" in err and "refused, your login was" in err
    assert said not in err + out and PASSWORD not in err + out


@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_send_email_error_masks_an_echoed_password(config_file: Path, monkeypatch) -> None:
    # The Python API (run_week's Delivery.error) holds the same text as the CLI line.
    from email.message import EmailMessage

    from fakes.smtp import PASSWORD, USER, FakeSmtp

    from linkratio.errors import DeliveryError
    from linkratio.weekly import deliver

    with FakeSmtp(reply=f"554 no thanks {PASSWORD}") as smtp:
        for name, value in {"HOST": "127.0.0.1", "PORT": str(smtp.port), "TLS": "none"}.items():
            monkeypatch.setenv(f"LINKRATIO_SMTP_{name}", value)
        monkeypatch.setenv("LINKRATIO_SMTP_USER", USER)
        monkeypatch.setenv("LINKRATIO_SMTP_PASSWORD", PASSWORD)
        monkeypatch.setenv("LINKRATIO_SMTP_SENDER", "linkratio@example.org")
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "linkratio@example.org", "a@example.org", "s"
        msg.set_content("hello")
        with pytest.raises(DeliveryError) as caught:
            deliver.send_email(deliver.smtp_settings(), msg)
    assert "554 no thanks ***" in str(caught.value) and PASSWORD not in str(caught.value)


# --- the mail subject of a week without posts ---------------------------------------------


def test_the_subject_of_a_week_without_posts_holds_no_control_character(
    sample_library: Path,
) -> None:
    # A week with posts had its subject made safe; one without kept the account name as
    # stored: a handle from a hostile Mastodon export with a line break or ESC went raw into
    # the Subject header (a line break made every week's mail fail, "failed (ValueError)").
    from datetime import UTC, date, datetime

    from linkratio.accounts import find
    from linkratio.analysis.weekly import build_week
    from linkratio.frame import Library
    from linkratio.loading import account_frame
    from linkratio.render.weekly import subject
    from linkratio.weekly.deliver import build_email

    now = datetime(2026, 11, 2, 8, tzinfo=UTC)
    with Library(sample_library) as lib:
        frame = account_frame(lib, find(lib, "@marenbuilds"))
    for monday in (date(2024, 12, 9), date(2026, 3, 2)):  # with posts, and none at all
        ws = build_week(frame, monday, account="@evil\x1b[31m\nname\u202e", now=now)
        line = subject(ws)
        assert line.isprintable() and "evil" in line and "name" in line, repr(line)
        msg = build_email(line, "a@example.org", "b@example.org", "t", lambda s: "<p>h</p>", b"")
        assert "\n" not in str(msg["Subject"])


@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_long_multi_line_smtp_refusal_is_quoted_on_one_short_line(
    odd_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    # smtplib joins a reply's lines with a line break (shown as U+FFFD), and a reply may be
    # up to a MiB: cron's mail got one line of a MiB, broken by replacement characters.
    from fakes.smtp import FakeSmtp

    lines = [f"554-5.7.1 policy line {n} " + "x" * 200 for n in range(2000)]
    with FakeSmtp(reply="\r\n".join([*lines, "554 5.7.1 rejected"])) as smtp:
        code, out, err = _mail_week(smtp.port, monkeypatch, capsys, "--quiet")
    assert code == 2, err[:300]
    errors = [line for line in err.splitlines() if line.startswith("linkratio: error:")]
    assert len(errors) == 1 and "554 5.7.1 policy line 0" in errors[0]
    assert "\ufffd" not in err and len(errors[0]) < 1000


# --- an IPv6 smtp.host written as [::1] ----------------------------------------------------


def _ipv6_loopback() -> bool:
    import socket

    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
def test_an_ipv6_smtp_host_in_brackets_is_reached(config_file: Path, monkeypatch) -> None:
    # `[::1]` passed every check (config set, schedule, the run's own) and then each run
    # failed to look it up: "could not talk to the server (gaierror): try again later",
    # exit 75 every week for a setting that only needed its brackets dropped.
    import socket

    from aiosmtpd.controller import Controller
    from fakes.smtp import Keeper

    from linkratio.weekly import deliver

    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    keeper = Keeper()
    controller = Controller(keeper, hostname="::1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("LINKRATIO_SMTP_HOST", "[::1]")
        monkeypatch.setenv("LINKRATIO_SMTP_PORT", str(port))
        monkeypatch.setenv("LINKRATIO_SMTP_TLS", "none")
        monkeypatch.setenv("LINKRATIO_SMTP_SENDER", "linkratio@example.org")
        settings = deliver.smtp_settings()
        msg = deliver.build_email("s", settings.sender, "a@example.org", "t", lambda s: "", b"")
        deliver.send_email(settings, msg, timeout=5, deadline=20)
    finally:
        controller.stop()
    assert len(keeper.envelopes) == 1 and keeper.envelopes[0].rcpt_tos == ["a@example.org"]


@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("host", ["127.0.0.1 ", " 127.0.0.1", "127.0.0.1\n"])
def test_an_smtp_host_with_surrounding_space_is_reached(
    config_file: Path, monkeypatch, host: str
) -> None:
    # The check dropped the space (a systemd Environment= line, a hand-written file), the
    # connection did not: the name was not found, "try again later", exit 75 every week.
    from fakes.smtp import PASSWORD, USER, FakeSmtp

    from linkratio.weekly import deliver

    with FakeSmtp() as smtp:
        settings = {"HOST": host, "PORT": str(smtp.port), "TLS": "none", "USER": USER}
        for name, value in settings.items():
            monkeypatch.setenv(f"LINKRATIO_SMTP_{name}", value)
        monkeypatch.setenv("LINKRATIO_SMTP_PASSWORD", PASSWORD)
        monkeypatch.setenv("LINKRATIO_SMTP_SENDER", "linkratio@example.org")
        found = deliver.smtp_settings()
        msg = deliver.build_email("s", found.sender, "a@example.org", "t", lambda s: "", b"")
        deliver.send_email(found, msg, timeout=5, deadline=20)
        assert len(smtp.messages) == 1


def test_fetch_names_its_library_made_terminal_safe(tmp_path: Path) -> None:
    # The fetch line named a library path from --db or LINKRATIO_DB raw, escape sequences in.
    from linkratio.cli.fetch import _fetched_line
    from linkratio.fetching import FetchResult
    from linkratio.model import Account

    where = tmp_path / f"lib{ESC}.sqlite"
    done = FetchResult(Account("x", "12", "maren"), 1, 5, 5, True, 2, where)
    line = _fetched_line(done, None)
    _inert(line)
    assert line.startswith("fetched 5 posts of @maren (x) in 2 requests: 5 new, into ")
    assert line.endswith("/lib.sqlite\n")  # the name is still there, its escapes dropped


def test_config_set_keeps_a_linked_config_file_a_link(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A config file kept in a dotfiles folder and linked into place became a plain file on
    # the first `config set`: the dotfiles copy never saw the setting.
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "linkratio.toml"
    real.write_text('[smtp]\nhost = "mail.example.org"\n', encoding="utf-8")
    real.chmod(0o600)
    config_file.symlink_to(real)
    code, _, err = run(["config", "set", "smtp.sender"], capsys, "me@example.org\n")
    assert code == 0, err
    assert config_file.is_symlink() and config_file.resolve() == real
    text = real.read_text(encoding="utf-8")
    assert "mail.example.org" in text and "me@example.org" in text
    assert sorted(p.name for p in dotfiles.iterdir()) == ["linkratio.toml"]  # no .tmp left
