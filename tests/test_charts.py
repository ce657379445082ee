from __future__ import annotations

import io
from datetime import UTC, datetime

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import rows  # noqa: E402
from matplotlib.cbook import is_math_text  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from linkratio import charts  # noqa: E402
from linkratio.analysis.series import activity_bins, calendar_days  # noqa: E402
from linkratio.frame import COLUMNS  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def post(when, category, **kw):
    """One row at `when` (a UTC day, taken at noon, or a day and time)."""
    return rows.post(when if " " in when else f"{when} 12:00", category, **kw)


frame = rows.frame


def talk(when, **kw):
    return post(when, "conversation", **kw)


def link(when, **kw):
    return post(when, "link", **kw)


def rt(when):
    return post(when, "retweet")


def other(when):
    return post(when, "other")


def png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=60)
    return out.getvalue()


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def three_posts():
    return frame(
        talk("2024-03-04", partners=["ana"]),
        link("2024-03-05", domains=["a.org"]),
        rt("2024-03-07"),
    )


def synthetic(n: int, seed: int = 11) -> pd.DataFrame:
    """`n` posts over two years, built column by column (no per-row work beyond the lists)."""
    rng = np.random.default_rng(seed)
    cats = rng.choice(["conversation", "link", "retweet", "other"], n, p=[0.4, 0.3, 0.1, 0.2])
    kind = pd.Series(cats).map(
        {"conversation": "reply", "link": "url", "retweet": "repost", "other": "post"}
    )
    names = np.array([f"friend{i}" for i in range(40)], dtype=object)
    sites = np.array([f"site{i}.example" for i in range(30)], dtype=object)
    who = names[rng.integers(0, 40, n)]
    where = sites[rng.integers(0, 30, n)]
    talking, linking = cats == "conversation", cats == "link"
    df = pd.DataFrame(
        {
            "platform": "x",
            "id": np.arange(n).astype(str),
            "author": "me",
            "text": "t",
            "category": cats,
            "kind": kind,
            "reason": "test",
            "reply_to": np.where(talking, who, None),
            "quoted": None,
            "urls": [[f"https://{s}/p"] if k else [] for s, k in zip(where, linking, strict=True)],
            "domains": [[s] if k else [] for s, k in zip(where, linking, strict=True)],
            "mentions": [[w] if k else [] for w, k in zip(who, talking, strict=True)],
            "partners": [[w] if k else [] for w, k in zip(who, talking, strict=True)],
            "source": "api",
        }
    )
    seconds = rng.integers(0, 2 * 365 * 86400, n)
    df["created_at"] = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(seconds, unit="s")
    return df[list(COLUMNS)]


FRAMES = {
    "three posts": three_posts,
    "one post": lambda: frame(other("2024-05-05 05:00")),
    "no links": lambda: frame(
        talk("2024-01-02", partners=["ana"]),
        other("2024-01-03"),
        talk("2024-01-09", kind="question"),
    ),
    "no posts": frame,
    "20k posts": lambda: synthetic(20_000),
}


@pytest.fixture(scope="module", params=list(FRAMES))
def any_frame(request):
    return FRAMES[request.param]()


@pytest.mark.parametrize("narrow", [False, True], ids=["desktop", "phone"])
def test_every_chart_renders_a_png_for_any_frame(any_frame, narrow):
    figures = charts.all_charts(any_frame, tz="Europe/Berlin", narrow=narrow)
    assert list(figures) == ["activity", "calendar", "sites", "partners", "hours"]
    for fig in figures.values():
        assert isinstance(fig, Figure)
        assert fig.canvas.manager is None  # never registered with pyplot: nothing global
        assert png(fig).startswith(PNG)


def test_activity_chart_has_titles_units_and_one_bar_per_bin_and_category():
    df = frame(talk("2024-01-01"), link("2024-01-20"), rt("2024-03-20"), other("2024-03-21"))
    fig = charts.activity_chart(df, tz="UTC")
    assert fig.get_suptitle() == "Talking vs linking over time"
    ax, share = fig.axes
    assert ax.get_ylabel() == "posts per week"
    assert ax.get_xlabel() == "week (from Monday), UTC time"
    assert share.get_ylabel() == "talk share (%) of the last 4 weeks' posts"
    assert share.get_ylim() == (-5, 105)  # 0% and 100% stay inside the axes
    bins = activity_bins(df, tz="UTC")
    bars = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert [c.get_label() for c in bars] == ["conversation (talking)", "link", "retweet", "other"]
    assert all(len(c.get_paths()) == len(bins) == 12 for c in bars)
    line = share.get_lines()[0]
    assert np.allclose(line.get_ydata(), bins["talk_share_rolling"] * 100, equal_nan=True)
    assert isinstance(ax.xaxis.get_major_formatter(), matplotlib.dates.ConciseDateFormatter)
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()][-1] == "talk share (last 4 weeks)"


