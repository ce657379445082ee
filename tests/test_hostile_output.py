"""Hostile text on its way out: the terminal, CSV, HTML and Markdown; hostile options."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from helpers import SAMPLE, one_line

from linkratio.cli import main
from linkratio.render.escape import csv_cell, html_text, md_escape, terminal_safe

SCREEN = "\x1b[2J\x1b]8;;http://evil\x07x"
"""Clears the screen and plants a hyperlink on a terminal that obeys."""
FORMULA = '=HYPERLINK("http://evil","click")'
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _status(sid: str, uri: str, html: str = "<p>hello</p>") -> dict[str, Any]:
    me = {"id": "1", "username": "me", "acct": "me", "url": "https://example.social/@me"}
    return {
        "id": sid,
        "created_at": f"2024-05-0{sid}T10:00:00.000Z",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "spoiler_text": "",
        "visibility": "public",
        "uri": uri,
        "url": f"https://example.social/@me/{sid}",
        "content": html,
        "reblog": None,
        "account": me,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "card": None,
    }


@pytest.fixture
def hostile_statuses(tmp_path: Path) -> Path:
    """Saved Mastodon statuses whose `uri` (the post id) is a terminal attack or a formula."""
    statuses = [
        _status("1", SCREEN),
        _status("2", FORMULA),
        _status("3", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ]
    path = tmp_path / "statuses.json"
    path.write_text(json.dumps(statuses), encoding="utf-8")
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


def _inert(text: str) -> bool:
    return not any(ch in text for ch in "\x1b\x07\x9b") and not any(ch in text for ch in BIDI)


# -- the terminal --------------------------------------------------------------------------


def test_classify_table_shows_hostile_ids_inert(
    hostile_statuses: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["classify", str(hostile_statuses)], capsys)
    assert code == 0
    assert _inert(out)
    assert "http://evil" in out  # shown, as text


def test_a_warning_quoting_a_file_reaches_the_terminal_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = {
        "data": [
            {"id": "1", "text": "hi", "created_at": "2024-05-01T10:00:00.000Z", "author_id": "42"}
        ],
        "includes": {"users": [{"id": "42", "username": "sam"}]},
    }
    error = {"errors": [{"title": "Not Found", "detail": f"gone{SCREEN}\u202eevil"}]}
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps(page) + "\n" + json.dumps(error) + "\n", encoding="utf-8")
    code, _, err = run(["classify", str(path)], capsys)
    assert code == 0
    assert "skipped an X API error response" in err
    assert _inert(err)
    one_line(err)


def test_the_cli_log_handler_sanitizes_every_record(capsys: pytest.CaptureFixture[str]) -> None:
    from linkratio.cli.logs import log_to_stderr

    restore = log_to_stderr()  # the handler main installs for the length of a run
    try:
        logging.getLogger("linkratio.anything").warning("a record %s", SCREEN + "\nsecond line")
    finally:
        restore()
    err = capsys.readouterr().err
    assert err.startswith("linkratio: warning: a record") and _inert(err)
    one_line(err)


def test_a_wait_line_quoting_the_server_is_inert() -> None:
    from linkratio.cli.progress import SafeWaiter

    stream = io.StringIO()
    waiter = SafeWaiter(False, stream)
    waiter.on_wait(3, f"503 {SCREEN}\u202eService Unavailable")
    assert "waiting 3s" in stream.getvalue() and _inert(stream.getvalue())
    assert _inert(waiter.reason)


# -- CSV -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", FORMULA])
def test_csv_cell_never_starts_a_formula(cell: str) -> None:
    assert csv_cell(cell).startswith("'")


@pytest.mark.parametrize("cell", ["1790000000000000000", "x", "rule 2: reply to @ana", ""])
def test_csv_cell_keeps_plain_text(cell: str) -> None:
    assert csv_cell(cell) == cell


def test_classify_csv_neutralizes_formulas(
    hostile_statuses: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["classify", str(hostile_statuses), "--output", "csv"], capsys)
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))[1:]
    ids = [row[1] for row in rows]
    assert "'" + FORMULA in ids and "'@SUM(1+1)*cmd|' /C calc'!A0" in ids
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for row in rows for cell in row)
    assert _inert(out)


# -- HTML and Markdown -----------------------------------------------------------------------


@pytest.mark.parametrize("char", list(BIDI))
def test_bidi_controls_are_neutralized_in_html_and_markdown(char: str) -> None:
    text = f"evil{char}gnp.exe"
    assert char not in html_text(text) and "\ufffd" in html_text(text)
    assert char not in md_escape(text) and "\ufffd" in md_escape(text)
    assert char not in terminal_safe(text)


def test_the_report_files_hold_no_bidi_control(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = ["<p>look https://evil.example/\u202egnp.exe</p>", f"<p>hi {BIDI} @ana</p>"]
    statuses = [
        _status(str(i + 1), f"https://example.social/s/{i}", html) for i, html in enumerate(sites)
    ]
    path = tmp_path / "statuses.json"
    path.write_text(json.dumps(statuses), encoding="utf-8")
    code, _, _ = run(["report", str(path), "--out", str(tmp_path / "r"), "--tz", "UTC"], capsys)
    assert code == 0
    for name in ("report.html", "report.md"):
        text = (tmp_path / "r" / name).read_text(encoding="utf-8")
        assert "gnp.exe" in text  # the text is there
        assert not any(ch in text for ch in BIDI), name


# -- options -------------------------------------------------------------------------------


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_day_out_of_range_is_a_usage_error(day: str, capsys: pytest.CaptureFixture[str]) -> None:
    line = _usage_error(["audit", str(SAMPLE), "--until", day], capsys)
    assert "--until" in line and day in line


@pytest.mark.parametrize("wait", ["nan", "inf", "-1", "-inf"])
def test_a_wait_that_is_no_time_is_a_usage_error(
    wait: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _usage_error(["import", str(SAMPLE), f"--wait={wait}"], capsys)
    assert "--wait" in line


def test_an_account_name_that_is_no_text_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "lib.sqlite")
    assert main(["import", str(SAMPLE), "--db", db, "-q"]) == 0
    name = b"@\xff".decode("utf-8", "surrogateescape")  # what Python makes of such an argv
    code, out, err = run(["audit", name, "--db", db], capsys)
    assert code == 2 and out == ""
    assert err.startswith("linkratio: error: no account @\ufffd") and len(err.splitlines()) == 1


def test_schedule_refuses_a_repeated_webhook_env(capsys: pytest.CaptureFixture[str]) -> None:
    line = _usage_error(["schedule", "@me", "--webhook-env", "A", "--webhook-env", "B"], capsys)
    assert "--webhook-env given twice" in line


def test_weekly_takes_every_webhook_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from linkratio.weekly.run import destinations

    monkeypatch.setenv("HOOK_A", "https://hooks.example.org/a")
    monkeypatch.setenv("HOOK_B", "https://hooks.example.org/b")
    assert len(destinations((), (), ["HOOK_A", "HOOK_B"])) == 2
    assert len(destinations((), (), "HOOK_A")) == 1


def test_weekly_parses_every_webhook_env() -> None:
    from linkratio.cli import build_parser

    args = build_parser().parse_args(["weekly", "@me", "--webhook-env", "A", "--webhook-env", "B"])
    assert args.webhook_env == ["A", "B"]
