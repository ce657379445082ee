"""A fake Bluesky AppView and a fake Mastodon instance on 127.0.0.1, in one HTTP server.

They serve real responses (tests/fixtures/bluesky, tests/fixtures/mastodon) and copies of
them with new ids and times, the way the services do: newest first, `limit`, Bluesky's
opaque `cursor` (absent on the last page), Mastodon's `max_id` (an empty array after the
last page), `app.bsky.actor.getProfile` and `/api/v1/accounts/lookup`, the services' error
bodies, rate-limit headers, and scripted `Fault`s (an HTTP status with headers, a stall,
a non-JSON answer). Every request is recorded.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from fakes.base import Exchange, FakeServer, Request

FIXTURES = Path(__file__).parents[1] / "fixtures"
BSKY_FEED = FIXTURES / "bluesky" / "getAuthorFeed.json"
MASTODON_PAGES = [
    FIXTURES / "mastodon" / "get_account_statuses_limit.1.body.json",
    FIXTURES / "mastodon" / "get_account_statuses_limit.2.body.json",
]
OWNER_DID = "did:plc:iijrtk7ocored6zuziwmqq3c"
OWNER_HANDLE = "shinyakato.dev"
MASTODON_USER = "schochastics"
MASTODON_LOCAL_ID = "109302436954721982"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# --- Data ---------------------------------------------------------------------------


def real_feed() -> list[dict[str, Any]]:
    """The 25 real getAuthorFeed items of shinyakato.dev, newest first."""
    return orjson.loads(BSKY_FEED.read_bytes())["feed"]


def bsky_copy(item: dict[str, Any], when: datetime, n: int) -> dict[str, Any]:
    """A copy of a real feed item as a new post (or repost) made at `when`."""
    new = copy.deepcopy(item)
    post = new["post"]
    did = post["uri"][5:].split("/", 1)[0]
    post["uri"] = f"at://{did}/app.bsky.feed.post/copy{n:06d}"
    post["record"]["createdAt"] = _iso(when)
    post["indexedAt"] = _iso(when)
    if "reason" in new:
        new["reason"]["indexedAt"] = _iso(when)
    return new


def sort_time(item: dict[str, Any]) -> str:
    """When a feed item sorts (the repost's time for a repost), as the AppView orders them."""
    return str((item.get("reason") or {}).get("indexedAt") or item["post"]["indexedAt"])


def bsky_feed(total: int, start: datetime | None = None) -> list[dict[str, Any]]:
    """`total` feed items newest first: the real 25 shapes repeated, an hour apart."""
    real = real_feed()
    start = start or datetime(2024, 6, 1, tzinfo=UTC)
    return [bsky_copy(real[i % len(real)], start - timedelta(hours=i), i) for i in range(total)]


def real_statuses() -> list[dict[str, Any]]:
    """The 40 real statuses of @schochastics@fosstodon.org (two API pages), newest first."""
    out: list[dict[str, Any]] = []
    for page in MASTODON_PAGES:
        out += orjson.loads(page.read_bytes())
    return out


def mastodon_copy(
    status: dict[str, Any], when: datetime, local_id: int, base: str
) -> dict[str, Any]:
    """A copy of a real status with a new id, uri and time, served by the instance at `base`."""
    new = copy.deepcopy(status)
    new["id"] = str(local_id)
    new["created_at"] = _iso(when)
    new["uri"] = f"{base}/users/{MASTODON_USER}/statuses/{local_id}"
    new["url"] = f"{base}/@{MASTODON_USER}/{local_id}"
    account = new["account"]
    account["url"] = f"{base}/@{MASTODON_USER}"
    account["uri"] = f"{base}/users/{MASTODON_USER}"
    return new


def mastodon_statuses(total: int, base: str, start: datetime | None = None) -> list[dict[str, Any]]:
    """`total` statuses newest first (ids descending), real shapes repeated, an hour apart."""
    real = real_statuses()
    start = start or datetime(2025, 7, 1, tzinfo=UTC)
    top = 114800000000000000
    return [
        mastodon_copy(real[i % len(real)], start - timedelta(hours=i), top - i * 1000, base)
        for i in range(total)
    ]


# --- Server ------------------------------------------------------------------------


@dataclass
class Fault:
    """A scripted answer for requests whose path starts with `path` (the next `times`)."""

    path: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"error":"InternalServerError","message":"boom"}'
    content_type: str = "application/json"
    stall: float = 0.0
    """Seconds to hold the request before answering (a stalled server)."""
    drip: float = 0.0
    """Seconds between the body's bytes (a server trickling its answer)."""
    times: int = 1


