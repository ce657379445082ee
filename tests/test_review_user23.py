"""Review 23, a new user's path through the README and the notebook: what linkratio assumed
about saved data that does not say whose posts it holds is told in one line; errors about a
file or an option say what was expected in the user's words (JSON's, every format read, a
year); the audit header names a long account whole; `cohort build` without its extra is one
line; the README installs what the notebook runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkratio.cli import main


def _tweet(number: int, **more: object) -> dict[str, object]:
    """An X API v2 tweet object posted on 2024-03-0N."""
    return {
        "id": str(100 + number),
        "text": f"hello {number}",
        "created_at": f"2024-03-0{number}T10:00:00.000Z",
        **more,
    }


def _no_author(folder: Path) -> Path:
    """A saved X API v2 response without author_id or includes.users: whose posts, unknown."""
    path = folder / "home.json"
    path.write_text(json.dumps({"data": [_tweet(1), _tweet(2)]}))
    return path


def _one_author(folder: Path) -> Path:
    """A saved X API v2 response (no twarc2 metadata) whose posts are all by @ana."""
    path = folder / "saved.json"
    users = [{"id": "7", "username": "ana", "name": "Ana"}]
    tweets = [_tweet(1, author_id="7"), _tweet(2, author_id="7")]
    path.write_text(json.dumps({"data": tweets, "includes": {"users": users}}))
    return path


@pytest.mark.parametrize("command", [["audit"], ["classify"], ["report", "--out", "{tmp}/r"]])
def test_data_naming_no_author_is_read_as_one_account_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """A home timeline saved without author_id was summarized as "your posts" with no word
    that linkratio took every post for one account's: now one warning line names the file."""
    path = _no_author(tmp_path)
    argv = [command[0], str(path), *(c.format(tmp=tmp_path) for c in command[1:])]
    assert main(argv) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "names no author" in line]
    assert len(lines) == 1, err
    assert str(path) in lines[0] and "one account's posts" in lines[0]
    assert main([*argv, "-q"]) == 0  # --quiet: no warnings
    assert "names no author" not in capsys.readouterr().err


