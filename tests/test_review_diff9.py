"""Review of the ninth session's own changes (rv9-diff): each test failed before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkratio import config
from linkratio.cli import main


def test_config_unset_works_beside_a_stray_key(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`config unset` is a way to fix the file, as `config set` is: a misspelt key elsewhere
    made it the 'unknown setting' error, so a known key could not be removed."""
    config_file.write_text('[weekly]\nemails = "me@example.org"\n[smtp]\nhost = "mail.x"\n')
    assert main(["config", "unset", "smtp.host"]) == 0
    text = config_file.read_text()
    assert "mail.x" not in text and 'emails = "me@example.org"' in text
    assert "removed" in capsys.readouterr().out


def test_config_unset_removes_a_value_of_the_wrong_type(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A known key whose value linkratio refuses (a list of addresses) can be unset: it was
    the very 'weekly.email is a list' error unset was asked to clear."""
    config_file.write_text('[weekly]\nemail = ["a@example.org", "b@example.org"]\n')
    assert main(["config", "unset", "weekly.email"]) == 0
    assert "a@example.org" not in config_file.read_text()
    assert config.get("weekly.email") is None
    capsys.readouterr()


def test_a_webhook_2xx_that_claims_a_huge_body_is_delivered_once() -> None:
    """A 2xx is delivered once its status line is in (16e3461), whatever length its body
    claims: a 200 saying `content-length: 50000000` was 'sent 48 MiB, more than the 1 MiB
    cap', a failed delivery of a message the channel had."""
    from fakes.scripted import Answer, Scripted

    from linkratio.weekly import deliver

    with Scripted(lambda _: Answer(200, b"ok", length=50_000_000)) as hook:
        dest = deliver.webhook_destination(f"{hook.url}/services/T0/B0/TOKEN")
        assert deliver.post_webhook(dest, {"text": "hi"}, sleep=lambda _: None) == 1
        assert len(hook.asked) == 1


def _ssl_error(reason: str) -> OSError:
    """What the ssl module raises for `reason` (its reason attribute set as _ssl sets it)."""
    import ssl

    err = ssl.SSLError(1, f"[SSL] {reason.lower().replace('_', ' ')} (_ssl.c:1000)")
    err.reason = reason  # type: ignore[misc]
    return err


@pytest.mark.parametrize("reason", ["WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE"])
def test_tls_to_a_plain_text_port_is_known_on_openssl_3_2_too(reason: str) -> None:
    """OpenSSL 3.2 and later say 'record layer failure' where 3.0 said 'wrong version
    number' (urllib3 #3271): there, https to a plain port was still retried as a network
    failure, webhooks and the Bluesky/Mastodon clients alike."""
    import httpx

    from linkratio.net.policy import tls_problem

    try:
        try:
            raise _ssl_error(reason)
        except OSError as inner:
            raise httpx.ConnectError(str(inner)) from inner
    except httpx.ConnectError as outer:
        assert tls_problem(outer) == "the server speaks no TLS there"


def test_smtp_tls_to_a_plain_text_port_is_known_on_openssl_3_2_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The email side of the same: smtp.tls ssl against a plain port is a setting to fix."""
    from linkratio.errors import DeliveryError
    from linkratio.weekly import deliver

    def refuse(*args: object, **kwargs: object) -> None:
        raise _ssl_error("RECORD_LAYER_FAILURE")

    monkeypatch.setattr(deliver, "_smtp", refuse)
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["To"] = "you@example.org"
    settings = deliver.SmtpSettings(host="127.0.0.1", port=2, sender="me@example.org", tls="ssl")
    with pytest.raises(DeliveryError, match="speaks no TLS"):
        deliver.send_email(settings, msg)


def test_reinstalling_the_same_account_spelt_in_other_case_replaces_its_own_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`schedule @Me --install` after `schedule @me --install` is the same account (handles
    are case-insensitive, the library finds it either way): it was refused as 'the weekly
    job of @me', telling the user to remove their own job first."""
    import io

    from helpers import one_account_home

    from linkratio.weekly import schedule

    home = one_account_home(tmp_path, monkeypatch, "me", "@ana hi")
    monkeypatch.setattr(schedule, "run_systemctl", lambda args: 0)
    units = home / "xdg" / "systemd" / "user"
    args = ["--email", "a@example.org", "--tz", "UTC", "--install", "-q"]
    assert main(["schedule", "@me", *args], io.StringIO()) == 0
    assert main(["schedule", "@Me", *args, "--at", "08:00"], io.StringIO()) == 0, (
        capsys.readouterr().err
    )
    assert "08:00" in (units / schedule.TIMER).read_text()


def test_a_worker_keeps_a_bounded_number_of_warnings_and_counts_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cohort worker kept every warning it logged to hand back: a 3 MB X JSONL file of
    1.5 million bad lines read with --skip-invalid peaked at 842 MB (a 32 MB task of them,
    about 9 GB). It keeps the first ones and says how many more there were."""
    import logging

    from linkratio.cohort import tasks

    monkeypatch.setattr(tasks, "BUILDER_PID", 0)  # as in a worker (an earlier build set it)
    logger = logging.getLogger("linkratio.sources.jsonpages")
    with tasks._kept_warnings() as kept:
        for n in range(50_000):
            logger.warning("line %d: not valid JSON; skipped", n)
    assert 1 < len(kept) <= 1_001
    assert kept[0][2] == "line 0: not valid JSON; skipped"
    said = kept[-1][2]
    assert f"{50_000 - (len(kept) - 1):,} more" in said and kept[-1][1] == logging.WARNING