class FakeSocial(FakeServer):
    """Both fake services; start with `with FakeSocial() as fake:`, then use `fake.url`."""

    def __init__(self) -> None:
        super().__init__()
        self.feed: list[dict[str, Any]] = bsky_feed(25)
        self.profiles: dict[str, str] = {OWNER_HANDLE: OWNER_DID}
        self.statuses: list[dict[str, Any]] = []
        self.public_access = True
        self.has_accounts = True
        """False: a domain that only points at its server (by WebFinger), with no accounts."""
        self.webfinger: dict[str, str] = {}
        """`acct:user@domain` -> the href of the account's ActivityPub actor."""
        self.token: str | None = None
        self.faults: list[Fault] = []
        self.remaining: int | None = None
        """When set, every answer carries `ratelimit-remaining` with it (then decrements)."""
        self.statuses = mastodon_statuses(40, self.url)

    @property
    def url(self) -> str:
        """The base URL of both services (`host` is the Mastodon instance name)."""
        return self.origin

    def calls(self, path: str) -> list[Request]:
        """The recorded requests for `path` (or any path that contains it)."""
        return self.seen(path)

    # -- answers ---------------------------------------------------------------------

    def answer(self, exchange: Exchange) -> None:
        """Answer a scripted fault, or the service's JSON (with rate-limit headers if set)."""
        request = exchange.request
        fault = self.fault_for(request.path)
        if fault is not None:
            if fault.stall and exchange.wait(fault.stall):
                return
            exchange.send(fault.status, fault.body, fault.headers, fault.content_type, fault.drip)
            return
        status, body = self.route(request.path, request.query, request.headers.get("authorization"))
        extra = {}
        if self.remaining is not None:
            extra = {"ratelimit-remaining": str(self.remaining), "ratelimit-reset": "1"}
            self.remaining -= 1
        exchange.send(status, orjson.dumps(body), extra, "application/json")

    def route(self, path: str, params: dict[str, str], auth: str | None) -> tuple[int, Any]:
        """(status, JSON body) for one request."""
        if path == "/xrpc/app.bsky.actor.getProfile":
            did = self.profiles.get(params.get("actor", ""))
            if did is None and params.get("actor") in self.profiles.values():
                did = params["actor"]
            if did is None:
                return 400, {"error": "InvalidRequest", "message": "Profile not found"}
            handle = next(h for h, d in self.profiles.items() if d == did)
            return 200, {"did": did, "handle": handle, "displayName": "x", "postsCount": 1}
        if path == "/xrpc/app.bsky.feed.getAuthorFeed":
            return self._author_feed(params)
        if path == "/.well-known/webfinger":
            href = self.webfinger.get(params.get("resource", ""))
            if href is None:
                return 404, {}
            link = {"rel": "self", "type": "application/activity+json", "href": href}
            return 200, {"subject": params["resource"], "links": [link]}
        if path.startswith("/api/v1/"):
            if not self.public_access and auth != f"Bearer {self.token}":
                return 401, {"error": "This API requires an authenticated user"}
            if path == "/api/v1/accounts/lookup":
                if not self.has_accounts or params.get("acct", "").split("@")[0] != MASTODON_USER:
                    return 404, {"error": "Record not found"}
                account = copy.deepcopy(real_statuses()[0]["account"])
                account["url"] = f"{self.url}/@{MASTODON_USER}"
                return 200, account
            if path == f"/api/v1/accounts/{MASTODON_LOCAL_ID}/statuses":
                return self._statuses(params)
        return 404, {"error": "Not Found"}

    def _author_feed(self, params: dict[str, str]) -> tuple[int, Any]:
        if params.get("actor") not in self.profiles.values():
            return 400, {"error": "InvalidRequest", "message": "Profile not found"}
        # Like the AppView, the cursor is the sort time of the page's last item, so posts
        # made while a client pages through do not shift the pages it has yet to read.
        limit = int(params.get("limit", 50))
        before = params["cursor"].split("::")[0] if params.get("cursor") else None
        older = [i for i in self.feed if before is None or sort_time(i) < before]
        items = older[:limit]
        body: dict[str, Any] = {"feed": items}
        if len(older) > limit:
            # Shaped like the real cursor: "<sort key>::<cid>" (opaque to clients).
            body["cursor"] = f"{sort_time(items[-1])}::bafyreihdpdn7uiqmshzb2y4o67gzy2a"
        return 200, body

    def _statuses(self, params: dict[str, str]) -> tuple[int, Any]:
        limit = min(int(params.get("limit", 20)), 40)
        max_id = int(params["max_id"]) if params.get("max_id") else None
        older = [s for s in self.statuses if max_id is None or int(s["id"]) < max_id]
        return 200, older[:limit]

    def fault_for(self, path: str) -> Fault | None:
        """The first scripted fault for `path` that has uses left (used up by this call)."""
        for fault in self.faults:
            if fault.times > 0 and path.startswith(fault.path):
                fault.times -= 1
                return fault
        return None
