"""The docs against the tool, session 22: what README.md, docs/ and `--help` promise, run."""

from __future__ import annotations

import argparse
import ast
import io
import json
import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fakes.social import FakeSocial
from test_cohort_build import page, tweet

from linkratio import cohort
from linkratio.cli import build_parser, main

README = Path(__file__).parents[1] / "README.md"

# README: "every command that reads files (`classify`, `audit`, `report`, `import`, `cohort
# build`) has `--skip-invalid` (skip a broken JSONL line, a malformed record ... with a
# warning instead of stopping)", and a record of the wrong shape is "skipped with a one-line
# warning naming it". cohort build skipped the whole twarc2 page (100 tweets in real data)
# for one malformed tweet, and its warning named no tweet.


def _page_with_one_bad_tweet(folder: Path) -> Path:
    path = folder / "search.jsonl"
    good = [
        tweet("101", "1", "Anyone at PyCon?", "2024-05-02T09:00:00.000Z"),
        tweet("103", "2", "a plain post", "2024-05-03T11:00:00.000Z"),
    ]
    bad = tweet("102", "1", "a broken one", "0001-01-01T00:00:00.000Z")
    path.write_bytes(page([good[0], bad, good[1]]))
    return path


def test_cohort_build_skip_invalid_skips_the_malformed_tweet_not_its_page(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = _page_with_one_bad_tweet(tmp_path)
    assert main(["import", str(source), "--db", str(tmp_path / "l.sqlite"), "-q"]) == 2
    # What the other readers keep: the two good tweets.
    assert main(["import", str(source), "--db", str(tmp_path / "l.sqlite"), "--skip-invalid"]) == 0
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        result = cohort.build([source], tmp_path / "c", workers=1, skip_invalid=True)
    assert result.posts == 2
    table = cohort.summary(tmp_path / "c")
    assert sorted(table["account"]) == ["@alice", "@bob"]
    warned = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(warned) == 1 and "'102'" in warned[0], warned


def test_cohort_build_names_the_malformed_tweet_without_skip_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _page_with_one_bad_tweet(tmp_path)
    out = tmp_path / "c"
    assert main(["cohort", "build", str(source), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "tweet '102'" in err and "line 1" in err, err
    assert "ValueError(" not in err, err  # the problem in words, not an exception's repr


# README, Bluesky and Mastodon: a later run with nothing new makes "two requests ...: the
# account's lookup ... and one page" (it said one request; the handle is looked up on every
# run, so a renamed handle or a moved account is followed). X, "a run with nothing new costs
# one request", is checked in test_review_sync8.
@pytest.mark.parametrize("name", ["bsky:shinyakato.dev", "mastodon:@schochastics@HOST"])
def test_a_social_fetch_with_nothing_new_makes_the_two_requests_the_readme_names(
    fake_social: FakeSocial, tmp_path: Path, name: str
) -> None:
    name = name.replace("HOST", fake_social.host)
    db = str(tmp_path / "l.sqlite")
    assert main(["fetch", name, "--db", db, "-q"]) == 0
    before = len(fake_social.requests)
    assert main(["fetch", name, "--db", db, "-q"]) == 0
    paths = [r.path for r in fake_social.requests[before:]]
    lookups = {"/xrpc/app.bsky.actor.getProfile", "/api/v1/accounts/lookup"}
    assert len(paths) == 2 and paths[0] in lookups, paths
    readme = " ".join(README.read_text(encoding="utf-8").split())
    assert "(two requests when nothing is new: the account's lookup" in readme


# README, "Exit codes and hostile input": the table holds every exit code the tool has, and
# no other; the row of code 1 names each command that ends with it.
def _readme_exit_table() -> dict[int, str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Exit codes and hostile input", 1)[1].split("**A damaged library**")[0]
    rows = re.findall(r"^\| `(\d+)` \| (.*) \|$", section, re.M)
    return {int(code): meaning for code, meaning in rows}


def _codes_in_the_code() -> set[int]:
    from linkratio.cli import app, library_admin, options, schedule
    from linkratio.cohort import _deps, engines
    from linkratio.errors import LinkratioError
    from linkratio.weekly import run

    assert engines.WorkerLost and _deps.MissingExtraError  # their subclasses are loaded
    classes, todo = set(), [LinkratioError]
    while todo:
        cls = todo.pop()
        classes.add(cls)
        todo += cls.__subclasses__()
    codes = {cls.exit_code for cls in classes}
    codes |= {options.EXIT_OK, options.EXIT_USAGE, app.EXIT_INTERRUPTED, app.EXIT_TERMINATED}
    codes |= {library_admin.EXIT_DAMAGED, schedule.EXIT_NOT_ENABLED}
    return codes | {run.EXIT_OK, run.EXIT_PARTIAL, run.EXIT_BAD, run.EXIT_TEMPFAIL}


def test_the_readme_exit_code_table_is_every_exit_code_of_the_tool() -> None:
    table = _readme_exit_table()
    assert set(table) == _codes_in_the_code()
    for command in ("library check", "weekly", "schedule --install"):
        assert f"`{command}`" in table[1], command


# README: shell completion "completes every command, subcommand and option". Each command's
# words in the bash script are exactly its parser's: no option missing, none it refuses.
def _parsers(parser: argparse.ArgumentParser, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}".strip())


def _words(parser: argparse.ArgumentParser) -> set[str]:
    words: set[str] = set()
    for action in parser._actions:
        if action.help == argparse.SUPPRESS:  # the tests' hidden options
            continue
        words |= set(action.option_strings)
        if not action.option_strings and action.choices:
            words |= set(action.choices)
    return words


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_offers_each_command_exactly_its_options() -> None:
    out = io.StringIO()
    assert main(["completion", "bash"], out) == 0
    probes = [(path, _words(p)) for path, p in _parsers(build_parser())]
    assert len(probes) > 20
    calls = "".join(f'echo $(_linkratio_words "{path}")\n' for path, _ in probes)
    done = subprocess.run(
        ["bash", "-c", f"{out.getvalue()}\n{calls}"], capture_output=True, text=True, check=True
    )
    offered = done.stdout.split("\n")[: len(probes)]
    for (path, expected), line in zip(probes, offered, strict=True):
        assert set(line.split()) == expected, (path, set(line.split()) ^ expected)


# docs/ARCHITECTURE.md: "This page says where each thing lives ... Keep it true when you
# move things". Every module is named in its tree, and the import rules it states hold.
PACKAGE = Path(__file__).parents[1] / "linkratio"
ARCHITECTURE = Path(__file__).parents[1] / "docs" / "ARCHITECTURE.md"


def test_the_architecture_tree_names_every_module() -> None:
    tree = ARCHITECTURE.read_text(encoding="utf-8").split("## The tree")[1].split("## Which")[0]
    named = set(re.findall(r"[A-Za-z_]\w*", tree))
    modules = [p for p in PACKAGE.rglob("*.py") if p.stem not in {"__init__", "__main__"}]
    assert len(modules) > 100
    assert [str(p.relative_to(PACKAGE)) for p in modules if p.stem not in named] == []


def _runtime_imports(path: Path) -> set[str]:
    """The top-level packages a module imports outside `if TYPE_CHECKING:` blocks."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_only_the_modules_architecture_names_import_matplotlib() -> None:
    drawing = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "matplotlib" in _runtime_imports(p)
    }
    assert "charts/timeline.py" in drawing  # the scan finds them
    assert {m for m in drawing if not m.startswith("charts/")} == {"cohort/charts.py"}
    assert "and `cohort/charts.py` for the cohort report's charts" in " ".join(
        ARCHITECTURE.read_text(encoding="utf-8").split()
    )


# README: a file with several authors is refused "naming the top authors and their post
# counts, unless `--author NAME` ... picks one". An X author whose data names no handle is
# listed as `id 123`; `--author 'id 123'`, the name the refusal showed, was refused with
# "holds no posts by id 123: it holds posts by 2 accounts (id 123 1, ...)".
def test_author_takes_the_id_name_the_refusal_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "search.jsonl"
    doc = orjson.loads(page([tweet("101", "1", "hello?", "2024-05-02T09:00:00.000Z")]))
    doc["includes"] = {}  # no users: author 1 has no handle
    source.write_bytes(
        orjson.dumps(doc) + b"\n" + page([tweet("103", "2", "hi", "2024-05-03T11:00:00.000Z")])
    )
    assert main(["audit", str(source)]) == 2
    refusal = capsys.readouterr().err
    assert "id 1 1" in refusal and "@bob 1" in refusal, refusal
    assert main(["audit", str(source), "--author", "id 1", "--json", "--tz", "UTC"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["posts"] == 1 and summary["account"] == "id 1"
    assert main(["classify", str(source), "--author", "@1", "--output", "jsonl"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "101"


# README: every command that reads files "has `--skip-invalid` (skip a broken JSONL line, a
# malformed record or a damaged part of an archive with a warning instead of stopping)";
# cohort build's help said "skip unparseable lines" only, though it skips all three.
def test_every_skip_invalid_says_what_it_skips() -> None:
    helps = {
        path: action.help
        for path, parser in _parsers(build_parser())
        for action in parser._actions
        if "--skip-invalid" in action.option_strings
    }
    assert {"classify", "audit", "report", "import", "cohort build"} <= set(helps)
    for path, text in helps.items():
        assert text and all(w in text for w in ("lines", "malformed records", "archive")), path


# cohort build splits a big JSONL file into 32 MB ranges, read by separate tasks; each
# range counted its lines from 1, so a bad line 13,522 of a 40 MB file was "line 2701"
# (README: one line naming the file and the record). A range after the first names the
# line by its byte offset (counting lines would mean reading everything before it).
def _lines_with_one_bad(folder: Path, bad: bytes) -> tuple[Path, int, int]:
    path = folder / "big.jsonl"
    lines = [page([tweet(str(100 + i), "1", "hi", "2024-05-02T09:00:00.000Z")]) for i in range(60)]
    lines[47] = bad
    path.write_bytes(b"".join(lines))
    return path, sum(len(x) for x in lines[:47]), 48


@pytest.mark.parametrize(
    "bad",
    [b'{"data": [oops\n', page([tweet("147", "1", "hi", "0001-01-01T00:00:00.000Z")])],
    ids=["not JSON", "malformed tweet"],
)
def test_cohort_build_names_a_bad_line_past_its_first_range_truly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], bad: bytes
) -> None:
    from linkratio.cohort import tasks

    source, offset, line = _lines_with_one_bad(tmp_path, bad)
    monkeypatch.setattr(tasks, "CHUNK_BYTES", 2048)  # about 8 lines a range
    assert main(["audit", str(source)]) == 2
    assert f"line {line}:" in capsys.readouterr().err  # what the other readers say
    assert (
        main(["cohort", "build", str(source), "--out", str(tmp_path / "c"), "--workers", "1"]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert not re.search(r"line \d", err), err  # no line number but the file's own
    if bad.startswith(b'{"data": [oops'):
        assert f"{source}: the line at byte {offset:,}: not valid JSON" in err, err
    else:  # the tweet names the record
        assert f"{source}: tweet '147' has a malformed field" in err, err


@pytest.mark.skipif(shutil.which("fish") is None, reason="needs fish")
def test_fish_itself_offers_each_command_exactly_its_long_options(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["completion", "fish"], out) == 0
    script = tmp_path / "linkratio.fish"
    script.write_text(out.getvalue(), encoding="utf-8")
    probes = list(_parsers(build_parser()))
    asks = "".join(
        f'echo (complete -C "linkratio {path} --" | string replace -r "\\t.*" "")\n'
        for path, _ in probes
    )
    done = subprocess.run(
        ["fish", "--no-config", "-c", f"source {script}\n{asks}"],
        capture_output=True,
        text=True,
        check=True,
    )
    offered = done.stdout.splitlines()
    assert len(offered) == len(probes), done.stdout
    for (path, parser), line in zip(probes, offered, strict=True):
        longs = {o for o in _words(parser) if o.startswith("--")}
        assert set(line.split()) == longs, (path, set(line.split()) ^ longs)


# README: "A webhook URL holds a token: linkratio shows it as `webhook hooks.slack.com/…`",
# and a usage error that quotes a URL "shows only its host, so a webhook token never
# reaches a cron log". `--webhook-env "$SLACK_WEBHOOK"` (the variable expanded by mistake,
# where its name belongs) printed the whole URL, token included, from weekly and schedule;
# so did the URL given as --email (or as the weekly.email setting, in every cron run).
SECRET_URL = "https://hooks.slack.com/services/T0AAA/B0BBB/s3cr3tT0ken"


@pytest.mark.parametrize("option", ["--webhook-env", "--email"])
@pytest.mark.parametrize("command", ["weekly", "schedule"])
def test_a_webhook_url_given_as_webhook_env_is_not_printed(
    command: str, option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_cohort_build import file_a

    db = tmp_path / "l.sqlite"
    source = tmp_path / "a.jsonl"
    source.write_bytes(file_a())
    assert main(["import", str(source), "--db", str(db), "-q"]) == 0
    argv = [command, "@alice", option, SECRET_URL, "--db", str(db), "--tz", "UTC"]
    assert main([*argv, "--out", str(tmp_path / "w")]) == 2
    err = capsys.readouterr().err
    assert "s3cr3tT0ken" not in err and "B0BBB" not in err, err
    assert err.count("\n") == 1 and "slack.com/…" in err, err  # its host only


# README: "`config set` reads the value from a hidden prompt or standard input, never the
# command line", and "No command prints, logs or writes a token". A token typed on the
# command line anyway (`config set x.bearer_token TOKEN`, `config set KEY=TOKEN`, the token
# in the key's place) was printed back in the error, into a terminal or a CI log.
@pytest.mark.parametrize(
    "argv",
    [
        ["set", "x.bearer_token", "AAAAs3cr3tT0ken"],
        ["set", "x.bearer_token=AAAAs3cr3tT0ken"],
        ["set", "AAAAs3cr3tT0ken"],
        ["unset", "smtp.password", "AAAAs3cr3tT0ken"],
        ["set", "AAAAs3cr3tT0ken", "more"],
    ],
    ids=["after the key", "key=value", "as the key", "after unset", "as the key, then more"],
)
def test_config_never_prints_a_value_typed_on_the_command_line(
    argv: list[str],
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("piped\n"))
    try:
        code = main(["config", *argv])
    except SystemExit as done:  # a usage error
        code = done.code
    assert code == 2
    out, err = capsys.readouterr()
    assert "s3cr3t" not in out + err, out + err
    assert "linkratio" in err and "Traceback" not in err, err
    assert not config_file.exists() or "s3cr3t" not in config_file.read_text(encoding="utf-8")


def test_config_still_names_a_misspelt_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "set", "weekly.emails"]) == 2
    assert "(not 'weekly.emails')" in capsys.readouterr().err


def test_a_webhook_url_in_the_weekly_email_setting_is_not_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_cohort_build import file_a

    db = tmp_path / "l.sqlite"
    source = tmp_path / "a.jsonl"
    source.write_bytes(file_a())
    assert main(["import", str(source), "--db", str(db), "-q"]) == 0
    monkeypatch.setenv("LINKRATIO_WEEKLY_EMAIL", SECRET_URL)  # the keys mixed up
    argv = ["weekly", "@alice", "--db", str(db), "--tz", "UTC", "--out", str(tmp_path / "w")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "s3cr3tT0ken" not in err and err.count("\n") == 1, err
