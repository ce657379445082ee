"""Two accounts' weekly runs writing into one folder: neither replaces the other's files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import copied

import linkratio
from linkratio.cli.app import main
from linkratio.sources import read

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2025, 1, 8, 12, tzinfo=UTC)


@pytest.fixture
def two_accounts(sample_library: Path, tmp_path: Path) -> Path:
    """The sample's X account and a Bluesky account, in one library."""
    path = copied(sample_library, tmp_path)
    bluesky = read(FIXTURES / "bluesky" / "getAuthorFeed.json")
    with linkratio.Library.open(path) as lib:
        lib.save_posts(bluesky.account, bluesky.posts, origin="file")
    return path


def _bluesky(lib: linkratio.Library) -> str:
    return next(linkratio.accounts.account_name(a) for a in lib.accounts() if a.platform != "x")


def test_a_second_account_does_not_replace_the_first_ones_week(
    two_accounts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "weekly"
    with linkratio.Library.open(two_accounts) as lib:
        first = linkratio.run_week(lib, "@marenbuilds", week="2024-W49", now=NOW, out_dir=out)
        written = first.files.markdown.read_bytes()
        with pytest.raises(linkratio.InputError) as raised:
            linkratio.run_week(lib, _bluesky(lib), week="2024-W49", now=NOW, out_dir=out)
    message = str(raised.value)
    assert str(first.files.markdown) in message and "own --out" in message
    assert "\n" not in message
    assert first.files.markdown.read_bytes() == written  # the first account's week is kept
    assert sorted(p.name for p in out.iterdir()) == [
        "linkratio-2024-W49.html", "linkratio-2024-W49.md", "linkratio-2024-W49.png"
    ]  # fmt: skip


def test_the_same_account_runs_its_week_again_and_other_weeks_are_free(
    two_accounts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "weekly"
    with linkratio.Library.open(two_accounts) as lib:
        linkratio.run_week(lib, "@marenbuilds", week="2024-W49", now=NOW, out_dir=out)
        again = linkratio.run_week(lib, "@marenbuilds", week="2024-W49", now=NOW, out_dir=out)
        other = linkratio.run_week(lib, _bluesky(lib), week="2024-W48", now=NOW, out_dir=out)
    assert again.files.markdown.read_text(encoding="utf-8").startswith("# Week 2024-W49 for @")
    assert other.files.markdown.name == "linkratio-2024-W48.md"


def test_files_without_the_mark_are_replaced_as_before(two_accounts: Path, tmp_path: Path) -> None:
    # Written by an earlier linkratio (no mark): nothing tells whose they are.
    out = tmp_path / "weekly"
    out.mkdir()
    (out / "linkratio-2024-W49.md").write_text("# Week 2024-W49 for someone\n", encoding="utf-8")
    with linkratio.Library.open(two_accounts) as lib:
        run = linkratio.run_week(lib, _bluesky(lib), week="2024-W49", now=NOW, out_dir=out)
    assert "someone" not in run.files.markdown.read_text(encoding="utf-8")


def test_the_cli_refuses_in_one_line_with_exit_2(
    two_accounts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "weekly"
    base = ["weekly", "--db", str(two_accounts), "--week", "2024-W49", "--out", str(out), "-q"]
    assert main([*base, "@marenbuilds"]) in (0, 1)  # 1: the sample's week is stale
    capsys.readouterr()
    with linkratio.Library.open(two_accounts) as lib:
        other = _bluesky(lib)
    assert main([*base, other]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "another account's week 2024-W49" in err
