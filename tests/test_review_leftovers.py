"""Defects an earlier review reported but left unfixed, one test (or a few) each."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from test_cohort_build import USERS, file_a, page, tweet

from linkratio.cli import main

# -- 1. the cohort commands' JSON is inert on a terminal ---------------------------------------

# U+009B is CSI to a terminal, U+202E reorders the line, U+2028 breaks it; DEL too.
_RAW = ("\u009b", "\u202e", "\u2028", "\x7f")
_HOSTILE = "ev\u202eil\u009b31m\u2028x\x7f"


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


@pytest.fixture
def hostile_cohort(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cohort whose inputs' folder and one handle carry C1, bidi and separator characters."""
    monkeypatch.setitem(USERS, "9", {"id": "9", "username": _HOSTILE, "name": "x"})
    folder = tmp_path / f"in{_HOSTILE}"
    folder.mkdir()
    source = folder / "a.jsonl"
    source.write_bytes(file_a() + page([tweet("501", "9", "hello", "2024-06-01T08:00:00Z")]))
    out = tmp_path / "cohort"
    assert _run("cohort", "build", str(source), "--out", str(out), "--workers", "1")[0] == 0
    return out


@pytest.mark.parametrize(
    "argv",
    [
        ("summary", "--json"),
        ("sql", f"SELECT '{_HOSTILE}' AS v, account FROM posts", "--json"),
    ],
)
def test_cohort_json_carries_no_raw_c1_bidi_or_separator(
    hostile_cohort: Path, argv: tuple[str, ...]
) -> None:
    """orjson leaves U+0080-U+009F, bidi controls and U+2028/9 raw: written as \\u escapes
    they are the same JSON data and nothing a terminal acts on."""
    code, text = _run("cohort", argv[0], str(hostile_cohort), *argv[1:])
    assert code == 0
    assert not any(c in text for c in _RAW)
    values = {v for record in json.loads(text) for v in record.values()}
    assert f"@{_HOSTILE}" in values  # the data itself is unchanged


def test_the_cohort_manifest_carries_no_raw_c1_bidi_or_separator(hostile_cohort: Path) -> None:
    """_manifest.json names each input by its path: a user who shows it with `cat` gets no
    terminal sequence from a file name, and the next build reads the same entries."""
    text = (hostile_cohort / "_manifest.json").read_text(encoding="utf-8")
    assert not any(c in text for c in _RAW)
    assert any(_HOSTILE in e["source"] for e in json.loads(text)["inputs"].values())
    source = next(p for p in hostile_cohort.parent.glob("in*/a.jsonl"))
    code, said = _run("cohort", "build", str(source), "--out", str(hostile_cohort))
    assert code == 0 and "(0 read, 1 unchanged, 0 removed)" in said


# -- 2. expand --concurrency and --per-host have a maximum ------------------------------------


