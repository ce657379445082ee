"""Review: the fast readers (`x_json_lean`, the typed archive readers, `verdicts`) against
the general ones on the same damaged or unusual input: the same posts and labels, or the
same one-line refusal, whichever command reads the file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import pytest

from linkratio.cli import main
from linkratio.errors import InputFormatError
from linkratio.sources import read
from linkratio.sources.x_json import read_v2


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


def _v2_page(extra: bytes) -> bytes:
    """A twarc2 page of one tweet; `extra` is spliced in as a field no reader reads."""
    page = orjson.dumps(
        {
            "data": [
                {
                    "id": "1790000000000000000",
                    "text": "caf\u00e9 talk",
                    "author_id": "100",
                    "created_at": "2024-05-01T12:00:00.000Z",
                    "source": "SOURCE",
                }
            ],
            "includes": {"users": [{"id": "100", "username": "me"}]},
        }
    )
    return page.replace(b'"SOURCE"', extra) + b"\n"


BAD_BYTES = {
    "a stray byte": b'"Twitter \xff Web App"',
    "a cut sequence": b'"Twitter \xc3 Web App"',
    "an encoded surrogate": b'"Twitter \xed\xa0\x80 Web App"',
}


@pytest.mark.parametrize("name", BAD_BYTES)
def test_v2_invalid_utf8_in_an_unread_field_is_refused_by_both_readers(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / "tweets.jsonl"
    path.write_bytes(_v2_page(b'"plain"') + _v2_page(BAD_BYTES[name]))
    with pytest.raises(InputFormatError) as general:
        read_v2(path)
    with pytest.raises(InputFormatError) as lean:
        read(path, "x-v2", lean=True)
    assert str(lean.value) == str(general.value)


def test_v2_classify_refuses_invalid_utf8_as_audit_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tweets.jsonl"
    path.write_bytes(_v2_page(BAD_BYTES["a stray byte"]))
    audit = run(["audit", str(path)], capsys)
    classify = run(["classify", str(path), "--output", "csv"], capsys)
    assert audit[0] != 0
    assert classify[0] == audit[0]
    assert classify[1] == ""
    assert classify[2] == audit[2]
    assert len(classify[2].strip().splitlines()) == 1
    assert "line 1" in classify[2] and "UTF-8" in classify[2]


def test_v2_valid_non_ascii_still_reads_the_fast_way(tmp_path: Path) -> None:
    from linkratio.sources.x_json_lean import LeanTweet

    path = tmp_path / "tweets.jsonl"
    path.write_bytes(_v2_page('"Twitter \u00e9 Web App \U0001f600"'.encode()))
    lean = read(path, "x-v2", lean=True)
    assert [type(p) for p in lean.posts] == [LeanTweet]
    assert lean.posts[0].text == "caf\u00e9 talk"


class _Scanned(bytearray):
    """A bytearray that adds up how many bytes its `rfind` calls look through."""

    total = 0

    def rfind(self, sub: Any, start: Any = None, end: Any = None) -> int:
        begin = 0 if start is None else max(0, start if start >= 0 else len(self) + start)
        stop = len(self) if end is None else end
        _Scanned.total += stop - begin
        return super().rfind(sub, begin, stop)

    def __add__(self, other: Any) -> _Scanned:
        return _Scanned(bytes(self) + bytes(other))


def test_the_typed_reader_looks_at_each_byte_a_bounded_number_of_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records that never meet at the first record's seam (here `} ,`) were searched for it
    from the buffer's start after every block: 200,000 posts took 19 s instead of 2."""
    from archives import ytd
    from test_x_archive import tweet

    from linkratio.sources.x_archive import typed
    from linkratio.sources.x_archive.files import Source

    posts = [tweet(str(n), f"post {n}") for n in range(1, 301)]
    data = ytd("tweets", posts).replace(b"\n  },\n  {", b"\n  } ,\n  {")
    path = tmp_path / "tweets.js"
    path.write_bytes(data)
    monkeypatch.setattr(typed, "bytearray", _Scanned, raising=False)
    source = Source(str(path), path.read_bytes, path)
    found = [r.tweet.id_str for block in typed.records(source, size=1024) for r in block]
    assert found == [str(n) for n in range(1, 301)]
    assert _Scanned.total <= 3 * len(data)


class _NoMemory:
    """A decoder that runs out of memory, as the fast v2 reader may on a large file: it
    holds the whole file and its lines at once, the general reader one line at a time."""

    def decode(self, line: bytes) -> object:
        raise MemoryError


