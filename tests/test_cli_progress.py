"""The progress display (rich): counts, rate and time left on a terminal; nothing under -q
or when stderr is not a terminal."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from helpers import SAMPLE, Terminal, cleared, screen_text

from linkratio.cli import main


def _run(argv: list[str], stream: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(sys, "stderr", stream)
    assert main(argv, out=io.StringIO()) == 0
    return stream.getvalue()


def _argv(command: str, tmp_path: Path) -> list[str]:
    return {
        "import": ["import", str(SAMPLE), "--db", str(tmp_path / "lib.sqlite")],
        "report": ["report", str(SAMPLE), "--out", str(tmp_path / "r"), "--tz", "UTC"],
        "cohort": ["cohort", "build", str(SAMPLE), "--out", str(tmp_path / "c"), "--workers", "1"],
    }[command]


SHOWN = {
    "import": ("reading", "posts/s"),
    "report": ("report: drawing charts", "10/10", "charts/s"),  # desktop and phone
    "cohort": ("cohort build:", "1/1", "parts/s"),
}


@pytest.mark.parametrize("command", ["import", "report", "cohort"])
def test_a_terminal_sees_counts_and_rate(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if command == "cohort":
        pytest.importorskip("pyarrow")
    drawn = _run(_argv(command, tmp_path), Terminal(), monkeypatch)
    text = screen_text(drawn)
    for part in SHOWN[command]:
        assert part in text, (part, text[-400:])
    assert cleared(drawn)


@pytest.mark.parametrize("command", ["import", "report", "cohort"])
@pytest.mark.parametrize("how", ["quiet", "not a terminal"])
def test_nothing_is_drawn_under_quiet_or_off_a_terminal(
    command: str, how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if command == "cohort":
        pytest.importorskip("pyarrow")
    argv = _argv(command, tmp_path)
    stream = Terminal() if how == "quiet" else io.StringIO()
    assert _run([*argv, "-q"] if how == "quiet" else argv, stream, monkeypatch) == ""


def test_the_report_writer_calls_back_per_chart(tmp_path: Path) -> None:
    from linkratio import load
    from linkratio.render.report import write_report

    seen: list[tuple[int, int]] = []
    files = write_report(load(SAMPLE), tmp_path, tz="UTC", progress=lambda *a: seen.append(a))
    drawn = 2 * len(files.images)  # each chart for a desktop and for a phone
    assert seen == [(i, drawn) for i in range(drawn + 1)]
