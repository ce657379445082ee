"""`run_week` called as a library function (no CLI): files, deliveries and the exit policy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes.webhook import FakeWebhook
from helpers import SAMPLE

from linkratio.loading import import_source, open_library
from linkratio.weekly import deliver
from linkratio.weekly.run import WeekRun, destinations, run_week

NOW = datetime(2024, 12, 16, 8, tzinfo=UTC)  # last complete week: 2024-W50
ME = "@marenbuilds"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("run_week") / "lib.sqlite"
    import_source(SAMPLE, db=db)
    return db


@pytest.fixture
def db(sample_db: Path, tmp_path: Path, monkeypatch) -> Path:
    copy = tmp_path / "lib.sqlite"
    copy.write_bytes(sample_db.read_bytes())
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setattr(deliver, "BACKOFF", 0.01)
    return copy


def run(db: Path, tmp_path: Path, *urls: str) -> WeekRun:
    with open_library(db) as lib:
        return run_week(
            lib,
            ME,
            tz="Europe/Berlin",
            destinations=destinations(webhooks=urls),
            now=NOW,
            out_dir=tmp_path / "out",
        )


def test_files_only_is_a_success(db: Path, tmp_path: Path) -> None:
    done = run(db, tmp_path)
    assert done.week == "2024-W50" and done.deliveries == [] and done.exit_code == 0
    assert done.files.html.is_file() and done.files.markdown.is_file()


def test_every_destination_delivered_exits_0_and_a_rerun_skips(db: Path, tmp_path: Path) -> None:
    with FakeWebhook(200) as one, FakeWebhook(200) as two:
        done = run(db, tmp_path, one.url, two.url)
        assert [d.status for d in done.deliveries] == ["delivered", "delivered"]
        assert done.exit_code == 0
        again = run(db, tmp_path, one.url, two.url)
    assert [d.status for d in again.deliveries] == ["skipped", "skipped"]
    assert again.exit_code == 0 and len(one.received) == 1


def test_partial_delivery_exits_1(db: Path, tmp_path: Path) -> None:
    with FakeWebhook(200) as good, FakeWebhook(404) as bad:
        done = run(db, tmp_path, good.url, bad.url)
    assert [d.status for d in done.deliveries] == ["delivered", "failed-permanent"]
    assert done.deliveries[1].error and done.exit_code == 1


def test_every_destination_failed_for_good_exits_2(db: Path, tmp_path: Path) -> None:
    with FakeWebhook(404) as one, FakeWebhook(403) as two:
        done = run(db, tmp_path, one.url, two.url)
    assert {d.status for d in done.deliveries} == {"failed-permanent"}
    assert done.exit_code == 2


def test_every_destination_failed_for_now_exits_75(db: Path, tmp_path: Path) -> None:
    with FakeWebhook(503) as hook:
        done = run(db, tmp_path, hook.url)
    assert [d.status for d in done.deliveries] == ["failed-temporary"]
    assert done.exit_code == 75