@pytest.mark.parametrize(("flag", "most"), [("--concurrency", 64), ("--per-host", 16)])
def test_expand_refuses_a_concurrency_that_would_run_out_of_file_descriptors(
    flag: str, most: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each request in flight holds a socket: with --concurrency 5000 and ~1,000 file
    descriptors, connections failed ("All connection attempts failed") and each such link
    was stored as failed for 7 days. The option is refused instead, like --timeout 500."""
    from linkratio.cli.app import build_parser

    argv = ["expand", "@ana", "--db", str(tmp_path / "lib.sqlite")]
    assert (
        getattr(build_parser(argv).parse_args([*argv, flag, str(most)]), flag[2:].replace("-", "_"))
        == most
    )
    for too_many in (str(most + 1), "5000"):
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, flag, too_many])
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and "Traceback" not in err
        assert (
            f"argument {flag}: invalid count '{too_many}': expected a whole number from 1 to {most}"
            in err
        )
        assert not (tmp_path / "lib.sqlite").exists()  # refused before anything was opened


# -- 3. today's challenge day is not judged before it ends ------------------------------------


def test_todays_challenge_day_is_only_settled_when_broken() -> None:
    """At 09:00 a day with one conversation post was `talk-only`, though a link may still
    come; with no post yet it was `no posts`. Until the day ends in its zone it is `not
    yet` (with its posts so far); a link or retweet breaks it at once."""
    from datetime import date

    from rows import frame, post

    from linkratio.analysis.challenge import outcome
    from linkratio.analysis.period import resolve_zone

    zone = resolve_zone("UTC")[0]
    day = date(2026, 11, 18)
    talk = frame(post("2026-11-18 08:00", "conversation", partners=["ana"]))
    so_far = outcome(talk, day, zone, today=day)
    assert (so_far.status, so_far.posts, so_far.conversation) == ("not yet", 1, 1)
    assert outcome(frame(post("2026-11-18 08:00", "other")), day, zone, today=day).status == (
        "not yet"
    )
    assert outcome(frame(post("2026-11-17 08:00", "other")), day, zone, today=day).status == (
        "not yet"
    )
    broken = frame(
        post("2026-11-18 08:00", "conversation", partners=["ana"]),
        post("2026-11-18 08:30", "link", domains=["a.org"]),
    )
    assert outcome(broken, day, zone, today=day).status == "broken"
    # Once the day is over the same posts settle it.
    assert outcome(talk, day, zone, today=date(2026, 11, 19)).status == "talk-only"


def test_challenge_status_waits_for_the_end_of_the_day_in_its_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day is set in Los Angeles: at 12:00 there it is not over (20:00 UTC), at 01:00
    the next day (09:00 UTC) it is."""
    from datetime import UTC, datetime

    from linkratio.frame import Library
    from linkratio.model import Account, Post

    monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "lib.sqlite"))
    talk = Post(
        "x", "1", datetime(2026, 11, 18, 17, tzinfo=UTC), "@ana how are you?",
        author_id="1", author_handle="me",
        reply_to_user_id="2", reply_to_handle="ana", reply_to_post_id="100",
    )  # fmt: skip
    with Library(tmp_path / "lib.sqlite") as lib:
        lib.save_posts(Account("x", "1", "me"), [talk], origin="file")
    la = ["--tz", "America/Los_Angeles"]
    assert _run("challenge", "set", "2026-11-18", *la, "--now", "2026-11-18T16:00:00Z")[0] == 0
    assert _run("challenge", "status", "--now", "2026-11-18T20:00:00Z") == (
        0,
        "2026-11-18 Wed  not yet (1 post so far, 1 talking)\n",
    )
    assert _run("challenge", "status", "--now", "2026-11-19T09:00:00Z") == (
        0,
        "2026-11-18 Wed  talk-only (1 post, 1 talking)\n",
    )


# -- 4. schedule --at is a time in --tz, not in the machine's clock ---------------------------

_GUARD = re.compile(
    r"t=\$\(TZ=(\S+) date \+\\%u\\%H\\%M\); "
    r'\[ "\$t" -ge (\d{5}) \] && \[ "\$t" -lt (\d{5}) \] \|\| exit 0; '
)


def _cron_runs(line: str, machine: str, start: datetime) -> list[datetime]:
    """When cron on a machine in zone `machine` runs `line` in the week from `start` (UTC):
    its five fields read on the machine's clock, then the line's zone check, if any."""
    from zoneinfo import ZoneInfo

    minute, hour, dom, month, dow, command = line.split(" ", 5)
    assert (dom, month) == ("*", "*")

    def matches(field: str, value: int) -> bool:
        return field == "*" or value in {int(v) for v in field.split(",")}

    guard = _GUARD.match(command)
    runs = []
    for step in range(7 * 24 * 60):
        moment = start + timedelta(minutes=step)
        clock = moment.astimezone(ZoneInfo(machine))
        weekday = clock.isoweekday() % 7
        if not (
            matches(minute, clock.minute) and matches(hour, clock.hour) and matches(dow, weekday)
        ):
            continue
        if guard:
            there = moment.astimezone(ZoneInfo(guard[1]))
            if not int(guard[2]) <= int(f"{there.isoweekday()}{there:%H%M}") < int(guard[3]):
                continue
        runs.append(moment)
    return runs