def test_v2_fast_reader_out_of_memory_hands_over_to_the_general_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a memory limit, classify said 'too large to read in the memory available' of a
    file audit read (measured: a 195 MB twarc file under `ulimit -v 760000`)."""
    from linkratio.sources import x_json_lean

    path = tmp_path / "tweets.jsonl"
    path.write_bytes(_v2_page(b'"Twitter Web App"'))
    general = read_v2(path)
    monkeypatch.setattr(x_json_lean, "_DECODER", _NoMemory())
    lean = read(path, "x-v2", lean=True)
    assert [(p.id, p.text, p.author_handle) for p in lean.posts] == [
        (p.id, p.text, p.author_handle) for p in general.posts
    ]
    assert lean.account == general.account


def test_v2_jsonl_with_a_first_line_past_the_sniff_bound_is_read_as_audit_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The general reader tells JSONL by its first lines, each read up to `_SNIFF_LINE`
    (64 MiB); past that it reads the file as one document. A 94 MB file of two pages, the
    first over 64 MiB: classify listed 300,001 posts, audit refused it ("line 2, column 1:
    not valid JSON"). The bound is lowered here to keep the file small."""
    from linkratio.sources import x_json, x_json_lean

    monkeypatch.setattr(x_json, "_SNIFF_LINE", 400)
    monkeypatch.setattr(x_json_lean, "_SNIFF_LINE", 400, raising=False)
    long_page = _v2_page(b'"' + b"x" * 500 + b'"')
    path = tmp_path / "tweets.jsonl"
    path.write_bytes(long_page + _v2_page(b'"Twitter Web App"'))
    with pytest.raises(InputFormatError) as general:
        read_v2(path)
    with pytest.raises(InputFormatError) as lean:
        read(path, "x-v2", lean=True)
    assert str(lean.value) == str(general.value)
    # One such line alone is one document: both read it.
    path.write_bytes(long_page)
    assert [p.id for p in read(path, "x-v2", lean=True).posts] == [
        p.id for p in read_v2(path).posts
    ]


def _deep_archive(root: Path, depth: int) -> Path:
    """An archive of two posts, the second with a field no reader reads nested `depth` deep."""
    from archives import account_js, write_folder, ytd
    from test_x_archive import tweet

    records = [tweet("1", "hello"), tweet("2", "world?")]
    records[1]["tweet"]["junk"] = "JUNK"
    data = ytd("tweets", records).replace(b'"JUNK"', b"[" * depth + b"]" * depth)
    return write_folder(root, {"data/tweets.js": data, "data/account.js": account_js()})


@pytest.mark.parametrize("depth", [600, 1100])
def test_deep_nesting_in_an_unread_field_is_never_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: int
) -> None:
    """msgspec raised RecursionError from 1,000 levels (classify and import crashed with a
    traceback where audit said 'depth limit exceeded'), and orjson.dumps refuses more than
    254 (the library's copy of the record: import crashed with a TypeError)."""
    archive = _deep_archive(tmp_path / "archive", depth)
    audit = run(["audit", str(archive), "--json"], capsys)
    classify = run(["classify", str(archive), "--output", "csv"], capsys)
    imported = run(["import", str(archive), "--db", str(tmp_path / "lib.sqlite")], capsys)
    for code, _, err in (audit, classify, imported):
        assert "Traceback" not in err
        assert code == 0 or len(err.strip().splitlines()) == 1
    assert classify[0] == audit[0]
    assert classify[2] == audit[2]
    if depth > 1024:  # past orjson's depth: every reader refuses the file, naming it
        assert audit[0] != 0 and "depth limit exceeded" in audit[2]
        assert imported[2] == audit[2]
    else:  # readable, but too deep to keep as the record's JSON: import names the record
        assert audit[0] == 0 and classify[1].count("\n") == 3
        assert imported[0] != 0 and "record 2" in imported[2]


def test_v2_deep_nesting_in_an_unread_field_is_read_as_audit_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "tweets.jsonl"
    path.write_bytes(_v2_page(b"[" * 1100 + b"]" * 1100))
    with pytest.raises(InputFormatError) as general:
        read_v2(path)
    with pytest.raises(InputFormatError) as lean:
        read(path, "x-v2", lean=True)
    assert str(lean.value) == str(general.value)


