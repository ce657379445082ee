"""Leftovers of the cron review (rv9), fixed by the lead: each test failed before its fix."""

from __future__ import annotations

import shutil
import subprocess
from datetime import time
from pathlib import Path

import pytest

from linkratio import config
from linkratio.cli import main
from linkratio.errors import InputError
from linkratio.weekly.schedule import crontab_line, make_plan

# -- the config file: a key linkratio does not know ------------------------------------


def test_a_misspelt_setting_is_refused_naming_file_key_and_the_closest(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`[weekly] emails = ...` was read as nothing: the job mailed nobody and exited 0."""
    config_file.write_text('[weekly]\nemails = "me@example.org"\n')
    with pytest.raises(InputError) as caught:
        config.get("weekly.email")
    said = str(caught.value)
    assert str(config_file) in said and "'weekly.emails'" in said
    assert "did you mean weekly.email?" in said and "me@example.org" not in said
    assert main(["config", "show"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "weekly.emails" in err and "Traceback" not in err


def test_a_setting_above_any_table_is_unknown_too(config_file: Path) -> None:
    """A key before the first `[table]` belongs to none of the services: never read."""
    config_file.write_text('password = "hunter2"\n[smtp]\nhost = "mail.example.org"\n')
    with pytest.raises(InputError) as caught:
        config.get("smtp.host")
    assert "'password'" in str(caught.value) and "hunter2" not in str(caught.value)


def test_config_set_keeps_an_unknown_key_and_still_writes_a_known_one(config_file: Path) -> None:
    """Setting a value does not lose what the user wrote by hand, nor refuse to work."""
    config_file.write_text('[weekly]\nemails = "me@example.org"\n')
    config.set_value("smtp.host", "mail.example.org")
    text = config_file.read_text()
    assert 'emails = "me@example.org"' in text and 'host = "mail.example.org"' in text
    config_file.write_text('[smtp]\nhost = "mail.example.org"\n')
    assert config.get("smtp.host") == "mail.example.org"  # known keys read as before


# -- the crontab line: a start that cron makes late ------------------------------------


def _guard_passes(line: str, clock: str, tmp_path: Path) -> bool:
    """Whether the line's zone check lets the run through when `date` prints `clock`."""
    sh = shutil.which("sh")
    if sh is None:
        pytest.skip("needs sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "date"
    fake.write_text(f"#!{sh}\necho {clock}\n")
    fake.chmod(0o755)
    guard = line.split(" ", 5)[5].replace("\\%", "%").split("|| exit 0;")[0]
    done = subprocess.run([sh, "-c", f"{guard}|| exit 7; exit 0"], env={"PATH": str(bin_dir)})
    assert done.returncode in (0, 7)
    return done.returncode == 0


@pytest.mark.parametrize(
    ("at", "clock", "runs"),
    [
        (time(7, 0), "10700", True),
        (time(7, 0), "10704", True),  # cron began four minutes late: the week still runs
        (time(7, 0), "10714", True),
        (time(7, 0), "10715", False),  # the next quarter's start: not twice
        (time(7, 0), "10659", False),
        (time(7, 0), "20700", False),  # Tuesday
        (time(7, 50), "10804", True),  # across the hour
        (time(7, 50), "10805", False),
        (time(23, 50), "12359", True),  # the window stays in its day
        (time(23, 50), "20004", False),
    ],
)
def test_the_zone_check_lets_a_late_start_of_its_quarter_through(
    at: time, clock: str, runs: bool, tmp_path: Path
) -> None:
    """Only the exact minute went on: a start delayed past it skipped that week silently."""
    plan = make_plan("@me", weekday="mon", at=at, tz="Europe/Berlin", environ={})
    assert _guard_passes(crontab_line(plan), clock, tmp_path) is runs


# -- SIGTERM: systemd stopping the job, `timeout`, a shutdown --------------------------


def test_sigterm_ends_a_run_in_one_line_with_nothing_half_done(tmp_path: Path) -> None:
    """SIGTERM killed the process outright: exit -15 with no line in the log, and what it
    was in the middle of was left as the kernel found it. It now ends as Ctrl-C does: one
    line, exit 143, no temporary file, nothing recorded as delivered that was not."""
    import os
    import signal
    import sqlite3
    import sys
    import threading

    import matplotlib.font_manager  # its font list, made once: the run's cache to read
    from fakes.scripted import Answer, Asked, Scripted
    from helpers import SAMPLE

    db = tmp_path / "lib.sqlite"
    assert main(["import", str(SAMPLE), "--db", str(db), "-q"]) == 0
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LINKRATIO_DB": str(db),
        "LINKRATIO_CONFIG": str(tmp_path / "config.toml"),
        "PYTHONPATH": os.pathsep.join(sys.path),
        # A font list made in a new home takes matplotlib over 5 s on a loaded machine, and
        # it says so in a warning line: the run reads the one made already.
        "MPLCONFIGDIR": matplotlib.get_cachedir(),
    }
    arrived, release = threading.Event(), threading.Event()

    def held(_: Asked) -> Answer:
        arrived.set()
        release.wait(600)  # until the run is over, however long a loaded machine takes
        return Answer(200, b"ok")

    argv = ["weekly", "@marenbuilds", "--now", "2024-12-16T08:00:00+00:00", "--tz", "UTC"]
    with Scripted(held) as hook:
        run = subprocess.Popen(
            [sys.executable, "-m", "linkratio", *argv, "--out", "out", "--webhook", hook.url],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            # No deadline of its own for the start (a loaded machine only takes longer):
            # the run reaches the webhook, or it ends, or 10 minutes go by.
            for _ in range(3000):
                if arrived.wait(0.2) or run.poll() is not None:
                    break
            assert arrived.is_set(), f"the run never reached the webhook: {run.poll()}"
            run.send_signal(signal.SIGTERM)
            _, err = run.communicate(timeout=600)
        finally:
            release.set()
            if run.poll() is None:
                run.kill()
            run.communicate()  # reaped, its pipes closed, whatever happened
    assert run.returncode == 143 and err.decode() == "linkratio: terminated\n"
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM deliveries").fetchone() == (0,)


# -- schedule --install for a second account ----------------------------------------------


def test_installing_a_second_accounts_job_never_replaces_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The unit names are fixed: `schedule @ana --install` after `schedule @me --install`
    overwrote @me's units, and @me's summaries stopped without a word."""
    import io
    from datetime import UTC, datetime

    from helpers import one_account_home

    from linkratio.frame import Library
    from linkratio.model import Account, Post
    from linkratio.weekly import schedule

    home = one_account_home(tmp_path, monkeypatch, "me", "@ana hi")
    with Library(home / "lib.sqlite") as lib:
        post = Post("x", "2", datetime(2026, 11, 17, 9, tzinfo=UTC), "hi?", author_id="2")
        lib.save_posts(Account("x", "2", "ana"), [post], origin="file")
    monkeypatch.setattr(schedule, "run_systemctl", lambda args: 0)
    units = home / "xdg" / "systemd" / "user"
    args = ["--email", "a@example.org", "--tz", "UTC", "--install", "-q"]
    assert main(["schedule", "@me", *args], io.StringIO()) == 0
    first = (units / schedule.SERVICE).read_text()
    assert main(["schedule", "@ana", *args], io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "runs the weekly job of @me" in err and "@ana" in err
    assert (units / schedule.SERVICE).read_text() == first
    # The same account again (a new time, a new address) replaces its own job as before.
    assert main(["schedule", "@me", *args, "--at", "08:00"], io.StringIO()) == 0
    assert "08:00" in (units / schedule.TIMER).read_text()


# -- a webhook that accepts the message and then trickles its answer -------------------------


def test_a_webhook_that_accepts_and_then_trickles_gets_the_message_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 200 whose body came a byte a second ran into the answer's deadline and was
    retried: the channel got the summary three times. A 2xx is delivered once it is said."""
    from fakes.scripted import Answer, Asked, Scripted

    from linkratio.weekly import deliver

    monkeypatch.setattr(deliver, "DEADLINE", 1.0)

    def trickle(_: Asked) -> Answer:
        return Answer(200, b"ok" * 50, drip=0.2)

    with Scripted(trickle) as hook:
        dest = deliver.webhook_destination(f"{hook.url}/services/T0/B0/TOKEN")
        made = deliver.post_webhook(dest, {"text": "hi"}, timeout=0.5, sleep=lambda _: None)
        assert made == 1 and len(hook.asked) == 1


# -- an API over TLS that retrying cannot mend ------------------------------------------


@pytest.mark.parametrize("server_tls", [True, False])
def test_an_appview_whose_tls_cannot_work_is_one_line_without_retries(
    server_tls: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An untrusted certificate, or https:// to a plain-text server, was retried four times
    (30 s of backoff) and then said 'cannot reach Bluesky (ConnectError)'. It is one line at
    once, saying what to check; the webhook and SMTP sides already said so (one helper now)."""
    from fakes.base import self_signed, tls_context
    from fakes.scripted import Answer, Scripted
    from helpers import Waits

    from linkratio.errors import ApiUnavailable
    from linkratio.net.bluesky import BlueskyApi

    tls = None
    if server_tls:
        made = self_signed(tmp_path, "127.0.0.1")
        if made is None:
            pytest.skip("the openssl command is needed to make a test certificate")
        tls = tls_context(made)
    with Scripted(lambda asked: Answer(200, b"{}"), tls) as server:
        monkeypatch.setenv("LINKRATIO_BSKY_API_URL", f"https://127.0.0.1:{server.port}")
        waits = Waits()
        api = BlueskyApi(**waits.options(backoff=0.01))
        with pytest.raises(ApiUnavailable) as caught:
            api.resolve("a.bsky.social")
        api.close()
    said = str(caught.value)
    expected = "certificate is not trusted" if server_tls else "speaks no TLS there"
    assert expected in said and "127.0.0.1" in said and "\n" not in said
    assert waits.slept == [] and caught.value.exit_code == 69


# -- import from Python: nothing frozen out of the collector's sight -----------------------


def test_import_source_from_python_leaves_the_cycle_collector_alone(tmp_path: Path) -> None:
    """`import_source` always called `gc.freeze()`: in a notebook or a server that imports,
    everything alive then (its own objects too) was never cycle-collected again. Only the
    one-shot `linkratio import` asks for it now."""
    import gc

    from helpers import SAMPLE

    from linkratio.loading import import_source

    gc.unfreeze()
    try:
        done = import_source(SAMPLE, db=tmp_path / "a.sqlite")
        assert done.posts > 2000 and gc.get_freeze_count() == 0
        import_source(SAMPLE, db=tmp_path / "b.sqlite", freeze=True)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


# -- pandas' NaT as a period end ---------------------------------------------------------


def test_nat_as_since_or_until_is_no_day() -> None:
    """`load(since=pd.NaT)` (a missing value from a frame) returned an empty frame without a
    word, and `summarize` said 'no posts between NaT and ...': NaT names no day."""
    import pandas as pd
    from helpers import SAMPLE

    import linkratio

    df = linkratio.load(SAMPLE)
    for call in (
        lambda: linkratio.load(SAMPLE, since=pd.NaT),
        lambda: linkratio.load(SAMPLE, until=pd.NaT),
        lambda: linkratio.summarize(df, since=pd.NaT),
    ):
        with pytest.raises(InputError, match="NaT is not a day"):
            call()
    assert linkratio.summarize(df, until=pd.Timestamp("2024-10-01", tz="UTC")).posts > 0


# -- a cohort folder as a researcher opens it first --------------------------------------


def test_a_cohort_folder_reads_with_pandas_and_an_older_one_is_carried_over(
    tmp_path: Path,
) -> None:
    """`pd.read_parquet("cohort/")` failed: Arrow took manifest.json for a Parquet file. The
    manifest is `_manifest.json` now (Arrow skips `_` and `.` names), readable as the parts
    are; a cohort built before keeps its manifest.json until the next build renames it."""
    import os

    import pandas as pd
    from helpers import SAMPLE

    import linkratio

    out = tmp_path / "cohort"
    assert main(["cohort", "build", str(SAMPLE), "--out", str(out), "--workers", "1", "-q"]) == 0
    frame = pd.read_parquet(out)
    assert len(frame) == len(linkratio.load(SAMPLE)) and "category" in frame.columns
    manifest = out / "_manifest.json"
    part = next(out.glob("platform=*/month=*/part-*.parquet"))
    assert manifest.stat().st_mode & 0o777 == part.stat().st_mode & 0o777
    # An older cohort: its manifest under the old name is read (nothing rebuilt), then moved.
    manifest.rename(out / "manifest.json")
    stamp = part.stat().st_mtime_ns
    assert main(["cohort", "sql", str(out), "SELECT count(*) FROM posts"]) == 0
    assert main(["cohort", "build", str(SAMPLE), "--out", str(out), "--workers", "1", "-q"]) == 0
    assert part.stat().st_mtime_ns == stamp  # unchanged input: not read again
    assert manifest.is_file() and not (out / "manifest.json").exists()
    assert sorted(os.listdir(out)) == [".lock", "_manifest.json", "platform=x"]


def test_a_blank_input_file_is_an_input_without_posts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty file among a collection's inputs (an account that posted nothing) stopped
    the whole build with 'unknown format', --skip-invalid or not. It is an input with no
    posts: recorded, and not read again while it stays as it is."""
    from helpers import SAMPLE

    from linkratio.cohort import manifest

    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "blank.json").write_bytes(b"\xef\xbb\xbf \n\n")
    out = tmp_path / "cohort"
    argv = ["cohort", "build", str(SAMPLE), str(tmp_path / "*.json*"), "--out", str(out)]
    assert main([*argv, "--workers", "1"]) == 0
    assert "3 inputs (3 read, 0 unchanged" in capsys.readouterr().out
    entries = manifest.load(out).values()
    assert sorted(e.posts for e in entries) == [0, 0, 2390]
    assert main([*argv, "--workers", "1"]) == 0
    assert "3 inputs (0 read, 3 unchanged" in capsys.readouterr().out


# -- a week where a day is asked for ------------------------------------------------------


def test_a_bare_week_is_no_day_for_since_or_until(capsys: pytest.CaptureFixture[str]) -> None:
    """`until="2024-W52"` was read as that week's Monday (date.fromisoformat does), so the
    period kept one day of the week meant. A week is refused where a day is asked for; a
    day written in week form (2024-W52-7) is still a day."""
    from helpers import SAMPLE

    import linkratio

    df = linkratio.load(SAMPLE)
    for call in (
        lambda: linkratio.load(SAMPLE, until="2024-W52"),
        lambda: linkratio.summarize(df, since="2024w40"),
    ):
        with pytest.raises(InputError, match="is not a day"):
            call()
    assert linkratio.summarize(df, since="2024-W52-1", until="2024-W52-7").posts > 0
    with pytest.raises(SystemExit) as usage:  # argparse's own exit, one line of usage error
        main(["audit", str(SAMPLE), "--until", "2024-W52"])
    assert usage.value.code == 2 and "invalid date '2024-W52'" in capsys.readouterr().err
