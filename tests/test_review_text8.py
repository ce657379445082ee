"""Review: short links however their host is written, chat and email text of the weekly
summary, and the audit hint for an account named as `accounts` lists it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fakes.links import FakeSite, Route
from fakes.webhook import FakeWebhook
from rows import frame, post

from linkratio.analysis.rankings import short_links as ranked_short_links
from linkratio.links import short_links, shortener
from linkratio.links.expand import Expander, ExpandOptions, Resolution
from linkratio.net.netguard import Guard

# -- short links: the host as a browser reads it ---------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://BIT.LY/3xYz9",
        "https://bit.ly./3xYz9",
        "https://ｂｉｔ.ｌｙ/3xYz9",  # fullwidth letters and dot
        "https://bit。ly/3xYz9",  # an ideographic full stop
        "https://ＷＷＷ.bit.ly/3xYz9",
        "https://bit%2Ely/3xYz9",  # a percent-encoded dot
        "https://ＢＩＴ.ＬＹ./3xYz9",
    ],
)
def test_a_shortener_is_one_whatever_the_spelling_of_its_host(url: str) -> None:
    assert shortener(url) == "bit.ly"
    assert short_links([[url, "https://example.org/a"]]) == [url]
    counted = ranked_short_links(frame(post("2026-11-16 09:00", "link", urls=[url])), ())
    assert counted["short_links"] == 1
    assert [r.name for r in counted["shorteners"]] == ["bit.ly"]


def test_a_learnt_shortener_is_one_in_punycode_and_in_unicode() -> None:
    known = frozenset({"bücher.example"})
    assert shortener("https://xn--bcher-kva.example/abc", known) == "bücher.example"
    assert shortener("https://WWW.BÜCHER.example./abc", known) == "bücher.example"
    # A host stored as written before (punycode, a trailing dot) is still found.
    assert shortener("https://xn--bcher-kva.example/abc", {"xn--bcher-kva.example"})
    assert shortener("https://short.example./abc", {"short.example."}) == "short.example"
    assert shortener("https://example.org/abc", known) is None


def _resolve(urls: list[str], guard: Guard) -> list[Resolution]:
    async def go() -> list[Resolution]:
        async with Expander(ExpandOptions(timeout=5.0), guard) as expander:
            return [await expander.resolve(u) for u in urls]

    return asyncio.run(go())


def _fullwidth(text: str) -> str:
    """`text` with ASCII letters, digits and dots in their fullwidth forms."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() or c == "." else c for c in text)


def test_a_short_link_with_a_fullwidth_host_is_expanded_and_its_host_learnt(
    sites: tuple[FakeSite, FakeSite, FakeSite],
) -> None:
    short, _, dest = sites
    final = dest.add("/story", Route(status=200))
    short.redirect("/3xYz9", final)
    # `ｌｏｃａｌｈｏｓｔ:PORT`: another site (localhost) than the destination's 127.0.0.1.
    url = f"http://{_fullwidth('localhost')}:{short.port}/3xYz9"
    [result] = _resolve([url], Guard(allow_private=True))
    assert result.error is None, result.error
    assert result.url == url and result.final_url == final
    assert short.requests == [("HEAD", "/3xYz9")]
    # Learnt as the browser's name, so every spelling of it counts as a shortener after.
    assert result.redirect_hosts == ("localhost",)
    assert shortener(url, result.redirect_hosts) == "localhost"


def test_a_fullwidth_loopback_address_is_still_refused(
    sites: tuple[FakeSite, FakeSite, FakeSite],
) -> None:
    site, _, _ = sites
    site.add("/x", Route(status=200))
    [refused] = _resolve([f"http://{_fullwidth('127.0.0.1')}/x"], Guard())
    assert refused.refused and "127.0.0.1 is a loopback" in (refused.error or ""), refused.error
    url = f"http://{_fullwidth('127.0.0.1')}:{site.port}/x"
    # Only the exact (host, port) a test allows gets through: the normal form of the host.
    [allowed] = _resolve([url], Guard(allow=frozenset({("127.0.0.1", site.port)})))
    assert allowed.error is None and allowed.final_url == url
    assert site.requests == [("HEAD", "/x")]


def test_a_redirect_to_a_percent_encoded_host_is_followed(
    sites: tuple[FakeSite, FakeSite, FakeSite],
) -> None:
    short, _, dest = sites
    dest.add("/end", Route(status=200))
    url = short.redirect("/s", f"http://local%68ost:{dest.port}/end")
    [result] = _resolve([url], Guard(allow_private=True))
    assert result.error is None, result.error
    assert result.final_url == f"http://localhost:{dest.port}/end"
    assert dest.requests == [("HEAD", "/end")]


