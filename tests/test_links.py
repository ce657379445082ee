"""Sites from URLs: registered domains from the bundled suffix list, never the network."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from linkratio.analysis import summarize
from linkratio.frame import to_frame
from linkratio.links import (
    SHORT_HOST_SITES,
    SHORTENERS,
    domain,
    host,
    is_platform_media,
    is_platform_page,
    is_shortener,
    looks_short,
    post_ref,
    short_links,
    shortener,
    site,
    x_external_origin,
)
from linkratio.model import Link, Post


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.wired.com/story/x", "wired.com"),
        ("https://wired.com/", "wired.com"),
        ("https://news.bbc.co.uk/a", "bbc.co.uk"),
        ("http://www.smh.com.au/x", "smh.com.au"),
        ("https://münchen.de/", "münchen.de"),
        ("https://www.xn--mnchen-3ya.de/a", "münchen.de"),  # punycode: same site, Unicode form
        ("https://WWW.MÜNCHEN.DE/", "münchen.de"),
        ("https://xn--fsqu00a.xn--fiqs8s/", "例子.中国"),
        ("https://blog.例子.中国/", "例子.中国"),
        ("https://xn--zz.example.com/", "example.com"),  # invalid punycode label kept as is
        ("https://bit.ly/abc", "bit.ly"),
    ],
)
def test_registered_domain(url: str, site: str) -> None:
    assert domain(url) == site


def test_no_network_at_import_or_run_time() -> None:
    # A fresh interpreter whose sockets refuse to connect: the suffix list must be the
    # bundled snapshot, not a download (tldextract fetches one by default).
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "import linkratio\n"
        "from linkratio.links import domain\n"
        "print(domain('https://www.bbc.co.uk/news'), domain('https://blog.example.org/x'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["bbc.co.uk", "example.org"]
    assert "network used" not in done.stderr


def test_shorteners_and_post_refs() -> None:
    assert is_shortener("https://buff.ly/x") and is_shortener("http://www.bit.ly/x")
    assert not is_shortener("https://wired.com/x")
    ref = post_ref("https://mobile.twitter.com/Ana/status/123/photo/1")
    assert ref is not None and (ref.handle, ref.post_id, ref.media) == ("Ana", "123", True)
    web = post_ref("https://twitter.com/i/web/status/55")
    assert web is not None and web.handle is None and not web.media
    assert post_ref("https://example.org/status/1") is None


def test_shorteners_learnt_from_redirects() -> None:
    known = frozenset({"go.example.org"})
    assert shortener("https://www.Bit.ly/x") == "bit.ly"
    assert shortener("https://go.example.org/a", known) == "go.example.org"
    assert shortener("https://go.example.org/a") is None
    # A fully qualified name (trailing dot) is the same host.
    assert shortener("https://bit.ly./x") == "bit.ly"
    assert shortener("https://www.go.example.org./a", known) == "go.example.org"
    assert is_shortener("https://go.example.org/a", known=known)
    assert not is_shortener("https://example.org/a", known=known)
    urls = [
        ["https://bit.ly/a", "https://wired.com/x"],
        [],
        ["https://go.example.org/1", "https://bit.ly/a"],
    ]
    assert short_links(urls, known) == ["https://bit.ly/a", "https://go.example.org/1"]


def test_platform_media_and_posts_are_not_sites() -> None:
    post = Post(
        platform="x",
        id="10",
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
        text="look https://t.co/a https://t.co/b https://t.co/c https://t.co/d",
        author_handle="me",
        links=(
            Link("https://t.co/a", "https://x.com/me/status/9"),
            Link("https://t.co/b", "https://pic.x.com/abc", media=True),
            Link("https://t.co/c", "https://pbs.twimg.com/media/x.jpg"),
            Link("https://t.co/d", "https://www.wired.com/story"),
        ),
    )
    assert to_frame([post])["domains"].iloc[0] == ["wired.com"]


@pytest.mark.parametrize(
    ("url", "platform", "expected"),
    [
        ("https://youtu.be/dQw4w9WgXcQ?t=30", "x", "youtube.com"),
        ("https://www.youtu.be./dQw4w9WgXcQ", "bluesky", "youtube.com"),
        ("https://redd.it/1abcd", "mastodon", "reddit.com"),
        ("https://flic.kr/p/2kXyZ", "x", "flickr.com"),
        ("http://instagr.am/p/Cx1/", "x", "instagram.com"),
        ("https://amzn.to/3xYz9", "x", "amzn.to"),  # amazon.com or .co.uk or .de: unknown
        ("https://wp.me/p1a2b3-4c", "x", "wp.me"),  # a blog's own domain: unknown
        ("https://x.com/i/broadcasts/1ynKOZPzXXXGR", "x", ""),
        ("https://twitter.com/i/broadcasts/1ynKOZPzXXXGR", "x", ""),
        ("https://mobile.twitter.com/i/spaces/1OdKrBnaEPXKX", "x", ""),
        ("https://x.com/i/broadcasts/1ynKOZPzXXXGR", "bluesky", "x.com"),  # linking out to X
        ("https://x.com/i/lists/123", "x", "x.com"),
        ("https://www.wired.com/story/x", "x", "wired.com"),
    ],
)
def test_site_of_first_party_short_hosts_and_platform_pages(url, platform, expected) -> None:
    assert site(url, platform) == expected


def test_short_host_sites_stay_shorteners() -> None:
    # The site is certain, but the link still went through a shortener.
    assert set(SHORT_HOST_SITES) <= SHORTENERS
    assert shortener("https://youtu.be/dQw4w9WgXcQ") == "youtu.be"
    assert domain("https://youtu.be/dQw4w9WgXcQ") == "youtu.be"  # the registered domain


def test_platform_pages_keep_their_label_but_count_for_no_site() -> None:
    # TAXONOMY rule 5: a broadcast is not the post's own media, so the post is a link;
    # the link goes to no site, so the site statistics leave it out.
    post = Post(
        platform="x",
        id="11",
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
        text="live now https://t.co/a and https://t.co/b",
        author_handle="me",
        links=(
            Link("https://t.co/a", "https://x.com/i/broadcasts/1ynKOZPzXXXGR"),
            Link("https://t.co/b", "https://youtu.be/dQw4w9WgXcQ"),
        ),
    )
    row = to_frame([post]).iloc[0]
    assert (row["category"], row["kind"]) == ("link", "url")
    assert row["domains"] == ["", "youtube.com"]
    sites = summarize(to_frame([post]), tz="UTC").top_sites
    assert [(r.name, r.count) for r in sites] == [("youtube.com", 1)]
    assert is_platform_page("https://x.com/i/spaces/1OdKrBnaEPXKX")
    assert not is_platform_page("https://x.com/i/web/status/55")


@pytest.mark.parametrize(
    ("url", "short"),
    [
        ("https://bit.ly/3xYz9", True),
        ("https://youtu.be/dQw4w9WgXcQ?t=30", True),
        ("https://go.example.org/a/", True),
        ("https://www.wired.com/story/2024/05/a-long-article", False),
        ("https://wired.com/", False),
        ("https://example.org/an-article-slug-far-longer-than-a-short-code", False),
        ("http://[::1/", False),
    ],
)
def test_short_code_paths(url: str, short: bool) -> None:
    assert looks_short(url) is short


HOSTS = [
    "https://Example.COM/a", "http://a-b.c.d?x=1", "example.org/page", "example.org",
    "https:///path", "", "/path", "?q", "http://a.com:80/", "http://u@a.com/",
    "HTTP://A.COM/", "http://[::1]/", "http://\u00e9.com/", "http://a.com\n", "\thttp://a.com",
    "a.com/?u=http://b.com", "http://a_b.com/", "http:/a.com", "t.co/x#frag", "..",
]  # fmt: skip


@pytest.mark.parametrize("url", HOSTS)
def test_host_is_what_urlsplit_finds(url: str) -> None:
    """host's fast path for plain hosts answers as urlsplit does for every URL."""
    from urllib.parse import urlsplit

    try:
        expected = (urlsplit(url if "://" in url else "http://" + url).hostname or "").lower()
    except ValueError:
        expected = ""
    assert host(url) == expected


