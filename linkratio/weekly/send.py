"""One week to one destination: the mail or the webhook body made and sent, every failure a
DeliveryError (`weekly.deliver` speaks SMTP and HTTP; `weekly.run` records what arrived).

Cheap to import: the renderers and the network load when a week is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from linkratio.errors import DeliveryError, LinkratioError
from linkratio.model import Destination
from linkratio.net.waiting import Waiter

if TYPE_CHECKING:
    from linkratio.analysis.weekly import WeekSummary
    from linkratio.render.weekly import WeeklyFiles


def deliver_week(
    ws: WeekSummary,
    files: WeeklyFiles,
    dest: Destination,
    *,
    now: datetime,
    waiter: Waiter,
    webhook_format: str | None = None,
    on_accepted: Callable[[], None] | None = None,
) -> None:
    """Deliver the week to one destination; whatever goes wrong becomes a DeliveryError.

    `on_accepted()` is called once a mail server has taken the mail (250), before the
    conversation's end: what it records then stands even if the run is stopped during the
    goodbye. An error it raises (the library could not record) is raised as it is, once
    the conversation has ended.
    """
    held: list[LinkratioError] = []

    def accepted() -> None:
        try:
            if on_accepted is not None:
                on_accepted()
        except LinkratioError as exc:  # not the destination's failure: the run's
            held.append(exc)

    try:
        if dest.kind == "email":
            _mail(ws, files, dest, now, accepted)
        else:
            _post(ws, dest, waiter, webhook_format)
    except DeliveryError:
        raise
    except LinkratioError as exc:  # e.g. a setting that turned bad: permanent
        raise DeliveryError(str(exc)) from None
    except (OSError, ValueError) as exc:  # a safety net: one destination never stops the rest
        raise DeliveryError(f"{dest.label}: failed ({type(exc).__name__})") from None
    if held:
        raise held[0]


def _mail(
    ws: WeekSummary,
    files: WeeklyFiles,
    dest: Destination,
    now: datetime,
    on_accepted: Callable[[], None],
) -> None:
    """Mail the week (text, HTML, the chart inline) through the SMTP settings."""
    from linkratio.render import weekly as weekly_render
    from linkratio.weekly import deliver

    settings = deliver.smtp_settings()
    msg = deliver.build_email(
        weekly_render.subject(ws),
        settings.sender,
        dest.target,
        weekly_render.render_text(ws, weekly_render.EMAIL_ITEMS),
        lambda src: weekly_render.render_html(ws, src, weekly_render.EMAIL_ITEMS),
        files.png,
        now=now,
    )
    deliver.send_email(settings, msg, on_accepted=on_accepted)


def _post(ws: WeekSummary, dest: Destination, waiter: Waiter, webhook_format: str | None) -> None:
    """Post the week to a webhook in its format (Slack, Discord or the JSON document)."""
    from linkratio.render import weekly as weekly_render
    from linkratio.weekly import deliver

    payloads = {
        "slack": weekly_render.slack_payload,
        "discord": weekly_render.discord_payload,
        "json": weekly_render.json_payload,
    }
    body = payloads[deliver.webhook_format(dest, webhook_format)](ws)
    deliver.post_webhook(dest, body, on_wait=waiter.on_wait, sleep=waiter.sleep)
