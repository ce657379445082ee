"""URL knowledge: links to posts on a platform, media permalinks, shorteners and sites.

Pure functions, no network: the registered domain comes from tldextract's bundled
public-suffix snapshot, never a download.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from linkratio.links.hosts import SHORT_HOST_SITES as SHORT_HOST_SITES
from linkratio.links.hosts import SHORTENERS as SHORTENERS
from linkratio.links.names import domain_of_host, normal_host, site_of_host

_X_STATUS = re.compile(
    r"^https?://(?:(?:www|mobile|m)\.)?(?:twitter|x)\.com/(?:#!/)?"  # #!/: 2010-2012's web app
    r"(?:(?P<web>i/web)|i|(?P<user>[A-Za-z0-9_]{1,20}))/status(?:es)?/(?P<id>\d+)"
    r"(?P<rest>/[^?#]*)?",
    re.IGNORECASE,
)
_X_MEDIA_TAIL = re.compile(r"^/(?:photo|video)/\d+/?$", re.IGNORECASE)
# The platform's own pages that are neither a post nor a site of their own: live broadcasts
# and Spaces (x.com/i/broadcasts/<id>, twitter.com/i/spaces/<id>).
_X_PAGE = re.compile(
    r"^(?:https?://)?(?:(?:www|mobile|m)\.)?(?:twitter|x)\.com/i/(?:broadcasts|spaces)/",
    re.IGNORECASE,
)
_X_MEDIA_URL = re.compile(
    r"^(?:https?://)?(?:pic\.(?:twitter|x)\.com|(?:pbs|video)\.twimg\.com)(?:[/:?#]|$)",
    re.IGNORECASE,
)

# The official web app and the well-known alternative Bluesky web clients that show a post
# at the same /profile/<handle-or-did>/post/<rkey> path (staging/dev builds, psky.app,
# deer.social): a link there is a link to that Bluesky post.
_BSKY_WEB_CLIENTS = r"(?:www\.|staging\.)?bsky\.app|main\.bsky\.dev|psky\.app|deer\.social"
_BSKY_POST = (
    rf"^https?://(?:{_BSKY_WEB_CLIENTS})/profile/(?P<actor>[^/?#\s]+)"
    r"/post/(?P<rkey>[A-Za-z0-9._:~-]+)"
)
# Bluesky's own image/video CDNs, and Tenor's media host: the app's GIF picker posts a GIF
# as an external card to media.tenor.com, which is the post's own media, not a link out.
_BSKY_MEDIA_HOSTS = frozenset(
    {"cdn.bsky.app", "cdn.bsky.social", "video.bsky.app", "media.tenor.com"}
)
# https://<instance>/@user/<id>, /@user@other.server/<id>, /users/<user>/statuses/<id>
# (and Mastodon 4.5's numeric /ap/users/<id>/statuses/<id>, and the web app's /web/@user/<id>
# before 4.0).
_MASTODON_STATUS = (
    r"^https?://(?P<host>[^/?#\s@]+)/(?:(?:web/)?@(?P<user>[\w.\-]+(?:@[\w.\-]+)?)"
    r"|(?:ap/)?users/(?P<actor>[\w.\-]+)/statuses)/(?P<id>\d+)/?(?:[?#]|$)"
)
# GoToSocial: https://<instance>/@user/statuses/<ULID>, its ActivityPub id
# https://<instance>/users/<user>/statuses/<ULID> (26 characters of Crockford's base 32).
_GTS_STATUS = (
    r"^https?://(?P<host>[^/?#\s@]+)/(?:@(?P<user>[\w.\-]+)|users/(?P<actor>[\w.\-]+))"
    r"/statuses/(?P<id>[0-9A-HJKMNP-TV-Z]{26})/?(?:[?#]|$)"
)

# A Threads post as federated servers link it: threads.net or threads.com, /@user/post/CODE
# (or the short /t/CODE). Threads accounts are user@threads.net on the fediverse.
_THREADS_POST = (
    r"^https?://(?:www\.)?threads\.(?:net|com)/(?:@(?P<user>[\w.]+)/post|t)/(?P<code>[\w-]+)"
)


@functools.cache
def _case_blind(source: str) -> re.Pattern[str]:
    """One of the Bluesky and fediverse patterns above, compiled case-blind on first use: an
    X archive needs none of them (compiling the four took about 1 ms of every start)."""
    return re.compile(source, re.IGNORECASE)


BARE_URL = re.compile(r"https?://[^\s<>\"'\u3000\u2026]+", re.IGNORECASE)
"""A bare http(s) URL in text; trailing punctuation is trimmed by `bare_urls`."""
URL_MARK = "://"
"""In every text `BARE_URL` matches (whatever the scheme's case): a text without it holds
no bare URL, and the regex need not run."""
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
    if URL_MARK not in text:
        return []
    return [url.rstrip(_TRAILING) for url in BARE_URL.findall(text)]  # the whole matches


def cut_urls(text: str, repost: bool = False) -> frozenset[str]:
    """The bare URLs of `text` that X cut off, as `bare_urls` lists them: what is left
    names no page (a `t.co` code cut short, a host cut to `t.c`).

    X ends a native retweet's text that way, often inside a link: with `…`
    (`https://t.co/b8ZKbsoZ…`), or, in a `repost` from before 2012, with ` ...` at the
    end (`http://bit.ly ...`).
    """
    if URL_MARK not in text:
        return frozenset()
    old = repost and text.endswith(" ...")
    if "\u2026" not in text and not old:
        return frozenset()
    cut = set()
    for found in BARE_URL.finditer(text):  # one pass: each match runs to its end
        end = found.end()
        if text[end : end + 1] == "\u2026" or (old and end == len(text) - 4):
            cut.add(found.group(0).rstrip(_TRAILING))
    return frozenset(cut)


def without_bare_urls(text: str) -> str:
    """`text` with each bare URL `bare_urls` finds replaced by a space, in one pass."""
    if URL_MARK not in text:
        return text
    return BARE_URL.sub(_space, text)


def _space(found: re.Match[str]) -> str:
    url = found.group(0)
    return " " + url[len(url.rstrip(_TRAILING)) :]  # the punctuation `bare_urls` trims stays


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+-]*):(?!\d)")


def is_web(url: str) -> bool:
    """False for a URL of another scheme (`javascript:`, `data:`, `file:`, `mailto:`...).

    A link without a scheme (`example.org/page`) counts as a web link, as X shows them.
    """
    if url.startswith(("https://", "http://")):  # most links: what the pattern would say
        return True
    scheme = _SCHEME.match(url.lstrip())
    return scheme is None or scheme.group(1).lower() in ("http", "https")


_PLAIN_HOST = re.compile(r"(https?://)?([A-Za-z0-9.-]*)(?:[/?#]|\Z)")
"""A URL whose host is plain letters, digits, dots and hyphens (no user, port, IPv6 or
odd character), with a lower-case web scheme or none: its host is what urlsplit finds."""


def host(url: str) -> str:
    """Return the lower-case host of `url` ('' when it has none)."""
    plain = _PLAIN_HOST.match(url)
    if plain is not None and (plain.group(1) or "://" not in url):
        return plain.group(2).lower()  # 10x faster than urlsplit, the same answer
    # A browser reads a backslash in a web URL as a slash (`a.example<backslash>@b.example`).
    target = (url if "://" in url else "http://" + url).replace("\\", "/")
    try:
        return (urlsplit(target).hostname or "").lower()
    except ValueError:
        return ""


_X_NAME = re.compile(
    r"(?:(?:www|mobile|m|pic)\.)?(?:twitter|x)\.com|(?:pbs|video)\.twimg\.com", re.I
)
"""Every host name `_X_STATUS` and `_X_MEDIA_URL` can start with (same flags)."""
_X_INITIALS = frozenset("wmptxvWMPTXV")
"""How those names begin: no other character folds to one of these letters in a pattern."""


def x_external_origin(url: str) -> str | None:
    """`http(s)://host` of a URL that X counts as an external link whatever its path.

    That is a URL with a lower-case web scheme whose host does not start as X's do: no
    `post_ref` or `is_platform_media` on X for it. The origin (the URL up to the first `/`
    after the scheme) holds the whole host, so `host` and `shortener` say the same of both.
    None for any other URL.
    """
    start = 8 if url.startswith("https://") else 7 if url.startswith("http://") else 0
    if not start:
        return None
    if url[start : start + 1] in _X_INITIALS and _X_NAME.match(url, start) is not None:
        return None
    end = url.find("/", start)
    return url if end < 0 else url[:end]


def post_ref(url: str, platform: str = "x") -> PostRef | None:
    """Return what post `url` points at when it is a post permalink on `platform`."""
    if platform == "bluesky":
        return _bluesky_ref(url)
    if platform == "mastodon":
        return _mastodon_ref(url)
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


def _bluesky_ref(url: str) -> PostRef | None:
    """`bsky.app/profile/<handle-or-did>/post/<rkey>`: the post id is its AT URI."""
    m = _case_blind(_BSKY_POST).match(url)
    if m is None:
        return None
    actor = m.group("actor")
    return PostRef(
        handle=actor, post_id=f"at://{actor}/app.bsky.feed.post/{m.group('rkey')}", media=False
    )


def _mastodon_ref(url: str) -> PostRef | None:
    """A status permalink on any instance: the post id is the status URI it would have there."""
    m = _case_blind(_MASTODON_STATUS).match(url)
    if m is None:
        return _gotosocial_ref(url) or _threads_ref(url)
    host_name = m.group("host").lower()
    user = m.group("user")
    if user is None:  # /users/<name>/statuses/<id>: the URI itself; an /ap/ id names no handle
        actor = m.group("actor")
        numeric = "/ap/users/" in url.lower()
        return PostRef(
            handle=None if numeric else f"{actor}@{host_name}",
            post_id=url.split("?", 1)[0].split("#", 1)[0].rstrip("/"),
            media=False,
        )
    local = user.split("@", 1)[0]
    handle = user if "@" in user else f"{user}@{host_name}"
    uri = f"https://{host_name}/users/{local}/statuses/{m.group('id')}"
    return PostRef(handle=handle, post_id=uri, media=False)


def _gotosocial_ref(url: str) -> PostRef | None:
    """A GoToSocial status permalink: the post id is its ActivityPub id."""
    m = _case_blind(_GTS_STATUS).match(url)
    if m is None:
        return None
    host_name, user = m.group("host").lower(), m.group("user") or m.group("actor")
    uri = f"https://{host_name}/users/{user}/statuses/{m.group('id').upper()}"
    return PostRef(handle=f"{user}@{host_name}", post_id=uri, media=False)


def _threads_ref(url: str) -> PostRef | None:
    """A Threads post permalink, as Threads posts federated to Mastodon link each other."""
    m = _case_blind(_THREADS_POST).match(url)
    if m is None:
        return None
    user = m.group("user")
    post_id = f"https://www.threads.net/{'@' + user + '/post' if user else 't'}/{m.group('code')}"
    return PostRef(handle=f"{user}@threads.net" if user else None, post_id=post_id, media=False)


def is_platform_media(url: str, platform: str = "x") -> bool:
    """True for the platform's own media hosts (`pic.twitter.com`, `pbs.twimg.com`, ...)."""
    if platform == "bluesky":
        return host(url) in _BSKY_MEDIA_HOSTS
    if platform == "mastodon":
        # Attachments are served under .../media_attachments/ (on the instance, its files
        # host such as files.mastodon.social, or cdn.masto.host): the post's own media.
        try:
            return "/media_attachments/" in urlsplit(url).path
        except ValueError:  # not a URL at all (e.g. a broken IPv6 host)
            return False
    return platform == "x" and _X_MEDIA_URL.match(url) is not None


def is_platform_page(url: str, platform: str = "x") -> bool:
    """True for the platform's own pages that are no site: X broadcasts and Spaces.

    Only links from the same platform count: an X broadcast linked from Bluesky is a
    link to x.com. The post's label does not change (TAXONOMY rule 5: such a link is
    not the post's own media), only its site.
    """
    return platform == "x" and _X_PAGE.match(url) is not None


def shortener(url: str, known: Collection[str] = ()) -> str | None:
    """The shortener host of `url` (`www.` dropped), or None when it is not on a shortener.

    Shorteners are the `SHORTENERS` list plus `known`: the hosts that answered with a
    redirect before (the library's `redirect_hosts`).
    """
    return shortener_host(host(url), known)


def shortener_host(name: str, known: Collection[str] = ()) -> str | None:
    """`shortener` of a URL whose host is `name`: for many URLs, each distinct host once.

    The host is read as a browser reads it (`normal_host`): `BIT.LY`, `bit.ly.` (a fully
    qualified name), `ｂｉｔ.ｌｙ` and `bit%2Ely` are all bit.ly, a punycode name its Unicode one.
    """
    h = normal_host(name).removeprefix("www.")
    if h in SHORTENERS or h in known or ("www." + h) in known:
        return h
    if known and (name in known or name.removeprefix("www.") in known):  # learnt as written
        return h
    return None


_SHORT_CODE = re.compile(r"/[A-Za-z0-9_-]{1,32}/?")


def looks_short(url: str) -> bool:
    """True when the URL's path is one short code (`/3xYz9`), as on a link shortener."""
    try:
        return _SHORT_CODE.fullmatch(urlsplit(url).path) is not None
    except ValueError:
        return False


def is_shortener(url: str, known: Collection[str] = ()) -> bool:
    """True when the URL's host is a known link shortener (the list, or one of `known`)."""
    return shortener(url, known) is not None


def short_links(url_lists: Iterable[Iterable[str]], known: Collection[str] = ()) -> list[str]:
    """The distinct URLs on a shortener among `url_lists` (e.g. a frame's `urls`), in order."""
    seen: dict[str, None] = {}
    for urls in url_lists:
        for url in urls:
            if url not in seen and shortener(url, known) is not None:
                seen[url] = None
    return list(seen)


def domain(url: str) -> str:
    """Return the registered domain (site) of `url`: `www.bbc.co.uk/x` -> `bbc.co.uk`.

    The host is read as a browser reads it (`ＥＸＡＭＰＬＥ.com`, `Example.com.` and
    `example.com:8080` are example.com), and internationalized domains are shown in
    Unicode whether written so or in punycode.
    """
    return domain_of_host(host(url))


def site(url: str, platform: str = "x") -> str:
    """The site a link on `platform` counts for: `domain`, with two exceptions.

    A first-party short host (`SHORT_HOST_SITES`) counts for its own site (youtu.be ->
    youtube.com); the platform's own pages (`is_platform_page`) are no site: ''.
    """
    if is_platform_page(url, platform):
        return ""
    return site_of_host(host(url))
