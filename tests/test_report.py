from __future__ import annotations

import base64
import importlib.util
import json
import re
import shutil
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
import rows

from linkratio import load, summarize
from linkratio.errors import EmptyDataError, InputError
from linkratio.render.report import (
    ReportFiles,
    examples,
    md_escape,
    render_html,
    render_markdown,
    write_report,
)
from linkratio.render.report_html import png_size

CHARTS = {"activity", "calendar", "sites", "partners", "hours"}
PNG = b"\x89PNG\r\n\x1a\n"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr", "col", "area"}


def post(when, category="other", *, text="t", post_id=None, **kw):
    """A frame row (tests/rows.py) with a short text by default."""
    return rows.post(when, category, text=text, pid=post_id, **kw)


frame = rows.frame


class Page(HTMLParser):
    """Collects tags and attributes and checks that every element is closed in order."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self._in_style = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)

    def all(self, tag):
        return [attrs for t, attrs in self.tags if t == tag]


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> ReportFiles:
    df = load(Path(__file__).resolve().parents[1] / "data" / "sample")
    return write_report(df, tmp_path_factory.mktemp("report") / "out", tz="Europe/Lisbon")


def test_report_writes_every_file(sample_report):
    files = sample_report
    assert files.folder.is_dir()
    assert set(files.images) == CHARTS
    for path in [files.html, files.markdown, files.summary_json, *files.images.values()]:
        assert path.parent == files.folder and path.stat().st_size > 0
    for name, path in files.images.items():
        assert path.name == f"{name}.png" and path.read_bytes().startswith(PNG)


def test_html_is_well_formed_and_embeds_every_chart_as_png(sample_report):
    page = Page(sample_report.html.read_text(encoding="utf-8"))
    assert page.errors == [] and page.stack == []
    images = page.all("img")
    assert len(images) == len(CHARTS)
    embedded = set()
    for attrs in images:
        src = attrs["src"] or ""
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert png.startswith(PNG)
        embedded.add(png)
        assert attrs.get("alt"), "every chart needs alt text"
    assert embedded == {p.read_bytes() for p in sample_report.images.values()}
    assert len(page.all("figcaption")) == len(CHARTS)


def test_html_shows_summary_nudge_and_examples(sample_report):
    text = sample_report.html.read_text(encoding="utf-8")
    df = load(Path(__file__).resolve().parents[1] / "data" / "sample")
    s = summarize(df, tz="Europe/Lisbon")
    page = " ".join(Page(text).text)
    assert "@marenbuilds" in page and "2,390" in page
    assert "40.3%" in page and "0.99" in page  # talk share, talk-to-link
    assert s.nudge.text in "".join(Page(text).text)  # its dates are spans of their own
    assert all(w.label in page for w in s.weeks)
    assert all(r.name in page for r in s.top_sites)
    assert all(f"@{r.name}" in page for r in s.partners)
    picked = examples(df)
    assert sum(len(v) for v in picked.values()) == 20
    assert text.count('<article class="post"') == 20
    for posts in picked.values():
        for p in posts:
            assert f"id {p['id']}" in page
    assert "Why:" in page


def _phone_bench():
    """bench/phone.py, the one home of the phone checks (a script, not a package)."""
    path = Path(__file__).resolve().parents[1] / "bench" / "phone.py"
    spec = importlib.util.spec_from_file_location("phone_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_html_reads_on_a_phone(sample_report):
    text = sample_report.html.read_text(encoding="utf-8")
    page = Page(text)
    viewport = [m for m in page.all("meta") if m.get("name") == "viewport"]
    assert viewport and "width=device-width" in (viewport[0]["content"] or "")
    css = "".join(page.styles)
    assert re.search(r"main\{[^}]*max-width:", css)
    assert re.search(r"figure img\{[^}]*width:100%", css)
    assert re.search(r"\.nowrap[^{]*\{white-space:nowrap", css)
    # Sized 2x charts, a phone drawing of each, dates and weeks that never break.
    assert _phone_bench().problems(text) == []


def test_phone_check_finds_what_breaks_on_a_phone():
    bench = _phone_bench()
    png = (b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + (800).to_bytes(4, "big")) + bytes(8)
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    bad = (
        f'<html><head></head><body><img src="{uri}" width="800" height="300">'
        "<table><tr><td>2024-W42</td><td>2024-10-14</td><td>36</td></tr></table></body></html>"
    )
    assert bench.problems(bad) == [
        "no viewport meta with width=device-width",
        "<img> PNG is not twice its width of 800",
        "1 charts but 0 phone drawings",
        "table cell '2024-W42' may break at its hyphen (no nowrap class)",
        "table cell '2024-10-14' may break at its hyphen (no nowrap class)",
    ]


def test_chart_sizes_match_their_pngs(sample_report):
    page = Page(sample_report.html.read_text(encoding="utf-8"))
    for tag in ("img", "source"):
        for attrs in page.all(tag):
            uri = (attrs.get("src") or attrs["srcset"].split(" ")[0]) or ""
            width, height = png_size(base64.b64decode(uri.split(",", 1)[1]))
            assert (int(attrs["width"] or 0), int(attrs["height"] or 0)) == (
                width // 2,
                height // 2,
            )
    phones = [a for a in page.all("source") if a.get("media") == "(max-width: 40rem)"]
    assert len(phones) == len(CHARTS)
    assert all(int(a["width"] or 0) == 380 for a in phones)  # NARROW inches at 100 px
    assert all(int(a["width"] or 0) == 860 for a in page.all("img"))  # WIDE inches


@pytest.mark.skipif(
    not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
    reason="no headless chromium installed (apt-get install chromium): no screenshots",
)
@pytest.mark.parametrize("width", [390, 1280])
def test_report_screenshots_at_phone_and_desktop_width(sample_report, tmp_path, width):
    from PIL import Image

    shot = _phone_bench().screenshot(sample_report.html, tmp_path / "shot.png", width, 1600)
    with Image.open(shot) as image:
        assert image.size == (width, 1600)
        grey = image.convert("L")
        # The page drew something: its heading's dark text is there, not a blank window.
        assert grey.getextrema()[0] < 64


def test_html_needs_nothing_from_the_network(sample_report):
    page = Page(sample_report.html.read_text(encoding="utf-8"))
    assert not page.all("script") and not page.all("link") and not page.all("iframe")
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            if name in ("src", "href", "srcset", "poster", "data", "action"):
                assert (value or "").startswith(("data:", "#")), (tag, name, value)
            assert "http://" not in (value or "") and "https://" not in (value or ""), (tag, name)
    css = "".join(page.styles)
    assert "url(" not in css and "@import" not in css and "http" not in css
    csp = [m for m in page.all("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")


def test_summary_json_holds_the_summary(sample_report):
    data = json.loads(sample_report.summary_json.read_text(encoding="utf-8"))
    assert data["posts"] == 2390
    assert data["account"] == "marenbuilds"
    assert data["tz"] == "Europe/Lisbon"


def test_markdown_references_the_written_pngs(sample_report):
    md = sample_report.markdown.read_text(encoding="utf-8")
    refs = re.findall(r"!\[[^\]]+\]\(<([^>]+)>\)", md)
    assert sorted(refs) == sorted(f"{n}.png" for n in CHARTS)
    assert all((sample_report.folder / r).is_file() for r in refs)
    assert "marenbuilds" in md and "## Why posts were counted as they were" in md


# -- escaping ----------------------------------------------------------------------------


def hostile_frame():
    return frame(
        post(
            "2024-03-01 09:00",
            "conversation",
            text=f"hi {SCRIPT}",
            partners=(SCRIPT,),
            reason=f"rule 2: reply to {IMG}",
        ),
        post("2024-03-02 09:00", "conversation", text=f"again {IMG}", partners=(IMG,)),
        post(
            "2024-03-03 09:00",
            "link",
            text=f"look {IMG}",
            domains=(SCRIPT, IMG),
            urls=[f"https://evil.example/{IMG}"],
            reason=f"rule 5: links to https://evil.example/{IMG}",
        ),
        post("2024-03-04 09:00", "retweet", text=f"RT {SCRIPT}"),
        post("2024-03-05 09:00", "other", text="plain"),
    )


@pytest.mark.parametrize("account", [SCRIPT, IMG])
def test_html_escapes_post_text_handles_domains_reasons_and_account(tmp_path, account):
    files = write_report(hostile_frame(), tmp_path, tz="UTC", account=account)
    text = files.html.read_text(encoding="utf-8")
    assert SCRIPT not in text and IMG not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in text
    page = Page(text)
    assert page.errors == [] and not page.all("script")
    assert len(page.all("img")) == len(CHARTS)
    assert not any("onerror" in attrs for _, attrs in page.tags)
    shown = " ".join(page.text)
    assert f"@{SCRIPT}" in shown and f"@{IMG}" in shown  # partners, as text
    assert f"https://evil.example/{IMG}" in shown  # the reason
    assert f"@{account}" in shown
    # The one https:// in the page is post data shown as text, never an attribute.
    assert all("http" not in (v or "") for _, attrs in page.tags for v in attrs.values())


def test_render_html_escapes_each_position_on_its_own():
    df = hostile_frame()
    for part in ("text", "partners", "domains", "reason"):
        clean = df.copy()
        for col in {"text", "partners", "domains", "reason"} - {part}:
            clean[col] = [[] if isinstance(v, list) else "t" for v in clean[col]]
        s = summarize(clean, tz="UTC", account="me")
        text = render_html(s, {}, examples(clean))
        assert SCRIPT not in text and IMG not in text, part
        assert "&lt;script&gt;" in text or "&quot;&gt;&lt;img" in text, part


def test_markdown_escapes_post_derived_text(tmp_path):
    payload = "[click](https://evil.example) <b>x</b> *bold* _it_ # h | `code` ![i](x.png)"
    df = frame(
        post(
            "2024-03-01 09:00",
            "conversation",
            text=f"line one\n# {payload}",
            partners=("evil_[x](y)",),
        ),
        post(
            "2024-03-02 09:00",
            "link",
            text=payload,
            domains=("a|b.example",),
            reason="rule 5: links to https://evil.example/<b>",
        ),
    )
    files = write_report(df, tmp_path, tz="UTC", account="acc*[x]")
    md = files.markdown.read_text(encoding="utf-8")
    assert "[click](" not in md and "<b>" not in md and "`code`" not in md and "![i]" not in md
    assert r"\[click\]\(https\://evil.example\)" in md
    assert r"\<b\>x\</b\>" in md and r"\*bold\*" in md and r"\_it\_" in md
    assert r"\# h \| \`code\`" in md
    assert r"@evil\_\[x\]\(y\)" in md and r"a\|b.example" in md and r"@acc\*\[x\]" in md
    assert "https://" not in md  # no bare URL for a renderer to turn into a link
    assert not any(
        line.startswith("# line one") or line.startswith("#  ") for line in md.splitlines()
    )
    # Every image in the file is one of ours.
    assert len(re.findall(r"!\[", md)) == len(CHARTS)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a*b_c", r"a\*b\_c"),
        ("[x](y)", r"\[x\]\(y\)"),
        ("<img src=x>", r"\<img src=x\>"),
        ("`tick` | pipe # hash", r"\`tick\` \| pipe \# hash"),
        ("two\nlines\r\n  here", "two lines here"),
        ("see www.evil.example or http://x.y", r"see www\.evil.example or http\://x.y"),
        ("&amp; $x$ ~s~ !b", r"\&amp; \$x\$ \~s\~ \!b"),
        ("back\\slash", r"back\\slash"),
        ("no special characters", "no special characters"),
    ],
)
def test_md_escape(raw, escaped):
    assert md_escape(raw) == escaped


# -- examples and small frames -----------------------------------------------------------


def test_examples_picks_the_most_recent_per_category_newest_first():
    links = [
        post(f"2024-01-{d:02d} 12:00", "link", text=f"link {d}") for d in (3, 9, 1, 7, 5, 2, 8)
    ]
    talk = [
        post("2024-01-04 08:00", "conversation", text="older"),
        post("2024-01-06 08:00", "conversation", text="newer"),
    ]
    picked = examples(frame(*links, *talk))
    assert list(picked) == ["conversation", "link", "retweet", "other"]
    assert [p["text"] for p in picked["link"]] == ["link 9", "link 8", "link 7", "link 5", "link 3"]
    assert [p["text"] for p in picked["conversation"]] == ["newer", "older"]
    assert picked["retweet"] == [] and picked["other"] == []
    first = picked["link"][0]
    assert set(first) == {"id", "created_at", "kind", "reason", "text"}
    assert first["created_at"] == datetime(2024, 1, 9, 12, tzinfo=UTC)
    assert first["kind"] == "url" and first["reason"] == "test"
    assert [len(v) for v in examples(frame(*links), per_category=2).values()] == [0, 2, 0, 0]


def test_examples_orders_posts_of_the_same_instant_by_numeric_id():
    same = [post("2024-01-01 12:00", "other", post_id=i) for i in ("9", "10", "100", "11")]
    assert [p["id"] for p in examples(frame(*same), per_category=3)["other"]] == ["100", "11", "10"]


def test_examples_works_on_any_index():
    rows = [post(f"2024-01-0{d} 12:00", "link", text=f"link {d}") for d in (1, 2, 3)]
    df = frame(*rows)
    df.index = [7, 7, 7]
    assert [p["text"] for p in examples(df, per_category=2)["link"]] == ["link 3", "link 2"]


def test_html_replaces_control_characters():
    df = frame(
        post("2024-01-01 12:00", "conversation", text="bell\x07 esc\x1b[2J nul\x00 ok\nline")
    )
    text = render_html(summarize(df, tz="UTC"), {}, examples(df))
    assert not re.search("[\x00-\x08\x0b\x0e-\x1f]", text)
    assert "bell\ufffd esc\ufffd[2J nul\ufffd ok\nline" in text


def test_examples_rejects_a_negative_count():
    with pytest.raises(ValueError):
        examples(frame(post("2024-01-01 12:00")), per_category=-1)


def test_report_for_three_posts(tmp_path):
    df = frame(
        post("2024-05-01 10:00", "conversation", partners=("ana",)),
        post("2024-05-01 11:00", "link", domains=("example.com",)),
        post("2024-05-02 09:00", "other"),
    )
    files = write_report(df, tmp_path / "new" / "dir", tz="UTC", account="me")
    assert set(files.images) == CHARTS
    assert json.loads(files.summary_json.read_text(encoding="utf-8"))["posts"] == 3
    page = Page(files.html.read_text(encoding="utf-8"))
    assert page.errors == [] and len(page.all("img")) == len(CHARTS)
    assert files.html.read_text(encoding="utf-8").count('<article class="post"') == 3


def test_report_covers_only_the_period(tmp_path):
    df = frame(
        post("2024-05-01 10:00", "link", text="POST-BEFORE", domains=("early.example",)),
        post("2024-05-03 10:00", "conversation", text="POST-INSIDE"),
        post("2024-05-04 23:30", "conversation", text="POST-LATE"),  # 05-05 in Lisbon
        post("2024-05-09 10:00", "link", text="POST-AFTER", domains=("late.example",)),
    )
    files = write_report(
        df, tmp_path, tz="Europe/Lisbon", since=date(2024, 5, 2), until=date(2024, 5, 5)
    )
    data = json.loads(files.summary_json.read_text(encoding="utf-8"))
    assert data["posts"] == 2 and data["top_sites"] == []
    text = " ".join(Page(files.html.read_text(encoding="utf-8")).text)
    assert "POST-INSIDE" in text and "POST-LATE" in text
    assert "POST-BEFORE" not in text and "POST-AFTER" not in text
    assert ".example" not in text
    assert "2024-05-05 00:30" in text  # example times are local


def test_report_period_accepts_datetimes_like_summarize(tmp_path):
    df = frame(
        post("2024-05-01 10:00", "link", text="POST-FIRST", domains=("a.example",)),
        post("2024-05-02 10:00", "conversation", text="POST-SECOND"),
    )
    files = write_report(df, tmp_path, tz="UTC", since=datetime(2024, 5, 1, 12, tzinfo=UTC))
    assert json.loads(files.summary_json.read_text(encoding="utf-8"))["posts"] == 2
    assert "POST-FIRST" in files.html.read_text(encoding="utf-8")


def test_report_refuses_a_file_as_folder_and_an_empty_period(tmp_path):
    df = frame(post("2024-05-01 10:00", "conversation"))
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        write_report(df, target, tz="UTC")
    with pytest.raises(EmptyDataError):
        write_report(df, tmp_path / "out", tz="UTC", since=date(2025, 1, 1))
    assert not (tmp_path / "out").exists()


def test_render_markdown_without_charts_or_examples():
    s = summarize(frame(post("2024-05-01 10:00", "conversation")), tz="UTC", account="me")
    md = render_markdown(s, {}, {"conversation": [], "link": []})
    assert "![" not in md and "no posts of this category in the period" in md


def test_report_calendar_year_from_the_command_line(tmp_path, capsys):
    from linkratio.cli import main

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    out = tmp_path / "y"
    assert main(["report", str(sample), "--out", str(out), "--tz", "UTC", "--year", "2023"]) == 0
    assert (out / "calendar.png").read_bytes().startswith(PNG)
    assert main(["report", str(sample), "--out", str(out), "--year", "1500"]) == 2
    assert "year 1500: pick a year from 1900 to 2200" in capsys.readouterr().err


def test_write_report_passes_the_year_to_the_calendar(tmp_path, monkeypatch):
    import linkratio.render.report as report

    seen = []

    def charts(df, tz=None, year=None, narrow=False, since=None, until=None):
        seen.append((year, narrow))
        return {}

    monkeypatch.setattr(report, "all_charts", charts)
    df = frame(post("2024-03-01 10:00", "conversation"))
    write_report(df, tmp_path / "a", tz="UTC", year=2023)
    write_report(df, tmp_path / "b", tz="UTC")
    assert seen == [(2023, False), (2023, True), (None, False), (None, True)]


def test_the_weeks_heading_says_last_week_for_one_week():
    one = frame(post("2024-05-01 10:00", "conversation"), post("2024-05-02 10:00", "link"))
    s = summarize(one, tz="UTC", account="me")
    assert len(s.weeks) == 1
    assert "<h3>Last week</h3>" in render_html(s, {}, examples(one))
    assert "\n## Last week\n" in render_markdown(s, {}, examples(one))
    two = frame(post("2024-05-01 10:00", "conversation"), post("2024-05-08 10:00", "link"))
    s = summarize(two, tz="UTC", account="me")
    assert "<h3>The last 2 weeks</h3>" in render_html(s, {}, examples(two))
    assert "\n## The last 2 weeks\n" in render_markdown(s, {}, examples(two))
