"""The cohort report: one self-contained HTML file (inline PNG charts, a sortable table).

Everything that came from posts (account names, sites) is escaped with `html.escape`.
The Content-Security-Policy allows `data:` images and exactly one script, the table
sorter below, by its SHA-256 hash: an escaping mistake still runs nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import linkratio.cohort.charts as charts
from linkratio.cohort.period import Period, period_of
from linkratio.cohort.query import summary, top_sites, weekly_trend
from linkratio.errors import InputError
from linkratio.render.files import write_atomic
from linkratio.wording import Names, counted

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

_SORTER = (
    'document.querySelectorAll("table.sortable th").forEach(function (th, i) {'
    'th.addEventListener("click", function () {'
    "var body = th.closest('table').tBodies[0], rows = Array.from(body.rows);"
    'var asc = th.dataset.dir !== "asc"; th.dataset.dir = asc ? "asc" : "desc";'
    'var num = th.dataset.type === "num";'
    "rows.sort(function (a, b) {"
    "var x = a.cells[i].dataset.v, y = b.cells[i].dataset.v;"
    "var c = num ? (parseFloat(x) - parseFloat(y)) : x.localeCompare(y);"
    "return asc ? c : -c; });"
    "rows.forEach(function (r) { body.appendChild(r); }); }); });"
)
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SORTER.encode()).digest()).decode()
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)
"""The report's Content-Security-Policy."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
    "img{max-width:100%}table{border-collapse:collapse;font-size:.9rem}"
    "th,td{padding:.2rem .5rem;border-bottom:1px solid #ddd;text-align:right}"
    "th{cursor:pointer;background:#f4f4f4}td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}"
)
_ACCOUNT_COLUMNS = (
    ("platform", "platform", False),
    ("account", "account", False),
    ("posts", "posts", True),
    ("conversation", "talk", True),
    ("link", "link", True),
    ("retweet", "retweet", True),
    ("talk_share", "talk share", True),
    ("talk_to_link", "talk:link", True),
    ("talk_only_days", "talk-only days", True),
    ("top_site", "top site", False),
)


def _e(value: object) -> str:
    """Escape for HTML text and attributes; control characters become U+FFFD."""
    return html.escape(_CONTROL.sub("\ufffd", str(value)), quote=True)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _img(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _cell(value: Any, column: str) -> str:
    if _missing(value):
        shown = "no links" if column == "talk_to_link" else ""
        return f'<td data-v="-1">{shown}</td>' if column != "top_site" else '<td data-v=""></td>'
    if column == "talk_share":
        return f'<td data-v="{value:.6f}">{value:.0%}</td>'
    if column == "talk_to_link":
        return f'<td data-v="{value:.6f}">{value:.2f}</td>'
    return f'<td data-v="{_e(value)}">{_e(value)}</td>'


def _accounts_table(table: pd.DataFrame) -> str:
    heads = "".join(
        f'<th data-type="{"num" if num else "text"}">{_e(title)}</th>'
        for _, title, num in _ACCOUNT_COLUMNS
    )
    rows = []
    for record in table.to_dict("records"):
        cells = "".join(_cell(record[name], name) for name, _, _ in _ACCOUNT_COLUMNS)
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<table class="sortable"><thead><tr>{heads}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _sites_table(sites: pd.DataFrame) -> str:
    rows = "".join(
        f"<tr><td>{_e(r['site'])}</td><td>{int(r['posts']):,}</td><td>{int(r['accounts']):,}</td></tr>"
        for r in sites.to_dict("records")
    )
    return f"<table><tr><th>site</th><th>posts</th><th>accounts</th></tr>{rows}</table>"


def _period_line(period: Period) -> str:
    """`Days in Europe/Berlin, from 2024-01-01 to the last post.`: what the numbers cover."""
    since, until = period.get("since"), period.get("until")
    return (
        f'<p class="period">Days in {_e(period.get("tz", "UTC"))}, '
        f"from {_e(since or 'the first post')} to {_e(until or 'the last post')}.</p>"
    )


def render_html(
    table: pd.DataFrame,
    weekly: pd.DataFrame,
    sites: pd.DataFrame,
    title: str = "Cohort report",
    *,
    period: Period | None = None,
) -> str:
    """The report page from a summary, a weekly trend and the top sites of `period` (its
    zone and days, said under the title)."""
    posts = int(table["posts"].sum()) if len(table) else 0
    sections = [
        ("distribution", "Talk share across accounts", _img(charts.share_histogram(table), "")),
        ("trend", "Cohort trend: weekly talk share", _img(charts.trend_chart(weekly), "")),
        ("sites", "Top sites", _img(charts.sites_chart(sites), "") + _sites_table(sites)),
        ("accounts", "Accounts", "<p>Click a column to sort.</p>" + _accounts_table(table)),
    ]
    body = "".join(
        f'<section id="{sid}"><h2>{_e(h)}</h2>{inner}</section>' for sid, h, inner in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>\n"
        f"<h1>{_e(title)}</h1><p>{len(table):,} account{'s' * (len(table) != 1)}, "
        f"{counted(posts, 'post')}.</p>{_period_line(period or {})}\n"
        f"{body}\n<script>{_SORTER}</script></body></html>\n"
    )


def write_report(
    path: str | Path,
    out: str | Path,
    *,
    min_posts: int = 1,
    top: int = 15,
    names: Names | None = None,
    **period: Unpack[Period],
) -> Path:
    """Write the cohort in `path` as one HTML file at `out` (temporary file, then renamed).

    `names`: how errors name the parameters (see `builder.build`)."""
    days = period_of(period, names)  # the days as dates, for the queries and the page
    page = render_html(
        summary(path, min_posts=min_posts, **days),
        weekly_trend(path, min_posts=min_posts, **days),
        top_sites(path, limit=top, **days),
        period=days,
    )
    target = Path(out).expanduser()
    if target.is_dir():
        raise InputError(f"{target}: is a folder: expected the HTML file to write")
    target.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file renamed into place; a full disk is a DiskError naming `target`.
    return write_atomic(target, page)
