"""The host lists of `linkratio.links`: link shorteners, and the short hosts of one site."""

from __future__ import annotations

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

SHORT_HOST_SITES: dict[str, str] = {
    "youtu.be": "youtube.com",  # youtu.be/<id> is youtube.com/watch?v=<id>
    "redd.it": "reddit.com",  # redd.it/<id> is a reddit.com post
    "flic.kr": "flickr.com",  # flic.kr/p/<base58 id> is a flickr.com photo
    "instagr.am": "instagram.com",  # an alias of instagram.com, same paths
}
"""First-party short hosts whose destination site is certain without a request.

Only hosts that can lead nowhere but their own site are listed. Left out on purpose,
because their links reach other sites: amzn.to (amazon.com, .co.uk, .de ...), wp.me (a
blog's own domain), git.io (github.io too), aka.ms and fb.me (many domains), and every
branded Bitly host (on.ft.com, spoti.fi, nyti.ms ...). These hosts stay shorteners: a
youtu.be link still counts as a short link, only its site is youtube.com.
"""
