"""Host names as a browser reads them, and the registered domain (site) they belong to.

Pure functions, no network: the registered domain comes from tldextract's bundled
public-suffix snapshot, never a download; each host's answer is cached.
"""

from __future__ import annotations

from contextlib import suppress
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import unquote

from linkratio.links.hosts import SHORT_HOST_SITES

if TYPE_CHECKING:
    import tldextract


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # Imported on first use: a report read from the library's cache never needs it.
    import tldextract

    # suffix_list_urls=() and no cache dir: only the snapshot bundled with tldextract. Its
    # private section counts too: alice.github.io and bob.github.io are two owners' sites
    # (as a browser's "site" has it), not one github.io.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


NOT_IN_HOST = frozenset("/\\?#@:[]% ")
"""Characters a percent-decoded host name may not hold (the URL would not be valid), nor
may it hold a control or format character (`%1b`, `%E2%80%AE`)."""


def _uts46(text: str) -> str:
    """`text` mapped as IDNA's UTS-46 does (browsers, non-transitional): `ＥＸＡＭＰＬＥ` is
    `example`, a soft hyphen is dropped, `ß` stays; ValueError for a code point it refuses."""
    import idna  # loaded for non-ASCII names only

    return idna.uts46_remap(text, std3_rules=False, transitional=False)


def _normal_host(h: str) -> str:
    """`h` as a browser reads it: percent-decoded, UTS-46 mapped, lower case, without the
    trailing dot; punycode labels shown in Unicode. One name for every spelling of it."""
    if "%" in h:
        try:
            decoded = unquote(h, errors="strict")
        except UnicodeDecodeError:
            decoded = h
        h = decoded if decoded.isprintable() and not NOT_IN_HOST & set(decoded) else h
    if not h.isascii():
        # idna.IDNAError (a ValueError): not a name IDNA allows, compared as written.
        with suppress(ValueError):
            h = _uts46(h)
    return _unicode_host(h.lower().rstrip("."))


@lru_cache(maxsize=65536)
def normal_host(h: str) -> str:
    """A host as written in a URL, read as a browser reads it (`ＢＩＴ.ｌｙ.` is bit.ly)."""
    return _normal_host(h)


def _unicode_host(h: str) -> str:
    """`h` with punycode labels (`xn--`) decoded: one display form for either spelling."""
    if "xn--" not in h:
        return h
    return ".".join(_unicode_label(label) for label in h.split("."))


def _unicode_label(label: str) -> str:
    """A punycode label in Unicode; as written when it is no label an IDNA tool writes."""
    if not label.startswith("xn--"):
        return label
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
        # An all-ASCII result (`xn--example-`) would pass for another name, and a label
        # not in UTS-46 normal form would not be the same name as its Unicode spelling.
        if decoded.isascii() or _uts46(decoded) != decoded:
            return label
        if "xn--" + decoded.encode("punycode").decode("ascii") != label:
            return label
    except (UnicodeError, ValueError):
        return label  # not valid punycode: keep it as written
    return decoded


def _registered(name: str) -> str:
    """The registered domain of a normal host name; off the suffix list, the name without
    `www.` (`www.example.internal` is example.internal)."""
    if not name:
        return ""
    return _extractor()(name).top_domain_under_public_suffix or name.removeprefix("www.")


@lru_cache(maxsize=65536)
def domain_of_host(h: str) -> str:
    """The registered domain of a host as written in a URL (`links.domain`)."""
    return _registered(_normal_host(h))


@lru_cache(maxsize=65536)
def site_of_host(h: str) -> str:
    """The site a host as written in a URL counts for (`links.site`, before its platform check)."""
    name = _normal_host(h)
    return SHORT_HOST_SITES.get(name.removeprefix("www.")) or _registered(name)
