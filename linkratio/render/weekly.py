"""The weekly summary as text, Markdown, HTML, chat messages, JSON, a chart and files.

Everything that came from posts (handles, domains, post text) is escaped for its format:
`html.escape` (through `escape.html_text`) for HTML, `escape.md_escape` (parentheses
left plain) for Markdown and Discord, Slack's `&`, `<`, `>` entities for Slack,
`escape.terminal_safe` for plain text. The chart is `linkratio.charts.talk_share_chart`.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkratio.analysis import person_name
from linkratio.analysis.challenge import BROKEN, Outcome, Suggestion
from linkratio.analysis.weekly import WeekSummary, mean_label, week_to_dict
from linkratio.render.escape import html_text as _e
from linkratio.render.escape import md_escape, slack_escape, terminal_safe
from linkratio.render.files import write_all
from linkratio.render.report_html import PAGE_CSS
from linkratio.render.sections import out_folder, zone_or_utc
from linkratio.render.text import pct, ratio

DISCORD_LIMIT = 2000
"""Discord rejects a message `content` longer than this."""
SLACK_LIMIT = 40000
"""Slack cuts a message `text` longer than this (its end, with the nudge, is lost)."""
JSON_LIMIT = 100_000
"""The most bytes of the generic `json` webhook body (the default limit of many receivers)."""
EMAIL_ITEMS = 200
"""The most items of each list an email shows (then "and N more"): the files have them all."""
_CHAT_ITEMS = (None, 50, 20, 10, 5, 3, 1, 0)
"""The item caps tried, in turn, until a chat message fits its service's limit."""
_CSP = "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; base-uri 'none'"
_CLIP = 80
_WRAP = ' style="overflow-wrap:anywhere;word-break:break-word"'
"""Inline (mail clients drop or ignore some <style> rules): a long URL or name wraps
instead of making a phone's mail view scroll sideways."""


@dataclass(frozen=True)
class WeeklyFiles:
    """Where `write_files` put the summary, and the chart's PNG bytes (for the email)."""

    markdown: Path
    html: Path
    chart: Path
    png: bytes = field(repr=False)
    """The chart's PNG (left out of the repr: a notebook showing a run printed it whole)."""


# -- the numbers, shared by every format ----------------------------------------------


def _delta_pts(now: float | None, then: float | None) -> str:
    if now is None or then is None:
        return ""
    return f"{(now - then) * 100:+.0f} pts"


def _delta(now: float, then: float) -> str:
    return f"{now - then:+g}"


def comparison(ws: WeekSummary) -> list[tuple[str, str, str, str]]:
    """Rows of (measure, this week, the week before, the mean of the weeks before), as shown."""
    t, p, b = ws.this, ws.previous, ws.baseline

    def share(value: float | None) -> str:
        return pct(value) if value is not None else "no posts"

    def mean(value: float) -> str:
        return f"{value:.1f}" if b.weeks else "–"

    def mean_share(value: float | None) -> str:
        return share(value) if b.weeks else "–"

    def change(now: str, diff: str) -> str:
        return f"{now} ({diff})" if diff else now

    return [
        ("posts", change(f"{t.posts}", _delta(t.posts, p.posts)), f"{p.posts}", mean(b.posts)),
        (
            "talk share",
            change(share(t.talk_share), _delta_pts(t.talk_share, p.talk_share)),
            share(p.talk_share),
            mean_share(b.talk_share),
        ),
        (
            "talk-to-link",
            ratio(t.talk_to_link),
            ratio(p.talk_to_link),
            ratio(b.talk_to_link) if b.weeks else "–",
        ),
        (
            "talk-only days",
            change(f"{t.talk_only_days}", _delta(t.talk_only_days, p.talk_only_days)),
            f"{p.talk_only_days}",
            mean(b.talk_only_days),
        ),
        ("longest streak", f"{t.streak}", f"{p.streak}", mean(b.streak)),
    ]


