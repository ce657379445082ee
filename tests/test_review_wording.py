"""Review of output wording: each test failed on the code before its fix."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
import rows

from linkratio import config, summarize
from linkratio.charts import calendar_chart
from linkratio.cli import main
from linkratio.render.text import render_text, short_links_text, talk_only_facts
from linkratio.wording import counted


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))


def test_counted_says_one_in_the_singular():
    assert [counted(n, "post") for n in (0, 1, 2, 1234)] == [
        "0 posts", "1 post", "2 posts", "1,234 posts",
    ]  # fmt: skip
    assert counted(1, "reply", "replies") == "1 reply"
    assert counted(3, "reply", "replies") == "3 replies"


def test_one_posting_day_is_one_posting_day():
    # The calendar's subtitle said "1 talk-only of 1 posting days".
    df = rows.frame(rows.post("2024-05-01 09:00", "conversation", partners=("ana",)))
    for narrow in (False, True):
        text = _texts(calendar_chart(df, "UTC", narrow=narrow))
        assert "1 posting day" in text or "1 day" in text
        assert "1 posting days" not in text and "of 1 days" not in text
    facts = dict(talk_only_facts(summarize(df, tz="UTC")))
    assert facts["talk-only days"].startswith("1 of 1 posting day (")


def test_one_link_is_not_none_of_the_1_links():
    df = rows.frame(rows.post("2024-05-01 09:00", "link", domains=("example.org",)))
    s = summarize(df, tz="UTC")
    assert s.links == 1
    text = short_links_text(s)
    assert "1 links" not in text and "link shortener" in text
    assert "1 links" not in render_text(s)


@pytest.fixture
def cohort_dir(tmp_path: Path) -> Path:
    from test_cohort_build import file_a

    source = tmp_path / "a.jsonl"
    source.write_bytes(file_a())
    out = tmp_path / "cohort"
    assert main(["cohort", "build", str(source), "--out", str(out), "--workers", "1"],
                out=io.StringIO()) == 0  # fmt: skip
    return out


def test_cohort_sql_csv_of_one_row_says_1_row(cohort_dir: Path, tmp_path: Path):
    out = io.StringIO()
    target = tmp_path / "one.csv"
    argv = ["cohort", "sql", str(cohort_dir), "SELECT 1 AS n", "--csv", str(target)]
    assert main(argv, out=out) == 0
    assert out.getvalue() == f"wrote 1 row to {target}\n"


def test_a_report_of_one_post_says_1_post(tmp_path: Path):
    from linkratio.render.report import write_report

    df = rows.frame(rows.post("2024-05-01 09:00", "conversation", partners=("ana",)))
    files = write_report(df, tmp_path / "r", tz="UTC")
    md = (files.folder / "report.md").read_text(encoding="utf-8")
    page = (files.folder / "report.html").read_text(encoding="utf-8")
    assert "· 1 post\n" in md and "1 posts" not in md
    assert "1 posts" not in page and "1 talk-only days" not in page


def test_a_table_of_one_row_says_1_row():
    from linkratio.render.rows import write_table

    out = io.StringIO()
    assert write_table(out, ["n"], [(1,)]) == 1
    assert out.getvalue().endswith("(1 row)\n")


def test_config_unset_of_a_key_never_set_says_so(tmp_path: Path, monkeypatch):
    # It said "smtp.user removed from ..." and wrote a config file that had not existed.
    target = tmp_path / "c.toml"
    monkeypatch.setenv("LINKRATIO_CONFIG", str(target))
    monkeypatch.delenv("LINKRATIO_SMTP_USER", raising=False)
    out = io.StringIO()
    assert main(["config", "unset", "smtp.user"], out=out) == 0
    assert out.getvalue() == f"smtp.user was not set in {target}: nothing to remove\n"
    assert not target.exists()
    config.set_value("smtp.user", "ana", target)
    out = io.StringIO()
    assert main(["config", "unset", "smtp.user"], out=out) == 0
    assert out.getvalue() == f"smtp.user removed from {target} (mode 0600)\n"
    assert config.get("smtp.user", target) is None


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("unbuffered", [True, False])
@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["report", "--help"], ["config", "path"]]
)
def test_help_and_short_output_to_a_full_stdout_exit_74_in_one_line(args, unbuffered, tmp_path):
    # argparse dropped the write error of --help/--version (exit 0); with a buffered stdout
    # every command's last output failed only at Python's exit: "Exception ignored", exit 120.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["LINKRATIO_CONFIG"] = str(tmp_path / "c.toml")
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "linkratio", *args],
            stdout=full, stderr=subprocess.PIPE, text=True, env=env, check=False,
        )  # fmt: skip
    assert done.returncode == 74, done.stderr
    assert done.stderr == "linkratio: error: standard output: No space left on device\n"


def _no_proxies(monkeypatch) -> None:
    for name in ("ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_a_webhook_cut_at_the_deadline_names_the_deadline_not_the_read_timeout(monkeypatch):
    # It said "no answer within 0.2 s" (the read timeout): every byte came well within it,
    # and the 0.3 s deadline for the whole answer was what cut it off.
    from test_review_net import HeaderTrickle

    from linkratio.errors import DeliveryUnavailable
    from linkratio.weekly import deliver

    _no_proxies(monkeypatch)
    monkeypatch.setattr(deliver, "DEADLINE", 0.3)
    with HeaderTrickle(pad=150, pause=0.02) as server:
        dest = deliver.webhook_destination(server.url + "/hook")
        with pytest.raises(DeliveryUnavailable) as caught:
            deliver.post_webhook(dest, {"text": "hi"}, attempts=1, timeout=0.2)
    said = str(caught.value)
    assert "within 0.2 s" not in said
    assert "no whole answer within the 0.3 s deadline after 1 attempt:" in said, said


def test_a_silent_webhook_names_the_read_timeout(monkeypatch):
    from fakes.webhook import FakeWebhook

    from linkratio.errors import DeliveryUnavailable
    from linkratio.weekly import deliver

    _no_proxies(monkeypatch)
    with FakeWebhook(200, stall=1.0, stalls=2) as hook:
        dest = deliver.webhook_destination(hook.url)
        with pytest.raises(DeliveryUnavailable) as caught:
            deliver.post_webhook(dest, {}, attempts=2, timeout=0.2, sleep=lambda s: None)
    assert "no answer within 0.2 s after 2 attempts:" in str(caught.value)


# --- a Mastodon handle is no email link in GitHub's Markdown ------------------------------

_HANDLES = [
    "ana@mastodon.social",
    "@ana@mastodon.social",
    "ana_b+c@x.org@y.org",
    "mailto:ana@x.org",
]


@pytest.mark.parametrize("text", _HANDLES)
def test_md_escape_leaves_no_email_autolink(text):
    # GitHub's extended email autolink made `ana@mastodon.social` a mailto: link. cmark-gfm
    # joins the text before it looks for addresses, so `\@` does not stop it: a word joiner
    # (U+2060, as the entity &#8288;) before the `@` does, and shows nothing.
    from markdown_it import MarkdownIt

    from linkratio.render.escape import md_escape

    escaped = md_escape(text)
    rendered = MarkdownIt("commonmark").renderInline(escaped)
    assert rendered.replace("\u2060", "") == text  # the same text, in any CommonMark reader
    assert "@" in escaped and not __import__("re").search(r"[A-Za-z0-9._+-]@", escaped)
    cmarkgfm = pytest.importorskip("cmarkgfm")
    html = cmarkgfm.github_flavored_markdown_to_html(escaped)
    assert "<a" not in html and "href" not in html, html


def test_report_and_weekly_markdown_show_a_mastodon_partner_as_plain_text(tmp_path):
    from datetime import date

    from linkratio.analysis.weekly import build_week
    from linkratio.render.report_md import render_markdown
    from linkratio.render.weekly import render_markdown as weekly_markdown

    # Talked with in January, silent since: a fading tie of the week of 20 May too.
    made = [
        rows.post(f"2024-01-{d:02d} 09:00", "conversation", partners=("ana@mastodon.social",))
        for d in range(1, 6)
    ]
    made += [rows.post(f"2024-05-{d:02d} 09:00", "link", domains=("x.org",)) for d in range(1, 27)]
    df = rows.frame(*made)
    md = render_markdown(summarize(df, tz="UTC"), {}, {})
    assert "ana@mastodon.social" not in md and "ana&#8288;@mastodon.social" in md
    ws = build_week(df, date(2024, 5, 20), tz="UTC")
    weekly = weekly_markdown(ws, "chart.png")
    assert "ana&#8288;@mastodon.social" in weekly
    assert "ana@mastodon.social" not in weekly


# --- the activity chart marks a week the period covers in part ----------------------------


def _daily(start: str, end: str):
    days = pd.date_range(start, end, freq="D")
    return rows.frame(*[rows.post(f"{d:%Y-%m-%d} 09:00", "conversation") for d in days])


def _bar_alphas(fig) -> list[float]:
    from matplotlib.collections import PolyCollection

    ax = fig.axes[0]
    bars = [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_label()]
    talk = next(c for c in bars if "conversation" in c.get_label().lower())
    return [float(a) for a in talk.get_facecolors()[:, 3]]


def _legend_texts(fig) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def test_activity_chart_marks_weeks_the_period_cuts(tmp_path):
    # The report for 2024-03-06 (a Wednesday) to 2024-06-20 (a Thursday) drew its first
    # week (5 of 7 days) and last week (4 of 7 days) like full weeks: a dip that is not one.
    from linkratio.charts import activity_chart, all_charts
    from linkratio.render.sections import in_period

    df = _daily("2024-01-01", "2024-07-31")
    since, until = "2024-03-06", "2024-06-20"
    period = in_period(df, "UTC", since, until)
    fig = activity_chart(period, "UTC", since=since, until=until)
    alphas = _bar_alphas(fig)
    assert len(alphas) == 16  # the weeks of 4 March to 17 June
    assert alphas[0] < 1 and alphas[-1] < 1 and all(a == 1 for a in alphas[1:-1])
    assert any("partial week" in t for t in _legend_texts(fig))
    drawn = all_charts(period, tz="UTC", since=since, until=until)["activity"]
    assert any("partial week" in t for t in _legend_texts(drawn))
    # Whole weeks: nothing marked, no legend entry.
    whole = in_period(df, "UTC", "2024-03-04", "2024-06-23")
    fig = activity_chart(whole, "UTC", since="2024-03-04", until="2024-06-23")
    assert all(a == 1 for a in _bar_alphas(fig))
    assert not any("partial" in t for t in _legend_texts(fig))


# --- the cohort charts show inline in Jupyter -------------------------------------------------

_COHORT_CHARTS = (
    "import pandas as pd\n"
    "from linkratio.cohort import charts\n"
    "table = pd.DataFrame({'talk_share': [0.1, 0.5, 0.55]})\n"
    "weekly = pd.DataFrame({'week': pd.to_datetime(['2024-05-06', '2024-05-13']),"
    " 'q1': [0.2, 0.3], 'median': [0.4, 0.5], 'q3': [0.6, 0.7]})\n"
    "sites = pd.DataFrame({'site': ['example.org', '$x$.net'], 'posts': [3, 1]})"
)


def test_cohort_charts_draw_themselves_as_png():
    namespace: dict[str, object] = {}
    exec(_COHORT_CHARTS, namespace)
    charts = namespace["charts"]
    drawn = [
        charts.share_histogram(namespace["table"]),  # type: ignore[attr-defined]
        charts.trend_chart(namespace["weekly"]),  # type: ignore[attr-defined]
        charts.sites_chart(namespace["sites"]),  # type: ignore[attr-defined]
    ]
    for fig in drawn:
        assert fig._repr_png_().startswith(b"\x89PNG\r\n\x1a\n")


def test_cohort_charts_are_drawn_inline_in_jupyter_without_the_matplotlib_magic(monkeypatch):
    # They were bare Figures: '<Figure size 700x320 with 1 Axes>' in a fresh kernel.
    from test_review_report import _images, _run_cells

    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    cells = _run_cells(
        _COHORT_CHARTS,
        "charts.share_histogram(table)",
        "charts.trend_chart(weekly)",
        "charts.sites_chart(sites)",
    )
    assert [_images(o) for o in cells[1:]] == [1, 1, 1]


def test_phone_chart_legends_fit_inside_the_figure():
    # The phone drawings of the activity chart and the calendar cut their legends off at
    # both sides ('talk share (last 4 weeks' and the first colour patch).
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from linkratio.charts import all_charts

    df = _daily("2024-01-01", "2024-07-31")
    for since, until in ((None, None), ("2024-02-07", "2024-06-20")):
        for name, fig in all_charts(df, tz="UTC", narrow=True, since=since, until=until).items():
            FigureCanvasAgg(fig).draw()
            renderer = fig.canvas.get_renderer()
            for legend in fig.legends:
                box = legend.get_window_extent(renderer)
                assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, (name, box)


@pytest.mark.parametrize(("args", "code"), [(["--version"], 0), (["config", "path"], 2)])
def test_a_closed_stdout_is_no_traceback(args, code, tmp_path):
    # `linkratio config path >&-` ended in an AttributeError traceback (sys.stdout is None).
    import os
    import subprocess
    import sys

    env = {**os.environ, "LINKRATIO_CONFIG": str(tmp_path / "c.toml")}
    done = subprocess.run(
        [sys.executable, "-m", "linkratio", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, check=False,
        preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    assert done.returncode == code and "Traceback" not in done.stderr, done.stderr
    if code:
        assert done.stderr == "linkratio: error: standard output is closed\n"
