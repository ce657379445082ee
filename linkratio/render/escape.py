"""Make untrusted text inert: for a terminal, HTML, Markdown, CSV and chat. No heavy imports."""

from __future__ import annotations

import functools
import html
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence


class _Lazy:
    """A pattern compiled on its first use: a command that escapes nothing (a classify run,
    every text plain) compiles none of these (each took 0.1-0.4 ms at start-up)."""

    __slots__ = ("_source", "_flags", "_pattern")

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source, self._flags = source, flags
        self._pattern: re.Pattern[str] | None = None

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        """`re.Pattern.sub` of the compiled pattern."""
        if self._pattern is None:
            self._pattern = re.compile(self._source, self._flags)
        return self._pattern.sub(repl, text)


REPLACEMENT = "\ufffd"
"""What a control, bidi or escape character is shown as."""

# Escape sequences a terminal would act on: CSI, OSC, DCS/SOS/PM/APC strings, 8-bit CSI,
# and two-character ESC sequences.
_ANSI = _Lazy(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|\x1b[ -/]*[0-~]?"
)
# Controls, line breaks, and lone surrogates (argv bytes that are no UTF-8; unprintable).
_UNSHOWN = ("Cc", "Zl", "Zp", "Cs")
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Nothing may run and nothing may load from outside an HTML file, whatever a post contains;
# no embedding, override or isolate control may reorder the text around it either.
_HTML_CONTROL = _Lazy(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Characters that start emphasis, links, images, HTML, code, headings, tables, strike,
# math or entities anywhere in a Markdown line.
_MD_SPECIAL = _Lazy(r"([\\`*_{}\[\]()<>#!|~&$])")
# GitHub turns bare URLs into links: break the `://` and `www.` it looks for.
_MD_AUTOLINK = _Lazy(r"(?<=[A-Za-z0-9])(:)(?=//)|(?<=\bwww)(\.)", re.IGNORECASE)
# GitHub turns `user@host.tld` into a mailto: link (a Mastodon handle too), and it looks
# for addresses in the text after escapes are resolved: `\@` does not stop it. A word
# joiner (U+2060, invisible, written as its entity) before the `@` ends the address.
_MD_EMAIL_AT = _Lazy(r"(?<=[A-Za-z0-9.+\-_])@")
_WORD_JOINER = "&#8288;"
# Whitespace is collapsed instead; bidi embedding, override and isolate controls go as in HTML.
_MD_CONTROL = _Lazy(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A CSV cell keeps its text, but no control or bidi character that would reorder a terminal.
_CSV_CONTROL = _Lazy(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def terminal_safe(text: str) -> str:
    """Return `text` without escape sequences, control, bidi or surrogate characters (U+FFFD)."""
    if text.isprintable():
        return text
    text = _ANSI.sub("", text)
    return "".join(
        REPLACEMENT if ch in _BIDI or unicodedata.category(ch) in _UNSHOWN else ch for ch in text
    )


def html_text(value: object) -> str:
    """Escape for HTML text and attribute values alike; control characters become U+FFFD."""
    return html.escape(_HTML_CONTROL.sub(REPLACEMENT, str(value)), quote=True)


def md_escape(text: str, *, entities: bool = True) -> str:
    """Return `text` as one line of inert Markdown: no links, HTML, code or emphasis.

    `entities=False` for a reader that decodes no HTML entity and links no address
    (Discord): no word joiner entity before an address's `@` there.
    """
    text = " ".join(_MD_CONTROL.sub(REPLACEMENT, text).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if entities:
        text = _MD_EMAIL_AT.sub(_WORD_JOINER + "@", text)
    return _MD_AUTOLINK.sub(lambda m: "\\" + m.group(0), text)


def csv_cell(text: str) -> str:
    """A CSV cell's text with control and bidi characters shown as U+FFFD, never a formula.

    A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula
    (`=HYPERLINK(...)`): such a cell gets a leading `'`, as OWASP advises.
    """
    # Every character _CSV_CONTROL names is unprintable (Cc, Cf): most cells skip the regex.
    safe = text if text.isprintable() else _CSV_CONTROL.sub(REPLACEMENT, text)
    return "'" + safe if text.startswith(_FORMULA_STARTS) else safe


# What JSON leaves raw but a terminal acts on: DEL, C1 controls (U+009B is CSI), bidi
# controls, line and paragraph separators.
_JSON_RAW = _Lazy(r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_inert(text: str) -> str:
    """JSON text (as a serializer wrote it) with those characters as `\\uXXXX` escapes.

    Lossless: a JSON reader gets the same strings; a terminal shown the text gets nothing
    it would act on. Only for serialized JSON, where such characters lie inside strings.
    """
    if text.isascii() and "\x7f" not in text:
        return text
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


# A URL: its scheme and host, then what may hold a secret (user:password, the path, the
# query: where a webhook URL keeps its token).
_URL_SECRET = re.compile(
    r"(\b[A-Za-z][A-Za-z0-9+.-]*://)(?:[^@/?#;\s'\"]*@)?([^/?#;\s'\"]+)"
    r"(?:[/?#](?:[^;\s'\"]|;(?=\S))*)?"
)


def url_hosts(text: str) -> str:
    """`text` with each URL in it shown by its host only (`https://hooks.slack.com/…`).

    For messages that quote what a user typed (argparse's usage errors): a webhook URL
    there holds a token.
    """
    return _URL_SECRET.sub(r"\1\2/…", text)


HIDDEN = "<hidden: looks like a secret>"
"""What `usage_safe` shows for a word that looks like a token or a password."""
# Words a token is made of; `=` and `:` end one (`--option=VALUE`, `KEY:VALUE`).
# An address (`a.b2024@example.com`) and a DID are one word each: public names, shown.
_TOKEN_RUN = re.compile(r"(?:did:[a-z]+:)?[A-Za-z0-9_\-.~+/%@]+")
_SECRET_PREFIX = re.compile(r"(?:sk|pk|rk)[-_]|gh[pousr]_|github_pat_|xox[a-z]-|xapp-|glpat-|AKIA")
_APP_PASSWORD = re.compile(r"[a-z0-9]{4}(?:-[a-z0-9]{4}){3}")  # Bluesky's xxxx-xxxx-xxxx-xxxx
_FILE_NAME = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}$")  # an archive's name ends `.zip`
_DATED = re.compile(r"(?:19|20)\d\d-\d\d-\d\d")  # `twitter-2024-12-01-1a2b…`, unzipped


def _shown(word: str) -> str:
    """`word`, or `HIDDEN` when it looks like a secret (a misspelt option is always shown)."""
    if word.startswith(("-", "did:")):
        return word
    if (_SECRET_PREFIX.match(word) and len(word) >= 9) or _APP_PASSWORD.fullmatch(word):
        return HIDDEN
    if word.startswith(("/", "./", "../", "~")) or _FILE_NAME.search(word) or _DATED.search(word):
        return word  # a path (or an archive's folder, named by its date): what a mistake names
    letters, digits = any(c.isalpha() for c in word), any(c.isdigit() for c in word)
    long = len(word) >= 32 or (len(word) >= 20 and letters and digits)
    return HIDDEN if long and not _is_zone(word) else word


@functools.cache
def _zones() -> frozenset[str]:
    """The IANA time zone names this system knows (read once, ~0.1 s: only for long words)."""
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def _is_zone(word: str) -> bool:
    """Whether `word` is a real time zone's name (`America/Argentina/ComodRivadavia` is as
    long as a token), shown wherever it is quoted."""
    return "/" in word and word in _zones()


# A user name in a handle (`@photography_lover_2024`): lower case, or words joined by `_`.
_USER_NAME = re.compile(r"[a-z0-9_]{1,30}|(?=.{1,30}$)[A-Za-z0-9]*_[A-Za-z0-9_]*")


def _secret_parts(word: str) -> list[str]:
    """What of `word` looks like a secret: the word, or the parts after an `@` (a token
    pasted as a handle's user or host, `@TOKEN@example.social`); [] for none."""
    head, *tails = word.split("@")
    if head or not tails or word.startswith("did:"):  # an address: judged whole, as before
        return [word] if _shown(word) == HIDDEN else []
    return [
        part
        for part in tails
        if _shown(part) == HIDDEN and (_SECRET_PREFIX.match(part) or not _USER_NAME.fullmatch(part))
    ]


def _shown_word(word: str) -> str:
    """`word` with what looks like a secret in it (`_secret_parts`) as `HIDDEN`."""
    hidden = _secret_parts(word)
    if hidden == [word]:
        return HIDDEN
    parts = word.split("@")
    return "@".join([parts[0]] + [HIDDEN if p in hidden else p for p in parts[1:]])


def usage_safe(text: str) -> str:
    """`text` (a usage error quoting what was typed) made safe for a terminal and a log.

    One line; each URL by its host only (`url_hosts`); each word that looks like a token or
    a password (a known token prefix, or long with letters and digits) as `HIDDEN`.
    """
    return _TOKEN_RUN.sub(lambda m: _shown_word(m[0]), url_hosts(terminal_safe(text)))


# What follows a URL's host, split where a secret in it would end.
_URL_PARTS = re.compile(r"[^/?#&=;]+")


def typed_secrets(words: Iterable[str]) -> list[str]:
    """The parts of command-line `words` that `usage_safe` would show as `HIDDEN`, longest first.

    For messages said after the parsing, which quote a value as the program took it (an
    unknown time zone, an account name): `hide_typed` hides these parts there. A word inside
    a URL's path or query counts too (a webhook URL keeps its token there).
    """
    found: set[str] = set()
    for word in words:
        word = terminal_safe(word)
        for url in _URL_SECRET.finditer(word):
            password = word[url.end(1) : url.start(2)].rstrip("@").partition(":")[2]
            found.update([password] if len(password) >= 4 else [])
            tail = word[url.end(2) : url.end()]
            found.update(p for p in _URL_PARTS.findall(tail) if _shown(p) == HIDDEN)
        parts = _TOKEN_RUN.findall(url_hosts(word))
        found.update(p for w in parts if not _is_name(w) for p in _secret_parts(w))
    return sorted(found, key=len, reverse=True)


# An environment variable's name (`--webhook-env LINKRATIO_WEEKLY_SLACK_WEBHOOK_URL`): upper
# case words joined by `_`, which no token is made of.
_VARIABLE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


def _is_name(word: str) -> bool:
    """Whether `word` is a variable's name or a path (`_names_path`), not a secret."""
    return bool(_VARIABLE.fullmatch(word)) or _names_path(word)


def _names_path(word: str) -> bool:
    """Whether `word` names a file or folder here, or one in a folder that is here: a path
    the user mistyped (`exports/twitter_archive_2024_dec`), named by the error about it."""
    folder = os.path.dirname(word)
    return os.path.lexists(word) or (bool(folder) and os.path.isdir(folder))


def hide_typed(text: str, secrets: Sequence[str]) -> str:
    """`text` with each of `secrets` (from `typed_secrets`) shown as `HIDDEN`, in any case
    (a handle is quoted in lower case)."""
    if not secrets:
        return text
    # Whole: a short password typed in a URL (`post`) hides no part of a word (`posts`).
    either = "|".join(map(re.escape, secrets))
    return re.sub(f"(?<![A-Za-z0-9])(?:{either})(?![A-Za-z0-9])", HIDDEN, text, flags=re.I)


def slack_escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn gives a meaning (`&`, `<`, `>`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
