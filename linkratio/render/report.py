"""The report folder: a self-contained report.html, report.md, the chart PNGs and summary.json.

Everything that came from posts (text, handles, domains, URLs, reasons, the account name)
is escaped on the way out: `html.escape` for HTML, backslash escapes for Markdown. The HTML
also carries a Content-Security-Policy that forbids scripts and every non-`data:` resource,
so a mistake in escaping still runs nothing and loads nothing.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from linkratio.analysis import summarize
from linkratio.analysis.period import as_date, check_frame, resolve_zone
from linkratio.charts import CSS_DPI, PIXEL_RATIO, all_charts
from linkratio.render.escape import html_text, md_escape
from linkratio.render.files import check_folder, write_all
from linkratio.render.report_html import PAGE_CSS, render_html
from linkratio.render.report_md import render_markdown
from linkratio.render.sections import examples, in_period, out_folder, zone_or_utc
from linkratio.render.text import render_json

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "PAGE_CSS",
    "ReportFiles",
    "examples",
    "html_text",
    "md_escape",
    "out_folder",
    "render_html",
    "render_markdown",
    "write_report",
    "zone_or_utc",
]


@dataclass(frozen=True)
class ReportFiles:
    """Where `write_report` put each file."""

    folder: Path
    html: Path
    markdown: Path
    summary_json: Path
    images: dict[str, Path]
    """Chart name -> its PNG file (the desktop drawing, at twice its shown size)."""


def _png(figure: Figure) -> bytes:
    # CSS_DPI x PIXEL_RATIO: a figure inch is 100 CSS pixels, drawn with 200 real ones.
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=CSS_DPI * PIXEL_RATIO, metadata={"Software": None})
    return buffer.getvalue()


def write_report(
    df: pd.DataFrame,
    out_dir: str | Path,
    *,
    tz: str | None = None,
    since: date | str | None = None,
    until: date | str | None = None,
    account: str | None = None,
    year: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReportFiles:
    """Summarize `df` and write report.html, report.md, one PNG per chart and summary.json.

    The charts and examples cover the same period as the summary; the calendar shows
    `year`, or by default the 12 months ending with the last post's month. The HTML
    carries each chart drawn twice, for a desktop page and for a phone, both at twice
    the pixels they show at; the PNG files are the desktop drawings. Raises what `summarize`
    raises (EmptyDataError for a period without posts, InputError for a bad zone),
    InputError when `out_dir` is a file, and DiskError naming a file that could not be
    written (the files are written all or none: the previous report stays whole, and a
    folder made for it is removed). `progress(done, total)` is called
    as each chart is drawn.
    """
    check_frame(df, "write_report")
    check_folder(out_dir, "write_report")
    summary = summarize(df, tz=tz, since=since, until=until, account=account)
    period = in_period(df, tz, since, until)
    if (folder := Path(out_dir).expanduser()).exists() and not folder.is_dir():
        out_folder(folder)  # says it is a file before the charts are drawn
    zone = resolve_zone(tz)[0]
    first, last = as_date(since, zone), as_date(until, zone)
    desktop = all_charts(period, tz=tz, year=year, since=first, until=last)
    narrow = all_charts(period, tz=tz, year=year, narrow=True, since=first, until=last)
    count = _Count(progress, len(desktop) + len(narrow))
    with _chart_warnings_said_once():
        images, phone = _pngs(desktop, count), _pngs(narrow, count)
    files = {name: folder / f"{name}.png" for name in images}
    picked = examples(period)
    html_path, md_path, json_path = (
        folder / n for n in ("report.html", "report.md", "summary.json")
    )
    pages: dict[Path, bytes | str] = {
        html_path: render_html(summary, images, picked, phone),
        md_path: render_markdown(summary, {n: p.name for n, p in files.items()}, picked),
        json_path: render_json(summary) + "\n",
    }
    with _made_on_failure_removed(folder):
        # All or nothing: a full disk leaves the previous report whole, not its pages
        # beside the charts of another run.
        write_all({**{path: images[name] for name, path in files.items()}, **pages})
    return ReportFiles(folder, html_path, md_path, json_path, files)


@contextlib.contextmanager
def _made_on_failure_removed(folder: Path) -> Iterator[None]:
    """Make `folder` (`out_folder`); when the block fails, remove the folders made for it
    (those still empty), so a failed report leaves no empty folder behind."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    out_folder(folder)
    try:
        yield
    except BaseException:
        for made in missing:  # the deepest first
            with contextlib.suppress(OSError):
                made.rmdir()
        raise


_CHART_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
"""What a chart's name may be: it names its PNG file."""


def _pngs(figures: dict[str, Figure], progress: Callable[[], None]) -> dict[str, bytes]:
    """Every chart of the report as PNG bytes, by its name (which names its file)."""
    images: dict[str, bytes] = {}
    for name, figure in figures.items():
        if not _CHART_NAME.fullmatch(name):
            raise ValueError(f"chart name {name!r} cannot be a file name")
        images[name] = _png(figure)
        figure.clear()  # Figures outside pyplot are freed with their last reference
        progress()
    return images


_NO_GLYPH = re.compile(r"Glyph (\d+)\b.*missing from")
"""matplotlib's warning of a character its font cannot draw (a CJK handle, an emoji)."""
_log = logging.getLogger(__name__)


@contextlib.contextmanager
def _chart_warnings_said_once() -> Iterator[None]:
    """matplotlib's user warnings while drawing, each said once as a logged warning (one
    inert line, none with -q) instead of a two-line Python warning per chart; the
    characters the chart font lacks (a CJK handle, an emoji) are gathered in one."""
    missing: set[str] = set()
    said: set[str] = set()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for one in caught:
        text = str(one.message)
        if not issubclass(one.category, UserWarning):  # deprecations: the usual filters
            warnings.warn_explicit(one.message, one.category, one.filename, one.lineno)
        elif m := _NO_GLYPH.match(text):
            missing.add(chr(int(m[1])))
        elif text not in said:
            said.add(text)
            _log.warning("drawing the charts: %s", text)
    if missing:
        shown = ", ".join(sorted(missing)[:10]) + (", …" if len(missing) > 10 else "")
        _log.warning("the chart font has no glyph for %s: the charts show boxes instead", shown)


class _Count:
    """Counts drawn charts up to `total` and reports each to `progress(done, total)`."""

    def __init__(self, progress: Callable[[int, int], None] | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0
        if progress is not None:
            progress(0, total)

    def __call__(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)