class _FailingFile:
    """A file whose reads past the first fail as a damaged disk's do (EIO)."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("rb")
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if self.reads > 1:
            raise OSError(5, "Input/output error")
        return self.fh.read(size)

    def readinto(self, view: memoryview) -> int:
        self.reads += 1
        if self.reads > 1:
            raise OSError(5, "Input/output error")
        return self.fh.readinto(view)

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.close()


def test_a_read_error_in_the_fast_archive_readers_hands_over_to_the_general_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError while the typed reader read tweets.js left it unnamed: classify and import
    said 'linkratio: error: Input/output error' where audit said '.../tweets.js: cannot be
    read (Input/output error)' (seen with tweets.js on a file the kernel answers with EIO)."""
    from archives import account_js, write_folder, ytd
    from test_x_archive import tweet

    from linkratio.sources.x_archive import read_archive, typed
    from linkratio.verdicts import archive_labels

    records = [tweet(str(n), f"post {n} " + "x" * 200) for n in range(1, 400)]
    archive = write_folder(
        tmp_path / "archive",
        {"data/tweets.js": ytd("tweets", records), "data/account.js": account_js()},
    )
    general = read_archive(archive)
    monkeypatch.setattr(typed, "open_file", lambda path, name=None: _FailingFile(path))
    monkeypatch.setattr(typed, "BLOCK", 4096)
    assert archive_labels(archive) is None  # handed over: the general reader decides
    for keep_raw in (False, True):
        lean = read_archive(archive, keep_raw=keep_raw, lean=True)
        assert [p.id for p in lean.posts] == [p.id for p in general.posts]


class _Unreadable:
    """An open file every read of which fails as a damaged disk's does (EIO)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def _fail(self, *args: object) -> bytes:
        raise OSError(5, "Input/output error")

    read = readline = _fail

    def seek(self, *args: object) -> int:
        return 0

    def __iter__(self) -> _Unreadable:
        return self

    def __next__(self) -> bytes:
        return self._fail()

    def __enter__(self) -> _Unreadable:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def test_v2_read_error_names_the_file_in_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Seen with a .jsonl on a file the kernel answers with EIO: classify and audit said only
    'linkratio: error: Input/output error', naming no file."""
    from linkratio.sources import x_json, x_json_lean

    path = tmp_path / "tweets.jsonl"
    path.write_bytes(_v2_page(b'"Twitter Web App"'))
    monkeypatch.setattr(x_json, "open_file", _Unreadable)
    monkeypatch.setattr(x_json_lean, "open_file", _Unreadable)
    for command in ("classify", "audit"):
        code, out, err = run([command, str(path), "--input-format", "x-v2"], capsys)
        assert (code, out) == (2, "")
        assert err == f"linkratio: error: {path}: cannot be read (Input/output error)\n"


def _loads_short_of_memory(limit: int) -> object:
    """orjson.loads as it behaves short of memory: past `limit` bytes it raises the
    JSONDecodeError orjson raises when it cannot allocate (seen under `ulimit -v 700000`
    with a 195 MB twarc file)."""
    loads = orjson.loads

    def short(data: bytes | bytearray | memoryview | str) -> object:
        if len(data) > limit:
            raise orjson.JSONDecodeError("Not enough memory to allocate buffer for parsing", "", 0)
        return loads(data)

    return short


def test_out_of_memory_in_the_general_v2_reader_is_not_invalid_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --skip-invalid, lines orjson had no memory for were skipped as 'not valid JSON'
    (412 warnings in the run above): a valid file, read in part."""
    from linkratio.errors import InputError

    path = tmp_path / "tweets.jsonl"
    path.write_bytes(_v2_page(b'"a"') + _v2_page(b'"' + b"x" * 4000 + b'"') + _v2_page(b'"b"'))
    monkeypatch.setattr(orjson, "loads", _loads_short_of_memory(2000))
    for skip_invalid in (False, True):
        with pytest.raises(InputError) as err:
            read(path, "x-v2", skip_invalid=skip_invalid)
        assert "too large to read in the memory available" in str(err.value)


def test_out_of_memory_in_the_general_archive_reader_is_not_invalid_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """audit said 'invalid JSON at line ...: Not enough memory ...'; with --skip-invalid it
    skipped the rest of tweets.js and summed up the posts before it."""
    from archives import account_js, write_folder, ytd
    from test_x_archive import tweet

    from linkratio.errors import InputError

    records = [tweet("1", "short"), tweet("2", "long " + "x" * 6000), tweet("3", "short")]
    archive = write_folder(
        tmp_path / "archive",
        {"data/tweets.js": ytd("tweets", records), "data/account.js": account_js()},
    )
    monkeypatch.setattr(orjson, "loads", _loads_short_of_memory(5000))
    for skip_invalid in (False, True):
        with pytest.raises(InputError) as err:
            read(archive, skip_invalid=skip_invalid)
        assert "too large to read in the memory available" in str(err.value)


def test_out_of_memory_for_a_whole_file_still_reads_its_jsonl_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole-document parse is only a probe: lines that fit are read one by one."""
    from linkratio.sources.jsonpages import json_values

    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"".join(orjson.dumps({"n": n, "pad": "x" * 300}) + b"\n" for n in range(5)))
    monkeypatch.setattr(orjson, "loads", _loads_short_of_memory(1000))
    assert [value["n"] for _, value in json_values(path, "expected lines")] == [0, 1, 2, 3, 4]
