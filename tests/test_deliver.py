"""Delivery against real peers on 127.0.0.1: an aiosmtpd server and an HTTP webhook receiver."""

from __future__ import annotations

import logging
import socket
from datetime import date

import pytest
from fakes.smtp import PASSWORD, SMTP_WARNINGS, USER, FakeSmtp, free_port, self_signed
from fakes.webhook import FakeWebhook
from rows import frame, post

from linkratio.analysis.weekly import build_week
from linkratio.errors import DeliveryError, DeliveryUnavailable, InputError
from linkratio.render.weekly import chart_png, render_html, render_text, subject
from linkratio.weekly.deliver import (
    Destination,
    SmtpSettings,
    build_email,
    email_destination,
    post_webhook,
    send_email,
    smtp_settings,
    webhook_destination,
    webhook_format,
)

pytestmark = SMTP_WARNINGS


@pytest.fixture
def week():
    df = frame(
        post("2026-11-16 09:00", "conversation", partners=["ana"]),
        post("2026-11-17 09:00", "link", domains=["example.org"]),
    )
    return build_week(df, date(2026, 11, 16), tz="UTC", account="@me")


def _message(ws, to="reader@example.org"):
    png = chart_png(ws)
    return build_email(
        subject(ws),
        "linkratio@example.org",
        to,
        render_text(ws),
        lambda src: render_html(ws, src),
        png,
    ), png


# -- destinations --------------------------------------------------------------------------


def test_email_destination_key_and_validation() -> None:
    dest = email_destination("Reader@Example.ORG")
    assert (dest.kind, dest.key, dest.target) == ("email", "email:reader@example.org", dest.target)
    for bad in ("reader", "a@b", "a b@c.org", "x@y.org, z@w.org", ""):
        with pytest.raises(InputError, match="invalid email address"):
            email_destination(bad)


def test_webhook_destination_never_shows_the_url() -> None:
    url = "https://hooks.slack.com/services/T0/B0/TOKENtoken123"
    dest = webhook_destination(url)
    assert dest.key.startswith("webhook:") and len(dest.key) == len("webhook:") + 16
    assert "TOKEN" not in dest.key and "TOKEN" not in dest.label and "TOKEN" not in repr(dest)
    assert dest.label == "webhook hooks.slack.com/…"
    with pytest.raises(InputError) as err:
        webhook_destination("ftp://x.org/SECRETPATH")
    assert "SECRETPATH" not in str(err.value)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://ex_ample..com/x/TOKEN", "no valid host name"),
        ("https://xn--/x/TOKEN", "not a valid URL"),
        ("https://exa mple.com/x/TOKEN", "no valid host name"),
        ("https://host:99999/x/TOKEN", "port 99999"),
        ("https://-bad-.example.org/x/TOKEN", "no valid host name"),
    ],
)
def test_webhook_destination_refuses_hosts_and_ports_that_cannot_work(url: str, why: str) -> None:
    with pytest.raises(InputError, match=why) as err:
        webhook_destination(url)
    assert "TOKEN" not in str(err.value)


def test_webhook_destination_takes_idn_and_ip_hosts() -> None:
    assert webhook_destination("https://bücher.example/h/1").label == "webhook bücher.example/…"
    assert webhook_destination("http://[::1]:8080/h").label == "webhook ::1/…"
    assert webhook_destination("http://127.0.0.1:5/h").label == "webhook 127.0.0.1/…"


def test_a_url_that_cannot_be_encoded_is_a_permanent_failure_not_a_traceback() -> None:
    # A destination made without webhook_destination's checks: the request itself fails.
    dest = Destination("webhook", "webhook:0", "webhook bad/…", "https://ex_ample..com/x/TOK")
    slept: list[float] = []
    with pytest.raises(DeliveryError, match="cannot be used") as err:
        post_webhook(dest, {}, sleep=slept.append)
    assert not isinstance(err.value, DeliveryUnavailable) and slept == []
    assert "TOK" not in str(err.value)


