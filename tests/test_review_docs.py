"""The docs tell the truth: what README.md and `--help` promise, checked by running it."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shlex
import shutil
import subprocess
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fakes.social import MASTODON_USER, FakeSocial
from helpers import SAMPLE, one_account_home, small_tmpfs
from test_cli_consistency import leaf_parsers

from linkratio.analysis import period
from linkratio.cli import build_parser, main
from linkratio.frame import Library

README = Path(__file__).parents[1] / "README.md"


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    return capsys.readouterr().err


# README, "Where your links go": "options are never matched by abbreviation".
@pytest.mark.parametrize(
    ("argv", "prefix"),
    [
        (["library", "check", "--d", "x.sqlite"], "--d"),
        (["library", "backup", "copy.sqlite", "--d", "x.sqlite"], "--d"),
        (["cohort", "summary", "folder", "--js"], "--js"),
        (["cohort", "sql", "folder", "SELECT 1", "--js"], "--js"),
        (["cohort", "build", "in.jsonl", "--out", "o", "--ou", "folder"], "--ou"),
        (["cohort", "report", "folder", "--out", "o", "--ou", "r.html"], "--ou"),
    ],
)
def test_a_subcommand_matches_no_option_by_its_prefix(
    argv: list[str], prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _usage_error(argv, capsys)
    assert f"unrecognized arguments: {prefix}" in err, err


def test_no_command_parser_allows_abbreviations() -> None:
    for name, parser in leaf_parsers(build_parser()):
        assert parser.allow_abbrev is False, name


# README: "one line on stderr ... with no traceback (`--debug` shows it)"; every command
# takes --debug after its name, subcommands of `library` and `cohort` too.
def test_every_command_takes_debug_after_its_name() -> None:
    for name, parser in leaf_parsers(build_parser()):
        options = {o for action in parser._actions for o in action.option_strings}
        assert "--debug" in options, name


def test_debug_after_a_subcommand_shows_the_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    assert main(["library", "check", "--db", str(junk)]) == 2
    with pytest.raises(Exception, match="cannot be used as a linkratio library"):
        main(["library", "check", "--db", str(junk), "--debug"])


# Every long option the README's command examples name exists in that command's parser.
_BLOCK = re.compile(r"```[a-z]*\n(.*?)```", re.S)
_CALL = re.compile(r"(?:^|[\s/])linkratio ((?:library|cohort) \w+|\w+)(.*)")
_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def _readme_commands() -> list[tuple[str, list[str]]]:
    """(command, its --options) for each `linkratio ...` in the README's code blocks."""
    found = []
    for block in _BLOCK.findall(README.read_text(encoding="utf-8")):
        for line in block.splitlines():
            for part in re.split(r"\s\|\|?\s|;|&&|  # ", line):
                if match := _CALL.search(part):
                    found.append((match.group(1), _FLAG.findall(match.group(2))))
    return found


def test_every_option_the_readme_shows_exists() -> None:
    commands = dict(leaf_parsers(build_parser()))
    shown = _readme_commands()
    assert len(shown) > 40, shown  # the README's command examples were found
    assert ("expand", ["--concurrency", "--per-host", "--timeout", "--retry-failed"]) in shown
    for name, flags in shown:
        parser = commands.get(name) or commands.get(name.split()[0])
        assert isinstance(parser, argparse.ArgumentParser), name
        known = {o for action in parser._actions for o in action.option_strings}
        for flag in flags:
            assert flag in known, f"README: linkratio {name} ... {flag}: no such option"


