"""One Mastodon instance's public API: look an account up, read its statuses page by page."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from linkratio import config
from linkratio.accounts import ascii_instance
from linkratio.errors import AccountError, ApiError, ApiUnavailable, AuthError, SettingError
from linkratio.model import Account
from linkratio.net.closing import Closing
from linkratio.net.page import Page, Start, follow, page_limit
from linkratio.net.redact import checked_token
from linkratio.net.service import ServiceClient, checked_base_url
from linkratio.sources.common import kind_of
from linkratio.sources.mastodon import account_of, api_posts, statuses_of

MASTODON_SCHEME_SETTING = "LINKRATIO_MASTODON_SCHEME"
"""`https` (default) or `http`, which is allowed only for a loopback instance (tests)."""
PAGE_LIMIT = 40
PLATFORM = "mastodon"
_INSTANCE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?(?::\d{1,5})?")
_USER = re.compile(r"[\w.\-]+")
_LOCAL_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
"""An instance's own account id: digits on Mastodon, other letters on Pleroma or GoToSocial."""


def split_handle(name: str) -> tuple[str, str]:
    """`@alice@example.social` -> ("alice", "example.social"), else SettingError."""
    user, _, instance = name.strip().removeprefix("@").partition("@")
    instance = ascii_instance(instance)
    if not user or _INSTANCE.fullmatch(instance) is None or not _USER.fullmatch(user):
        raise SettingError(
            f"{name!r} is not a Mastodon handle: expected mastodon:@user@instance "
            "(e.g. mastodon:@alice@example.social)",
            platform=PLATFORM,
        )
    return user, instance.lower()


def _mastodon_refusal(
    instance: str, with_token: bool
) -> Callable[[int, dict[str, Any], str], ApiError | None]:
    def refusal(status: int, body: dict[str, Any], subject: str) -> ApiError | None:
        said = " ".join(str(body.get("error") or "").split())[:160]
        said = f" ({said})" if said else ""
        if status in (401, 403):
            if with_token:
                return AuthError(
                    f"{instance} rejected the access token (HTTP {status}){said}: check "
                    "LINKRATIO_MASTODON_TOKEN / 'linkratio config set mastodon.token'",
                    platform=PLATFORM,
                )
            return AuthError(
                f"{instance} refuses public access to its API (HTTP {status}){said}: set an "
                "access token for it with 'linkratio config set mastodon.token' and "
                f"'echo {instance} | linkratio config set mastodon.instance' (or "
                "LINKRATIO_MASTODON_TOKEN and LINKRATIO_MASTODON_INSTANCE)",
                platform=PLATFORM,
            )
        if status in (404, 410):
            gone = "is suspended or gone" if status == 410 else "does not exist"
            return AccountError(
                f"Mastodon account {subject} {gone} on {instance}{said}", platform=PLATFORM
            )
        return None

    return refusal


def _bare_instance(value: str) -> str:
    """`https://Example.Social/` -> `example.social` (what `mastodon.instance` may hold)."""
    value = value.strip().lower()
    return ascii_instance(value.split("://", 1)[-1].split("/", 1)[0])


def configured_token(instance: str) -> str | None:
    """The configured access token, only if `mastodon.instance` names `instance`.

    A token belongs to one account on one instance: sending it to any other instance the
    user happens to name would hand it to a stranger, so without a matching
    `mastodon.instance` (or `LINKRATIO_MASTODON_INSTANCE`) no token is sent at all.
    """
    token = config.get("mastodon.token")
    home = config.get("mastodon.instance")
    if not token or not home or _bare_instance(home) != _bare_instance(instance):
        return None
    setting = f"{config.KEYS['mastodon.token']} (mastodon.token)"
    return checked_token(token, setting, PLATFORM)