def test_data_naming_its_author_gets_no_such_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The note is about the assumption only: a file that names its author has none."""
    assert main(["audit", str(_one_author(tmp_path))]) == 0
    assert "names no author" not in capsys.readouterr().err


def test_import_of_one_authors_saved_data_says_it_took_it_for_their_timeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Saved X data of one author without twarc2's record of the request is filed as that
    account's own timeline (a later fetch reads only newer posts): import says so."""
    path, db = _one_author(tmp_path), tmp_path / "lib.sqlite"
    assert main(["import", str(path), "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert "imported 2 posts of @ana" in captured.out
    notes = [line for line in captured.err.splitlines() if "own timeline" in line]
    assert len(notes) == 1, captured.err
    assert str(path) in notes[0] and "@ana" in notes[0]
    assert main(["import", str(path), "--db", str(db), "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_import_of_a_twarc2_user_timeline_or_many_authors_needs_no_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """twarc2's pages say which request made them, and a search of many authors is never a
    timeline: neither is an assumption, so neither gets the note."""
    users = [{"id": "7", "username": "ana"}]
    page = {
        "data": [_tweet(1, author_id="7")],
        "includes": {"users": users},
        "__twarc": {"url": "https://api.twitter.com/2/users/7/tweets?max_results=100"},
    }
    twarc = tmp_path / "timeline.jsonl"
    twarc.write_text(json.dumps(page) + "\n")
    many = tmp_path / "search.json"
    users2 = [*users, {"id": "8", "username": "bo"}]
    tweets = [_tweet(1, author_id="7"), _tweet(2, author_id="8")]
    many.write_text(json.dumps({"data": tweets, "includes": {"users": users2}}))
    for path in (twarc, many):
        assert main(["import", str(path), "--db", str(tmp_path / "lib.sqlite")]) == 0
        assert "own timeline" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("document", "said"),
    [
        ("{}", "it is an empty JSON object,"),  # was "a JSON object with keys , not"
        ('{"data": null}', 'its "data" is JSON null,'),  # was "a JSON dict of NoneType"
        ('{"data": [1, 2]}', 'its "data" is a JSON array of number,'),
        ("[1, 2]", "it is a JSON array of number,"),  # was "a JSON list of int"
        ('[["a"]]', "it is a JSON array of array,"),
        ('{"a": 1, "b": 2}', "it is a JSON object with keys a, b,"),
    ],
)
def test_json_that_is_not_tweets_is_described_in_json_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: str, said: str
) -> None:
    """The error said what the JSON holds in Python's words (`dict`, `NoneType`, `int`) or
    listed no keys at all: a user reads JSON's own (object, array, null, number)."""
    path = tmp_path / "saved.json"
    path.write_text(document)
    assert main(["audit", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err, err
    assert said in err, err
    for python_word in ("dict", "NoneType", "list of", " int", "str "):
        assert python_word not in err, err


def test_the_audit_header_names_a_long_mastodon_account_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The header clipped every name at 40 characters, as a table's column does: a bridged
    account (`mastodon:@judithbeyer.bsky.social@bsky.brid.gy`, 47) read `…@bsky.…`, so the
    one line saying whose audit this is did not say it; the report's title names it whole."""
    fixture = Path(__file__).parent / "fixtures" / "mastodon" / "test_entity_quote.1.body.json"
    status = json.loads(fixture.read_text())
    status["account"].update(username="judithbeyer.bsky.social")
    status["account"].update(acct="judithbeyer.bsky.social@bsky.brid.gy")
    path = tmp_path / "status.json"
    path.write_text(json.dumps(status))
    assert main(["audit", str(path)]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.startswith("linkratio: mastodon:@judithbeyer.bsky.social@bsky.brid.gy, ")
    # A name made to flood the terminal is still cut short.
    status["account"].update(username="a" * 5000, acct="a" * 5000 + "@bsky.brid.gy")
    path.write_text(json.dumps(status))
    assert main(["audit", str(path)]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert len(header) < 400 and "…" in header


def test_cohort_build_without_the_extra_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the `cohort` extra, `cohort build` (and the notebook's cohort cell) ended in a
    worker's ModuleNotFoundError traceback, exit 1; `cohort summary` already said in one line
    what to install. Now build says it too, before it makes the output folder."""
    import sys

    from linkratio import cohort

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` fails as if absent
    out = tmp_path / "cohort"
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    assert main(["cohort", "build", str(sample), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "linkratio: error: cohort analysis needs pyarrow, which is not installed: "
        "run pip install 'linkratio[cohort]'\n"
    )
    assert not out.exists()
    with pytest.raises(cohort.MissingExtraError, match="pyarrow"):
        cohort.build([sample], out, workers=1)


def test_the_readme_installs_what_the_notebook_runs() -> None:
    """The README said `pip install '.[notebook]'` to open the notebook, whose last section
    builds a cohort: Run All stopped there without the `cohort` extra. The install line
    names every extra whose package a code cell imports."""
    import re

    root = Path(__file__).resolve().parents[1]
    cells = json.loads((root / "notebooks" / "explore.ipynb").read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    needed = {"notebook"} | ({"cohort"} if "from linkratio import cohort" in code else set())
    readme = (root / "README.md").read_text()
    line = re.search(r"pip install '\.\[([a-z,]+)\]' && jupyter lab\s+notebooks/explore", readme)
    assert line is not None
    assert needed <= set(line.group(1).split(","))


@pytest.mark.parametrize("content", ["", '"a string"', "null", "hello"])
def test_an_unknown_format_names_every_format_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    """A file that is no known format was told only of X archives and X API v2 data, though
    saved Bluesky and Mastodon responses are read as well (as the other refusals say)."""
    path = tmp_path / "feed.json"
    path.write_text(content)
    assert main(["audit", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}: unknown format: expected" in err, err
    assert "Bluesky" in err and "Mastodon" in err and "X archive" in err, err


@pytest.mark.parametrize("year", ["abc", "2024.5", "24"])
def test_report_year_that_is_not_a_year_says_what_it_expects(
    capsys: pytest.CaptureFixture[str], year: str
) -> None:
    """`--year` was the one option read with Python's `int`: 'invalid int value: 'abc''.
    Every other option says what it expects (`invalid count 'abc': expected a whole number`)."""
    from helpers import usage_error

    said = usage_error(["report", "data/sample", "--year", year], capsys)
    assert f"argument --year: invalid year {year!r}: expected YYYY" in said, said
    assert "int value" not in said
