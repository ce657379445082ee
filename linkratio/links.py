"""URL knowledge: links to posts on a platform, media permalinks, shorteners and sites.

Pure functions, no network: the registered domain comes from tldextract's bundled
public-suffix snapshot, never a download.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import tldextract


SHORTENERS: frozenset[str] = frozenset(
    {
        "t.co",
        "bit.ly",
        "bitly.com",
        "ow.ly",
        "buff.ly",
        "dlvr.it",
        "lnkd.in",
        "goo.gl",
        "tinyurl.com",
        "is.gd",
        "v.gd",
        "t.ly",
        "tiny.cc",
        "trib.al",
        "ift.tt",
        "fb.me",
        "youtu.be",
        "amzn.to",
        "wp.me",
        "j.mp",
        "su.pr",
        "shar.es",
        "po.st",
        "sco.lt",
        "cutt.ly",
        "rebrand.ly",
        "bl.ink",
        "rb.gy",
        "shorturl.at",
        "s.id",
        "tr.im",
        "econ.st",
        "nyti.ms",
        "wapo.st",
        "reut.rs",
        "bbc.in",
        "cnn.it",
        "on.ft.com",
        "apple.co",
        "spoti.fi",
        "flic.kr",
        "instagr.am",
        "redd.it",
        "git.io",
        "hubs.ly",
        "mailchi.mp",
        "eepurl.com",
        "social.ms",
        "msft.it",
        "aka.ms",
        "ln.is",
        "bddy.me",
    }
)
"""Hosts known to hide the real destination behind a redirect (one maintained list)."""

_X_STATUS = re.compile(
    r"^https?://(?:(?:www|mobile|m)\.)?(?:twitter|x)\.com/"
    r"(?:(?P<web>i/web)|i|(?P<user>[A-Za-z0-9_]{1,20}))/status(?:es)?/(?P<id>\d+)"
    r"(?P<rest>/[^?#]*)?",
    re.IGNORECASE,
)
_X_MEDIA_TAIL = re.compile(r"^/(?:photo|video)/\d+/?$", re.IGNORECASE)
_X_MEDIA_URL = re.compile(
    r"^(?:https?://)?(?:pic\.(?:twitter|x)\.com|(?:pbs|video)\.twimg\.com)(?:[/:?#]|$)",
    re.IGNORECASE,
)

BARE_URL = re.compile(r"https?://[^\s<>\"'\u3000\u2026]+", re.IGNORECASE)
"""A bare http(s) URL in text; trailing punctuation is trimmed by `bare_urls`."""
_TRAILING = ".,;:!?)]}'\"»”’"


@dataclass(frozen=True, slots=True)
class PostRef:
    """A URL that points at a post on the same platform."""

    handle: str | None
    """The account named in the URL, or None (`i/web/status/ID`)."""
    post_id: str
    media: bool
    """True for a permalink to the post's photo or video (`…/photo/1`)."""


def bare_urls(text: str) -> list[str]:
    """Return the http(s) URLs written out in `text`, trailing punctuation removed."""
    if "http" not in text and "HTTP" not in text:
        return []
    return [m.group(0).rstrip(_TRAILING) for m in BARE_URL.finditer(text)]


def host(url: str) -> str:
    """Return the lower-case host of `url` ('' when it has none)."""
    try:
        return (urlsplit(url if "://" in url else "http://" + url).hostname or "").lower()
    except ValueError:
        return ""


def post_ref(url: str, platform: str = "x") -> PostRef | None:
    """Return what post `url` points at when it is a post permalink on `platform`."""
    if platform != "x":
        return None
    m = _X_STATUS.match(url)
    if m is None:
        return None
    rest = m.group("rest") or ""
    return PostRef(
        handle=m.group("user"),
        post_id=m.group("id"),
        media=bool(rest) and _X_MEDIA_TAIL.match(rest) is not None,
    )


def is_platform_media(url: str, platform: str = "x") -> bool:
    """True for the platform's own media hosts (`pic.twitter.com`, `pbs.twimg.com`, ...)."""
    return platform == "x" and _X_MEDIA_URL.match(url) is not None


def is_shortener(url: str) -> bool:
    """True when the URL's host is a known link shortener."""
    h = host(url)
    return h in SHORTENERS or (h.startswith("www.") and h[4:] in SHORTENERS)


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # Imported on first use: a report read from the library's cache never needs it.
    import tldextract

    # suffix_list_urls=() and no cache dir: only the snapshot bundled with tldextract.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=65536)
def _domain_of_host(h: str) -> str:
    if not h:
        return ""
    result = _extractor()(h)
    return result.top_domain_under_public_suffix or h


def domain(url: str) -> str:
    """Return the registered domain (site) of `url`: `www.bbc.co.uk/x` -> `bbc.co.uk`."""
    return _domain_of_host(host(url))