def subject(ws: WeekSummary) -> str:
    """The email subject: the week, the account, the talk share and its change."""
    head = f"linkratio: week {ws.week} for {ws.account}"
    line = f"{head} — no posts"
    if ws.this.talk_share is not None:
        diff = _delta_pts(ws.this.talk_share, ws.previous.talk_share)
        tail = f" ({diff})" if diff else ""
        line = f"{head} — talk share {ws.this.talk_share * 100:.0f}%{tail}"
    # A header never carries a line break, an escape sequence, a control or bidi character.
    return terminal_safe(" ".join(line.split()))


def _challenge_line(c: Outcome) -> str:
    text = f"{c.day} ({c.day:%A}): {c.status}"
    if c.status == BROKEN:
        text += f" by {len(c.breakers)} post{'s' * (len(c.breakers) != 1)}"
    return text


def _breaker_lines(ws: WeekSummary) -> list[str]:
    """One line per post that broke a challenge day: day, local time, kind, clipped text."""
    zone = zone_or_utc(ws.tz)
    return [
        f"{c.day} {b.created_at.astimezone(zone):%H:%M} {b.kind}: {_clip(b.text)}"
        for c in ws.challenges
        for b in c.breakers
    ]


def _clip(text: str, limit: int = _CLIP) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _capped(items: list[str], cap: int | None) -> list[str]:
    """`items`, or its first `cap` and "and N more" for the rest."""
    if cap is None or len(items) <= cap:
        return items
    rest = f"{len(items) - cap} more"
    return items[:cap] + [f"and {rest}" if cap else rest]


def _facts(ws: WeekSummary, cap: int | None = None) -> list[tuple[str, list[str]]]:
    """The lists of the summary (title, raw items, at most `cap` each): escaped by each format."""
    fading = [
        f"{person_name(f.account)}: {f.replies_before:,} replies, silent {f.days_since:,} days"
        for f in ws.fading
    ]
    nxt = ws.next_challenge
    facts = [
        ("New sites linked", list(ws.new_sites) or ["none"]),
        (
            "People you talked with",
            [f"{person_name(r.name)} ({r.count})" for r in ws.partners] or ["nobody"],
        ),
        ("Fading ties", fading or ["none"]),
        ("Challenge days this week", [_challenge_line(c) for c in ws.challenges] or ["none set"]),
        *([("What broke them", breakers)] if (breakers := _breaker_lines(ws)) else []),
        ("Next challenge day", [_next_day(nxt)] if nxt else []),
    ]
    return [(title, _capped(items, cap)) for title, items in facts]


def _next_day(nxt: Suggestion) -> str:
    """The next challenge day and why; only why there is none when too little data."""
    if nxt.day is None:
        return nxt.reason[:1].upper() + nxt.reason[1:]
    return f"{nxt.day} ({nxt.weekday}): {nxt.reason}"


def _title(ws: WeekSummary) -> str:
    return f"Week {ws.week} for {ws.account}: {ws.start} to {ws.end} ({ws.tz})"


# -- plain text, Markdown, chat --------------------------------------------------------


def _md(text: str, *, entities: bool = True) -> str:
    """`escape.md_escape`, with parentheses left plain: this summary is full of them.

    A parenthesis means something in Markdown only right after `]` (a link), and every
    `[` and `]` stays escaped, so no link can form; an escaped backslash (`\\`) before
    it stays a backslash.
    """
    return md_escape(text, entities=entities).replace("\\(", "(").replace("\\)", ")")


def _discord(text: str) -> str:
    """`_md` for Discord, which shows an HTML entity as written (`&#8288;`)."""
    return _md(text, entities=False)


def render_text(ws: WeekSummary, cap: int | None = None) -> str:
    """The plain-text summary (the email's text part, `cap` items a list), terminal-safe."""
    lines = [_title(ws), ""]
    if ws.stale:
        lines += [f"Note: {ws.stale}.", ""]
    lines += [f"{'':<16}{'this week':>22}{'week before':>14}{mean_label(ws):>24}"]
    lines += [f"{a:<16}{b:>22}{c:>14}{d:>24}" for a, b, c, d in comparison(ws)]
    for title, items in _facts(ws, cap):
        lines += ["", f"{title}:"] + [f"  - {item}" for item in items]
    lines += ["", f"Nudge: {ws.nudge}"]
    return "\n".join(terminal_safe(line) for line in lines) + "\n"


