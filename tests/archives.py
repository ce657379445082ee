"""X archives written at test time, in X's own layout: window.YTD files, folders, zips."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any


def ytd(var: str, records: list[Any], *, part: int = 0, style: str = "x") -> bytes:
    """A `window.YTD.<var>.partN = [...]` file, pretty-printed as X does or otherwise."""
    if style == "x":
        body = json.dumps(records, indent=2, separators=(",", " : "), ensure_ascii=False)
    elif style == "minified":
        body = json.dumps(records, separators=(",", ":"), ensure_ascii=False)
    elif style == "spaced":
        body = json.dumps(records, ensure_ascii=False)
    elif style == "indent4-crlf":
        body = json.dumps(records, indent=4, ensure_ascii=False).replace("\n", "\r\n")
    else:
        raise ValueError(style)
    return f"window.YTD.{var}.part{part} = {body}".encode()


def account_js(user_id: str = "100", handle: str = "me") -> bytes:
    record = {"account": {"email": "me@example.org", "accountId": user_id, "username": handle}}
    return ytd("account", [record])


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def write_archive(
    root: Path, tweets: list[dict[str, Any]], *, user_id: str = "100", handle: str = "me"
) -> Path:
    """An unpacked archive folder at `root`: data/tweets.js and data/account.js."""
    files = {
        "data/tweets.js": ytd("tweets", tweets),
        "data/account.js": account_js(user_id, handle),
    }
    return write_folder(root, files)
