"""The report folder: a self-contained report.html, report.md, the chart PNGs and summary.json.

Everything that came from posts (text, handles, domains, URLs, reasons, the account name)
is escaped on the way out: `html.escape` for HTML, backslash escapes for Markdown. The HTML
also carries a Content-Security-Policy that forbids scripts and every non-`data:` resource,
so a mistake in escaping still runs nothing and loads nothing.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd

from linkratio.analysis import CATEGORIES, Ranked, Summary, period_days, resolve_zone, summarize
from linkratio.charts import all_charts
from linkratio.errors import InputError, LinkratioError
from linkratio.render.text import (
    days,
    kinds_text,
    pct,
    ratio,
    render_json,
    short_links_text,
    talk_only_facts,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_TEXT = 600
"""Characters of a post's text an example shows; longer posts end in an ellipsis."""


@dataclass(frozen=True)
class ReportFiles:
    """Where `write_report` put each file."""

    folder: Path
    html: Path
    markdown: Path
    summary_json: Path
    images: dict[str, Path]
    """Chart name -> its PNG file."""


@dataclass(frozen=True)
class _Chart:
    title: str
    caption: str


_CHARTS: dict[str, _Chart] = {
    "activity": _Chart(
        "Talking vs linking over time",
        "Posts per period stacked by category, with the talk share as a line.",
    ),
    "calendar": _Chart(
        "Talk-only days",
        "Each posting day coloured by what dominated it; talk-only days stand out and the "
        "longest streak is marked.",
    ),
    "sites": _Chart("Where your links go", "The most linked sites (registered domains)."),
    "partners": _Chart(
        "Who you talk with",
        "Your most frequent conversation partners, and fading ties: people you replied to "
        "at least 3 times before but not in the last 60 days.",
    ),
    "hours": _Chart("When you talk", "Talk share by weekday and hour of the day."),
}

_CATEGORY_NOTES = {
    "conversation": "replies, mentions and questions: counted as talking",
    "link": "posts with a link or quoting someone's post: counted as linking",
    "retweet": "reposts and manual RTs: counted as linking",
    "other": "your own posts and threads: neither talking nor linking",
}

_CHART_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


# -- data ------------------------------------------------------------------------------


def examples(df: pd.DataFrame, per_category: int = 5) -> dict[str, list[dict[str, Any]]]:
    """The `per_category` most recent posts of each category, newest first.

    Keys are the four categories in report order (an empty list when a category has no
    posts); each post is a dict of `id`, `created_at` (aware UTC datetime), `kind`,
    `reason` and `text`. Posts of the same instant are ordered by id, highest first.
    """
    if per_category < 0:
        raise ValueError(f"per_category must be 0 or more, not {per_category}")
    picked: dict[str, list[dict[str, Any]]] = {c: [] for c in CATEGORIES}
    if df.empty or per_category == 0:
        return picked
    df = df.reset_index(drop=True)  # any index, even a repeated one, works
    stamps = pd.to_datetime(df["created_at"], utc=True)
    category = df["category"].to_numpy()
    for name in CATEGORIES:
        mine = stamps[category == name]
        if mine.empty:
            continue
        # Only posts at or after the n-th newest instant can be among the n newest.
        cutoff = mine.nlargest(per_category).iloc[-1]
        picked[name] = _newest(df.loc[mine.index[mine >= cutoff]], per_category)
    return picked


def _newest(rows: pd.DataFrame, n: int) -> list[dict[str, Any]]:
    """The `n` newest of `rows` as example dicts; ties by numeric id, highest first."""
    ids = rows["id"].astype(str)
    # Snowflake ids are decimal strings: by length, then by value, is numeric order.
    order = pd.DataFrame(
        {"at": pd.to_datetime(rows["created_at"], utc=True), "len": ids.str.len(), "id": ids}
    ).sort_values(["at", "len", "id"], ascending=False)
    return [
        {
            "id": ids[i],
            "created_at": order.at[i, "at"].to_pydatetime(),
            "kind": _str(rows.at[i, "kind"]),
            "reason": _str(rows.at[i, "reason"]),
            "text": _str(rows.at[i, "text"]),
        }
        for i in order.index[:n]
    ]


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _in_period(
    df: pd.DataFrame, tz: str | None, since: date | None, until: date | None
) -> pd.DataFrame:
    """The rows whose local day (in `tz`) lies in [since, until], as `summarize` picks them."""
    if since is None and until is None:
        return df
    since, until = (d.date() if isinstance(d, datetime) else d for d in (since, until))
    zone, _ = resolve_zone(tz)
    return df.loc[period_days(df, zone, since, until)[1]]