def test_browser_url_leaves_relative_and_unusable_hosts_alone() -> None:
    from linkratio.links.expand import browser_url

    assert browser_url("/go?to=https://ＥＸ.com/") == "/go?to=https://ＥＸ.com/"
    assert browser_url("//ｂｉｔ.ｌｙ/x") == "//bit.ly/x"
    # A fullwidth colon maps to ':' (a port): no browser takes that as a host.
    assert browser_url("http://127.0.0.1：22/") == "http://127.0.0.1：22/"
    assert browser_url("http://[::1]:8080/a") == "http://[::1]:8080/a"
    assert browser_url("https://u@ＢＩＴ.ly.:8443/a?b#c") == "https://u@bit.ly:8443/a?b#c"


# -- the weekly summary in chat ----------------------------------------------------------


def _week_of(*partners: str, domains: tuple[str, ...] = ()):  # -> WeekSummary
    from datetime import date

    from linkratio.analysis.weekly import build_week

    rows = [
        post(f"2026-11-{16 + i % 7} 09:00", "conversation", partners=[p])
        for i, p in enumerate(partners)
    ]
    rows += [post("2026-11-17 10:00", "link", domains=[d]) for d in domains]
    return build_week(frame(*rows), date(2026, 11, 16), tz="UTC", account="@me")


def test_a_fediverse_handle_in_discord_shows_no_html_entity() -> None:
    from linkratio.render.weekly import discord_payload

    content = str(discord_payload(_week_of("ana@example.social"))["content"])
    # Discord shows `&#8288;` as those seven characters: it decodes no HTML entities.
    assert "&#" not in content
    assert "@ana@example.social (1)" in content


