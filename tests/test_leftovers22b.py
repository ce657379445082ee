"""Leftovers of day 22's reviews (b): small defects, each pinned by a test that failed before."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers import SAMPLE
from test_reread import imported, read_by_old

from linkratio.cli import main
from linkratio.render.weekly import OWNER_MARK
from linkratio.store import Library


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


WEEKLY = ["weekly", "@marenbuilds", "--now", "2025-01-08T12:00:00Z", "--tz", "UTC", "-q"]


def test_weekly_says_it_reread_even_when_the_run_then_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh, db = tmp_path / "fresh.sqlite", tmp_path / "lib.sqlite"
    imported(SAMPLE, fresh, capsys)
    out = tmp_path / "out"
    code, _, err = run([*WEEKLY, "--db", str(fresh), "--out", str(out)], capsys)
    assert code in (0, 1), err
    (md,) = out.glob("*.md")  # now another account's week: the run below is refused
    text = md.read_text("utf-8")
    md.write_text(text[: text.rindex(OWNER_MARK)] + OWNER_MARK + "x:999 -->\n", "utf-8")
    account = imported(SAMPLE, db, capsys)
    read_by_old(db, account)
    code, _, err = run([*WEEKLY, "--db", str(db), "--out", str(out)], capsys)
    assert code == 2
    lines = err.splitlines()
    assert any("holds another account's week" in line for line in lines), err
    said = [line for line in lines if line.startswith("linkratio: re-read ")]
    assert len(said) == 1, err
    assert said[0].startswith(
        "linkratio: re-read 2,390 posts of @marenbuilds that an older linkratio read: "
    )
    assert said[0].endswith(" changed")
    with Library(db) as lib:  # it was done: nothing is due any more
        assert lib.due_posts(account.platform, account.id or "") == 0