def test_activity_share_line_has_gaps_for_silent_months_and_stays_inside():
    # Monthly bins over 5 years, most months silent; one month of only talk (100%).
    df = frame(talk("2019-01-01"), talk("2019-01-02"), link("2021-06-01"), talk("2024-01-01"))
    fig = charts.activity_chart(df, tz="UTC")
    share = fig.axes[1]
    y = share.get_lines()[0].get_ydata()
    bins = activity_bins(df, tz="UTC")
    silent = (bins[["conversation", "link", "retweet", "other"]].sum(axis=1) == 0).to_numpy()
    assert np.isnan(y[silent]).all() and not np.isnan(y[~silent]).any()
    low, high = share.get_ylim()
    assert low < 0 and high > 100 and np.nanmax(y) == 100
    # Lone months between gaps get a dot, or they would not show at all.
    dots = share.get_lines()[1]
    assert len(dots.get_xdata()) == 3


def test_activity_chart_names_daily_and_monthly_bins():
    daily = charts.activity_chart(three_posts(), tz="UTC")
    assert daily.axes[0].get_ylabel() == "posts per day"
    monthly = charts.activity_chart(frame(talk("2019-01-01"), link("2024-01-01")), tz="UTC")
    assert monthly.axes[0].get_ylabel() == "posts per month"
    assert monthly.axes[1].get_ylabel() == "talk share (%) of the last 4 months' posts"


def test_calendar_chart_draws_every_day_and_outlines_talk_only_days():
    df = frame(
        talk("2024-03-01"),
        talk("2024-03-02"),
        link("2024-03-03"),
        talk("2024-03-04"),
        other("2024-06-01"),
    )
    fig = charts.calendar_chart(df, tz="UTC")
    assert fig.get_suptitle() == "Talk-only days, Jul 2023 to Jun 2024"  # the last 12 months
    ax = fig.axes[0]
    assert ax.get_ylabel() == "weekday"
    assert "weeks" in ax.get_xlabel()
    cells, outlines = ax.collections[0], ax.collections[1]
    assert len(cells.get_paths()) == 366
    assert len(outlines.get_paths()) == 3
    days = calendar_days(df, tz="UTC")
    faces = cells.get_facecolors()[:, :3]
    conversation = np.array(to_rgb(charts.CATEGORY_COLORS["conversation"]))
    assert np.allclose(faces[(days["dominant"] == "conversation").to_numpy()], conversation)
    assert np.allclose(faces[(days["posts"] == 0).to_numpy()], to_rgb(charts.NO_POSTS_COLOR))
    streak = ax.collections[2]  # the scatter of the longest streak's days
    assert len(streak.get_offsets()) == 2
    assert (
        ax.get_title() == "3 talk-only of 5 posting days; longest streak: 2 posting days, "
        "01 Mar to 02 Mar"
    )
    months = [t.get_text() for t in ax.texts]
    assert months[:3] == ["Jul 2023", "Aug", "Sep"] and months[6:8] == ["Jan 2024", "Feb"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "talk-only day" in legend and "longest talk-only streak" in legend


def test_calendar_chart_takes_a_year():
    fig = charts.calendar_chart(three_posts(), tz="UTC", year=2023)
    assert fig.get_suptitle() == "Talk-only days in 2023"
    assert len(fig.axes[0].collections[0].get_paths()) == 365
    assert fig.axes[0].get_title() == "0 talk-only of 0 posting days"
    assert [t.get_text() for t in fig.axes[0].texts][:2] == ["Jan 2023", "Feb"]


def test_phone_charts_are_narrow_with_fewer_ticks():
    df = synthetic(3_000, seed=5)
    wide, phone = charts.all_charts(df, tz="UTC"), charts.all_charts(df, tz="UTC", narrow=True)
    assert wide.keys() == phone.keys()
    for name in wide:
        assert wide[name].get_figwidth() == charts.WIDE, name
        assert phone[name].get_figwidth() == charts.NARROW, name
        assert png(phone[name]).startswith(PNG)
    activity = phone["activity"].axes[0]
    assert len(activity.xaxis.get_major_locator()()) <= 6
    # The 4 categories and the talk share line, and "partial week": the data ends midweek.
    assert len(phone["activity"].legends[0].get_texts()) == 6
    hours = phone["hours"].axes[0]
    assert [t.get_text() for t in hours.get_xticklabels()][:3] == ["00", "03", "06"]
    assert not [t for t in hours.texts if t.get_text().isdigit()]  # no numbers in 24 cells
    top, bottom = phone["partners"].axes[:2]
    assert top.get_position().y0 > bottom.get_position().y1  # ties below, not beside


def test_phone_calendar_stacks_the_weeks_in_three_bands():
    df = frame(talk("2024-01-01"), talk("2024-12-31"))
    fig = charts.calendar_chart(df, tz="UTC", narrow=True)
    ax = fig.axes[0]
    assert fig.get_suptitle() == "Talk-only days, Jan 2024 to Dec 2024"
    assert len(ax.collections[0].get_paths()) == 366
    months = [t.get_text() for t in ax.texts]
    assert months == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                      "Nov", "Dec"]  # fmt: skip
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels.count("Mon") == 3 and "Tue" not in labels
    assert "\n" in ax.get_title()  # the streak note on two lines