# -- shared formatting -----------------------------------------------------------------


def _who(summary: Summary) -> str:
    return f"@{summary.account}" if summary.account else "your posts"


def _person(item: Ranked) -> str:
    """A partner as shown: `@handle`, or the account id when no handle was known."""
    return f"account id {item.name[3:]}" if item.name.startswith("id:") else f"@{item.name}"


def _zone(name: str) -> tzinfo | None:
    try:
        return resolve_zone(name)[0]
    except LinkratioError:
        return None  # a fixed-offset system zone without an IANA name: show UTC


def _when(moment: datetime, zone: tzinfo | None) -> str:
    if zone is None:
        return f"{moment:%Y-%m-%d %H:%M} UTC"
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1].rstrip() + "…"


def _glance(s: Summary) -> list[tuple[str, str]]:
    """The headline figures, label and value, shared by both renderings."""
    return [
        ("posts", f"{s.posts:,}"),
        ("talk share", pct(s.talk_share)),
        ("talk-to-link", ratio(s.talk_to_link)),
        *talk_only_facts(s),
    ]


# -- HTML ------------------------------------------------------------------------------

_CSS = """
:root{--talk:#0072B2;--link:#E69F00;--retweet:#D55E00;--other:#BBBBBB;--ink:#1b1f24;
--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
color:var(--ink);background:#fff}
main{max-width:56rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 .25rem;overflow-wrap:anywhere}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.25rem 0 .25rem}
p{margin:.5rem 0}
.muted{color:var(--muted)}
.nudge{margin:1rem 0;padding:1rem 1.25rem;background:#fff4d6;border-left:6px solid var(--link);
border-radius:6px;font-size:1.15rem}
.nudge strong{display:block;font-size:.85rem;text-transform:uppercase;letter-spacing:.05em}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.6rem;
margin:1rem 0;padding:0}
.cards div{background:var(--soft);border:1px solid var(--line);border-radius:6px;
padding:.5rem .75rem}
.cards dt{font-size:.85rem;color:var(--muted)}
.cards dd{margin:0;font-size:1.2rem;font-weight:600;overflow-wrap:anywhere}
.mix{display:flex;height:1.1rem;border-radius:4px;overflow:hidden;border:1px solid var(--line)}
.mix span{display:block;height:100%}
.c-conversation{--c:var(--talk)}.c-link{--c:var(--link)}.c-retweet{--c:var(--retweet)}
.c-other{--c:var(--other)}
.mix span,.dot{background:var(--c)}
.dot{display:inline-block;width:.75rem;height:.75rem;border-radius:2px;margin-right:.35rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95rem;margin:.5rem 0}
th,td{padding:.3rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted)}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.name{overflow-wrap:anywhere}
td.barcell{width:35%}
.bar{height:.7rem;background:var(--talk);border-radius:2px}
figure{margin:1rem 0}
figure img{display:block;width:100%;height:auto;border:1px solid var(--line);border-radius:4px}
figcaption{font-size:.9rem;color:var(--muted);margin-top:.35rem}
.post{margin:.6rem 0;padding:.5rem .75rem;border:1px solid var(--line);
border-left:5px solid var(--c,var(--other));border-radius:6px}
.post .meta{font-size:.85rem;color:var(--muted);margin:0}
.post .text{white-space:pre-wrap;overflow-wrap:anywhere;margin:.35rem 0}
.post .why{font-size:.9rem;margin:0;overflow-wrap:anywhere}
footer{margin:2.5rem 0 1rem;font-size:.85rem;color:var(--muted)}
.sr{position:absolute;left:-9999px}
@media print{main{max-width:none}.nudge{border:1px solid #000}section{break-inside:avoid-page}}
"""

# Nothing may run and nothing may load from outside the file, whatever a post contains.
_HTML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'"


def _e(value: object) -> str:
    """Escape for HTML text and attribute values alike; control characters become U+FFFD."""
    return html.escape(_HTML_CONTROL.sub("\ufffd", str(value)), quote=True)


def _figure(name: str, png: bytes, alt: str) -> str:
    chart = _CHARTS.get(name, _Chart(name, ""))
    data = base64.b64encode(png).decode("ascii")
    caption = f"<strong>{_e(chart.title)}.</strong> {_e(chart.caption)}".rstrip()
    return (
        f'<figure id="chart-{_e(name)}"><img src="data:image/png;base64,{data}" '
        f'alt="{_e(alt)}" loading="lazy"><figcaption>{caption}</figcaption></figure>'
    )


