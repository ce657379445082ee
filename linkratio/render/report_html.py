"""The report as one self-contained HTML page (charts embedded, no script, strict CSP)."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from linkratio.analysis import Ranked, Summary
from linkratio.charts.style import PIXEL_RATIO
from linkratio.render.escape import html_text as _e
from linkratio.render.sections import (
    CHARTS,
    Chart,
    Example,
    example_groups,
    glance,
    person,
    weeks_title,
    who,
)
from linkratio.render.text import days, kinds_text, pct, short_links_text
from linkratio.wording import counted

PAGE_CSS = """
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
td.barcell{width:35%;min-width:4rem}
.bar{height:.7rem;background:var(--talk);border-radius:2px}
figure{margin:1rem 0}
picture{display:block}
figure img{display:block;width:100%;height:auto;border:1px solid var(--line);border-radius:4px}
.nowrap,time{white-space:nowrap}
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


_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'"


PHONE = "(max-width: 40rem)"
"""Screens that get the phone drawing of each chart (a 390-pixel phone, small tablets)."""


def png_size(png: bytes) -> tuple[int, int]:
    """The width and height in pixels of a PNG, read from its header."""
    if not png.startswith(b"\x89PNG\r\n\x1a\n") or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _shown(png: bytes) -> str:
    """`width` and `height` of a PNG drawn at PIXEL_RATIO: its size on the page, so the
    browser keeps its place before it decodes it and never shows it larger than drawn."""
    width, height = png_size(png)
    return f'width="{width // PIXEL_RATIO}" height="{height // PIXEL_RATIO}"'


def _data(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _figure(name: str, png: bytes, alt: str, phone: bytes | None = None) -> str:
    """A chart as a figure: the phone drawing on narrow screens (when there is one)."""
    chart = CHARTS.get(name, Chart(name, ""))
    caption = f"<strong>{_e(chart.title)}.</strong> {_e(chart.caption)}".rstrip()
    narrow = (
        f'<source media="{PHONE}" srcset="{_data(phone)} {PIXEL_RATIO}x" {_shown(phone)}>'
        if phone
        else ""
    )
    return (
        f'<figure id="chart-{_e(name)}"><picture>{narrow}<img src="{_data(png)}" '
        f'{_shown(png)} alt="{_e(alt)}" loading="lazy"></picture>'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _alt(s: Summary, name: str) -> str:
    """Alt text: the chart's title plus the numbers it shows, for screen readers."""
    title = CHARTS.get(name, Chart(name, "")).title
    facts = {
        "activity": f"talk share {pct(s.talk_share)} over {counted(s.posts, 'post')}",
        "calendar": f"{counted(s.talk_only.count, 'talk-only day')}, longest streak "
        f"{days(s.talk_only.longest.length)}",
        "sites": ", ".join(f"{r.name} {r.count}" for r in s.top_sites[:5]) or "no links",
        "partners": ", ".join(f"{person(r)} {r.count}" for r in s.partners[:5]) or "nobody",
        "hours": f"times in {s.tz}",
    }
    return f"{title}: {facts.get(name, '')}".rstrip(": ")


_WHOLE = re.compile(r"\d{4}-(?:W\d{2}|\d{2}-\d{2})")
"""Dates and ISO weeks, which must never break at their hyphen ("2024-" / "W42")."""


def _keep(text: str) -> str:
    """`text` escaped for HTML, each date and ISO week in it kept on one line."""
    return _WHOLE.sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', _e(text))


def _html_glance(s: Summary) -> str:
    cards = "".join(f"<div><dt>{_e(k)}</dt><dd>{_keep(v)}</dd></div>" for k, v in glance(s))
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
        f'<tr><td class="nowrap">{_e(w.name)}</td><td class="nowrap">{w.start}</td>'
        f'<td class="n">{w.posts:,}</td>'
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
        f"<h3>{weeks_title(len(s.weeks))}</h3>"
        f'<div class="scroll"><table><thead><tr><th>week</th><th>from</th>'
        f'<th class="n">posts</th><th class="n">talk</th><th><span class="sr">talk share bar'
        f"</span></th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _html_ranked(items: tuple[Ranked, ...], head: str, empty: str, people: bool) -> str:
    if not items:
        return f'<p class="muted">{_e(empty)}</p>'
    rows = "".join(
        f'<tr><td class="name">{_e(person(r) if people else r.name)}</td>'
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


def _html_post(post: Example) -> str:
    return (
        f'<article class="post"><p class="meta"><time datetime="'
        f'{_e(post.created_at.isoformat())}">{_e(post.when)}</time> · {_e(post.kind)} · '
        f"id {_e(post.id)}</p>"
        f'<p class="text" dir="auto">{_e(post.text)}</p>'
        f'<p class="why"><strong>Why:</strong> {_e(post.reason)}</p></article>'
    )


def _html_examples(s: Summary, picked: Mapping[str, list[dict[str, Any]]]) -> str:
    parts = [
        "<h2>Why posts were counted as they were</h2>",
        '<p class="muted">The most recent posts of each category, with the rule that '
        "placed them.</p>",
    ]
    for group in example_groups(s, picked):
        parts.append(
            f'<section class="c-{_e(group.category)}"><h3><span class="dot"></span>'
            f'{_e(group.category)}</h3><p class="muted">{_e(group.note)}</p>'
        )
        parts.extend(_html_post(p) for p in group.posts)
        if not group.posts:
            parts.append('<p class="muted">No posts of this category in the period.</p>')
        parts.append("</section>")
    return "".join(parts)


def render_html(
    summary: Summary,
    images: Mapping[str, bytes],
    examples: Mapping[str, list[dict[str, Any]]],
    phone: Mapping[str, bytes] | None = None,
) -> str:
    """Return one self-contained HTML page: summary, nudge, embedded charts, examples.

    `images` are the charts' PNGs drawn at `PIXEL_RATIO` times their size on the page;
    `phone` the same charts drawn for a phone, shown on screens up to 40rem wide.
    """
    s, phone = summary, phone or {}

    def fig(name: str) -> str:
        if name not in images:
            return ""
        return _figure(name, images[name], _alt(s, name), phone.get(name))

    known = [n for n in CHARTS if n in images]
    extra = "".join(fig(n) for n in images if n not in known)
    body = [
        f"<header><h1>Talking vs linking: {_e(who(s))}</h1>",
        f'<p class="muted"><span class="nowrap">{s.period_start}</span> to '
        f'<span class="nowrap">{s.period_end}</span> ({_e(s.tz)}) · '
        f"{counted(s.posts, 'post')}</p></header>",
        f'<section class="nudge"><strong>Your next step</strong>{_keep(s.nudge.text)}</section>',
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
    return _page(f"linkratio: {who(s)}, {s.period_start} to {s.period_end}", body)


def _page(title: str, body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_e(title)}</title>\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


# -- Markdown --------------------------------------------------------------------------

# Characters that start emphasis, links, images, HTML, code, headings, tables, strike,