def test_sites_chart_keeps_the_top_fifteen():
    df = frame(
        *[link(f"2024-01-{d:02d}", domains=[f"s{d:02d}.org"] * 1) for d in range(1, 21)],
        *[link("2024-01-21", domains=["big.org"]) for _ in range(3)],
    )
    fig = charts.sites_chart(df)
    assert fig.get_suptitle() == "Where your links go"
    ax = fig.axes[0]
    assert len(ax.patches) == 15
    assert ax.get_xlabel() == "posts linking to the site" and ax.get_ylabel() == "site"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:3] == ["big.org", "s01.org", "s02.org"]
    assert ax.patches[0].get_width() == 3
    assert len(charts.sites_chart(df, top=5).axes[0].patches) == 5


def test_sites_chart_without_links_says_so():
    fig = charts.sites_chart(frame(talk("2024-01-01"), other("2024-01-02")))
    assert "no links in this period" in texts(fig)
    assert len(fig.axes[0].patches) == 0
    assert png(fig).startswith(PNG)


def test_partners_chart_shows_partners_and_fading_ties():
    df = frame(
        *[talk(f"2024-01-0{d}", partners=["old_friend"]) for d in (1, 2, 3)],
        *[talk(f"2024-05-{d:02d}", partners=["ana"]) for d in range(1, 6)],
        talk("2024-05-06", partners=["bo"]),
    )
    fig = charts.partners_chart(df)
    assert fig.get_suptitle() == "Who you talk with"
    left, right = fig.axes
    # Named as the text names them (`analysis.person_name`): @handle.
    assert [t.get_text() for t in left.get_yticklabels()] == ["@ana", "@old_friend", "@bo"]
    assert len(left.patches) == 3 and left.get_xlabel() == "conversation posts with them"
    assert [t.get_text() for t in right.get_yticklabels()] == ["@old_friend"]
    assert right.get_xlabel() == "replies before the silence"
    assert right.get_title() == "fading ties: 3+ replies,\nnone in the 60 days to 2024-05-06"
    assert "3 · 2024-01-03, 124 days ago" in texts(fig)
    later = charts.partners_chart(df, now=datetime(2024, 7, 30, tzinfo=UTC))
    assert [t.get_text() for t in later.axes[1].get_yticklabels()] == ["@ana", "@old_friend"]


def test_partners_chart_without_partners_says_so():
    fig = charts.partners_chart(frame(link("2024-01-01"), rt("2024-01-02")))
    assert "no conversation partners in this period" in texts(fig)
    assert any(t.startswith("no fading ties") for t in texts(fig))
    assert png(fig).startswith(PNG)


def test_handles_and_domains_are_plain_text_never_mathtext():
    evil = "$evil$"
    broken = r"$\nope$"  # parsed as mathtext, this would raise at draw time
    df = frame(
        *[talk(f"2024-01-0{d}", partners=[evil, broken]) for d in (1, 2, 3)],
        link("2024-04-01", domains=["$x$.example"]),
    )
    figures = [charts.partners_chart(df), charts.sites_chart(df)]
    labels = [t for fig in figures for ax in fig.axes for t in ax.get_yticklabels()]
    shown = [t.get_text() for t in labels]
    assert r"@\$evil\$" in shown and r"@\$\nope\$" in shown and r"\$x\$.example" in shown
    assert all(not is_math_text(s) for s in shown)
    assert all(t.get_usetex() is False for t in labels)
    for fig in figures:
        assert png(fig).startswith(PNG)


def test_hours_chart_is_a_weekday_by_hour_grid_in_the_zone():
    df = frame(talk("2024-03-03 23:30"), link("2024-03-03 23:10"), talk("2024-03-05 14:00"))
    fig = charts.hours_chart(df, tz="Europe/Berlin")
    assert fig.get_suptitle() == "When you talk"
    ax = fig.axes[0]
    assert ax.get_xlabel() == "hour of day (Europe/Berlin time)"
    assert ax.get_ylabel() == "weekday"
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "Monday"
    image = ax.get_images()[0].get_array()
    assert image.shape == (7, 24)
    assert image[0, 0] == 50 and image[1, 15] == 100
    assert int(np.ma.count(image)) == 2  # the other cells are masked: no posts
    assert fig.axes[1].get_ylabel() == "talk share (%)"


def test_category_colors_cover_every_category_and_differ_in_grey():
    assert list(charts.CATEGORY_COLORS) == ["conversation", "link", "retweet", "other"]
    grey = sorted(np.dot(to_rgb(c), [0.299, 0.587, 0.114]) for c in charts.CATEGORY_COLORS.values())
    assert min(np.diff(grey)) > 0.08  # tell-apart lightness steps in grey print


def test_all_charts_on_twenty_thousand_posts_fill_every_chart():
    figures = charts.all_charts(synthetic(20_000, seed=3), tz="UTC")
    assert figures["activity"].axes[0].get_ylabel() == "posts per week"
    assert len(figures["sites"].axes[0].patches) == 15
    assert len(figures["partners"].axes[0].patches) == 15
    assert int(np.ma.count(figures["hours"].axes[0].get_images()[0].get_array())) == 7 * 24
