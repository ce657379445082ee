"""Sites from URLs: registered domains from the bundled suffix list, never the network."""

from __future__ import annotations

import subprocess
import sys

import pytest

from linkratio.links import domain, is_shortener, post_ref


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.wired.com/story/x", "wired.com"),
        ("https://wired.com/", "wired.com"),
        ("https://news.bbc.co.uk/a", "bbc.co.uk"),
        ("http://www.smh.com.au/x", "smh.com.au"),
        ("https://münchen.de/", "münchen.de"),
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