def _strict_json(body: bytes) -> Any:
    """`body` parsed as strict JSON: NaN, Infinity or a lone surrogate is an error."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(body.decode("utf-8"), parse_constant=refuse)


HOSTILE = ("<!channel>", "<!here|here>", "<@U123>", "<http://evil.example|click me>", "@everyone")


def test_chat_bodies_reach_a_real_webhook_inert_and_valid(start_fake: Any) -> None:
    from linkratio.render.weekly import discord_payload, json_payload, slack_payload
    from linkratio.weekly.deliver import post_webhook, webhook_destination

    ws = _week_of(*HOSTILE, domains=("a&b<c>.example",))
    hook = start_fake(FakeWebhook, 200)
    dest = webhook_destination(hook.url)
    for payload in (slack_payload(ws), discord_payload(ws), json_payload(ws)):
        assert post_webhook(dest, payload) == 1
    slack, discord, whole = (_strict_json(r.body) for r in hook.received)
    # Slack: `<` starts a mention or a link, `&` an entity: none comes from a post.
    assert "<" not in slack["text"] and ">" not in slack["text"]
    assert "&lt;!channel&gt;" in slack["text"] and "&lt;@U123&gt;" in slack["text"]
    assert "&lt;http://evil.example|click me&gt;" in slack["text"]
    assert "a&amp;b&lt;c&gt;.example" in slack["text"]
    assert "&amp;" not in slack["text"].replace("&amp;b", "")  # escaped once, not twice
    # Discord: no ping of anyone whatever the text says, and no link can form.
    assert discord["allowed_mentions"] == {"parse": []}
    assert "<" not in discord["content"].replace("\\<", "")
    # The JSON body keeps every name as it is (JSON escaping is its only escaping).
    assert {p["name"] for p in whole["partners"]} == {h.removeprefix("@") for h in HOSTILE}


# -- email -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sender",
    [
        "Me <linkratio@example.org>\r\nBcc: victim@example.org",
        "linkratio@example.org\nX-Evil: 1",
        "Me\u2028<linkratio@example.org>",
    ],
)
def test_a_sender_with_a_line_break_is_refused_naming_the_setting(
    sender: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from linkratio.errors import InputError
    from linkratio.weekly.deliver import smtp_settings

    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("LINKRATIO_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("LINKRATIO_SMTP_SENDER", sender)
    with pytest.raises(InputError) as refused:
        smtp_settings()
    said = str(refused.value)
    assert said.startswith("smtp.sender is ") and "expected an address" in said
    assert "\n" not in said and "\r" not in said and "\u2028" not in said


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")
def test_what_an_smtp_server_does_not_offer_is_named_right() -> None:
    from aiosmtpd.controller import Controller
    from fakes.smtp import Keeper, free_port

    from linkratio.errors import DeliveryError
    from linkratio.weekly.deliver import SmtpSettings, build_email, send_email

    def mail(to: str) -> Any:
        return build_email("subject", "linkratio@example.org", to, "hi", lambda src: "", b"png")

    # A server without SMTPUTF8 and an address that needs it; smtp.tls is none already.
    handler, port = Keeper(), free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=False)
    server.start()
    try:
        plain = SmtpSettings("127.0.0.1", port, "linkratio@example.org", "none")
        with pytest.raises(DeliveryError) as refused:
            send_email(plain, mail("josé@example.org"))
        said = str(refused.value)
        assert "STARTTLS" not in said and "SMTPUTF8" in said, said
        assert handler.envelopes == []
        send_email(plain, mail("jose@example.org"))  # the same server takes an ASCII address
        assert [m.rcpt_tos for m in handler.envelopes] == [["jose@example.org"]]
    finally:
        server.stop()
    # A server that offers no AUTH while smtp.user is set.
    handler, port = Keeper(), free_port()
    no_auth = ["LOGIN", "PLAIN"]
    server = Controller(handler, hostname="127.0.0.1", port=port, auth_exclude_mechanism=no_auth)
    server.start()
    try:
        login = SmtpSettings("127.0.0.1", port, "linkratio@example.org", "none", "u", "p")
        with pytest.raises(DeliveryError) as refused:
            send_email(login, mail("jose@example.org"))
        said = str(refused.value)
        assert "STARTTLS" not in said and "login" in said and "smtp.user" in said, said
        assert handler.envelopes == []
    finally:
        server.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_server_without_starttls_is_still_named_so(start_fake: Any) -> None:
    from fakes.smtp import FakeSmtp

    from linkratio.errors import DeliveryError
    from linkratio.weekly.deliver import SmtpSettings, build_email, send_email

    server = start_fake(FakeSmtp)  # plain TCP: no STARTTLS offered
    settings = SmtpSettings("127.0.0.1", server.port, "linkratio@example.org", "starttls")
    msg = build_email("s", settings.sender, "jose@example.org", "hi", lambda src: "", b"png")
    with pytest.raises(DeliveryError, match="offers no STARTTLS: set smtp.tls to ssl or none"):
        send_email(settings, msg)
    assert server.envelopes == []


# -- the audit hint ----------------------------------------------------------------------


@pytest.fixture
def id_only(tmp_path: Any) -> Any:
    """A library holding 20 posts of X account 100, whose handle it does not know."""
    from helpers import SAMPLE

    from linkratio.frame import Library
    from linkratio.model import Account
    from linkratio.sources import read

    db = tmp_path / "library.sqlite"
    with Library(db) as lib:
        lib.save_posts(Account("x", "100", None), read(SAMPLE).posts[:20], origin="file")
    return db


def test_audit_of_an_account_as_accounts_lists_it_hints_the_name_that_works(
    id_only: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers import one_line

    from linkratio.cli import main

    db = id_only
    assert main(["accounts", "--db", str(db)]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:2] == ["id", "100"]
    for typed, hint in (("id 100", "write @100"), ("100", "write @100"), ("ana", "write @ana")):
        assert main(["audit", typed, "--db", str(db)]) == 2
        err = one_line(capsys.readouterr().err)
        assert f"{typed}: no such file or folder" in err and hint in err, err
    assert main(["audit", "@100", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["posts"] == 20
    # Text that can be no handle keeps the general hint.
    assert main(["audit", "no such.file", "--db", str(db)]) == 2
    assert "write @handle" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "address", ["ana\x1b[2J@example.org", "ana\x00@example.org", "ana\u202e@example.org"]
)
def test_an_email_address_with_a_control_character_is_refused(address: str) -> None:
    from linkratio.errors import InputError
    from linkratio.weekly.deliver import email_destination

    # It went to the server as RCPT TO 'ana\x1b' (another mailbox), and 'delivered to
    # email ana<ESC>[2J…' cleared the terminal.
    with pytest.raises(InputError, match="invalid email address") as refused:
        email_destination(address)
    assert str(refused.value).isprintable()


def test_a_discord_webhook_host_written_with_its_final_dot_gets_discords_body() -> None:
    from linkratio.weekly.deliver import webhook_destination, webhook_format

    # `discord.com.` is discord.com: sent Slack's body, Discord answers 400 (no `content`).
    dest = webhook_destination("https://discord.com./api/webhooks/1/TOKEN")
    assert webhook_format(dest, None) == "discord"
    assert webhook_format(webhook_destination("https://hooks.slack.com./s/1"), None) == "slack"


def test_commands_that_take_only_an_account_hint_the_name_of_an_id_too(
    id_only: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers import one_line

    from linkratio.cli import main

    db = id_only
    for command in (["weekly", "id 100", "--out", str(tmp_path / "o")], ["expand", "id 100"]):
        assert main([*command, "--db", str(db)]) == 2
        err = one_line(capsys.readouterr().err)
        # The account is in the library: "run 'linkratio import PATH' first" was wrong.
        assert "write @100" in err and "import" not in err, err
    assert not (tmp_path / "o").exists()
