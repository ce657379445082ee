"""The report as Markdown that shows the chart PNGs beside it by their file names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from linkratio.analysis import Ranked, Summary
from linkratio.render.escape import md_escape
from linkratio.render.sections import (
    CHARTS,
    Chart,
    example_groups,
    glance,
    person,
    weeks_title,
    who,
)
from linkratio.render.text import kinds_text, pct, short_links_text
from linkratio.wording import counted


def _md_table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]], align: str) -> list[str]:
    """A GFM table; `align` holds `l` or `r` per column. Cells must be escaped already."""
    rule = ["---:" if a == "r" else "---" for a in align]
    return ["| " + " | ".join(head) + " |", "| " + " | ".join(rule) + " |"] + [
        "| " + " | ".join(r) + " |" for r in rows
    ]


def _md_image(name: str, file: str) -> list[str]:
    chart = CHARTS.get(name, Chart(name, ""))
    return [
        f"![{md_escape(chart.title)}](<{quote(file)}>)",
        "",
        f"*{md_escape(chart.caption)}*" if chart.caption else "",
        "",
    ]


def _md_examples(s: Summary, picked: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    lines = [
        "## Why posts were counted as they were",
        "",
        "The most recent posts of each category, with the rule that placed them.",
        "",
    ]
    for group in example_groups(s, picked):
        lines += [f"### {md_escape(group.category)}", "", f"*{md_escape(group.note)}*", ""]
        for p in group.posts:
            lines.append(
                f"- **{p.when}** · {md_escape(p.kind)} · "
                f"why: {md_escape(p.reason)} · {md_escape(p.text)}"
            )
        lines += ["- no posts of this category in the period"] if not group.posts else []
        lines.append("")
    return lines


def _md_ranked(items: tuple[Ranked, ...], head: str, empty: str, people: bool) -> list[str]:
    if not items:
        return [empty, ""]
    rows = [(md_escape(person(r) if people else r.name), f"{r.count:,}") for r in items]
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
    weeks = [(w.name, str(w.start), f"{w.posts:,}", pct(w.talk_share)) for w in s.weeks]
    return [
        "## At a glance",
        "",
        *_md_table(("figure", "value"), glance(s), "lr"),
        "",
        "## What you post",
        "",
        *_md_table(("category", "posts", "share", "kinds"), categories, "lrrl"),
        "",
        f"## {weeks_title(len(s.weeks))}",
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
        f"# Talking vs linking: {md_escape(who(s))}",
        "",
        f"{s.period_start} to {s.period_end} ({md_escape(s.tz)}) · {counted(s.posts, 'post')}",
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
        *[line for n in image_names if n not in CHARTS for line in img(n)],
        *_md_examples(s, examples),
    ]
    return "\n".join(lines).rstrip() + "\n"


# -- the folder ------------------------------------------------------------------------