def render_markdown(ws: WeekSummary, chart_file: str) -> str:
    """The Markdown summary, referencing the chart PNG beside it."""
    lines = [f"# {_md(_title(ws))}", ""]
    if ws.stale:
        lines += [f"> **Note:** {_md(ws.stale)}.", ""]
    lines += [f"| | this week | week before | {mean_label(ws)} |", "| --- | ---: | ---: | ---: |"]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in comparison(ws)]
    lines += ["", f"![talk share of the last 12 weeks](<{chart_file}>)"]
    for title, items in _facts(ws):
        lines += ["", f"## {title}", ""] + [f"- {_md(item)}" for item in items]
    lines += ["", "## Nudge for next week", "", _md(ws.nudge)]
    return "\n".join(lines) + "\n"


def _chat_lines(
    ws: WeekSummary, escape: Callable[[str], str], bold: str, cap: int | None
) -> list[str]:
    lines = [f"{bold}{escape(_title(ws))}{bold}"]
    if ws.stale:
        lines.append(f"Note: {escape(ws.stale)}.")
    for a, b, c, d in comparison(ws):
        lines.append(escape(f"• {a}: {b} (week before {c}, {mean_label(ws)} {d})"))
    for title, items in _facts(ws, cap):
        lines.append(f"{bold}{escape(title)}:{bold} " + escape("; ".join(items)))
    lines.append(f"{bold}Nudge:{bold} {escape(ws.nudge)}")
    return lines


def _chat_text(ws: WeekSummary, escape: Callable[[str], str], bold: str, limit: int) -> str:
    """The chat message with lists shortened until it fits `limit` characters, else cut."""
    for cap in _CHAT_ITEMS:
        text = "\n".join(_chat_lines(ws, escape, bold, cap))
        if len(text) <= limit:
            return text
    return text[: limit - 1] + "…"


def slack_payload(ws: WeekSummary) -> dict[str, object]:
    """The body of a Slack incoming webhook: mrkdwn text with `&`, `<`, `>` escaped."""
    return {"text": _chat_text(ws, slack_escape, "*", SLACK_LIMIT)}


def discord_payload(ws: WeekSummary) -> dict[str, object]:
    """The body of a Discord webhook: Markdown-escaped `content` of at most 2000 characters."""
    text = _chat_text(ws, _discord, "**", DISCORD_LIMIT)
    # No @everyone, role or user pings, whatever a handle or a post says.
    return {"content": text, "allowed_mentions": {"parse": []}}


def json_payload(ws: WeekSummary) -> dict[str, object]:
    """The generic webhook body: the week summary as one JSON document of `JSON_LIMIT` bytes.

    A week past it keeps the first items of `new_sites`, `partners` and each challenge
    day's `breakers` (fewer until it fits; every string cut to 80 characters when even
    none fit) and says what it left out under `truncated`; otherwise there is no such key.
    """
    whole = week_to_dict(ws)
    if _json_size(whole) <= JSON_LIMIT:
        return whole
    for cap in (EMAIL_ITEMS, *_CHAT_ITEMS[1:]):
        body = _json_capped(whole, cap, clip=False)
        if _json_size(body) <= JSON_LIMIT:
            return body
    return _json_capped(whole, 0, clip=True)


def _json_size(body: dict[str, object]) -> int:
    """The bytes of `body` as httpx sends it (compact, UTF-8)."""
    return len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())


def _json_capped(whole: dict[str, Any], cap: int, clip: bool) -> dict[str, object]:
    """`whole` with at most `cap` items a list (strings clipped if `clip`), and `truncated`."""
    body = dict(whole, new_sites=whole["new_sites"][:cap], partners=whole["partners"][:cap])
    body["challenges"] = [dict(c, breakers=c["breakers"][:cap]) for c in whole["challenges"]]
    omitted = {key: len(whole[key]) - len(body[key]) for key in ("new_sites", "partners")}
    omitted["breakers"] = sum(max(len(c["breakers"]) - cap, 0) for c in whole["challenges"])
    if clip:
        body = _clipped(body)
    body["truncated"] = {"bytes_limit": JSON_LIMIT, "omitted": omitted, "strings_clipped": clip}
    return body


