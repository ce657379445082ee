"""Read an X "Download your data" archive (zip, folder or bare tweets.js) into a Timeline.

The archive's `.js` files are JSON arrays behind a `window.YTD.<name>.partN = ` assignment.
X pretty-prints them, every top-level record between `\\n  {` and `\\n  }`; a raw newline
cannot occur inside a JSON string, so the records are cut at the `\\n  },\\n  {` seams (or
`},{"tweet":` when minified) and parsed one by one, instead of decoding a file of hundreds
of megabytes into one object tree. If a cut does not parse, the whole array is parsed.
"""

from __future__ import annotations

import html
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from linkratio.errors import InputError, InputFormatError
from linkratio.model import Account, Link, Post, Timeline
from linkratio.sources.common import collapse, gc_paused, parse_time

log = logging.getLogger(__name__)

PLATFORM = "x"
_TWEETS_FILE = re.compile(r"tweets?(?:-part(\d+))?\.js")
_NOTES_FILE = re.compile(r"note-tweet(?:-part(\d+))?\.js")
_ACCOUNT_FILE = "account.js"
_TWEET_VARS = frozenset({"tweets", "tweet"})
_JS_HEAD = b"window.YTD."
_LEADING = b"\xef\xbb\xbf \t\r\n"  # a UTF-8 BOM and whitespace before the assignment
_FIRST_RECORD = re.compile(rb'\[(?:(?P<nl>\r?\n)(?P<indent>[ \t]*)\{|(?P<key>\{"\w{1,40}" ?:))')
_PROGRESS_EVERY = 10_000
_NATIVE_RT = re.compile(r"RT @([A-Za-z0-9_]+):")
_TCO = re.compile(r"https?://t\.co/[A-Za-z0-9]+")
_TRAILING_TCO = re.compile(r"(?:\s*https?://t\.co/[A-Za-z0-9]+)+\s*\Z")
_REPLY_PREFIX = re.compile(r"(?:@([A-Za-z0-9_]+)\s+)+")
_HANDLE = re.compile(r"@([A-Za-z0-9_]+)")
_MEDIA_PERMALINK = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/([A-Za-z0-9_]+)/status/(\d+)/(?:photo|video)/"
)


@dataclass(frozen=True, slots=True)
class _Source:
    """One archive file: its name for messages and how to read its bytes."""

    name: str
    read: Callable[[], bytes]


@dataclass(slots=True)
class _Layout:
    """The archive files that matter: tweets parts, note-tweet parts and account.js."""

    tweets: list[_Source]
    notes: list[_Source]
    account: _Source | None


@dataclass(slots=True)
class _Note:
    """One long-post body from note-tweet.js."""

    text: str
    key: str
    """The text with t.co links masked and whitespace collapsed, for prefix matching."""
    urls: tuple[Link, ...]
    mentions: tuple[str, ...]


class _Row(NamedTuple):
    """A normalized tweet whose owner may not be known yet."""

    id: str
    created_at: datetime
    text: str
    is_repost: bool
    repost_of_handle: str | None
    reply_to_post_id: str | None
    reply_to_user_id: str | None
    reply_to_handle: str | None
    links: tuple[Link, ...]
    mentions: tuple[str, ...]
    edit_ids: tuple[str, ...]
    raw: bytes | None = None


