"""The weekly summary against the real limits of its destinations, for a heavy account.

Slack cuts a message `text` past 40,000 characters, Discord refuses a `content` past 2,000
(the fake webhook enforces both as the services do); a mail server refuses a mail past
its SIZE (552). A week with thousands of new sites, people and challenge breakers must
still arrive whole: lists shortened with "and N more", the nudge kept.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime

import pytest
from fakes.smtp import PASSWORD, SMTP_WARNINGS, USER, FakeSmtp
from fakes.webhook import FakeWebhook
from rows import frame, post

from linkratio.analysis.weekly import build_week
from linkratio.errors import DeliveryError, DeliveryUnavailable
from linkratio.net.waiting import Waiter
from linkratio.render.weekly import (
    DISCORD_LIMIT,
    EMAIL_ITEMS,
    SLACK_LIMIT,
    discord_payload,
    render_html,
    slack_payload,
    write_files,
)
from linkratio.weekly import deliver
from linkratio.weekly.deliver import Destination, email_destination, webhook_destination
from linkratio.weekly.run import deliver_week

pytestmark = SMTP_WARNINGS

NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)
LONG_URL = "https://example.org/" + "a" * 200


def _heavy(n: int):
    """A week with `n` conversations, `n` new sites and `n` posts breaking its challenge."""
    rows = [
        post(f"2026-11-{16 + i % 7} 09:{i % 60:02d}", "conversation", partners=[f"person{i:05d}"])
        for i in range(n)
    ]
    rows += [
        post(f"2026-11-18 10:{i % 60:02d}", "link", domains=[f"site{i}.example"], text=LONG_URL)
        for i in range(n)
    ]
    return build_week(
        frame(*rows),
        date(2026, 11, 16),
        tz="UTC",
        account="@me",
        challenge_days=[date(2026, 11, 18)],
        now=NOW,
    )


@pytest.fixture(scope="module")
def heavy():
    return _heavy(1500)


def _send(ws, files, dest: Destination, fmt: str | None = None) -> None:
    deliver_week(ws, files, dest, now=NOW, waiter=Waiter(quiet=True), webhook_format=fmt)


@pytest.mark.parametrize(
    ("fmt", "field", "limit"),
    [("slack", "text", SLACK_LIMIT), ("discord", "content", DISCORD_LIMIT)],
)
def test_a_heavy_week_reaches_a_webhook_that_enforces_its_limit(
    heavy, tmp_path, fmt: str, field: str, limit: int
) -> None:
    files = write_files(heavy, tmp_path)
    with FakeWebhook(200, limits={field: limit}) as hook:
        _send(heavy, files, webhook_destination(hook.url), fmt)
    assert [r.json() and len(r.json()[field]) <= limit for r in hook.received] == [True]
    text = hook.received[0].json()[field]
    # Shortened, not cut: every section and the nudge are there, each list says what is left.
    assert "Nudge:" in text and "Next challenge day:" in text and "What broke them:" in text
    assert re.search(r"New sites linked:\W+ site0\.example.*and 1\d\d\d more", text)
    assert "broken by 1500 posts" in text
    # The files keep every item.
    assert files.markdown.read_text().count(".example") >= 1500


def test_the_fake_answers_400_like_discord_for_an_oversized_content(tmp_path) -> None:
    """The limit the fake enforces is real: the old cut-free body would be refused."""
    with FakeWebhook(200, limits={"content": DISCORD_LIMIT}) as hook:
        dest = webhook_destination(hook.url)
        with pytest.raises(DeliveryError, match="HTTP 400"):
            deliver.post_webhook(dest, {"content": "x" * (DISCORD_LIMIT + 1)})
        deliver.post_webhook(dest, {"content": "x" * DISCORD_LIMIT})
    assert len(hook.received) == 2


def test_slack_text_is_shortened_only_when_it_must_be() -> None:
    small = _heavy(30)
    text = slack_payload(small)["text"]
    assert "site29.example" in text and text.count(" url: ") == 30 and " more" not in text
    assert len(discord_payload(small)["content"]) <= DISCORD_LIMIT
    assert "Nudge:" in discord_payload(small)["content"]


def test_a_discord_message_keeps_its_escaping_when_shortened() -> None:
    rows = [post("2026-11-17 10:00", "link", domains=[f"s_{i}_.example"]) for i in range(400)]
    ws = build_week(frame(*rows), date(2026, 11, 16), tz="UTC", account="@me", now=NOW)
    content = discord_payload(ws)["content"]
    assert len(content) <= DISCORD_LIMIT and "s\\_0\\_.example" in content
    assert "s_0_" not in content and "more" in content


def test_long_urls_and_names_wrap_in_the_html(heavy) -> None:
    page = render_html(heavy, "cid:x", cap=3)
    wrap = 'style="overflow-wrap:anywhere;word-break:break-word"'
    # Inline on every list and the nudge: mail clients drop or ignore some <style> rules.
    assert page.count(f"<ul {wrap}>") == page.count("<ul") == 6
    assert f"<p {wrap}>" in page and f"<h1 {wrap}>Week 2026-W47" in page
    # The 640-pixel chart shrinks to a phone's width even where the <style> block is dropped.
    assert re.search(r'<img [^>]*width="640"[^>]*style="max-width:100%;height:auto"', page)
    assert "and 1497 more" in page


def test_the_email_of_a_heavy_week_is_bounded(heavy, tmp_path, monkeypatch, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    files = write_files(heavy, tmp_path)
    _smtp_env(monkeypatch, tmp_path)
    with FakeSmtp(auth=True) as smtp:
        monkeypatch.setenv("LINKRATIO_SMTP_PORT", str(smtp.port))
        _send(heavy, files, email_destination("reader@example.org"))
    assert len(smtp.envelopes) == 1
    size = len(smtp.envelopes[0].original_content or smtp.envelopes[0].content)
    assert size < 1024 * 1024
    msg = smtp.messages[0]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for body in (text, html):
        assert f"and {1500 - EMAIL_ITEMS} more" in body
        assert "Nudge" in body
    assert text.count("site") <= EMAIL_ITEMS + 2


def _smtp_env(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("LINKRATIO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LINKRATIO_SMTP_TLS", "none")
    monkeypatch.setenv("LINKRATIO_SMTP_USER", USER)
    monkeypatch.setenv("LINKRATIO_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("LINKRATIO_SMTP_SENDER", "linkratio@example.org")


def test_a_mail_over_the_servers_size_is_a_permanent_one_line_failure(
    heavy, tmp_path, monkeypatch
) -> None:
    files = write_files(heavy, tmp_path)
    _smtp_env(monkeypatch, tmp_path)
    with FakeSmtp(size_limit=10_000) as smtp:
        monkeypatch.setenv("LINKRATIO_SMTP_PORT", str(smtp.port))
        with pytest.raises(DeliveryError) as caught:
            _send(heavy, files, email_destination("reader@example.org"))
    assert not isinstance(caught.value, DeliveryUnavailable)  # waiting will not help
    message = str(caught.value)
    assert "\n" not in message and message.startswith("email reader@example.org (via 127.0.0.1")
    assert "552" in message and "size" in message
    assert smtp.envelopes == [] and PASSWORD not in message


def test_a_mail_over_the_size_exits_2_with_one_line_and_the_webhook_still_goes(
    tmp_path, monkeypatch, capsys
) -> None:
    """End to end: the 552 names the destination on one line; the other destination is sent."""
    import io

    from helpers import SAMPLE

    from linkratio.cli import main

    db = tmp_path / "lib.sqlite"
    assert main(["import", str(SAMPLE), "--db", str(db), "-q"], out=io.StringIO()) == 0
    monkeypatch.setenv("LINKRATIO_DB", str(db))
    monkeypatch.delenv("LINKRATIO_WEEKLY_EMAIL", raising=False)
    monkeypatch.delenv("LINKRATIO_WEEKLY_WEBHOOK", raising=False)
    monkeypatch.chdir(tmp_path)
    _smtp_env(monkeypatch, tmp_path)
    args = ["weekly", "@marenbuilds", "--now", "2024-12-16T08:00:00+00:00", "--tz", "UTC", "-q"]
    with FakeSmtp(size_limit=10_000) as smtp, FakeWebhook(200) as hook:
        monkeypatch.setenv("LINKRATIO_SMTP_PORT", str(smtp.port))
        capsys.readouterr()
        assert main([*args, "--email", "reader@example.org"], out=io.StringIO()) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith("linkratio: error: email reader@example.org (via 127.0.0.1:")
        assert " 552 " in err, err
        code = main([*args, "--email", "reader@example.org", "--webhook", hook.url], io.StringIO())
        assert code == 1 and len(hook.received) == 1 and smtp.envelopes == []
