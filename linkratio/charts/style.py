"""What every chart shares: category colours, text styles, a titled figure, a placeholder.

Every string taken from posts (handles, domains) is drawn as plain text: `$` is escaped
and TeX is off, so a handle such as `$evil$` never becomes mathtext.
"""

from __future__ import annotations

import io
from typing import Any, cast

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from linkratio.render.escape import terminal_safe

CATEGORY_COLORS: dict[str, str] = {
    "conversation": "#0072B2",  # Okabe-Ito blue: darkest in grey print
    "link": "#E69F00",  # Okabe-Ito orange: light
    "retweet": "#D55E00",  # Okabe-Ito vermillion: mid, hatched
    "other": "#BBBBBB",  # neutral grey: lightest fill, dotted
}
"""One colour per category (Okabe-Ito, colour-blind safe); lightness differs for grey print."""
CATEGORY_HATCHES: dict[str, str] = {
    "conversation": "",
    "link": "",
    "retweet": "////",
    "other": "..",
}
"""Hatching that keeps retweet and other apart from link in grey print."""
CATEGORY_LABELS: dict[str, str] = {
    "conversation": "conversation (talking)",
    "link": "link",
    "retweet": "retweet",
    "other": "other",
}
"""Legend names of the categories."""
NO_POSTS_COLOR = "#EEEEEE"
"""Calendar cells of days without posts."""
SHARE_CMAP = "cividis"
"""Talk-share colour map: colour-blind safe and monotonic in lightness (grey-print safe)."""

TEXT: dict[str, Any] = {"usetex": False}
"""Text options that keep TeX off."""
MUTED = "#555555"
SUBTITLE: dict[str, Any] = {"fontsize": 10, "color": MUTED, "usetex": False}
NOTE: dict[str, Any] = {
    "ha": "center",
    "va": "center",
    "fontsize": 12,
    "color": MUTED,
    "usetex": False,
}
LEGEND: dict[str, Any] = {"loc": "outside lower center", "frameon": False, "fontsize": 9}
NARROW_LEGEND: dict[str, Any] = {**LEGEND, "fontsize": 8, "columnspacing": 1.0, "handlelength": 1.5}
"""A phone-width figure's legend: two columns of it fit inside the figure, none cut off."""

CSS_DPI = 100
"""CSS pixels per figure inch: a chart `WIDE` inches wide shows 860 pixels wide, so its
10-point text reads at 14 pixels, as the page's own small print."""
PIXEL_RATIO = 2
"""PNGs hold this many pixels per CSS pixel: sharp on phones and high-density screens."""
WIDE = 8.6
"""Width (inches) of a chart drawn for a desktop page (the report's column is 56rem)."""
NARROW = 3.8
"""Width (inches) of a chart drawn for a phone: a 390-pixel screen shows it at about 360."""


def plain(text: object) -> str:
    """`text` as a literal matplotlib string: every `$` escaped so mathtext never runs, and
    no escape sequence or control character but line breaks (U+FFFD instead: matplotlib
    quotes a character it cannot draw in a warning, raw)."""
    lines = str(text).split("\n")
    return "\n".join(terminal_safe(line) for line in lines).replace("$", r"\$")


MAX_NAME = 40
"""Characters of a name (a site, an account) a desktop chart shows; longer ones end in an
ellipsis (a longer label squeezes the bars out of the figure)."""
MAX_NAME_NARROW = 24
"""The same for a chart drawn for a phone."""


def short(name: object, narrow: bool = False) -> str:
    """A name from posts as a chart label: `plain`, clipped to `MAX_NAME` characters
    (`MAX_NAME_NARROW` for a phone's chart)."""
    text, most = str(name), MAX_NAME_NARROW if narrow else MAX_NAME
    return plain(text if len(text) <= most else text[: most - 1] + "…")


class ChartFigure(Figure):
    """A Figure that Jupyter draws inline by itself.

    IPython knows how to show a Figure only once pyplot or `%matplotlib inline` has set
    up the inline backend; linkratio never touches pyplot, so without this a chart cell
    showed the text `<Figure size 860x460 with 2 Axes>`. Where the inline backend is set
    up, IPython's own printer for Figures wins and this is not used.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


def figure(narrow: bool, height: float, title: str) -> Figure:
    """A chart's constrained-layout Figure, `NARROW` (a phone's) or `WIDE` inches wide, with a
    bold title (smaller on a phone)."""
    fig = ChartFigure(figsize=(NARROW if narrow else WIDE, height), layout="constrained")
    fig.suptitle(plain(title), fontsize=12 if narrow else 14, fontweight="bold", **TEXT)
    return fig


def placeholder(ax: Axes, message: str) -> None:
    """Turn `ax` into a readable note that there is nothing to draw."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#CCCCCC")
    ax.text(0.5, 0.5, plain(message), transform=ax.transAxes, wrap=True, **NOTE)


# --- 1. activity -------------------------------------------------------------------------


def rects(
    x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray, **kwargs: Any
) -> PolyCollection:
    """Rectangles [x0, x1] x [y0, y1] as one PolyCollection (one artist, fast to draw)."""
    corners = [np.stack(p, 1) for p in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    # One (N, 4, 2) array: the stubs ask for a sequence, which it is.
    return PolyCollection(cast(Any, np.stack(corners, axis=1)), **kwargs)