def _alt(s: Summary, name: str) -> str:
    """Alt text: the chart's title plus the numbers it shows, for screen readers."""
    title = _CHARTS.get(name, _Chart(name, "")).title
    facts = {
        "activity": f"talk share {pct(s.talk_share)} over {s.posts:,} posts",
        "calendar": f"{s.talk_only.count} talk-only days, longest streak "
        f"{days(s.talk_only.longest.length)}",
        "sites": ", ".join(f"{r.name} {r.count}" for r in s.top_sites[:5]) or "no links",
        "partners": ", ".join(f"{_person(r)} {r.count}" for r in s.partners[:5]) or "nobody",
        "hours": f"times in {s.tz}",
    }
    return f"{title}: {facts.get(name, '')}".rstrip(": ")


def _html_glance(s: Summary) -> str:
    cards = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in _glance(s))
    return f'<dl class="cards">{cards}</dl>'


def _html_categories(s: Summary) -> str:
    segments = "".join(
        f'<span class="c-{_e(c.category)}" style="width:{c.share * 100:.2f}%" '
        f'title="{_e(c.category)} {pct(c.share)}"></span>'
        for c in s.categories
    )
    rows = "".join(
        f'<tr><td><span class="dot c-{_e(c.category)}"></span>{_e(c.category)}</td>'
        f'<td class="n">{c.count:,}</td><td class="n">{pct(c.share)}</td>'
        f'<td class="muted">{_e(kinds_text(s, c.category))}</td></tr>'
        for c in s.categories
    )
    return (
        f'<h2>What you post</h2><div class="mix" role="img" aria-label="category shares">'
        f"{segments}</div>"
        f'<div class="scroll"><table><thead><tr><th>category</th><th class="n">posts</th>'
        f'<th class="n">share</th><th>kinds</th></tr></thead><tbody>{rows}</tbody></table></div>'
    )


