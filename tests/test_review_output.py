"""Defects found by the review of the outputs and the weekly feature, one test each."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fakes.base import RawServer
from helpers import one_account_home, one_line
from rows import frame, post

from linkratio.analysis.weekly import build_week
from linkratio.render.weekly import (
    discord_payload,
    render_html,
    render_markdown,
    render_text,
    slack_payload,
)
from linkratio.weekly.schedule import make_plan, service_unit

# -- the weekly summary ------------------------------------------------------------------


def test_too_little_data_names_no_day_in_the_next_challenge_day() -> None:
    """With too little history there is no next day: no format may show `None (None)`."""
    df = frame(post("2026-11-17 09:00", "conversation", partners=["ana"]))
    now = datetime(2026, 11, 23, 7, tzinfo=UTC)
    ws = build_week(df, date(2026, 11, 16), tz="UTC", account="@me", now=now)
    assert ws.next_challenge is not None and ws.next_challenge.day is None
    texts = [
        render_text(ws),
        render_markdown(ws, "c.png"),
        render_html(ws, "cid:c"),
        str(slack_payload(ws)["text"]),
        str(discord_payload(ws)["content"]),
    ]
    for text in texts:
        assert "None" not in text
        assert "too little data to pick a day" in text.lower()


# -- schedule: the systemd service -------------------------------------------------------


def test_an_environment_file_in_a_folder_with_a_space_is_read_by_systemd(tmp_path: Path) -> None:
    """`EnvironmentFile=` takes its path as it is: systemd does not unquote it, and ignores
    a quoted one ("path is not absolute"), so the job would run without its webhook URL."""
    config_home = tmp_path / "John Smith" / ".config"
    plan = make_plan("@me", webhook_env="HOOK", environ={"XDG_CONFIG_HOME": str(config_home)})
    service = service_unit(plan)
    env_file = config_home / "linkratio" / "weekly.env"
    assert f"EnvironmentFile=-{env_file}\n" in service
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return
    unit = tmp_path / "linkratio-weekly.service"
    unit.write_text(service)
    checked = subprocess.run(
        [analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, check=False
    )
    assert "EnvironmentFile" not in checked.stderr, checked.stderr


def test_a_dollar_in_a_path_reaches_the_environment_unchanged() -> None:
    """systemd expands `$` in ExecStart= (so `$$` there), never in Environment=: a `$$`
    there would reach the job as two dollars, naming another library."""
    plan = make_plan("@me", environ={"LINKRATIO_DB": "/data/a$b/lib.sqlite"}, python="/v/py")
    service = service_unit(plan)
    assert "Environment=LINKRATIO_DB=/data/a$b/lib.sqlite\n" in service
    plan = make_plan("@me", environ={"LINKRATIO_DB": "/data/a $b/lib.sqlite"}, python="/v/py")
    assert 'Environment="LINKRATIO_DB=/data/a $b/lib.sqlite"\n' in service_unit(plan)


@pytest.mark.parametrize("path", ["/home/a b/100%/lib.sqlite", "/home/a%b/lib.sqlite"])
def test_a_percent_in_an_environment_path_is_escaped_for_systemd(path: str) -> None:
    """Specifiers (`%h`) are expanded in Environment= and EnvironmentFile= too."""
    plan = make_plan("@me", environ={"LINKRATIO_DB": path}, python="/v/py")
    escaped = path.replace("%", "%%")
    assert f"LINKRATIO_DB={escaped}" in service_unit(plan)


@pytest.fixture
def hostile_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A library whose only account has a handle (from the data) that holds a line break."""
    return one_account_home(tmp_path, monkeypatch, "me\n* * * * * touch /tmp/pwned #", "hi?")


