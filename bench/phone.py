"""Does report.html read on a phone? Checks what can be checked without eyes, and
screenshots the page at a phone's and a desktop's width for the eyes.

    python bench/phone.py                  # the sample's report into bench/out/phone
    python bench/phone.py --out DIR        # elsewhere
    python bench/phone.py --html FILE      # check an existing report.html

The checks read the HTML in Python (the page's CSP forbids scripts, so nothing can be
measured inside the browser): a viewport meta; every chart `<img>` with `width` and
`height` and a PNG of twice those pixels; a phone drawing (`<source>` for narrow
screens, `2x`) for every chart; every table cell that holds a date or an ISO week
kept on one line (`nowrap`). The screenshots come from `chromium --headless` at 390 and
1280 pixels wide, when chromium is installed (`apt-get install chromium`). Exit 1 when
a check fails.
"""

from __future__ import annotations

import argparse
import base64
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = (390, 1280)
"""A phone (iPhone 12 to 15) and a desktop window."""
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
_WHOLE = re.compile(r"^\d{4}-(?:W\d{2}|\d{2}-\d{2})$")


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each table cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.cells: list[tuple[str, str]] = []  # (class, text)
        self._cell: list[str] | None = None
        self._class = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "td":
            self._cell, self._class = [], values.get("class", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.cells.append((self._class, "".join(self._cell).strip()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _png_width(uri: str) -> int:
    png = base64.b64decode(uri.split(",", 1)[1])
    return int.from_bytes(png[16:20], "big")


def _image_problems(tag: str, attrs: dict[str, str]) -> list[str]:
    """An `<img>` or `<source>` without its size, or not drawn at twice it."""
    uri = attrs.get("src") or attrs.get("srcset", "").split(" ")[0]
    if not (attrs.get("width") and attrs.get("height")):
        return [f"<{tag}> without width and height"]
    if tag == "source" and not attrs.get("srcset", "").endswith(" 2x"):
        return ["<source> without a 2x srcset"]
    if uri.startswith("data:image/png") and _png_width(uri) != 2 * int(attrs["width"]):
        return [f"<{tag}> PNG is not twice its width of {attrs['width']}"]
    return []


def problems(html: str) -> list[str]:
    """What keeps `html` (a report page) from reading on a phone; [] when nothing does."""
    page = _Tags()
    page.feed(html)
    found = []
    metas = [a for t, a in page.tags if t == "meta" and a.get("name") == "viewport"]
    if not metas or "width=device-width" not in metas[0].get("content", ""):
        found.append("no viewport meta with width=device-width")
    for tag, attrs in page.tags:
        if tag in ("img", "source"):
            found += _image_problems(tag, attrs)
    images = sum(t == "img" for t, _ in page.tags)
    phones = sum(t == "source" and "max-width" in a.get("media", "") for t, a in page.tags)
    if phones != images:
        found.append(f"{images} charts but {phones} phone drawings")
    for cls, text in page.cells:
        if _WHOLE.match(text) and "nowrap" not in cls.split():
            found.append(f"table cell {text!r} may break at its hyphen (no nowrap class)")
    return found


def browser() -> str | None:
    """The headless browser to screenshot with, or None when none is installed."""
    return next((p for name in BROWSERS if (p := shutil.which(name))), None)


def screenshot(html: Path, out: Path, width: int, height: int = 2400) -> Path:
    """`html` as a PNG at `width` x `height` CSS pixels, by headless chromium."""
    chromium = browser()
    if chromium is None:
        raise FileNotFoundError("no chromium: apt-get install chromium")
    command = [
        chromium,
        "--headless",
        "--no-sandbox",  # as root in a container
        "--disable-gpu",
        "--hide-scrollbars",
        f"--screenshot={out}",
        f"--window-size={width},{height}",
        html.resolve().as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "phone")
    parser.add_argument("--html", type=Path, help="check this report.html, write none")
    parser.add_argument("--height", type=int, default=2400, help="screenshot height")
    args = parser.parse_args()
    html = args.html
    if html is None:
        from linkratio import load
        from linkratio.render.report import write_report

        df = load(ROOT / "data" / "sample")
        html = write_report(df, args.out, tz="UTC").html
    found = problems(html.read_text(encoding="utf-8"))
    for problem in found:
        print(f"FAIL {problem}")
    print(f"{html}: {'ok' if not found else f'{len(found)} problems'}")
    if browser() is None:
        print("no chromium: no screenshots (apt-get install chromium)")
    else:
        for width in WIDTHS:
            shot = screenshot(html, html.parent / f"phone-{width}.png", width, args.height)
            print(f"screenshot at {width} px: {shot}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
