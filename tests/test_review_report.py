"""Review of reports and the notebook/library API: each test failed on the code before its fix."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import rows
from helpers import small_tmpfs

from linkratio import summarize
from linkratio.errors import DiskError, InputError
from linkratio.render.report import write_report


def _frame(days: int = 20, start: str = "2024-05"):
    """A small account: one conversation and one link post a day for `days` days."""
    made = []
    for d in range(1, days + 1):
        made.append(rows.post(f"{start}-{d:02d} 09:00", "conversation", partners=("ana",)))
        made.append(rows.post(f"{start}-{d:02d} 18:00", "link", domains=("example.org",)))
    return rows.frame(*made)


# -- since/until as text, as `load` takes them ------------------------------------------


def test_summarize_and_write_report_take_since_and_until_as_iso_days(tmp_path):
    # README: load(..., since="2024-10-01") and summarize(df, since=...) alike; summarize
    # ended in a TypeError deep in the streak code for a string.
    df = _frame()
    s = summarize(df, tz="UTC", since="2024-05-03", until="2024-05-05")
    assert (s.period_start, s.period_end, s.posts) == (date(2024, 5, 3), date(2024, 5, 5), 6)
    assert summarize(df, tz="UTC", since="2024-05-18").posts == 6
    files = write_report(df, tmp_path / "r", tz="UTC", since="2024-05-03", until="2024-05-05")
    assert json.loads(files.summary_json.read_text(encoding="utf-8"))["posts"] == 6


@pytest.mark.parametrize("bad", ["garbage", "2024-13-01", 2024])
def test_summarize_names_a_since_that_is_not_a_day(bad):
    with pytest.raises(InputError, match="is not a day: expected YYYY-MM-DD"):
        summarize(_frame(), tz="UTC", since=bad)


# -- a report written whole or not at all ---------------------------------------------


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_report_that_does_not_fit_leaves_the_previous_report_as_it_was(tmp_path):
    # Each file was renamed into place as soon as it was written: on a full disk the new
    # charts replaced the old ones, then report.html failed, leaving old pages that show
    # (report.md) or describe (summary.json) charts of other data.
    old_df, new_df = _frame(10), _frame(28, "2024-06")
    probe = _contents(write_report(new_df, tmp_path / "probe", tz="UTC").folder)
    pngs = [len(b) for name, b in probe.items() if name.endswith(".png")]
    with small_tmpfs(tmp_path / "disk", "4m") as disk:
        out = disk / "report"
        write_report(old_df, out, tz="UTC")
        before = _contents(out)
        # Room for any one new chart (plus pages of slack), not for the page that embeds them.
        room = max(pngs) + 64 * 1024
        assert room < len(probe["report.html"])
        free = _free(disk)
        (disk / "filler").write_bytes(b"\0" * (free - room))
        with pytest.raises(DiskError, match="could not be written"):
            write_report(new_df, out, tz="UTC")
        assert _contents(out) == before  # every old file, and no temporary file


def _free(folder: Path) -> int:
    import os

    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def test_a_failed_report_leaves_no_folder_it_made(tmp_path, capsys):
    from linkratio.cli import main

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    out = tmp_path / "new" / "report"
    assert main(["report", str(sample), "--out", str(out), "--year", "1500", "-q"]) == 2
    assert "year 1500" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_a_report_that_does_not_fit_leaves_no_folder_it_made(tmp_path):
    df = _frame(28)
    with small_tmpfs(tmp_path / "disk", "1m") as disk:
        (disk / "filler").write_bytes(b"\0" * (_free(disk) - 128 * 1024))
        with pytest.raises(DiskError):
            write_report(df, disk / "a" / "b", tz="UTC")
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]


# -- Jupyter ----------------------------------------------------------------------------


def _run_cells(*cells: str) -> list[list[dict]]:
    """Run `cells` in a fresh kernel; each cell's outputs."""
    reason = "executing notebooks needs nbclient, nbformat and ipykernel (the test extra)"
    nbformat = pytest.importorskip("nbformat", reason=reason)
    nbclient = pytest.importorskip("nbclient", reason=reason)
    pytest.importorskip("ipykernel", reason=reason)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return [c.outputs for c in nb.cells]


_TINY = (
    "import sys; sys.path.insert(0, {tests!r})\n"
    "import rows, linkratio\n"
    "df = rows.frame(rows.post('2024-05-01 10:00', 'link', domains=('example.org',)),"
    " rows.post('2024-05-02 10:00', 'conversation', partners=('ana',)))"
)


def _images(outputs: list[dict]) -> int:
    return sum("image/png" in o.get("data", {}) for o in outputs)


def test_a_chart_is_drawn_inline_in_jupyter_without_the_matplotlib_magic(monkeypatch):
    # README: the chart functions "return matplotlib Figures that Jupyter shows inline". A
    # bare Figure (never pyplot) showed as the text '<Figure size 860x610 with 1 Axes>'
    # unless the notebook ran %matplotlib inline or imported pyplot first.
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    setup = _TINY.format(tests=str(Path(__file__).parent))
    bare = _run_cells(setup, "linkratio.sites_chart(df)", "linkratio.all_charts(df)['hours']")
    assert [_images(o) for o in bare[1:]] == [1, 1]
    # With the magic, IPython's own Figure printer draws it: once, not twice.
    with_magic = _run_cells("%matplotlib inline", setup, "linkratio.partners_chart(df)")
    assert _images(with_magic[2]) == 1


# -- the calendar of a period -------------------------------------------------------------