def read_archive(
    path: Path, progress: Callable[[int], None] | None = None, keep_raw: bool = False
) -> Timeline:
    """Read an X archive (.zip, unpacked folder or bare tweets.js) into the owner's Timeline.

    With `keep_raw`, each post's `raw` is its `{"tweet": {...}}` record re-encoded as compact
    JSON (long-post bodies stay in note-tweet.js and are not part of it).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder (expected an X archive)")
    with gc_paused(), _open_layout(path) as layout:
        account = _read_account(layout.account) if layout.account else None
        notes = _read_notes(layout.notes)
        rows = _read_tweets(layout.tweets, notes, progress, keep_raw)
        owner = account or _infer_owner(rows)
        posts = collapse([_post(row, owner) for row in rows])
    return Timeline(account=owner, posts=posts, origin=str(path))


def looks_like_archive(path: Path) -> bool:
    """Cheaply tell whether `path` is an X archive: a zip or folder with tweets, or a YTD file."""
    path = Path(path)
    try:
        if path.is_dir():
            return _archive_folder(path) is not None
        if not path.is_file():
            return False
        if path.suffix.lower() != ".js" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                return _zip_folder(zf.namelist()) is not None
        with path.open("rb") as f:
            return f.read(64).lstrip(_LEADING).startswith(_JS_HEAD)
    except (OSError, zipfile.BadZipFile):
        return False


# -- locating the files ------------------------------------------------------------------


def _matching(names: list[str], pattern: re.Pattern[str]) -> list[str]:
    """The names (paths) whose last component matches `pattern`: tweets.js, then part1, ..."""
    found = []
    for name in names:
        m = pattern.fullmatch(name.rpartition("/")[2])
        if m is not None:
            found.append((int(m.group(1) or -1), name))
    return [name for _, name in sorted(found)]


def _archive_folder(path: Path) -> Path | None:
    """The folder holding the tweets files: `data/`, the folder itself, or `*/data/`."""
    for folder in (path / "data", path, *sorted(path.glob("*/data"))):
        if folder.is_dir() and any(_TWEETS_FILE.fullmatch(p.name) for p in folder.iterdir()):
            return folder
    return None


def _file_source(path: Path) -> _Source:
    def read() -> bytes:
        try:
            return path.read_bytes()
        except OSError as e:
            raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None

    return _Source(str(path), read)


def _folder_layout(folder: Path, tweets: list[Path] | None = None) -> _Layout:
    """The archive files in `folder`; `tweets` overrides its tweets files (a bare file)."""
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    if tweets is None:
        tweets = [folder / n for n in _matching(names, _TWEETS_FILE)]
    account = folder / _ACCOUNT_FILE
    return _Layout(
        tweets=[_file_source(p) for p in tweets],
        notes=[_file_source(folder / n) for n in _matching(names, _NOTES_FILE)],
        account=_file_source(account) if account.is_file() else None,
    )


def _zip_folder(names: list[str]) -> str | None:
    """The shallowest folder inside a zip that holds a tweets file ('' for the top)."""
    folders = {n.rpartition("/")[0] for n in _matching(names, _TWEETS_FILE)}
    if not folders:
        return None
    return min(folders, key=lambda f: (f.count("/") + (f != ""), f))


def _zip_layout(path: Path, zf: zipfile.ZipFile) -> _Layout:
    names = [i.filename for i in zf.infolist() if not i.is_dir()]
    folder = _zip_folder(names)
    if folder is None:
        raise InputError(f"{path} has no data/tweets.js: expected an X archive")
    inside = [n for n in names if n.rpartition("/")[0] == folder]

    def source(name: str) -> _Source:
        def read() -> bytes:
            try:
                return zf.read(name)
            except (OSError, zipfile.BadZipFile, ValueError) as e:
                raise InputFormatError(f"{path}:{name}: cannot be unpacked ({e})") from None

        return _Source(f"{path}:{name}", read)

    account = f"{folder}/{_ACCOUNT_FILE}" if folder else _ACCOUNT_FILE
    return _Layout(
        tweets=[source(n) for n in _matching(inside, _TWEETS_FILE)],
        notes=[source(n) for n in _matching(inside, _NOTES_FILE)],
        account=source(account) if account in inside else None,
    )


@contextmanager
def _open_layout(path: Path) -> Iterator[_Layout]:
    """Find the archive files under `path`; a zip stays open while they are read."""
    if path.is_dir():
        folder = _archive_folder(path)
        if folder is None:
            raise InputError(f"{path} has no data/tweets.js: expected an X archive")
        yield _folder_layout(folder)
        return
    suffix = path.suffix.lower()
    if suffix == ".zip" or (suffix != ".js" and zipfile.is_zipfile(path)):
        try:
            zf = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as e:
            raise InputFormatError(f"{path}: not a readable zip file ({e})") from None
        with zf:
            yield _zip_layout(path, zf)
        return
    # A bare tweets file still uses the account.js and note-tweet.js beside it, if any.
    yield _folder_layout(path.parent, [path])


# -- parsing window.YTD files ------------------------------------------------------------


def _array_start(data: bytes, name: str, expected: frozenset[str]) -> int:
    """Check the `window.YTD.<var>.partN = ` assignment; return where the JSON array starts."""
    head = data[:256]
    start = len(head) - len(head.lstrip(_LEADING))
    eq = data.find(b"=", start, start + 256)
    if not data.startswith(_JS_HEAD, start) or eq < 0:
        raise InputFormatError(
            f"{name}: not an X archive file (expected it to start with 'window.YTD.')"
        )
    var = data[start + len(_JS_HEAD) : eq].strip().decode("ascii", "replace")
    if var.split(".", 1)[0] not in expected:
        want = " or ".join(f"window.YTD.{v}" for v in sorted(expected))
        raise InputFormatError(f"{name}: holds window.YTD.{var}, expected {want}")
    end = eq + 1
    while data[end : end + 1] in (b" ", b"\t", b"\r", b"\n"):
        end += 1
    return end


def _where(data: bytes, start: int, error: orjson.JSONDecodeError) -> str:
    """Line and column of a JSON error in the whole file, not just in the parsed array."""
    lines_before = data.count(b"\n", 0, start)
    line = lines_before + error.lineno
    column = error.colno
    if error.lineno == 1:
        column += start - (data.rfind(b"\n", 0, start) + 1)
    return f"line {line}, column {column}"


def _whole_array(data: bytes, name: str, start: int, close: int) -> list[Any]:
    """Parse the whole array at once (minified or unusually laid out files)."""
    view = memoryview(data)
    body = view[start : close + 1] if close >= start else view[start:]
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise InputFormatError(
            f"{name}: invalid JSON at {_where(data, start, e)}: {e.msg}"
        ) from None
    if not isinstance(value, list):
        raise InputFormatError(f"{name}: expected a JSON array after 'window.YTD... ='")
    return value


def _seams(data: bytes, start: int) -> tuple[bytes, int, int, int] | None:
    """How records meet: (seam, first record's offset, record end and next start in the seam)."""
    m = _FIRST_RECORD.match(data, start)
    if m is None:
        return None
    if m.group("key"):  # minified: ...},{"tweet":{...
        return b"}," + m.group("key"), m.start("key"), 1, 2
    # Pretty-printed: a top-level record closes at the indentation its first one opened at.
    close = m.group("nl") + m.group("indent") + b"}"
    seam = close + b"," + m.group("nl") + m.group("indent") + b"{"
    return seam, m.end() - 1, len(close), len(seam) - 1


def _records(data: bytes, name: str, expected: frozenset[str]) -> Iterator[Any]:
    """Yield the array's records, each parsed from its own slice when the layout allows."""
    start = _array_start(data, name, expected)
    close = len(data) - 1
    while close > start and data[close] in b" \t\r\n;":  # no rstrip(): it copies the file
        close -= 1
    if data[close : close + 1] != b"]":
        close = -1
    layout = _seams(data, start) if close > start else None
    done = 0
    if layout is not None:
        seam, pos, end_at, next_at = layout
        view = memoryview(data)
        while True:
            at = data.find(seam, pos, close)
            try:
                record = orjson.loads(view[pos : close if at < 0 else at + end_at])
            except orjson.JSONDecodeError:
                break  # not cut where a record ends: parse the whole array below
            yield record
            done += 1
            if at < 0:
                return
            pos = at + next_at
    # A slice that parsed is one whole value starting where a record starts, so the records
    # yielded so far are the array's first `done`.
    yield from _whole_array(data, name, start, close)[done:]


# -- account.js and note-tweet.js --------------------------------------------------------


def _read_account(source: _Source) -> Account | None:
    for record in _records(source.read(), source.name, frozenset({"account"})):
        account = record.get("account") if isinstance(record, dict) else None
        if not isinstance(account, dict):
            raise InputFormatError(f'{source.name}: expected records {{"account": {{...}}}}')
        user_id, handle = account.get("accountId"), account.get("username")
        return Account(PLATFORM, id=_str(user_id), handle=handle or None)
    return None


def _note_key(text: str) -> str:
    return " ".join(_TCO.sub("\x00", text).split())


def _note(record: Any) -> tuple[datetime, _Note]:
    note = record["noteTweet"]
    core = note["core"]
    text = core["text"]
    urls = tuple(Link(u["shortUrl"], u.get("expandedUrl")) for u in core.get("urls") or ())
    mentions = sorted(core.get("mentions") or (), key=lambda m: int(m.get("fromIndex") or 0))
    created = parse_time(note["createdAt"]).replace(microsecond=0)
    note_obj = _Note(text, _note_key(text), urls, tuple(m["screenName"] for m in mentions))
    return created, note_obj


def _read_notes(sources: list[_Source]) -> dict[datetime, list[_Note]]:
    """Long-post bodies by creation second (note ids are not tweet ids)."""
    notes: dict[datetime, list[_Note]] = {}
    for source in sources:
        records = _records(source.read(), source.name, frozenset({"note_tweet"}))
        for n, record in enumerate(records, 1):
            try:
                created, note = _note(record)
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                raise InputFormatError(
                    f"{source.name}: record {n} is not a note tweet ({_what(e)})"
                ) from None
            notes.setdefault(created, []).append(note)
    return notes


def _take_note(
    notes: dict[datetime, list[_Note]], created: datetime, text: str
) -> tuple[_Note, str] | None:
    """The note whose text the (truncated) tweet text begins, and the tweet's reply prefix."""
    candidates = notes.get(created)
    if not candidates:
        return None
    body = _TRAILING_TCO.sub("", text).rstrip().removesuffix("\u2026")
    tries = [("", _note_key(body))]
    prefix = _REPLY_PREFIX.match(body)
    if prefix is not None:
        # Replies carry the automatic `@name ` prefix; the note body does not.
        tries.append((body[: prefix.end()], _note_key(body[prefix.end() :])))
    for lead, key in tries:
        for note in candidates:
            if key and note.key.startswith(key):
                candidates.remove(note)
                return note, lead
    return None


def _merge_note(
    note: _Note, lead: str, links: tuple[Link, ...]
) -> tuple[str, tuple[Link, ...], tuple[str, ...]]:
    """Text, links and mentions of a long post: the note's, plus what only the tweet has."""
    targets = {link.target for link in note.urls}
    # The tweet keeps its media and an attached quote's status URL, which the note lacks.
    extra = tuple(link for link in links if link.media or link.target not in targets)
    mentions = tuple(_HANDLE.findall(lead)) + note.mentions
    return lead + note.text, note.urls + extra, mentions


# -- tweets ------------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


def _what(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"no {error.args[0]!r}"
    return str(error) or type(error).__name__


def _links(entities: dict[str, Any], extended: dict[str, Any] | None) -> tuple[Link, ...]:
    links = [Link(u["url"], u.get("expanded_url")) for u in entities.get("urls") or ()]
    media = (entities.get("media") or []) + ((extended or {}).get("media") or [])
    if media:
        seen: set[tuple[str, str | None]] = set()
        for m in media:
            key = (m["url"], m.get("expanded_url"))
            if key not in seen:
                seen.add(key)
                links.append(Link(key[0], key[1], media=True))
    return tuple(links)


def _mentions(entities: dict[str, Any]) -> tuple[str, ...]:
    found = entities.get("user_mentions")
    if not found:
        return ()
    if len(found) > 1:
        found = sorted(found, key=lambda m: int((m.get("indices") or (0,))[0]))
    return tuple(m["screen_name"] for m in found)


def _edit_ids(info: dict[str, Any] | None, post_id: str) -> tuple[str, ...]:
    if not info:
        return ()
    chain = info.get("initial") or (info.get("edit") or {}).get("editControlInitial") or {}
    ids = chain.get("editTweetIds")
    if not ids:
        return ()
    if len(ids) == 1 and ids[0] == post_id:
        return (post_id,)
    return tuple(sorted((str(i) for i in ids), key=lambda i: (len(i), i)))


def _row(record: Any, notes: dict[datetime, list[_Note]], keep_raw: bool = False) -> _Row:
    # Older tweet.js archives hold the tweet objects themselves, without the {"tweet": ...}.
    t = record.get("tweet", record)
    post_id = _str(t.get("id_str") or t["id"])
    text = t["full_text"]
    if "&" in text:
        text = html.unescape(text)
    created = parse_time(t["created_at"])
    entities = t.get("entities") or {}
    links = _links(entities, t.get("extended_entities"))
    mentions = _mentions(entities)
    rt = _NATIVE_RT.match(text) if text.startswith("RT @") else None
    if notes and rt is None:
        found = _take_note(notes, created, text)
        if found is not None:
            text, links, mentions = _merge_note(found[0], found[1], links)
    return _Row(
        post_id, created, text, rt is not None, rt.group(1) if rt else None,
        _str(t.get("in_reply_to_status_id_str") or t.get("in_reply_to_status_id")),
        _str(t.get("in_reply_to_user_id_str") or t.get("in_reply_to_user_id")),
        t.get("in_reply_to_screen_name") or None,
        links, mentions, _edit_ids(t.get("edit_info"), post_id),
        _compact_json(record) if keep_raw else None,
    )  # fmt: skip


def _compact_json(value: Any) -> bytes:
    """`value` as compact JSON, in a bytes object of its own size."""
    # orjson's result keeps its whole growth buffer allocated (about 8 KB for a 1 KB tweet):
    # a copy of the right size lets that buffer go, or 200,000 of them hold 1.5 GB.
    return bytes(memoryview(orjson.dumps(value)))


def _read_tweets(
    sources: list[_Source],
    notes: dict[datetime, list[_Note]],
    progress: Callable[[int], None] | None,
    keep_raw: bool = False,
) -> list[_Row]:
    rows: list[_Row] = []
    for source in sources:
        for n, record in enumerate(_records(source.read(), source.name, _TWEET_VARS), 1):
            try:
                rows.append(_row(record, notes, keep_raw))
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                what = f'{_what(e)}; expected {{"tweet": {{...}}}}'
                raise InputFormatError(
                    f"{source.name}: record {n} is not a tweet ({what})"
                ) from None
            if progress is not None and len(rows) % _PROGRESS_EVERY == 0:
                progress(len(rows))
    if progress is not None and len(rows) % _PROGRESS_EVERY:
        progress(len(rows))
    unmatched = sum(len(v) for v in notes.values())
    if unmatched:
        log.debug("%d long-post notes matched no tweet", unmatched)
    return rows


def _infer_owner(rows: list[_Row]) -> Account:
    """Guess the owner of a bare tweets.js: whom replies to its own tweets answer, or media URLs."""
    ids = {row.id for row in rows}
    user_ids: Counter[str] = Counter()
    handles: Counter[str] = Counter()
    for row in rows:
        if row.reply_to_post_id in ids and not row.is_repost:
            if row.reply_to_user_id:
                user_ids[row.reply_to_user_id] += 1
            if row.reply_to_handle:
                handles[row.reply_to_handle] += 1
    if not handles:
        # An own photo's permalink is https://twitter.com/HANDLE/status/OWN_ID/photo/1.
        for row in rows:
            for link in row.links:
                m = _MEDIA_PERMALINK.match(link.expanded or "") if link.media else None
                if m is not None and m.group(2) == row.id:
                    handles[m.group(1)] += 1
    user_id = user_ids.most_common(1)[0][0] if user_ids else None
    handle = handles.most_common(1)[0][0] if handles else None
    return Account(PLATFORM, id=user_id, handle=handle)


def _post(row: _Row, owner: Account) -> Post:
    return Post(
        platform=PLATFORM,
        id=row.id,
        created_at=row.created_at,
        text=row.text,
        author_id=owner.id,
        author_handle=owner.handle,
        is_repost=row.is_repost,
        repost_of_handle=row.repost_of_handle,
        reply_to_post_id=row.reply_to_post_id,
        reply_to_user_id=row.reply_to_user_id,
        reply_to_handle=row.reply_to_handle,
        links=row.links,
        mentions=row.mentions,
        edit_ids=row.edit_ids,
        source="archive",
        raw=row.raw,
    )