def _clipped(value: Any) -> Any:
    """`value` with every string in it cut to `_CLIP` characters."""
    if isinstance(value, str):
        return _clip(value)
    if isinstance(value, dict):
        return {k: _clipped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clipped(v) for v in value]
    return value


# -- HTML --------------------------------------------------------------------------------


def render_html(ws: WeekSummary, image_src: str, cap: int | None = None) -> str:
    """A self-contained HTML page (`cap` items a list); `image_src` is the chart (data:/cid:)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in ("", "this week", "week before", mean_label(ws)))
    rows = "".join(
        f"<tr><td>{_e(a)}</td>"
        + "".join(f'<td class="n">{_e(x)}</td>' for x in (b, c, d))
        + "</tr>"
        for a, b, c, d in comparison(ws)
    )
    body = [f"<h1{_WRAP}>{_e(_title(ws))}</h1>"]
    if ws.stale:
        body.append(f'<p class="muted"{_WRAP}><strong>Note:</strong> {_e(ws.stale)}.</p>')
    body.append(
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )
    body.append(
        f'<figure><img src="{_e(image_src)}" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
        'style="max-width:100%;height:auto" '
        f'alt="talk share of the last 12 weeks: {_e(pct(ws.this.talk_share))} this week">'
        "</figure>"
    )
    for title, items in _facts(ws, cap):
        body.append(
            f"<h2>{_e(title)}</h2><ul{_WRAP}>"
            + "".join(f"<li>{_e(i)}</li>" for i in items)
            + "</ul>"
        )
    body.append(f"<h2>Nudge for next week</h2><p{_WRAP}>{_e(ws.nudge)}</p>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(subject(ws))}</title>\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


# -- the chart and the files -----------------------------------------------------------


CHART_WIDTH, CHART_HEIGHT = 640, 260
"""The chart's size in CSS pixels: its 6.4 x 2.6 inches at 100 pixels an inch."""
CHART_DPI = 200
"""Twice the CSS size, so the chart stays sharp on high-density and wide screens."""


def chart_png(ws: WeekSummary, dpi: int = CHART_DPI) -> bytes:
    """The chart as PNG bytes (`CHART_WIDTH` x `CHART_HEIGHT` times `dpi` / 100 pixels)."""
    from linkratio.charts import talk_share_chart  # matplotlib loads on first use

    buffer = io.BytesIO()
    fig = talk_share_chart(ws)
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    fig.clear()
    return buffer.getvalue()


OWNER_MARK = "<!-- linkratio weekly of "
"""How the Markdown's last line names the account it is of (`platform:id`, then ` -->`)."""


def file_stem(ws: WeekSummary) -> str:
    """`linkratio-YYYY-Www`: the name of the week's files."""
    return f"linkratio-{ws.week}"


def write_files(ws: WeekSummary, out_dir: str | Path, owner: str = "") -> WeeklyFiles:
    """Write `linkratio-YYYY-Www.md`, `.html` (chart embedded) and `.png` into `out_dir`.

    `owner` (`platform:id`) ends the Markdown in an `OWNER_MARK` comment: whose files they are.

    The three are written all or none (`render.files.write_all`): a full disk leaves the
    week's earlier files as they were; DiskError names the one that could not be written.
    """
    folder = out_folder(out_dir)
    stem = file_stem(ws)
    png = chart_png(ws)
    chart, md, page = (folder / f"{stem}{ext}" for ext in (".png", ".md", ".html"))
    data = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    text = render_markdown(ws, chart.name) + (f"\n{OWNER_MARK}{owner} -->\n" if owner else "")
    write_all({chart: png, md: text, page: render_html(ws, data)})
    return WeeklyFiles(md, page, chart, png)


def render_json(ws: WeekSummary) -> str:
    """The week summary as one JSON document."""
    return json.dumps(week_to_dict(ws), ensure_ascii=False, indent=2)