def _cell_faces(fig) -> list[tuple[float, float, float]]:
    cells = fig.axes[0].collections[0]  # one square per day of the calendar
    return [tuple(round(c, 3) for c in face[:3]) for face in cells.get_facecolors()]


def test_the_calendar_of_a_period_does_not_show_the_days_outside_it_as_days_without_posts(
    tmp_path, monkeypatch
):
    # `report --since 2024-10-01` drew January to September as grey 'no posts' days,
    # though the account posted every day then: they are outside the report's period.
    from matplotlib.colors import to_rgb

    import linkratio.render.report as report
    from linkratio.charts import NO_POSTS_COLOR

    df = rows.frame(
        *[rows.post(f"{d.date()} 10:00", "conversation") for d in _days("2024-01-01", 366)]
    )
    drawn = {}
    real = report.all_charts

    def charts(period, tz=None, year=None, **kw):
        figures = real(period, tz=tz, year=year, **kw)
        calendar = figures["calendar"]  # as drawn: the report clears it once saved
        legend = [t.get_text() for t in calendar.legends[0].get_texts()]
        drawn.setdefault("calendar", (_cell_faces(calendar), legend))
        return figures

    monkeypatch.setattr(report, "all_charts", charts)
    write_report(df, tmp_path / "q4", tz="UTC", since="2024-10-01", until="2024-12-20")
    faces, legend = drawn["calendar"]
    assert len(faces) == 366  # the 12 months ending with the last post's month, as before
    grey = tuple(round(c, 3) for c in to_rgb(NO_POSTS_COLOR))
    # In the period every day had a post; the 274 days before it and the 11 after are not
    # days without posts.
    assert faces.count(grey) == 0
    assert "outside the period" in legend


def _days(start: str, n: int):
    import pandas as pd

    return pd.date_range(start, periods=n, freq="D")


# -- huge counts on the ranking charts ---------------------------------------------------


def test_ranking_charts_label_huge_counts_in_full():
    # bar_label's default '%g' drew 1,234,567 posts as '1.23457e+06' (and a million as
    # '1e+06'): a count that is not the count; the tables show '1,234,567'.
    import pandas as pd
    from matplotlib.figure import Figure

    from linkratio.charts.ranking import _ranking

    fig = Figure()
    ax = fig.add_subplot()
    counts = pd.Series([1_234_567, 1_000_000, 23_456, 12], index=["a.org", "b.org", "c", "d"])
    _ranking(ax, counts, "#E69F00", "posts", "site", rows=5)
    assert [t.get_text() for t in ax.texts] == ["1,234,567", "1,000,000", "23,456", "12"]


def test_the_sites_chart_of_a_million_links_to_one_site_says_how_many():
    import pandas as pd

    from linkratio.charts import sites_chart
    from linkratio.frame import COLUMNS

    n = 1_000_000
    df = pd.DataFrame({c: None for c in COLUMNS}, index=range(n))
    df["domains"] = pd.Series([["big.org"]] * n)
    df["category"], df["kind"] = "link", "url"
    df["created_at"] = pd.Timestamp("2024-01-01", tz="UTC")
    assert [t.get_text() for t in sites_chart(df).axes[0].texts] == ["1,000,000"]


def test_fading_ties_label_their_reply_counts_with_separators():
    from linkratio.charts import partners_chart

    made = [
        rows.post(f"2024-01-01 {h:02d}:{m:02d}", "conversation", partners=("ana",))
        for h in range(20)
        for m in range(0, 60, 1)
    ][:1_100]
    made.append(rows.post("2024-06-01 10:00", "conversation", partners=("bo",)))
    fig = partners_chart(rows.frame(*made), narrow=True)
    ties = [t.get_text() for t in fig.axes[1].texts]
    assert ties and ties[0].startswith("1,100 · ")


def test_the_calendar_takes_its_period_as_dates_datetimes_or_iso_days():
    from datetime import UTC, datetime

    from linkratio.charts import calendar_chart

    df = rows.frame(rows.post("2024-05-01 10:00", "conversation"))
    as_dates = _cell_faces(
        calendar_chart(df, "UTC", since=date(2024, 4, 1), until=date(2024, 5, 20))
    )
    since = datetime(2024, 4, 1, 9, tzinfo=UTC)
    assert _cell_faces(calendar_chart(df, "UTC", since=since, until="2024-05-20")) == as_dates
    assert len(set(as_dates)) == 3  # a post, days without posts, days outside the period


# -- the nudge of a period that ends before the data -------------------------------------


def test_a_period_cut_by_until_names_the_accounts_last_post_not_the_periods(tmp_path):
    # `report --until 2024-05-10` said "Note: your last post was 600 days ago (2024-05-10)"
    # though the account posted on to the end of May: the nudge is picked from every
    # posting day (as challenge set --suggest picks it), so its note names the real last post.
    from datetime import UTC, datetime

    df = _frame(28)  # 2024-05-01 to 2024-05-28
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cut = summarize(df, tz="UTC", until=date(2024, 5, 10), now=now).nudge.text
    assert "2024-05-10" not in cut
    assert "your last post was 583 days ago (2024-05-28)" in cut
    whole = summarize(df, tz="UTC", now=now).nudge.text
    assert "your last post was 583 days ago (2024-05-28)" in whole
    # An until past the data cuts nothing: the last post is the account's.
    after = summarize(df, tz="UTC", until=date(2024, 12, 31), now=now).nudge.text
    assert "your last post was 583 days ago (2024-05-28)" in after