# `linkratio library backup --help`: "PATH: the copy: a file, or a folder to put it in",
# with the example `linkratio library backup ~/backups/`; a folder named with a trailing
# slash is a folder even before it exists.
def test_backup_into_a_new_folder_named_with_a_slash(
    sample_library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "backups"
    code = main(["library", "backup", f"{folder}/", "--db", str(sample_library)])
    assert code == 0
    assert folder.is_dir()
    copy = folder / sample_library.name
    assert copy.is_file() and copy.read_bytes()[:16] == b"SQLite format 3\x00"
    assert str(copy) in capsys.readouterr().out
    # A second backup into the folder, now there, replaces the copy in it.
    assert main(["library", "backup", f"{folder}/", "--db", str(sample_library), "-q"]) == 0
    assert [p.name for p in folder.iterdir()] == [sample_library.name]


# README: every command has -q/--quiet, and "commands that only report what they did print
# nothing on success": cohort build, and cohort summary / sql writing --csv into a FILE.
def test_cohort_commands_that_report_what_they_did_are_silent_with_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("duckdb")
    out = tmp_path / "cohort"
    build = ["cohort", "build", str(SAMPLE), "--out", str(out), "--workers", "1"]
    assert main([*build, "-q"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(build) == 0  # without -q it says what it did
    assert "1 input (0 read, 1 unchanged, 0 removed)" in capsys.readouterr().out
    for query in (["summary", str(out)], ["sql", str(out), "SELECT count(*) AS n FROM posts"]):
        table = tmp_path / f"{query[0]}.csv"
        assert main(["cohort", *query, "--csv", str(table), "-q"]) == 0
        assert capsys.readouterr() == ("", "")
        assert table.read_text().count("\n") == 2  # the header and one row
        assert main(["cohort", *query, "--csv", str(table)]) == 0
        assert "wrote 1 row to" in capsys.readouterr().out
        assert main(["cohort", *query, "--csv", "-", "-q"]) == 0  # the data itself is kept
        assert capsys.readouterr().out.count("\n") == 2


# README: the completion "completes every command, subcommand and option" — of the command
# being typed: `linkratio cohort report --` offers cohort report's options, not those of the
# top-level `report` (--open, --year, --author ...), which cohort report refuses.
def _fish_offers(script: str, line: str) -> set[str]:
    """What fish would offer after `line`, evaluating the script's `-n` conditions the way
    fish's `__fish_seen_subcommand_from` / `__fish_use_subcommand` do."""
    words = line.split()[1:]
    offered = set()
    for entry in script.splitlines():
        if not entry.startswith("complete "):
            continue
        parts = shlex.split(entry)
        condition = parts[parts.index("-n") + 1]
        if all(_fish_true(test.split(), words) for test in condition.split("; and ")):
            if "-l" in parts:
                offered.add("--" + parts[parts.index("-l") + 1])
            elif "-a" in parts:
                offered.add(parts[parts.index("-a") + 1])
    return offered


def _fish_true(test: list[str], words: list[str]) -> bool:
    negate = test[0] == "not"
    test = test[1:] if negate else test
    if test[0] == "__fish_use_subcommand":
        result = not any(not w.startswith("-") for w in words)
    else:
        assert test[0] == "__fish_seen_subcommand_from", test
        result = any(w in test[1:] for w in words)
    return result != negate


def _completion(shell: str) -> str:
    out = io.StringIO()
    assert main(["completion", shell], out) == 0
    return out.getvalue()


def test_fish_completes_the_options_of_the_subcommand_typed() -> None:
    script = _completion("fish")
    parsers = dict(leaf_parsers(build_parser()))
    for line, command in (
        ("linkratio cohort report --", "cohort report"),
        ("linkratio report data --", "report"),
        ("linkratio library check --", "library check"),
        ("linkratio cohort build x --", "cohort build"),
    ):
        longs = {o for a in parsers[command]._actions for o in a.option_strings if o[:2] == "--"}
        offered = {word for word in _fish_offers(script, line) if word.startswith("--")}
        assert offered == longs, (line, offered ^ longs)


@pytest.mark.skipif(shutil.which("fish") is None, reason="needs fish")
def test_fish_itself_completes_cohort_report(tmp_path: Path) -> None:
    script = tmp_path / "linkratio.fish"
    script.write_text(_completion("fish"))
    line = "linkratio cohort report --"
    done = subprocess.run(
        ["fish", "--no-config", "-c", f"source {script}; complete -C '{line}'"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    offered = {row.split("\t")[0] for row in done.stdout.splitlines()}
    assert "--top" in offered and "--min-posts" in offered, offered
    assert not offered & {"--open", "--year", "--author", "--expand-links"}, offered


# An instance that refuses anonymous reads says which commands store a token for it (and
# the README, "Bluesky and Mastodon", names them too): run as written, with the value on
# standard input as `config set` reads it, they work, and the next fetch gets in.
def test_the_commands_a_mastodon_refusal_names_work_as_written(
    fake_social: FakeSocial,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "config.toml"))
    fake_social.public_access, fake_social.token = False, "instance-token-s3cret"
    fetch = ["fetch", f"mastodon:@{MASTODON_USER}@{fake_social.host}", "--db", str(tmp_path / "l")]
    assert main(fetch) == 77
    said = capsys.readouterr().err
    commands = re.findall(r"'(?:echo (\S+) \| )?(linkratio config set [^']*)'", said)
    assert len(commands) == 2, said
    for (piped, command), typed in zip(commands, ("instance-token-s3cret", ""), strict=True):
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{piped or typed}\n"))
        assert main(shlex.split(command)[1:]) == 0, command
    assert main([*fetch, "-q"]) == 0
    assert len(Library.open(tmp_path / "l").accounts()) == 1


def test_the_readme_sets_no_config_value_on_the_command_line() -> None:
    text = README.read_text(encoding="utf-8")
    calls = re.findall(r"`(linkratio config set [^`]*)`", text)
    assert len(calls) >= 5, calls
    parser = dict(leaf_parsers(build_parser()))["config"]
    for call in calls:
        words = shlex.split(call.replace("…", ""))
        parser.parse_args(words[2:])  # exits 2 on an argument `config` does not take


# README, "What it counts": days default to the system's zone, `$TZ` first. glibc also takes
# a zone file by its path (TZ=/usr/share/zoneinfo/Asia/Tokyo, TZ=:/etc/localtime): that
# names a zone as surely as TZ=Asia/Tokyo, and must not fall back to another with a warning.
def _zone_file(name: str) -> Path:
    for folder in zoneinfo.TZPATH:
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    pytest.skip("no system time-zone data")


@pytest.mark.parametrize("prefix", ["", ":"])
def test_tz_naming_a_zone_file_by_its_path_is_that_zone(
    prefix: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TZ", f"{prefix}{_zone_file('Asia/Tokyo')}")
    period._warn_bad_tz.cache_clear()
    zone, name = period.resolve_zone(None)
    assert name == "Asia/Tokyo"
    assert datetime(2024, 7, 1, 20, tzinfo=UTC).astimezone(zone).date() == date(2024, 7, 2)
    assert period.named_zone(None)[1] == "Asia/Tokyo"  # what a challenge day keeps
    assert "not a known time zone" not in caplog.text
    period._warn_bad_tz.cache_clear()


def test_tz_colon_etc_localtime_is_the_system_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    link = tmp_path / "localtime"
    link.symlink_to(_zone_file("Asia/Tokyo"))
    monkeypatch.setattr(period, "_LOCALTIME", str(link))
    monkeypatch.delenv("TZ", raising=False)
    system = period.resolve_zone(None)[1]
    monkeypatch.setenv("TZ", f":{link}")
    period._warn_bad_tz.cache_clear()
    assert period.resolve_zone(None)[1] == system == "Asia/Tokyo"
    assert "not a known time zone" not in caplog.text
    period._warn_bad_tz.cache_clear()


# README, "A day of only talking": when the system's zone has no IANA name ("a POSIX TZ"),
# `challenge set` asks for --tz instead of storing a zone that is not the user's.
def test_challenge_set_under_a_posix_tz_asks_for_tz(
    sample_library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    db = tmp_path / "library.sqlite"
    db.write_bytes(sample_library.read_bytes())
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
    period._warn_bad_tz.cache_clear()
    assert main(["challenge", "set", "2026-12-24", "--db", str(db), "--now", _NOW]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--tz" in err, err
    assert main(["challenge", "status", "--db", str(db), "--now", _NOW]) == 0
    assert "2026-12-24" not in capsys.readouterr().out  # nothing was stored
    set_in_berlin = ["challenge", "set", "2026-12-24", "--tz", "Europe/Berlin", "--db", str(db)]
    assert main([*set_in_berlin, "--now", _NOW]) == 0
    period._warn_bad_tz.cache_clear()


_NOW = "2026-12-07T12:00:00Z"


# README, "Running it every week": keep the X token, the SMTP settings and weekly.email /
# weekly.webhook in the config file; "`schedule` warns about each one that is set only as
# an environment variable", naming the `config set` that stores it.
def test_schedule_warns_about_destinations_set_only_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    one_account_home(tmp_path, monkeypatch, "me", "@ana hi")
    monkeypatch.setenv("LINKRATIO_WEEKLY_EMAIL", "me@example.org")
    monkeypatch.setenv("LINKRATIO_WEEKLY_WEBHOOK", "https://hooks.example.com/T/B/s3cret")
    monkeypatch.setenv("X_BEARER_TOKEN", "token-in-the-shell")
    assert main(["schedule", "@me", "--tz", "UTC"], io.StringIO()) == 0
    err = capsys.readouterr().err
    for env, key in (
        ("LINKRATIO_WEEKLY_EMAIL", "weekly.email"),
        ("LINKRATIO_WEEKLY_WEBHOOK", "weekly.webhook"),
        ("X_BEARER_TOKEN", "x.bearer_token"),
    ):
        assert f"{env} is set only in this shell's environment" in err, err
        assert f"'linkratio config set {key}'" in err, err
    assert "s3cret" not in err and "token-in-the-shell" not in err
    # --email names the job's destination itself: the weekly.* settings are not its to use.
    assert main(["schedule", "@me", "--tz", "UTC", "--email", "a@example.org"], io.StringIO()) == 0
    assert "LINKRATIO_WEEKLY" not in capsys.readouterr().err


# README: `schedule` prints the job "with absolute paths and the library/config paths you
# use". A library and a config file that this shell finds through XDG_DATA_HOME /
# XDG_CONFIG_HOME are named in the job: cron and systemd do not have those variables.
def test_the_scheduled_job_finds_the_library_this_shell_uses_through_xdg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    one_account_home(tmp_path, monkeypatch, "me", "@ana hi")
    data, conf = tmp_path / "data", tmp_path / "xdg"
    (data / "linkratio").mkdir(parents=True)
    (tmp_path / "lib.sqlite").rename(data / "linkratio" / "library.sqlite")
    monkeypatch.delenv("LINKRATIO_DB")
    monkeypatch.delenv("LINKRATIO_CONFIG")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    out = io.StringIO()
    assert main(["schedule", "@me", "--tz", "UTC", "--no-sync", "-q"], out) == 0
    text = out.getvalue()
    assert f"LINKRATIO_DB={data / 'linkratio' / 'library.sqlite'}" in text, text
    assert f"LINKRATIO_CONFIG={conf / 'linkratio' / 'config.toml'}" in text, text
    # The service's command, run as systemd runs it (no XDG variables), finds @me.
    service = text[text.index("[Service]") :]
    env = dict(re.findall(r"^Environment=(\w+)=(\S+)$", service, re.M))
    start = shlex.split(re.search(r"^ExecStart=(.*)$", service, re.M).group(1))  # type: ignore[union-attr]
    done = subprocess.run(
        start, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "no library" not in done.stderr and done.returncode in (0, 1), done.stderr


# README, exit codes: "2: bad input or usage: ... an option out of range"; a week whose
# 8 weeks of history fall before year 1 was an OverflowError traceback (exit 1).
@pytest.mark.parametrize("week", ["0001-W01", "0001-W05", "0999-W52"])
def test_a_week_out_of_range_is_one_line(
    week: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    one_account_home(tmp_path, monkeypatch, "me", "@ana hi")
    argv = ["weekly", "@me", "--week", week, "--out", str(tmp_path / "w"), "--tz", "UTC"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"invalid week '{week}'" in err, err
    assert not (tmp_path / "w").exists()


# README, "Your data": "Give linkratio the `.zip`, the unpacked folder, or just
# `data/tweets.js` (multi-part `tweets-part1.js`… and long posts in `note-tweet.js` are read
# too)". Given the tweets.js of a multi-part archive, its other parts were left out.
def test_a_bare_tweets_js_reads_the_other_parts_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "archive" / "data"
    data.mkdir(parents=True)
    original = SAMPLE / "data"
    records = json.loads((original / "tweets.js").read_text().partition("=")[2])
    (data / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps(records[:1000]))
    (data / "tweets-part1.js").write_text("window.YTD.tweets.part1 = " + json.dumps(records[1000:]))
    for name in ("account.js", "note-tweet.js"):
        (data / name).write_bytes((original / name).read_bytes())

    def labels(path: Path) -> str:
        assert main(["classify", str(path), "--output", "jsonl"]) == 0
        return capsys.readouterr().out

    whole = labels(SAMPLE)
    assert whole.count("\n") == 2390
    assert labels(data / "tweets.js") == whole == labels(tmp_path / "archive")
    assert main(["audit", str(data / "tweets.js"), "--json", "--tz", "UTC"]) == 0
    assert json.loads(capsys.readouterr().out)["posts"] == 2390
    # One part named on its own is read alone.
    assert labels(data / "tweets-part1.js").count("\n") < 2390


# README: "add `eval "$(linkratio completion bash)"` to ~/.bashrc (`zsh` and `~/.zshrc`
# alike)". A zsh whose startup files never ran compinit (zsh -f, Debian's default zshrc)
# has no `compdef`: the script said "command not found: compdef" and completed nothing.
@pytest.mark.skipif(shutil.which("zsh") is None, reason="needs zsh")
def test_the_zsh_script_works_in_a_zsh_without_compinit(tmp_path: Path) -> None:
    script = tmp_path / "linkratio.zsh"
    script.write_text(_completion("zsh"))
    probe = f"source {script}; print -r -- ${{_comps[linkratio]:-none}}"
    done = subprocess.run(
        ["zsh", "-f", "-c", probe], capture_output=True, text=True, timeout=60,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.stderr == "" and done.returncode == 0, done.stderr
    assert done.stdout.split() == ["_bash_complete", "-o", "default", "-F", "_linkratio"]


# Every example in a command's --help (and the top-level one) is a command line the parser
# takes: no option, subcommand or choice in them that the command does not have.
def _help_calls(line: str) -> list[list[str]]:
    words = shlex.split(line)
    calls: list[list[str]] = []
    for i, word in enumerate(words):
        if inner := re.search(r"\$\(linkratio ([^)]*)\)", word):  # eval "$(linkratio ...)"
            calls.append(shlex.split(inner.group(1)))
        elif word == "linkratio":
            rest = words[i + 1 :]
            ends = [k for k, w in enumerate(rest) if w in {"|", ">", ">>", "&&", ";"}]
            calls.append(rest[: ends[0]] if ends else rest)
    return calls


def test_every_help_example_parses() -> None:
    top = build_parser()
    epilogs = [top.epilog or ""] + [p.epilog or "" for _, p in leaf_parsers(top)]
    calls = [c for e in epilogs for line in e.splitlines()[1:] for c in _help_calls(line)]
    assert len(calls) > 40, calls
    for call in calls:
        top.parse_args(call)  # SystemExit 2 on anything the parser refuses


# README, exit codes: "74: ... a file could not be written (disk full, read-only): one line
# names the file". The cohort report on a full disk said "standard output: No space left
# on device"; an existing folder as --out named a temporary file.
def test_cohort_report_names_its_file_when_it_cannot_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("duckdb")
    cohort = tmp_path / "cohort"
    assert main(["cohort", "build", str(SAMPLE), "--out", str(cohort), "--workers", "1", "-q"]) == 0
    with small_tmpfs(tmp_path / "tiny", "64k") as tiny:
        target = tiny / "cohort.html"
        assert main(["cohort", "report", str(cohort), "--out", str(target)]) == 74
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(target) in err and "standard output" not in err, err
        assert list(tiny.iterdir()) == []  # no temporary file left
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert main(["cohort", "report", str(cohort), "--out", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{folder}:" in err and ".tmp" not in err, err
    assert list(folder.iterdir()) == []


# The same for `cohort build` on a full disk: its part files and manifest.json said
# "standard output: ...", naming no file of the dataset.
@pytest.mark.parametrize("size", ["24k", "100k"])
def test_cohort_build_on_a_full_disk_names_a_file_of_the_dataset(
    size: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pyarrow")
    with small_tmpfs(tmp_path / "tiny", size) as tiny:
        out = tiny / "cohort"
        assert main(["cohort", "build", str(SAMPLE), "--out", str(out), "--workers", "1"]) == 74
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{out}/" in err, err
        assert "standard output" not in err and "could not be written" in err, err


# README, exit codes: "74: ... a file could not be written (disk full, read-only)"; the
# config file on a full disk was exit 2, as if the key or value were wrong.
def test_config_set_on_a_full_disk_is_exit_74(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with small_tmpfs(tmp_path / "tiny", "16k") as tiny:
        monkeypatch.setenv("LINKRATIO_CONFIG", str(tiny / "config.toml"))
        monkeypatch.setattr("sys.stdin", io.StringIO("x" * 100_000 + "\n"))
        assert main(["config", "set", "x.bearer_token"]) == 74
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(tiny / "config.toml") in err, err
        assert "xxxx" not in err and list(tiny.iterdir()) == []


@contextlib.contextmanager
def _read_only_folder(where: Path) -> Iterator[Path]:
    """A read-only tmpfs at the new folder `where`; the test is skipped where mounting is
    not allowed."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(where)],
        capture_output=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


# README, exit codes: "74: ... a file could not be written (disk full, read-only): one line
# names the file". On a read-only disk `cohort build` exited 2, and `config set` named
# its temporary file (removing it failed too, and that error was the one shown).
def test_a_read_only_disk_is_exit_74_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pyarrow")
    with _read_only_folder(tmp_path / "ro") as ro:
        assert main(["cohort", "build", str(SAMPLE), "--out", str(ro / "c"), "-q"]) == 74
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{ro / 'c'}:" in err, err
        monkeypatch.setenv("LINKRATIO_CONFIG", str(ro / "config.toml"))
        monkeypatch.setattr("sys.stdin", io.StringIO("token\n"))
        assert main(["config", "set", "x.bearer_token"]) == 74
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{ro / 'config.toml'}:" in err and ".tmp" not in err, err


# README, exit codes: "2: bad input or usage: a missing path, ...". An empty PATH (an unset
# variable: `linkratio import "$ARCHIVE"`) was the current folder, and any archive in a
# folder under it (`*/data/tweets.js`) was read and imported in its place.
@pytest.mark.parametrize(
    "argv",
    [
        ["import", "", "--db", "{tmp}/lib.sqlite"],
        ["audit", ""],
        ["classify", " "],
        ["report", "", "--out", "{tmp}/r"],
        ["cohort", "build", "", "--out", "{tmp}/c"],
    ],
)
def test_an_empty_path_is_refused_not_the_current_folder(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "someone-else").symlink_to(SAMPLE)  # an archive in a folder under the cwd
    monkeypatch.chdir(tmp_path)
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "empty" in err, err
    assert not (tmp_path / "lib.sqlite").exists() and not (tmp_path / "r").exists()