def test_a_handle_with_a_line_break_never_reaches_the_crontab_or_the_units(
    hostile_library: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A handle comes from the data (an imported file, a server): a line break in it would
    start a crontab line of its own (a command cron runs every minute) or a unit directive."""
    from linkratio.cli import main
    from linkratio.weekly import schedule

    calls: list[list[str]] = []
    monkeypatch.setattr(schedule, "run_systemctl", lambda args: calls.append(list(args)) or 0)
    out = io.StringIO()
    assert main(["schedule", "--tz", "UTC", "--install"], out) == 2
    assert "touch /tmp/pwned" not in out.getvalue()
    err = capsys.readouterr().err
    one_line(err)
    assert "crontab" in err
    assert not (hostile_library / "xdg" / "systemd").exists() and not calls


def test_a_plan_with_a_control_character_is_refused() -> None:
    from linkratio.errors import InputError

    with pytest.raises(InputError, match="control character"):
        make_plan("@me", environ={}, out=Path("/w/a\nb"))
    with pytest.raises(InputError, match="control character"):
        make_plan("@me\r", environ={})
    with pytest.raises(InputError, match="control character"):
        make_plan("@me", environ={"LINKRATIO_DB": "/d/\x00/lib.sqlite"})


def test_the_email_subject_carries_no_control_or_bidi_character() -> None:
    """The subject names the account, whose handle comes from the data: an escape sequence,
    a NUL or a bidi override in it must not reach the header (raw, as the mail has it)."""
    from linkratio.render.weekly import subject
    from linkratio.weekly.deliver import build_email

    df = frame(post("2026-11-17 09:00", "conversation", partners=["ana"]))
    account = "bsky:ev\x1b[2J\x00il\u202egnp.exe\x7f"
    ws = build_week(df, date(2026, 11, 16), tz="UTC", account=account)
    line = subject(ws)
    assert line.isprintable() and "\x1b" not in line and "\u202e" not in line
    assert "linkratio: week 2026-W47 for bsky:ev" in line
    msg = build_email(line, "me@example.org", "a@example.org", "text", lambda s: "<p></p>", b"")
    head = msg.as_bytes().split(b"\n\n", 1)[0]
    assert b"\x1b" not in head and b"\x00" not in head and b"\x7f" not in head


# -- charts: text from posts on the terminal -----------------------------------------------


def _partner_frame(name: str):
    return frame(
        *[post(f"2024-05-0{d} 09:00", "conversation", partners=[name]) for d in range(1, 6)]
    )


def test_a_chart_label_draws_no_control_character() -> None:
    """A handle with an escape sequence or a BEL: matplotlib warns of each glyph it lacks,
    quoting the character raw; a chart label must hold none (U+FFFD instead)."""
    import io as _io
    import warnings

    from linkratio.charts import partners_chart

    fig = partners_chart(_partner_frame("ev\x1b]0;pwned\x07\x1b[31mil\x00"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(_io.BytesIO(), format="png")
    said = " ".join(str(w.message) for w in caught)
    assert not any(ord(c) < 32 or c == "\x7f" for c in said), said
    drawn = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert drawn and all(t.isprintable() for t in drawn)


def test_report_says_missing_glyphs_in_one_inert_line_and_not_with_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CJK handle has no glyph in the chart font: matplotlib's two-line Python warning per
    character is said once, as a `linkratio: warning:` line, and not at all with --quiet."""
    import json

    from linkratio.cli import main

    users = [{"id": "1", "username": "me"}, {"id": "2", "username": "日本\x1b[31m"}]
    tweets = [
        {
            "id": str(100 + i),
            "author_id": "1",
            "created_at": f"2024-05-0{1 + i}T12:00:00.000Z",
            "text": "@x hi",
            "in_reply_to_user_id": "2",
            "conversation_id": "5",
        }
        for i in range(5)
    ]
    source = tmp_path / "tweets.json"
    source.write_text(json.dumps({"data": tweets, "includes": {"users": users}}))
    assert main(["report", str(source), "--tz", "UTC", "--out", str(tmp_path / "r")]) == 0
    err = capsys.readouterr().err
    assert "\x1b" not in err and "UserWarning" not in err and "savefig" not in err
    lines = [line for line in err.splitlines() if "glyph" in line]
    assert len(lines) == 1 and lines[0].startswith("linkratio: warning:")
    assert "日" in lines[0]
    args = ["report", str(source), "--tz", "UTC", "--out", str(tmp_path / "q"), "-q"]
    assert main(args) == 0
    assert capsys.readouterr().err == ""


def test_schedule_never_writes_a_zone_the_job_cannot_resolve(
    hostile_library: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --tz, a system zone with no IANA name (a copied /etc/localtime, a POSIX `TZ`)
    is today's offset named by its abbreviation (`CEST`): written as `--tz CEST`, every
    weekly run of the job would stop with 'unknown time zone'."""
    from datetime import timedelta, timezone

    from linkratio.analysis import period
    from linkratio.cli import main
    from linkratio.frame import Library
    from linkratio.model import Account, Post

    with Library(hostile_library / "lib.sqlite") as lib:
        first = Post("x", "2", datetime(2026, 11, 17, 9, tzinfo=UTC), "hi?", author_id="2")
        lib.save_posts(Account("x", "2", "plain"), [first], origin="file")
    fixed = timezone(timedelta(hours=2), "CEST")
    monkeypatch.setattr(period, "_system_zone", lambda: (fixed, "CEST"))
    out = io.StringIO()
    assert main(["schedule", "@plain"], out) == 2
    assert "--tz CEST" not in out.getvalue()
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--tz" in err and "CEST" in err
    out = io.StringIO()
    assert main(["schedule", "@plain", "--tz", "Europe/Berlin"], out) == 0
    assert "--tz Europe/Berlin" in out.getvalue()


# -- email: a server that never finishes its answer ----------------------------------------


class _EndlessSmtp(RawServer):
    """A server on 127.0.0.1 that answers a connection with continuation lines (`220-…`)
    and never a last line: every `pause` seconds one, or as fast as it can (`pause` 0)
    until it has sent `most` bytes. `sent` counts what it wrote."""

    def __init__(self, pause: float, most: int = 1 << 62) -> None:
        super().__init__()
        self.pause, self.most, self.sent = pause, most, 0

    def answer(self, conn: socket.socket) -> None:
        """Continuation lines until `most` bytes or the end of the test."""
        line = b"220-" + b"x" * 60 + b"\r\n"
        while self.sent < self.most and not self.stopping.is_set():
            conn.sendall(line)
            self.sent += len(line)
            if self.pause:
                self.stopping.wait(self.pause)


def _send_in_thread(port: int, deadline: float) -> list[BaseException]:
    """send_email to 127.0.0.1:`port` in a thread (the test itself must not hang)."""
    import threading

    from linkratio.weekly.deliver import SmtpSettings, build_email, send_email

    msg = build_email("s", "me@example.org", "a@example.org", "t", lambda s: "<p></p>", b"")
    settings = SmtpSettings("127.0.0.1", port, "me@example.org", "none")
    raised: list[BaseException] = []

    def run() -> None:
        try:
            send_email(settings, msg, timeout=5, deadline=deadline)
        except BaseException as exc:  # noqa: BLE001 - the test looks at what it was
            raised.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(120)  # a guard against a hang, not a measure: the deadline is far shorter
    assert not worker.is_alive(), "send_email still waiting for the server's answer"
    return raised


def test_an_smtp_answer_that_never_ends_is_cut_at_the_deadline() -> None:
    """Each continuation line arrives within the read timeout: only a deadline for the
    whole conversation ends it (else the weekly run, and its library lock, hang)."""
    from linkratio.errors import DeliveryUnavailable

    with _EndlessSmtp(pause=0.05) as server:
        raised = _send_in_thread(server.port, deadline=0.5)
    assert len(raised) == 1 and isinstance(raised[0], DeliveryUnavailable)
    assert "try again later" in str(raised[0])


def test_an_smtp_answer_is_read_up_to_a_cap() -> None:
    """A flood of continuation lines is not all held in memory: the client stops reading."""
    from linkratio.errors import DeliveryUnavailable
    from linkratio.weekly.smtp_bounds import MAX_REPLY

    most = 64 * MAX_REPLY
    with _EndlessSmtp(pause=0, most=most) as server:
        raised = _send_in_thread(server.port, deadline=60)
    assert len(raised) == 1 and isinstance(raised[0], DeliveryUnavailable)
    assert server.sent < most


# -- a terminal or file whose encoding lacks a character ----------------------------------


@pytest.mark.parametrize(
    ("encoding", "args"),
    [
        ("ascii", ["audit", "--tz", "UTC"]),  # the weekly bars are block characters
        ("latin-1", ["audit", "--tz", "UTC"]),
        ("latin-1", ["classify"]),  # the reason quotes the question mark: ？
        ("ascii", ["classify", "--output", "csv", "--with-author"]),
    ],
)
def test_an_output_encoding_that_lacks_a_character_is_no_traceback(
    tmp_path: Path, encoding: str, args: list[str]
) -> None:
    """stdout in ASCII or Latin-1 (PYTHONIOENCODING, a Windows file redirect): a character
    it cannot hold is replaced, never a UnicodeEncodeError traceback halfway through."""
    import json
    import os
    import sys

    users = [{"id": "1", "username": "évil日"}]
    tweets = [
        {"id": "10", "author_id": "1", "created_at": "2024-05-01T12:00:00.000Z", "text": "日？"},
        {"id": "11", "author_id": "1", "created_at": "2024-05-02T12:00:00.000Z", "text": "é"},
    ]
    source = tmp_path / "tweets.json"
    source.write_text(json.dumps({"data": tweets, "includes": {"users": users}}))
    argv = [sys.executable, "-m", "linkratio", args[0], str(source), *args[1:]]
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    done = subprocess.run(argv, capture_output=True, env=env, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr
    assert done.stdout.decode(encoding)  # the whole output, in the encoding asked for
    assert len(done.stdout.splitlines()) >= 2


def test_an_output_folder_that_cannot_be_made_is_a_disk_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README: a file that could not be written (disk full, read-only) exits 74 naming it;
    the folder of a report or of weekly files is made first: its failure is the same."""
    import errno

    from linkratio.errors import DiskError
    from linkratio.render.sections import out_folder

    def read_only(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(DiskError, match="rep") as caught:
        out_folder(tmp_path / "rep")
    assert caught.value.exit_code == 74 and "Read-only file system" in str(caught.value)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_under_stdout_exits_74_in_one_line() -> None:
    """README: 74 when a file could not be written (disk full): stdout redirected to a full
    disk is such a file, not bad input (2)."""
    import sys

    from helpers import SAMPLE

    for args in (["audit", str(SAMPLE)], ["classify", str(SAMPLE), "--output", "csv"]):
        with open("/dev/full", "w") as full:
            done = subprocess.run(
                [sys.executable, "-m", "linkratio", *args],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
        assert done.returncode == 74, done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert "standard output" in done.stderr and "No space left" in done.stderr


def test_a_challenge_is_never_stored_in_a_zone_that_cannot_be_named_again(
    hostile_library: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A challenge day keeps the name of its zone; `challenge status` and `weekly` resolve
    it again. Stored as `CEST` (a system zone without an IANA name), both stopped with
    'unknown time zone' from then on, even `weekly --tz UTC`."""
    from datetime import timedelta, timezone

    from linkratio.analysis import period
    from linkratio.cli import main
    from linkratio.frame import Library
    from linkratio.model import Account, Post

    with Library(hostile_library / "lib.sqlite") as lib:
        first = Post("x", "2", datetime(2026, 11, 17, 9, tzinfo=UTC), "hi?", author_id="2")
        lib.save_posts(Account("x", "2", "plain"), [first], origin="file")
    fixed = timezone(timedelta(hours=2), "CEST")
    monkeypatch.setattr(period, "_system_zone", lambda: (fixed, "CEST"))
    now = ["--now", "2026-12-07T07:00:00+00:00"]
    set_day = ["challenge", "set", "2026-12-09", "--account", "@plain", *now]
    assert main(set_day, io.StringIO()) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--tz" in err and "CEST" in err
    assert main([*set_day, "--tz", "Europe/Berlin"], io.StringIO()) == 0
    later = ["--now", "2026-12-15T07:00:00+00:00"]
    assert main(["challenge", "status", "--account", "@plain", *later], io.StringIO()) == 0
    out = str(hostile_library / "weekly")
    weekly = ["weekly", "@plain", "--week", "2026-W50", "--tz", "UTC", "--out", out, *later]
    assert main(weekly, io.StringIO()) in (0, 1)  # 1: no post since the week (stale)


@pytest.mark.parametrize(
    "argv",
    [
        ["weekly", "@me", "--webhok", "https://hooks.example.org/services/T0/B0/s3cretToken"],
        ["weekly", "@me", "two", "https://hooks.example.org/services/T0/B0/s3cretToken"],
        ["schedule", "--webhook", "https://hooks.example.org/services/T0/B0/s3cretToken"],
        ["weekly", "@me", "--webhok", "https://user:s3cretToken@hooks.example.org"],
        ["weekly", "@me", "--webhok", "https://hooks.example.org?key=s3cretToken"],
    ],
)
def test_a_usage_error_never_echoes_a_webhook_url(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A webhook URL holds a token: a mistyped option in a crontab would write it into the
    job's log every week with argparse's 'unrecognized arguments: …'."""
    from linkratio.cli import main

    with pytest.raises(SystemExit) as done:
        main(argv, io.StringIO())
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "s3cretToken" not in err and "services" not in err and "user" not in err
    if "hooks.example.org" in err:  # quoted: by its host only
        assert "hooks.example.org/…" in err


# -- the system's zone, when /etc/localtime is a copy --------------------------------------


def _berlin_file(tmp_path: Path) -> Path:
    import zoneinfo

    for root in zoneinfo.TZPATH:
        found = Path(root) / "Europe" / "Berlin"
        if found.is_file():
            copy = tmp_path / "localtime"
            copy.write_bytes(found.read_bytes())
            return copy
    pytest.skip("no system zoneinfo to copy Europe/Berlin from")


def test_a_copied_localtime_keeps_its_summer_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/etc/localtime as a copy (Gentoo, Alpine, many container images), no TZ: the days
    follow its rules all year, not today's offset (a July post at 22:30 UTC is on the next
    day in Berlin, whatever month it is now)."""
    from linkratio.analysis import period, resolve_zone

    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(period, "_LOCALTIME", str(_berlin_file(tmp_path)))
    monkeypatch.setattr(period, "_TIMEZONE", str(tmp_path / "no-such-file"))
    zone, _ = resolve_zone(None)
    summer, winter = datetime(2024, 7, 1, 22, 30, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
    assert summer.astimezone(zone).date() == date(2024, 7, 2)
    assert winter.astimezone(zone).utcoffset() == summer.astimezone(zone).utcoffset() / 2
    # Named so, it is resolved again by that name (a report's times, a stored challenge day).
    again, name = period.named_zone(resolve_zone(None)[1])
    assert summer.astimezone(again).date() == date(2024, 7, 2) and name == period._LOCALTIME


def test_a_copied_localtime_is_named_by_etc_timezone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Debian, Gentoo and container images name the zone in /etc/timezone: that name is the
    one a scheduled job and a challenge day can keep."""
    from linkratio.analysis import period, resolve_zone

    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(period, "_LOCALTIME", str(_berlin_file(tmp_path)))
    (tmp_path / "timezone").write_text("Europe/Berlin\n")
    monkeypatch.setattr(period, "_TIMEZONE", str(tmp_path / "timezone"))
    assert resolve_zone(None)[1] == "Europe/Berlin"


# -- JSON on a terminal --------------------------------------------------------------------


def _hostile_json_file(tmp_path: Path) -> Path:
    import json

    users = [{"id": "1", "username": "me"}, {"id": "2", "username": "ev\u202eil\u009b31m"}]
    tweets = [
        {
            "id": "10",
            "author_id": "1",
            "created_at": "2024-05-01T12:00:00.000Z",
            "text": "@x hi",
            "in_reply_to_user_id": "2",
            "conversation_id": "5",
        },
        {
            "id": "11",
            "author_id": "1",
            "created_at": "2024-05-02T12:00:00.000Z",
            "text": "see https://a.example/\u202egnp.exe\u009b2J",
        },
    ]
    source = tmp_path / "tweets.json"
    source.write_text(json.dumps({"data": tweets, "includes": {"users": users}}))
    return source


_RAW = ("\u009b", "\u202e", "\x7f")


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "--json", "--tz", "UTC"],
        ["classify", "--output", "jsonl"],
        ["classify", "--output", "jsonl", "--with-author"],
    ],
)
def test_json_on_a_terminal_carries_no_raw_c1_or_bidi_character(
    tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON escapes C0 controls only: U+009B is CSI to a terminal and U+202E reorders the
    line. Written as \\u escapes they are the same JSON data, and inert."""
    import json

    from linkratio.cli import main

    source = _hostile_json_file(tmp_path)
    assert main([args[0], str(source), *args[1:]]) == 0
    out = capsys.readouterr().out
    assert not any(c in out for c in _RAW)
    docs = [json.loads(out)] if args[0] == "audit" else [json.loads(x) for x in out.splitlines()]
    text = json.dumps(docs, ensure_ascii=False)
    assert "ev\u202eil\u009b31m" in text  # the data itself is unchanged


def test_a_chart_note_keeps_its_line_breaks() -> None:
    """linkratio's own notes break lines with \\n: only text from posts loses controls."""
    from linkratio.charts import partners_chart

    fig = partners_chart(_partner_frame("ana"))
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("\n" in note for note in notes), notes
    assert not any("\ufffd" in note for note in notes), notes


@pytest.mark.parametrize(("narrow", "most"), [(False, 40), (True, 24)])
@pytest.mark.parametrize("length", [33, 5000])
def test_a_long_name_is_clipped_in_a_ranking_chart(narrow: bool, most: int, length: int) -> None:
    """A long site or account name (a 33-character domain on a phone, a hostile handle of
    thousands) squeezed the bars out of the figure, and matplotlib said so in a raw
    two-line warning: it is clipped, as the terminal clips it."""
    import io as _io
    import warnings

    from linkratio.charts import partners_chart, sites_chart

    rows = [post(f"2024-05-0{d} 09:00", "link", domains=["w" * length]) for d in range(1, 6)]
    for fig in (partners_chart(_partner_frame("x" * length), narrow=narrow),
                sites_chart(frame(*rows), narrow=narrow)):  # fmt: skip
        names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert names and all(len(n) <= most for n in names), [len(n) for n in names]
        assert all(n.endswith("…") for n in names) == (length > most)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(_io.BytesIO(), format="png")
        assert not [w for w in caught if "constrained_layout" in str(w.message)]


def test_a_chart_warning_is_one_inert_line_and_none_with_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any user warning matplotlib gives while drawing (a layout it could not apply, …) is
    said once as a `linkratio: warning:` line, not as a Python warning per chart, and -q
    silences it as README says."""
    import warnings

    from helpers import SAMPLE

    from linkratio.cli import main
    from linkratio.render import report

    drawn = report._png

    def warn_then_draw(figure):  # type: ignore[no-untyped-def]
        warnings.warn("layout not applied \x1b[31m", UserWarning, stacklevel=1)
        return drawn(figure)

    monkeypatch.setattr(report, "_png", warn_then_draw)
    assert main(["report", str(SAMPLE), "--out", str(tmp_path / "a"), "--tz", "UTC"]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "layout not applied" in line]
    assert len(lines) == 1 and lines[0].startswith("linkratio: warning:")
    assert "\x1b" not in err and "UserWarning" not in err
    args = ["report", str(SAMPLE), "--out", str(tmp_path / "b"), "--tz", "UTC", "-q"]
    assert main(args) == 0
    assert capsys.readouterr().err == ""


# -- atomic writes ---------------------------------------------------------------------------


@pytest.mark.parametrize("fails", ["write", "replace"])
def test_an_interrupted_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str
) -> None:
    """Ctrl-C (or any exception) while writing: no hidden `.name.PID.tmp` is left behind,
    only the previous file (README: "never a truncated one, and no temporary file")."""
    import os

    from linkratio.render import files

    target = tmp_path / "report.html"
    target.write_text("previous")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    if fails == "replace":
        monkeypatch.setattr(files.os, "replace", interrupted)
    else:
        real_fdopen = os.fdopen

        class Broken:
            def __init__(self, fd: int) -> None:
                self.fh = real_fdopen(fd, "wb")

            def __enter__(self) -> Broken:
                return self

            def __exit__(self, *exc: object) -> None:
                self.fh.close()

            def write(self, data: bytes) -> None:
                self.fh.write(data[:10])
                raise KeyboardInterrupt

        monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: Broken(fd))
    with pytest.raises(KeyboardInterrupt):
        files.write_atomic(target, "new text " * 1000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    assert target.read_text() == "previous"


def test_a_stored_challenge_zone_that_no_longer_resolves_is_no_dead_end(
    hostile_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A library whose challenge day was stored in a zone without an IANA name (by a version
    before named_zone): status and weekly judged nothing else from then on, and no command
    removes a challenge. The day is judged in the run's zone instead, with a warning."""
    from linkratio.cli import main
    from linkratio.frame import Library
    from linkratio.model import Account, Post
    from linkratio.store.weekly import add_challenge

    account = Account("x", "2", "plain")
    with Library(hostile_library / "lib.sqlite") as lib:
        first = Post("x", "2", datetime(2026, 12, 9, 9, tzinfo=UTC), "hi?", author_id="2")
        lib.save_posts(account, [first], origin="file")
        add_challenge(lib, account, date(2026, 12, 9), "CEST")
    later = ["--now", "2026-12-15T07:00:00+00:00"]
    out = io.StringIO()
    assert main(["challenge", "status", "--account", "@plain", *later], out) == 0
    assert "2026-12-09 Wed  talk-only" in out.getvalue()
    err = capsys.readouterr().err
    assert "CEST" in err and "Traceback" not in err
    out_dir = str(hostile_library / "weekly")
    weekly = ["weekly", "@plain", "--week", "2026-W50", "--tz", "UTC", "--out", out_dir, *later]
    assert main(weekly, io.StringIO()) == 0
    assert "talk-only" in (hostile_library / "weekly" / "linkratio-2026-W50.md").read_text()