def test_webhook_format_follows_the_host() -> None:
    assert webhook_format(webhook_destination("https://discord.com/api/webhooks/1/x"), None) == (
        "discord"
    )
    assert webhook_format(webhook_destination("https://ptb.discordapp.com/api/w/1"), None) == (
        "discord"
    )
    assert webhook_format(webhook_destination("https://hooks.slack.com/s/1"), None) == "slack"
    assert webhook_format(webhook_destination("https://hooks.slack.com/s/1"), "json") == "json"


def test_smtp_settings_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
    for key in ("HOST", "PORT", "USER", "PASSWORD", "SENDER", "TLS"):
        monkeypatch.delenv(f"LINKRATIO_SMTP_{key}", raising=False)
    with pytest.raises(InputError, match="smtp.host"):
        smtp_settings()
    monkeypatch.setenv("LINKRATIO_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("LINKRATIO_SMTP_SENDER", "me@example.org")
    assert smtp_settings().port == 587 and smtp_settings().tls == "starttls"
    monkeypatch.setenv("LINKRATIO_SMTP_TLS", "ssl")
    assert smtp_settings().port == 465
    monkeypatch.setenv("LINKRATIO_SMTP_TLS", "maybe")
    with pytest.raises(InputError, match="smtp.tls"):
        smtp_settings()
    monkeypatch.setenv("LINKRATIO_SMTP_TLS", "none")
    monkeypatch.setenv("LINKRATIO_SMTP_PORT", "99999")
    with pytest.raises(InputError, match="smtp.port"):
        smtp_settings()


def _smtp_env(monkeypatch, tmp_path, **values: str) -> None:
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
    for key in ("HOST", "PORT", "USER", "PASSWORD", "SENDER", "TLS"):
        monkeypatch.delenv(f"LINKRATIO_SMTP_{key}", raising=False)
    for key, value in values.items():
        monkeypatch.setenv(f"LINKRATIO_SMTP_{key.upper()}", value)


@pytest.mark.parametrize("host", ["bad host..", "ex_ample..com", "xn--", "a..b"])
def test_smtp_host_that_cannot_be_looked_up_is_bad_input(monkeypatch, tmp_path, host) -> None:
    _smtp_env(monkeypatch, tmp_path, host=host, sender="me@example.org")
    with pytest.raises(InputError, match="smtp.host"):
        smtp_settings()


def test_smtp_sender_may_have_a_display_name(monkeypatch, tmp_path) -> None:
    _smtp_env(monkeypatch, tmp_path, host="mail.example.org", sender="Linkratio <lr@example.org>")
    assert smtp_settings().sender == "Linkratio <lr@example.org>"
    monkeypatch.setenv("LINKRATIO_SMTP_SENDER", "Linkratio <nope>")
    with pytest.raises(InputError, match="smtp.sender is 'Linkratio <nope>'"):
        smtp_settings()


def test_no_tls_with_a_password_only_to_this_machine(monkeypatch, tmp_path) -> None:
    _smtp_env(
        monkeypatch, tmp_path, host="mail.example.org", sender="a@example.org", tls="none",
        user="me", password="PW-secret",
    )  # fmt: skip
    with pytest.raises(InputError, match="in clear") as err:
        smtp_settings()
    assert "PW-secret" not in str(err.value)
    monkeypatch.setenv("LINKRATIO_SMTP_HOST", "localhost")
    assert smtp_settings().host == "localhost"
    monkeypatch.setenv("LINKRATIO_SMTP_HOST", "127.0.0.1")
    assert smtp_settings().tls == "none"
    monkeypatch.delenv("LINKRATIO_SMTP_USER")
    monkeypatch.setenv("LINKRATIO_SMTP_HOST", "mail.example.org")
    assert smtp_settings().user is None  # no password to give away


def test_a_host_the_resolver_cannot_encode_is_a_permanent_failure(week) -> None:
    msg, _ = _message(week)
    settings = SmtpSettings("ex_ample..com", 25, "a@example.org", "none")
    with pytest.raises(DeliveryError, match="smtp.host cannot be used") as err:
        send_email(settings, msg, timeout=5)
    assert not isinstance(err.value, DeliveryUnavailable)


def test_smtp_port_may_be_a_toml_number(monkeypatch, tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[smtp]\nhost = "m.example.org"\nport = 2525\nsender = "a@example.org"\n')
    monkeypatch.setenv("LINKRATIO_CONFIG", str(path))
    for key in ("HOST", "PORT", "SENDER", "TLS"):
        monkeypatch.delenv(f"LINKRATIO_SMTP_{key}", raising=False)
    assert smtp_settings().port == 2525


# -- email ---------------------------------------------------------------------------------


def test_email_structure_has_text_html_and_the_inline_chart(week) -> None:
    msg, png = _message(week)
    assert msg.get_content_type() == "multipart/alternative"
    text, html = msg.get_payload()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "multipart/related"
    page, image = html.get_payload()
    assert page.get_content_type() == "text/html" and image.get_content_type() == "image/png"
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in page.get_content()
    assert image.get_content() == png
    # Inline, not an attachment: mail clients show it in the page, not below it.
    assert image.get_content_disposition() == "inline"
    # The Message-ID and the cid are in the sender's domain.
    assert msg["Message-ID"].endswith("@example.org>") and cid.endswith("@example.org")


def test_email_reaches_a_real_smtp_server_with_auth(week, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    msg, png = _message(week)
    with FakeSmtp() as server:
        settings = SmtpSettings(
            "127.0.0.1", server.port, "linkratio@example.org", "none", USER, PASSWORD
        )
        send_email(settings, msg, timeout=5)
    assert len(server.envelopes) == 1
    envelope = server.envelopes[0]
    assert envelope.rcpt_tos == ["reader@example.org"]
    assert envelope.mail_from == "linkratio@example.org"
    got = server.messages[0]
    assert got["Subject"] == "linkratio: week 2026-W47 for @me — talk share 50%"  # no week before
    plain = got.get_body(("plain",))
    html = got.get_body(("html",))
    assert "Week 2026-W47 for @me" in plain.get_content()
    assert ">Week 2026-W47 for @me" in html.get_content()
    images = [p for p in got.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0].get_content() == png
    assert f"cid:{images[0]['Content-ID'].strip('<>')}" in html.get_content()
    assert PASSWORD not in envelope.content.decode("utf-8", "replace")
    assert PASSWORD not in caplog.text and PASSWORD not in repr(settings)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    made = self_signed(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("the openssl tool is needed to make a test certificate")
    return made


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_email_over_tls_with_auth(week, certificate, monkeypatch, mode: str) -> None:
    # The client trusts the test certificate through OpenSSL's SSL_CERT_FILE.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    msg, _ = _message(week)
    with FakeSmtp(tls=mode, cert=certificate) as server:
        settings = SmtpSettings("127.0.0.1", server.port, "a@example.org", mode, USER, PASSWORD)
        send_email(settings, msg, timeout=5)
    assert [e.rcpt_tos for e in server.envelopes] == [["reader@example.org"]]


def test_an_untrusted_certificate_is_refused(week, certificate, monkeypatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/none.pem")
    msg, _ = _message(week)
    with FakeSmtp(tls="ssl", cert=certificate) as server:
        settings = SmtpSettings("127.0.0.1", server.port, "a@example.org", "ssl", USER, PASSWORD)
        with pytest.raises(DeliveryError, match="certificate is not trusted") as err:
            send_email(settings, msg, timeout=5)
    # Retrying will not make the certificate trusted: permanent, not "try again later".
    assert not isinstance(err.value, DeliveryUnavailable)
    assert server.envelopes == []


def test_a_webhook_with_an_untrusted_certificate_is_a_permanent_failure(certificate) -> None:
    slept: list[float] = []
    with FakeWebhook(200, cert=certificate) as hook:
        assert hook.url.startswith("https://")
        with pytest.raises(DeliveryError, match="certificate is not trusted") as err:
            post_webhook(webhook_destination(hook.url), {}, sleep=slept.append)
    assert not isinstance(err.value, DeliveryUnavailable) and slept == []
    assert "SECRETTOKEN" not in str(err.value)


def test_a_wrong_password_is_a_permanent_failure_that_hides_the_password(week) -> None:
    msg, _ = _message(week)
    with FakeSmtp() as server:
        settings = SmtpSettings("127.0.0.1", server.port, "a@example.org", "none", USER, "wrong-PW")
        with pytest.raises(DeliveryError) as err:
            send_email(settings, msg, timeout=5)
    assert not isinstance(err.value, DeliveryUnavailable)
    assert "smtp.user/smtp.password" in str(err.value) and "wrong-PW" not in str(err.value)
    assert server.envelopes == []


def test_starttls_against_a_server_without_it_says_what_to_set(week) -> None:
    msg, _ = _message(week)
    with FakeSmtp(auth=False) as server:
        settings = SmtpSettings("127.0.0.1", server.port, "a@example.org", "starttls")
        with pytest.raises(DeliveryError, match="smtp.tls"):
            send_email(settings, msg, timeout=5)


def test_a_4xx_answer_is_temporary_and_a_5xx_is_not(week) -> None:
    msg, _ = _message(week)
    with FakeSmtp(reply="451 try later", auth=False) as server:
        settings = SmtpSettings("127.0.0.1", server.port, "a@example.org", "none")
        with pytest.raises(DeliveryUnavailable, match="451"):
            send_email(settings, msg, timeout=5)
    with FakeSmtp(reply="554 no thanks", auth=False) as server:
        settings = SmtpSettings("127.0.0.1", server.port, "a@example.org", "none")
        with pytest.raises(DeliveryError, match="554") as err:
            send_email(settings, msg, timeout=5)
        assert not isinstance(err.value, DeliveryUnavailable)


def test_a_refused_connection_is_temporary(week) -> None:
    msg, _ = _message(week)
    settings = SmtpSettings("127.0.0.1", free_port(), "a@example.org", "none")
    with pytest.raises(DeliveryUnavailable, match="try again later"):
        send_email(settings, msg, timeout=5)


# -- webhooks ------------------------------------------------------------------------------


def test_webhook_500_then_200_is_retried_with_a_visible_wait(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    waits: list[tuple[float, str]] = []
    with FakeWebhook(500, 200) as hook:
        dest = webhook_destination(hook.url)
        tries = post_webhook(
            dest, {"text": "hi"}, backoff=0.5, on_wait=lambda s, r: waits.append((s, r)),
            sleep=lambda s: None,
        )  # fmt: skip
    assert tries == 2 and len(hook.received) == 2
    assert hook.received[1].json() == {"text": "hi"}
    assert hook.received[1].headers["content-type"] == "application/json"
    assert waits == [(0.5, "webhook 127.0.0.1/…: HTTP 500; retry 1 of 2")]
    assert "SECRETTOKEN" not in caplog.text


def test_webhook_keeps_failing_is_temporary_after_three_attempts() -> None:
    slept: list[float] = []
    failing = pytest.raises(DeliveryUnavailable, match="HTTP 503 after 3 attempts")
    with FakeWebhook(503) as hook, failing as err:
        post_webhook(webhook_destination(hook.url), {}, backoff=0.25, sleep=slept.append)
    assert len(hook.received) == 3 and slept == [0.25, 0.5]
    assert "SECRETTOKEN" not in str(err.value)


def test_webhook_4xx_is_permanent_and_not_retried() -> None:
    with FakeWebhook(404) as hook, pytest.raises(DeliveryError, match="HTTP 404") as err:
        post_webhook(webhook_destination(hook.url), {}, sleep=lambda s: None)
    assert not isinstance(err.value, DeliveryUnavailable)
    assert len(hook.received) == 1


def test_webhook_timeout_is_retried() -> None:
    with FakeWebhook(200, stall=1.0, stalls=1) as hook:
        tries = post_webhook(webhook_destination(hook.url), {}, timeout=0.3, sleep=lambda s: None)
    assert tries == 2 and len(hook.received) == 2


def test_webhook_connection_refused_is_temporary() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dest = webhook_destination(f"http://127.0.0.1:{port}/hook/SECRET")
    with pytest.raises(DeliveryUnavailable, match="could not connect") as err:
        post_webhook(dest, {}, attempts=2, sleep=lambda s: None)
    assert "SECRET" not in str(err.value)