@pytest.mark.parametrize("machine", ["UTC", "Asia/Kolkata", "America/Los_Angeles"])
@pytest.mark.parametrize("start", ["2026-01-05", "2026-07-06"])  # winter and summer time
def test_the_cron_line_runs_at_the_time_in_the_zone_of_tz(machine: str, start: str) -> None:
    """`--at 07:00 --weekday mon --tz America/Los_Angeles` ran at 07:00 on the machine's
    clock: on a UTC server Sunday 23:00 in Los Angeles, and `weekly` then summarised the
    week before last. It runs once a week, Monday 07:00 in Los Angeles, whatever the
    machine's zone (cron has no portable way to name a zone: CRON_TZ is cronie's only)."""
    from zoneinfo import ZoneInfo

    from linkratio.weekly.schedule import crontab_line, make_plan

    la = ZoneInfo("America/Los_Angeles")
    plan = make_plan("@me", weekday="mon", at=time(7, 0), tz="America/Los_Angeles", environ={})
    begin = datetime.fromisoformat(start).replace(tzinfo=UTC)
    runs = _cron_runs(crontab_line(plan), machine, begin)
    assert [r.astimezone(la).strftime("%a %H:%M") for r in runs] == ["Mon 07:00"]


def test_the_cron_zone_check_runs_under_sh_with_the_systems_date(
    tmp_path: Path, monkeypatch
) -> None:
    """The check is real shell: at the minute it names it lets the run through, at any
    other it ends the line quietly (exit 0, nothing in the log)."""
    from zoneinfo import ZoneInfo

    from linkratio.weekly.schedule import WEEKDAYS, crontab_line, make_plan

    echo, sh = shutil.which("echo"), shutil.which("sh")
    if echo is None or sh is None or shutil.which("date") is None:
        pytest.skip("needs sh, echo and date")
    if not Path("/usr/share/zoneinfo/Asia/Kathmandu").is_file():
        pytest.skip("needs the system's time-zone data")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    zone = "Asia/Kathmandu"  # 5:45 from UTC, no summer time
    for _ in range(3):  # a minute boundary between planning and running: again
        now = datetime.now(ZoneInfo(zone))
        ran = []
        for at in (now, now + timedelta(minutes=15)):
            plan = make_plan(
                "@me", weekday=WEEKDAYS[at.weekday()], at=time(at.hour, at.minute), tz=zone,
                environ={}, python=echo,
            )  # fmt: skip
            assert plan.log is not None
            plan.log.parent.mkdir(parents=True, exist_ok=True)
            plan.log.unlink(missing_ok=True)
            command = crontab_line(plan).split(" ", 5)[5].replace("\\%", "%")  # as cron does
            done = subprocess.run([sh, "-c", command], env={"PATH": "/usr/bin:/bin"}, check=False)
            ran.append((done.returncode, plan.log.exists()))
        if datetime.now(ZoneInfo(zone)).minute == now.minute:
            break
    assert ran == [(0, True), (0, False)]


def test_the_systemd_timer_names_the_zone_of_tz() -> None:
    """OnCalendar= takes a zone after the time (systemd 235 and later)."""
    from linkratio.weekly.schedule import make_plan, timer_unit

    plan = make_plan("@me", weekday="mon", at=time(7, 0), tz="America/Los_Angeles", environ={})
    timer = timer_unit(plan)
    assert "OnCalendar=Mon *-*-* 07:00:00 America/Los_Angeles\n" in timer
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return
    spec = "Mon *-*-* 07:00:00 America/Los_Angeles"
    done = subprocess.run([analyze, "calendar", spec], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and f"Normalized form: {spec}" in done.stdout
