"""`linkratio.load`: files or a library account, the same frame that `audit` summarizes."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from helpers import SAMPLE

import linkratio
from linkratio.cli import main
from linkratio.errors import InputError


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("load") / "library.sqlite"
    assert main(["import", str(SAMPLE), "--db", str(db), "--quiet"], io.StringIO()) == 0
    return db


def _audit(*argv: str) -> dict:
    out = io.StringIO()
    assert main(["audit", *argv, "--json", "--tz", "UTC"], out) == 0
    return json.loads(out.getvalue())


def test_an_account_loads_as_many_rows_as_audit_counts(sample_db: Path) -> None:
    df = linkratio.load("@marenbuilds", db=sample_db)
    assert len(df) == _audit("@marenbuilds", "--db", str(sample_db))["posts"] == 2390
    assert df.attrs["account"] == "marenbuilds"
    assert set(df["category"]) == {"conversation", "link", "retweet", "other"}


def test_the_account_and_the_files_give_the_same_frame(sample_db: Path) -> None:
    from_library = linkratio.load("@marenbuilds", db=sample_db)
    from_files = linkratio.load(SAMPLE)
    assert from_library["id"].tolist() == from_files["id"].tolist()
    assert from_library["kind"].tolist() == from_files["kind"].tolist()


def test_a_period_keeps_the_days_audit_counts(sample_db: Path) -> None:
    df = linkratio.load(
        "@marenbuilds",
        db=sample_db,
        tz="Europe/Berlin",
        since="2024-10-01",
        until=date(2024, 12, 31),
    )
    period = ["--since", "2024-10-01", "--until", "2024-12-31"]
    out = io.StringIO()
    argv = ["audit", "@marenbuilds", "--db", str(sample_db), "--json", "--tz", "Europe/Berlin"]
    assert main([*argv, *period], out) == 0
    assert 0 < len(df) == json.loads(out.getvalue())["posts"] < 2390
    local = df["created_at"].dt.tz_convert("Europe/Berlin").dt.date
    assert local.min() >= date(2024, 10, 1) and local.max() <= date(2024, 12, 31)


def test_bad_periods_and_unknown_accounts_are_one_line_errors(sample_db: Path) -> None:
    with pytest.raises(InputError, match="not a day"):
        linkratio.load(SAMPLE, since="last week")
    with pytest.raises(InputError, match="after until"):
        linkratio.load(SAMPLE, since="2024-02-01", until="2024-01-01")
    with pytest.raises(InputError, match="no account @nobody"):
        linkratio.load("@nobody", db=sample_db)