def _html_weeks(s: Summary) -> str:
    rows = "".join(
        f'<tr><td>{_e(w.label)}</td><td>{w.start}</td><td class="n">{w.posts:,}</td>'
        f'<td class="n">{pct(w.talk_share)}</td><td class="barcell">'
        + (
            f'<div class="bar" style="width:{w.talk_share * 100:.1f}%"></div>'
            if w.talk_share
            else ""
        )
        + "</td></tr>"
        for w in s.weeks
    )
    return (
        f"<h3>The last {len(s.weeks)} weeks</h3>"
        f'<div class="scroll"><table><thead><tr><th>week</th><th>from</th>'
        f'<th class="n">posts</th><th class="n">talk</th><th><span class="sr">talk share bar'
        f"</span></th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _html_ranked(items: tuple[Ranked, ...], head: str, empty: str, people: bool) -> str:
    if not items:
        return f'<p class="muted">{_e(empty)}</p>'
    rows = "".join(
        f'<tr><td class="name">{_e(_person(r) if people else r.name)}</td>'
        f'<td class="n">{r.count:,}</td></tr>'
        for r in items
    )
    return (
        f'<div class="scroll"><table><thead><tr><th>{_e(head)}</th><th class="n">posts</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _html_short(s: Summary) -> str:
    """How many links went through a shortener, and the shorteners ranked."""
    text = short_links_text(s)
    if not text:
        return ""
    rows = "".join(
        f'<tr><td class="name">{_e(r.name)}</td><td class="n">{r.count:,}</td></tr>'
        for r in s.shorteners
    )
    table = (
        f'<div class="scroll"><table><thead><tr><th>shortener</th><th class="n">links</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
        if rows
        else ""
    )
    return f"<h3>Short links</h3><p>{_e(text)}</p>{table}"


def _html_post(post: Mapping[str, Any], zone: tzinfo | None) -> str:
    moment: datetime = post["created_at"]
    return (
        f'<article class="post"><p class="meta"><time datetime="{_e(moment.isoformat())}">'
        f"{_e(_when(moment, zone))}</time> · {_e(post['kind'])} · id {_e(post['id'])}</p>"
        f'<p class="text" dir="auto">{_e(_clip(post["text"]))}</p>'
        f'<p class="why"><strong>Why:</strong> {_e(post["reason"])}</p></article>'
    )


def _html_examples(s: Summary, picked: Mapping[str, list[dict[str, Any]]]) -> str:
    zone = _zone(s.tz)
    parts = [
        "<h2>Why posts were counted as they were</h2>",
        '<p class="muted">The most recent posts of each category, with the rule that '
        "placed them.</p>",
    ]
    for category, posts in picked.items():
        note = _CATEGORY_NOTES.get(category, "")
        parts.append(
            f'<section class="c-{_e(category)}"><h3><span class="dot"></span>'
            f'{_e(category)}</h3><p class="muted">{_e(note)}</p>'
        )
        parts.extend(_html_post(p, zone) for p in posts)
        if not posts:
            parts.append('<p class="muted">No posts of this category in the period.</p>')
        parts.append("</section>")
    return "".join(parts)


def render_html(
    summary: Summary, images: Mapping[str, bytes], examples: Mapping[str, list[dict[str, Any]]]
) -> str:
    """Return one self-contained HTML page: summary, nudge, embedded charts, examples."""
    s = summary

    def fig(name: str) -> str:
        return _figure(name, images[name], _alt(s, name)) if name in images else ""

    known = [n for n in _CHARTS if n in images]
    extra = "".join(fig(n) for n in images if n not in known)
    body = [
        f"<header><h1>Talking vs linking: {_e(_who(s))}</h1>",
        f'<p class="muted">{s.period_start} to {s.period_end} ({_e(s.tz)}) · '
        f"{s.posts:,} posts</p></header>",
        f'<section class="nudge"><strong>Your next step</strong>{_e(s.nudge.text)}</section>',
        _html_glance(s),
        f"<section>{_html_categories(s)}</section>",
        f"<section><h2>Over time</h2>{fig('activity')}{_html_weeks(s)}</section>",
        f"<section><h2>Talk-only days</h2>{fig('calendar')}</section>",
        "<section><h2>Where your links go</h2>"
        f"{_html_ranked(s.top_sites, 'site', 'No links to other sites.', False)}"
        f"{fig('sites')}{_html_short(s)}</section>",
        "<section><h2>Who you talk with</h2>"
        f"{_html_ranked(s.partners, 'account', 'Nobody yet.', True)}{fig('partners')}</section>",
        f"<section><h2>When you talk</h2>{fig('hours')}{extra}</section>",
        f"<section>{_html_examples(s, examples)}</section>",
        "<footer>Made by linkratio. Post text is shown as written; nothing in this file "
        "loads from the network.</footer>",
    ]
    return _page(f"linkratio: {_who(s)}, {s.period_start} to {s.period_end}", body)


def _page(title: str, body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


# -- Markdown --------------------------------------------------------------------------

# Characters that start emphasis, links, images, HTML, code, headings, tables, strike,
# math or entities anywhere in a line.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#!|~&$])")
# GitHub turns bare URLs into links: break the `://` and `www.` it looks for.
_MD_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(:)(?=//)|(?<=\bwww)(\.)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # whitespace is collapsed instead


def md_escape(text: str) -> str:
    """Return `text` as one line of inert Markdown: no links, HTML, code or emphasis."""
    text = " ".join(_CONTROL.sub("\ufffd", text).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_AUTOLINK.sub(lambda m: "\\" + m.group(0), text)


def _md_table(head: tuple[str, ...], rows: list[tuple[str, ...]], align: str) -> list[str]:
    """A GFM table; `align` holds `l` or `r` per column. Cells must be escaped already."""
    rule = ["---:" if a == "r" else "---" for a in align]
    return ["| " + " | ".join(head) + " |", "| " + " | ".join(rule) + " |"] + [
        "| " + " | ".join(r) + " |" for r in rows
    ]


def _md_image(name: str, file: str) -> list[str]:
    chart = _CHARTS.get(name, _Chart(name, ""))
    return [
        f"![{md_escape(chart.title)}](<{quote(file)}>)",
        "",
        f"*{md_escape(chart.caption)}*" if chart.caption else "",
        "",
    ]


def _md_examples(s: Summary, picked: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    zone = _zone(s.tz)
    lines = [
        "## Why posts were counted as they were",
        "",
        "The most recent posts of each category, with the rule that placed them.",
        "",
    ]
    for category, posts in picked.items():
        lines += [
            f"### {md_escape(category)}",
            "",
            f"*{md_escape(_CATEGORY_NOTES.get(category, ''))}*",
            "",
        ]
        for p in posts:
            lines.append(
                f"- **{_when(p['created_at'], zone)}** · {md_escape(p['kind'])} · "
                f"why: {md_escape(p['reason'])} · {md_escape(_clip(p['text']))}"
            )
        lines += ["- no posts of this category in the period"] if not posts else []
        lines.append("")
    return lines


def _md_ranked(items: tuple[Ranked, ...], head: str, empty: str, people: bool) -> list[str]:
    if not items:
        return [empty, ""]
    rows = [(md_escape(_person(r) if people else r.name), f"{r.count:,}") for r in items]
    return [*_md_table((head, "posts"), rows, "lr"), ""]


def _md_short(s: Summary) -> list[str]:
    text = short_links_text(s)
    if not text:
        return []
    rows = [(md_escape(r.name), f"{r.count:,}") for r in s.shorteners]
    table = [*_md_table(("shortener", "links"), rows, "lr"), ""] if rows else []
    return ["### Short links", "", md_escape(text), "", *table]


def _md_numbers(s: Summary) -> list[str]:
    """The headline figures, the category table and the weekly table."""
    categories = [
        (c.category, f"{c.count:,}", pct(c.share), kinds_text(s, c.category)) for c in s.categories
    ]
    weeks = [(w.label, str(w.start), f"{w.posts:,}", pct(w.talk_share)) for w in s.weeks]
    return [
        "## At a glance",
        "",
        *_md_table(("figure", "value"), _glance(s), "lr"),
        "",
        "## What you post",
        "",
        *_md_table(("category", "posts", "share", "kinds"), categories, "lrrl"),
        "",
        f"## The last {len(s.weeks)} weeks",
        "",
        *_md_table(("week", "from", "posts", "talk"), weeks, "llrr"),
        "",
    ]


def render_markdown(
    summary: Summary,
    image_names: Mapping[str, str],
    examples: Mapping[str, list[dict[str, Any]]],
) -> str:
    """Return the report as Markdown that shows the chart PNGs by their relative file names."""
    s = summary

    def img(name: str) -> list[str]:
        return _md_image(name, image_names[name]) if name in image_names else []

    lines = [
        f"# Talking vs linking: {md_escape(_who(s))}",
        "",
        f"{s.period_start} to {s.period_end} ({md_escape(s.tz)}) · {s.posts:,} posts",
        "",
        f"> **Your next step:** {md_escape(s.nudge.text)}",
        "",
        *_md_numbers(s),
        "## Over time",
        "",
        *img("activity"),
        "## Talk-only days",
        "",
        *img("calendar"),
        "## Where your links go",
        "",
        *_md_ranked(s.top_sites, "site", "No links to other sites.", people=False),
        *img("sites"),
        *_md_short(s),
        "## Who you talk with",
        "",
        *_md_ranked(s.partners, "account", "Nobody yet.", people=True),
        *img("partners"),
        "## When you talk",
        "",
        *img("hours"),
        *[line for n in image_names if n not in _CHARTS for line in img(n)],
        *_md_examples(s, examples),
    ]
    return "\n".join(lines).rstrip() + "\n"


# -- the folder ------------------------------------------------------------------------


def _png(figure: Figure, dpi: int) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _folder(out_dir: str | Path) -> Path:
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder: choose another output folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def write_report(
    df: pd.DataFrame,
    out_dir: str | Path,
    *,
    tz: str | None = None,
    since: date | None = None,
    until: date | None = None,
    account: str | None = None,
    dpi: int = 110,
) -> ReportFiles:
    """Summarize `df` and write report.html, report.md, one PNG per chart and summary.json.

    The charts and examples cover the same period as the summary. Raises what `summarize`
    raises (EmptyDataError for a period without posts, InputError for a bad zone), and
    InputError when `out_dir` is a file.
    """
    summary = summarize(df, tz=tz, since=since, until=until, account=account)
    period = _in_period(df, tz, since, until)
    folder = _folder(out_dir)
    images: dict[str, bytes] = {}
    for name, figure in all_charts(period, tz=tz).items():
        if not _CHART_NAME.fullmatch(name):
            raise ValueError(f"chart name {name!r} cannot be a file name")
        images[name] = _png(figure, dpi)
        figure.clear()  # Figures outside pyplot are freed with their last reference
    files = {name: folder / f"{name}.png" for name in images}
    for name, path in files.items():
        path.write_bytes(images[name])
    picked = examples(period)
    html_path, md_path, json_path = (
        folder / n for n in ("report.html", "report.md", "summary.json")
    )
    html_path.write_text(render_html(summary, images, picked), encoding="utf-8")
    md_path.write_text(
        render_markdown(summary, {n: p.name for n, p in files.items()}, picked), encoding="utf-8"
    )
    json_path.write_text(render_json(summary) + "\n", encoding="utf-8")
    return ReportFiles(folder, html_path, md_path, json_path, files)


# Public names for what other pages reuse (the weekly summary); the private names stay for
# the callers in this module.
PAGE_CSS = _CSS
html_text = _e
out_folder = _folder
zone_or_utc = _zone