def _malformed_account(body: dict[str, Any]) -> str:
    """What is wrong with a looked-up account object, or "" (its id goes into a path)."""
    local_id = body.get("id")
    if isinstance(local_id, bool) or not isinstance(local_id, str | int):
        return f"id is {kind_of(local_id)}, expected a string"
    if not _LOCAL_ID.fullmatch(str(local_id)):
        return "id is not a plain account id"
    for name in ("url", "uri", "acct", "username"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            return f"{name} is {kind_of(value)}, expected a string"
    return ""


class MastodonApi(Closing):
    """One Mastodon instance: look an account up, read its statuses page by page."""

    platform = PLATFORM
    timeline_cap: int | None = None
    min_page = 1
    ordered_cursor = False

    def __init__(self, instance: str, token: str | None = None, **options: Any) -> None:
        """`token` is sent as given; without it, the configured one if it is for `instance`."""
        self._options = options
        self._local_ids: dict[str, str] = {}
        self._earlier_requests = 0
        self._connect(instance, token or configured_token(instance))

    @property
    def requests(self) -> int:
        """HTTP requests sent so far, to every server asked."""
        return self._earlier_requests + self.http.requests

    def _connect(self, instance: str, token: str | None) -> None:
        scheme = (os.environ.get(MASTODON_SCHEME_SETTING) or "https").strip().lower()
        base = checked_base_url(f"{scheme}://{instance}", MASTODON_SCHEME_SETTING, PLATFORM)
        self.instance = instance
        self.http = ServiceClient(
            instance,
            base,
            platform=PLATFORM,
            token=token,
            refusal=_mastodon_refusal(instance, bool(token)),
            **self._options,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def resolve(self, handle: str) -> Account:
        """The account `@user@domain` (keyed by its profile URL), looked up where it lives.

        That is the instance at `domain`, or the server its WebFinger names: a handle's
        domain may differ from its server's (`@me@example.com` on `social.example.com`).
        """
        user, named = split_handle(handle)
        subject = f"@{user}@{named}"
        try:
            body = self.http.get_json("/api/v1/accounts/lookup", {"acct": user}, subject)
        except AccountError as err:
            server = self._webfinger(user, named)
            if server is None:
                raise AccountError(
                    f"{err} (if its server is not {named}, name the server: "
                    f"mastodon:@{user}@SERVER)",
                    platform=PLATFORM,
                ) from None
            self.http.close()
            self._earlier_requests += self.http.requests
            self._connect(server, configured_token(server))
            body = self.http.get_json(
                "/api/v1/accounts/lookup", {"acct": f"{user}@{named}"}, subject
            )
        if not isinstance(body, dict) or body.get("id") is None:
            raise ApiUnavailable(
                f"{self.instance} answered the lookup of {subject} oddly", platform=PLATFORM
            )
        wrong = _malformed_account(body)
        if wrong:
            raise ApiError(
                f"{self.instance} answered a malformed account {subject}: {wrong}",
                platform=PLATFORM,
            )
        account = account_of(body)
        if self.instance != named and "@" not in str(body.get("acct")):
            account = replace(account, handle=f"{user}@{named}")  # the handle, not the server
        self._local_ids[account.id or ""] = str(body["id"])
        return account

    def _webfinger(self, user: str, domain: str) -> str | None:
        """The server (host) that WebFinger at `domain` names for `user`, if another one."""
        try:
            jrd = self.http.get_json(
                "/.well-known/webfinger", {"resource": f"acct:{user}@{domain}"}, f"@{user}"
            )
        except ApiError:
            return None
        links = jrd.get("links") if isinstance(jrd, dict) else None
        for link in links if isinstance(links, list) else ():
            if isinstance(link, dict) and link.get("rel") == "self" and link.get("href"):
                server = urlsplit(str(link["href"])).netloc.lower()
                if _INSTANCE.fullmatch(server) and server != domain:
                    return server
        return None

    def _cursor(self, body: list[dict[str, Any]], subject: str) -> str | None:
        """The id of a page's last status (where the next page starts); None on the last."""
        if not body:
            return None
        last = body[-1].get("id")
        if last is None:
            raise ApiUnavailable(
                f"{self.instance} answered a status without an id", platform=PLATFORM
            )
        if isinstance(last, bool) or not isinstance(last, str | int):
            raise ApiError(
                f"{self.instance} answered a malformed page of {subject}'s statuses: the last "
                f"status id is {kind_of(last)}, expected a string",
                platform=PLATFORM,
            )
        return str(last)

    def pages(self, account: Account, start: Start | None = None) -> Iterator[Page]:
        """The account's statuses, replies and boosts included, 40 a page, older than the cursor."""
        local_id = self._local_ids.get(account.id or "")
        if local_id is None:
            raise SettingError(
                f"resolve {account.handle} before reading its statuses", platform=PLATFORM
            )
        subject = f"@{account.handle}"
        cursor = start.cursor if start else None
        wanted = start.limit if start else None
        followed: set[str] = set()
        while True:
            follow(cursor, followed, PLATFORM, subject, "cursor")
            params: dict[str, str | int] = {"limit": page_limit(PAGE_LIMIT, wanted)}
            if cursor:
                params["max_id"] = cursor
            body = self.http.get_json(f"/api/v1/accounts/{local_id}/statuses", params, subject)
            if not isinstance(body, list) or statuses_of(body) is None:
                raise ApiUnavailable(
                    f"{self.instance} answered {subject}'s statuses oddly", platform=PLATFORM
                )
            cursor = self._cursor(body, subject)
            wanted = None if wanted is None else wanted - len(body)
            yield Page(api_posts(body), cursor, last=cursor is None, served=len(body))
            if cursor is None:
                return