# An origin stands for every URL that shares it (classify memoizes what rule 5 says of it):
# each of these differs from its neighbour in what would make that too coarse.
ORIGINS = [
    ("https://example.org/a?b#c", "https://example.org"),
    ("https://example.org", "https://example.org"),
    ("http://bit.ly/x", "http://bit.ly"),
    ("https://bit.ly.example.com/x", "https://bit.ly.example.com"),
    ("https://u@bit.ly/x", "https://u@bit.ly"),
    ("https://bit.ly:8080/x", "https://bit.ly:8080"),
    ("https://bit.ly?u=https://x.com/a/status/1", "https://bit.ly?u=https:"),
    ("https://Bit.LY/x", "https://Bit.LY"),
    ("https://www.bit.ly./x", "https://www.bit.ly."),
    ("https://dropbox.com/s/x", "https://dropbox.com"),
    ("https://twitterfoo.com/a/status/1", "https://twitterfoo.com"),
    ("https://www.pic.twitter.com/a", "https://www.pic.twitter.com"),
    ("https://exa\tmple.com/x", "https://exa\tmple.com"),
    ("https://[::1/x", "https://[::1"),
    ("https://\u00e9.example/x", "https://\u00e9.example"),
    # X's own hosts: their path decides (a post, a photo, or an external page).
    ("https://x.com/ana/status/5", None),
    ("https://x.com/about", None),
    ("https://X.COM/ana/status/5", None),
    ("https://mobile.twitter.com/a/status/1/photo/1", None),
    ("https://x.company.example/a", None),
    ("https://pic.twitter.com/abc", None),
    ("https://pbs.twimg.com:443/media/a.jpg", None),
    ("https://tw\u0131tter.com/a/status/1", None),  # dotless i: the patterns ignore case
    # Not a lower-case web scheme: left to the general checks.
    ("HTTPS://EXAMPLE.ORG/A", None),
    ("example.org/a", None),
    ("javascript:alert(1)", None),
    ("https:/example.org", None),
]


@pytest.mark.parametrize(("url", "origin"), ORIGINS)
def test_an_external_origin_says_what_its_whole_url_would(url: str, origin: str | None) -> None:
    """The origin keeps the host (and so the shortener answer); X's own hosts have none."""
    assert x_external_origin(url) == origin
    if origin is not None:
        assert post_ref(url, "x") is None and not is_platform_media(url, "x")
        assert host(origin) == host(url)
        assert is_shortener(origin) == is_shortener(url)


def test_x_names_begin_with_letters_no_other_character_folds_to() -> None:
    """`x_external_origin` looks for an X host only behind one of `_X_INITIALS`."""
    import re

    from linkratio.links import _X_INITIALS, _X_NAME

    names = ["www.twitter.com", "mobile.x.com", "m.x.com", "pic.twitter.com", "twitter.com"]
    for name in [*names, "x.com", "pbs.twimg.com", "video.twimg.com"]:
        assert _X_NAME.match(name) is not None and name[0] in _X_INITIALS
    initial = re.compile("[" + "".join(sorted(_X_INITIALS)) + "]", re.I)
    folding = [c for c in range(sys.maxunicode + 1) if initial.match(chr(c))]
    assert {chr(c) for c in folding} == _X_INITIALS
