"""A fake X API v2 on 127.0.0.1 for tests: user lookup, /2/users/me and user timelines.

It serves real tweet objects (the `GET /2/users/:id/tweets` page of twarc-csv's
withheld.jsonl, MIT) and copies of them with new snowflake ids, the way the API does:
newest first, `max_results`, opaque `pagination_token`s, `since_id`, `until_id`,
`start_time` (a token goes on after the last tweet it was issued for, under the filters
of the request that carries it), only the requested fields and expansions, the 3,200-post
cap, bearer or
OAuth 1.0a authentication (the signature is checked against the official URL, which is
what tweepy signs), rate-limit headers, and scripted `Fault`s. Every request is recorded.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from oauthlib.oauth1.rfc5849 import signature, utils

from fakes.base import Exchange, FakeServer, Request

FIXTURE = Path(__file__).parents[1] / "fixtures" / "x_v2" / "withheld_line4_user_timeline.jsonl"
OFFICIAL_URL = "https://api.twitter.com"
TWITTER_EPOCH_MS = 1288834974657
WINDOW = 900
PROBLEMS = "https://api.twitter.com/2/problems/"


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


TWEET_FIELDS = _names(
    "article attachments author_id card_uri community_id context_annotations "
    "conversation_id created_at display_text_range edit_controls edit_history_tweet_ids "
    "entities geo id in_reply_to_user_id lang media_metadata non_public_metrics note_tweet "
    "organic_metrics possibly_sensitive promoted_metrics public_metrics referenced_tweets "
    "reply_settings scopes source text withheld"
)
EXPANSIONS = _names(
    "article.cover_media article.media_entities attachments.media_keys "
    "attachments.media_source_tweet attachments.poll_ids author_id edit_history_tweet_ids "
    "entities.mentions.username entities.note.mentions.username geo.place_id "
    "in_reply_to_user_id referenced_tweets.id referenced_tweets.id.attachments.media_keys "
    "referenced_tweets.id.author_id"
)
USER_FIELDS = _names(
    "affiliation connection_status created_at description entities id location "
    "most_recent_tweet_id name pinned_tweet_id profile_banner_url profile_image_url "
    "protected public_metrics receives_your_dm subscription_type url username verified "
    "verified_type withheld"
)
MEDIA_FIELDS = _names(
    "alt_text duration_ms height media_key non_public_metrics organic_metrics "
    "preview_image_url promoted_metrics public_metrics type url variants width"
)
TIMELINE_PARAMS = _names(
    "end_time exclude expansions max_results media.fields pagination_token place.fields "
    "poll.fields since_id start_time tweet.fields until_id user.fields"
)
DEFAULT_TWEET = frozenset({"id", "text", "edit_history_tweet_ids"})
DEFAULT_USER = frozenset({"id", "name", "username"})
IMPLIED_BY = {
    "author_id": "author_id",
    "in_reply_to_user_id": "in_reply_to_user_id",
    "referenced_tweets.id": "referenced_tweets",
    "attachments.media_keys": "attachments",
}


# --- Data ---------------------------------------------------------------------------


def load_page() -> dict[str, Any]:
    """The real `GET /2/users/2351222345/tweets` page (100 tweets, full fields)."""
    return orjson.loads(FIXTURE.read_bytes())


def snowflake(when: datetime, sequence: int = 0) -> str:
    """An X id for a post created at `when`."""
    ms = int(when.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((ms << 22) | (sequence & 0xFFF))


def copy_tweet(tweet: dict[str, Any], when: datetime, sequence: int = 0) -> dict[str, Any]:
    """A copy of a real tweet with a new id created at `when` (its own thread if it was)."""
    new = copy.deepcopy(tweet)
    new["id"] = snowflake(when, sequence)
    new["created_at"] = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if tweet.get("conversation_id") == tweet["id"]:
        new["conversation_id"] = new["id"]
    new["edit_history_tweet_ids"] = [new["id"]]
    return new


def real_tweets() -> list[dict[str, Any]]:
    """The fixture's 100 tweets, newest first, with the `edit_history_tweet_ids` X now adds."""
    tweets = load_page()["data"]
    for tweet in tweets:
        tweet.setdefault("edit_history_tweet_ids", [tweet["id"]])
    return sorted(tweets, key=lambda t: int(t["id"]), reverse=True)


def timeline(total: int, newer: int = 0) -> list[dict[str, Any]]:
    """`total` tweets newest first: `newer` copies newer than the real 100, then the real
    ones, then copies older than them (an hour apart) to make up the rest."""
    real = real_tweets()
    newest = datetime.fromisoformat(real[0]["created_at"])
    oldest = datetime.fromisoformat(real[-1]["created_at"])
    fresh = [
        copy_tweet(real[i % 100], newest + timedelta(hours=newer - i), i) for i in range(newer)
    ]
    older = [
        copy_tweet(real[i % 100], oldest - timedelta(hours=i + 1), i)
        for i in range(max(0, total - newer - len(real)))
    ]
    return (fresh + real + older)[:total]


# --- Faults and records -------------------------------------------------------------


@dataclass
class Fault:
    """A scripted answer for the requests it matches, instead of (or before) the real one."""

    status: int | None = 503
    """The status to answer; None answers normally (after `stall`)."""
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0
    """Seconds to wait before answering (longer than the client's timeout: a stall)."""
    reset_in: float | None = None
    """For a 429: `x-rate-limit-reset` is this many seconds from now."""
    path: str | None = None
    """A regular expression the path must contain; None matches every path."""
    at: frozenset[int] | None = None
    """The request numbers (1-based, all paths) it applies to; None for any."""
    times: int | None = 1
    """How many requests it answers; None for all that match."""


def rate_limited(reset_in: float = 2.0, **kw: Any) -> Fault:
    """429 Too Many Requests with a reset `reset_in` seconds ahead."""
    body = {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    return Fault(429, body, reset_in=reset_in, **kw)


def unavailable(**kw: Any) -> Fault:
    """503 Service Unavailable."""
    body = {
        "title": "Service Unavailable",
        "detail": "Service Unavailable",
        "type": "about:blank",
        "status": 503,
    }
    return Fault(503, body, **kw)


def stall(seconds: float, **kw: Any) -> Fault:
    """Answer normally, but only after `seconds`."""
    return Fault(None, stall=seconds, **kw)


def forbidden(body: dict[str, Any], **kw: Any) -> Fault:
    """403 Forbidden with an API problem body."""
    return Fault(403, body, **kw)


CLIENT_NOT_ENROLLED = {
    "client_id": "27411213",
    "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys "
    "and tokens from a Twitter developer App that is attached to a Project. You can create a "
    "project via the developer portal.",
    "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
    "title": "Client Forbidden",
    "required_enrollment": "Appropriate Level of API Access",
    "reason": "client-not-enrolled",
    "type": PROBLEMS + "client-forbidden",
}
UNSUPPORTED_AUTHENTICATION = {
    "title": "Unsupported Authentication",
    "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
    "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    "type": PROBLEMS + "unsupported-authentication",
    "status": 403,
}
USAGE_CAPPED = {
    "account_id": 1234567890,
    "product_name": "standard-basic",
    "title": "UsageCapExceeded",
    "period": "Monthly",
    "scope": "Product",
    "detail": "Usage cap exceeded: Monthly product cap",
    "type": PROBLEMS + "usage-capped",
}
CREDITS_DEPLETED = {
    "title": "CreditsDepleted",
    "detail": "Your enrolled account does not have any credits to fulfill this request.",
    "type": PROBLEMS + "credits",
}
UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}


def not_authorized(user_id: str) -> dict[str, Any]:
    """The 200 answer for the timeline of a protected account."""
    return {
        "errors": [
            {
                "resource_id": user_id,
                "parameter": "id",
                "resource_type": "user",
                "section": "data",
                "title": "Authorization Error",
                "value": user_id,
                "detail": f"Sorry, you are not authorized to see the user with id: [{user_id}].",
                "type": PROBLEMS + "not-authorized-for-resource",
            }
        ]
    }


def _user_error(parameter: str, value: str, suspended: bool) -> dict[str, Any]:
    detail = (
        f"User has been suspended: [{value}]."
        if suspended
        else f"Could not find user with {parameter}: [{value}]."
    )
    return {
        "errors": [
            {
                "value": value,
                "detail": detail,
                "title": "Forbidden" if suspended else "Not Found Error",
                "resource_type": "user",
                "parameter": parameter,
                "resource_id": value,
                "type": PROBLEMS + "resource-not-found",
            }
        ]
    }


def _invalid(parameter: str, value: str, why: str) -> dict[str, Any]:
    return {
        "errors": [
            {
                "parameters": {parameter: [value]},
                "message": f"The `{parameter}` query parameter value [{value}] {why}",
            }
        ],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request",
    }


class Seen(Request):
    """One request as the server received it, with the scheme it authenticated with."""

    @property
    def auth(self) -> str:
        """`bearer`, `oauth1` or `none`, from the Authorization header's scheme."""
        value = self.headers.get("authorization", "")
        return {"bearer": "bearer", "oauth": "oauth1"}.get(value.split(" ")[0].lower(), "none")


# --- Server -------------------------------------------------------------------------


class FakeXApi(FakeServer):
    """The fake API; use as a context manager, point the client at `base_url`."""

    protocol_version = "HTTP/1.1"
    request_class = Seen
    log: list[Seen]

    def __init__(
        self,
        *,
        bearer_token: str,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        cap: int = 3200,
    ) -> None:
        super().__init__()
        self.bearer_token = bearer_token
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.access_token, self.access_token_secret = access_token, access_token_secret
        self.cap = cap
        page = load_page()
        self.users: dict[str, dict[str, Any]] = {u["id"]: u for u in page["includes"]["users"]}
        self.included_tweets = {t["id"]: t for t in page["includes"]["tweets"]}
        self.media = {m["media_key"]: m for m in page["includes"].get("media", [])}
        self.owner_id = page["data"][0]["author_id"]
        self.timelines: dict[str, list[dict[str, Any]]] = {self.owner_id: real_tweets()}
        self.protected: set[str] = set()
        self.suspended: set[str] = set()
        self.faults: list[Fault] = []
        self.tokens: dict[str, tuple[str, str]] = {}
        """Issued pagination tokens: token -> (user id, id of the last tweet served)."""
        self.calls: dict[str, int] = {}
        self._started = time.time()

    @property
    def owner(self) -> dict[str, Any]:
        """The user the access token belongs to (@PhillyNEFL)."""
        return self.users[self.owner_id]

    @property
    def base_url(self) -> str:
        """Where the server listens: http://127.0.0.1:PORT."""
        return self.origin

    def add_user(self, user_id: str, username: str, tweets: Iterable[dict[str, Any]] = ()) -> None:
        """Add an account (and its timeline, newest first)."""
        self.users[user_id] = {"id": user_id, "name": username.title(), "username": username}
        self.timelines[user_id] = list(tweets)

    def script(self, *faults: Fault) -> None:
        """Add faults; the first one that matches a request answers it."""
        with self.lock:
            self.faults.extend(faults)

    # --- Answers ------------------------------------------------------------------

    def answer(self, exchange: Exchange) -> None:
        """Answer one request with JSON, its rate-limit headers and any scripted fault."""
        try:
            status, body, headers = self._respond(exchange)
        except Exception as err:  # a bug of the fake: answer it so that a test fails clearly
            status, body, headers = 500, {"title": "fake server error", "detail": repr(err)}, {}
        exchange.send_json(status, body, headers)

    def _respond(self, exchange: Exchange) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        """Return (status, JSON body, extra headers) for a request."""
        seen = exchange.request
        assert isinstance(seen, Seen)
        fault = self._fault(seen)
        if fault is not None:
            if fault.stall:
                exchange.wait(fault.stall)
            if fault.status is not None:
                headers = self._limits(seen.path, exhausted=fault.status == 429)
                if fault.reset_in is not None:
                    headers["x-rate-limit-reset"] = str(int(time.time() + fault.reset_in))
                return fault.status, fault.body, {**headers, **fault.headers}
        status, body = self._route(seen)
        return status, body, self._limits(seen.path)

    def _fault(self, seen: Seen) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times == 0 or (fault.path and not re.search(fault.path, seen.path)):
                    continue
                if fault.at is not None and seen.number not in fault.at:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def _limits(self, path: str, exhausted: bool = False) -> dict[str, str]:
        endpoint = re.sub(r"/\d+|/by/username/\w+", "/:x", path)
        with self.lock:
            self.calls[endpoint] = self.calls.get(endpoint, 0) + 1
            used = self.calls[endpoint]
        windows = int((time.time() - self._started) // WINDOW) + 1
        return {
            "x-rate-limit-limit": "1500",
            "x-rate-limit-remaining": "0" if exhausted else str(max(0, 1500 - used)),
            "x-rate-limit-reset": str(int(self._started) + windows * WINDOW),
        }

    def _route(self, seen: Seen) -> tuple[int, dict[str, Any]]:
        auth = self._auth(seen)
        if auth is None:
            return 401, UNAUTHORIZED
        if seen.path == "/2/users/me":
            if auth != "oauth1":
                return 403, UNSUPPORTED_AUTHENTICATION
            return 200, {"data": self._user(self.owner, seen.query)}
        if match := re.fullmatch(r"/2/users/by/username/([^/]+)", seen.path):
            return self._by_username(match.group(1), seen.query)
        if match := re.fullmatch(r"/2/users/(\d+)/tweets", seen.path):
            return self._timeline(match.group(1), seen.query, auth)
        return 404, {
            "title": "Not Found Error",
            "detail": f"no route {seen.path}",
            "type": "about:blank",
            "status": 404,
        }

    def _auth(self, seen: Seen) -> str | None:
        """`bearer` or `oauth1` when the Authorization header is valid, else None."""
        value = seen.headers.get("authorization", "")
        if seen.auth == "bearer":
            return "bearer" if value == f"Bearer {self.bearer_token}" else None
        if seen.auth != "oauth1":
            return None
        params = {k: utils.unescape(v) for k, v in utils.parse_authorization_header(value)}
        if (
            params.get("oauth_consumer_key") != self.consumer_key
            or params.get("oauth_token") != self.access_token
            or params.get("oauth_signature_method") != "HMAC-SHA1"
        ):
            return None
        query = urlsplit(seen.target).query
        collected = signature.collect_parameters(
            uri_query=query, headers={"Authorization": value}, exclude_oauth_signature=True
        )
        base = signature.signature_base_string(
            seen.method,
            signature.base_string_uri(OFFICIAL_URL + seen.path),
            signature.normalize_parameters(collected),
        )
        # HMAC-SHA1 of RFC 5849 section 3.4.2, spelled out.
        key = f"{utils.escape(self.consumer_secret)}&{utils.escape(self.access_token_secret)}"
        digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
        expected = base64.b64encode(digest).decode()
        return "oauth1" if params.get("oauth_signature") == expected else None

    def _user(self, user: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        wanted = DEFAULT_USER | set(_split(query.get("user.fields")))
        return {k: v for k, v in user.items() if k in wanted}

    def _by_username(self, name: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if not re.fullmatch(r"[A-Za-z0-9_]{1,15}", name):
            return 400, _invalid("username", name, "does not match ^[A-Za-z0-9_]{1,15}$")
        user = next((u for u in self.users.values() if u["username"].lower() == name.lower()), None)
        if user is None or name.lower() in self.suspended:
            return 200, _user_error("username", name, suspended=name.lower() in self.suspended)
        return 200, {"data": self._user(user, query)}

    def _timeline(self, user_id: str, query: dict[str, str], auth: str) -> tuple[int, Any]:
        bad = self._bad_timeline_query(query)
        if bad is not None:
            return 400, bad
        if user_id not in self.timelines:
            return 200, _user_error("id", user_id, suspended=False)
        if user_id in self.protected and not (auth == "oauth1" and user_id == self.owner_id):
            return 200, not_authorized(user_id)
        tweets = self._selected(user_id, query)
        token = query.get("pagination_token")
        if token is not None:
            if self.tokens.get(token, ("",))[0] != user_id:
                return 400, _invalid("pagination_token", token, "is not valid")
            after = int(self.tokens[token][1])
            tweets = [t for t in tweets if int(t["id"]) < after]
        size = int(query.get("max_results", "10"))
        page, rest = tweets[:size], tweets[size:]
        if not page:
            return 200, {"meta": {"result_count": 0}}
        meta: dict[str, Any] = {
            "result_count": len(page),
            "newest_id": page[0]["id"],
            "oldest_id": page[-1]["id"],
        }
        if rest:
            meta["next_token"] = self._token(user_id, page[-1]["id"])
        return 200, {**self._render(page, query), "meta": meta}

    def _bad_timeline_query(self, query: dict[str, str]) -> dict[str, Any] | None:
        for name, value in query.items():
            if name not in TIMELINE_PARAMS:
                return _invalid(name, value, "is not one of the allowed query parameters")
        size = query.get("max_results", "10")
        if not size.isdigit() or not 5 <= int(size) <= 100:
            return _invalid("max_results", size, "is not between 5 and 100")
        for name, valid in (
            ("tweet.fields", TWEET_FIELDS),
            ("expansions", EXPANSIONS),
            ("user.fields", USER_FIELDS),
            ("media.fields", MEDIA_FIELDS),
        ):
            for value in _split(query.get(name)):
                if value not in valid:
                    return _invalid(name, value, f"is not one of {sorted(valid)}")
        for name in ("since_id", "until_id"):
            if name in query and not query[name].isdigit():
                return _invalid(name, query[name], "is not a valid id")
        return None

    def _selected(self, user_id: str, query: dict[str, str]) -> list[dict[str, Any]]:
        tweets = self.timelines[user_id][: self.cap]
        since, until = query.get("since_id"), query.get("until_id")
        start, end = _time(query.get("start_time")), _time(query.get("end_time"))
        excluded = set(_split(query.get("exclude")))
        kept = []
        for tweet in tweets:
            refs = {r["type"] for r in tweet.get("referenced_tweets", ())}
            created = datetime.fromisoformat(tweet["created_at"])
            if (
                (since and int(tweet["id"]) <= int(since))
                or (until and int(tweet["id"]) >= int(until))
                or (start and created < start)
                or (end and created >= end)
                or ("replies" in excluded and "replied_to" in refs)
                or ("retweets" in excluded and "retweeted" in refs)
            ):
                continue
            kept.append(tweet)
        return kept

    def _token(self, user_id: str, last_id: str) -> str:
        digest = hashlib.sha256(f"{user_id}:{last_id}:{self._started}".encode()).digest()
        token = "".join("0123456789abcdefghijklmnopqrstuvwxyz"[b % 36] for b in digest)[:45]
        with self.lock:
            self.tokens[token] = (user_id, last_id)
        return token

    def _render(self, page: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        """The data and includes of a page, with only the requested fields and expansions."""
        expansions = set(_split(query.get("expansions")))
        wanted = DEFAULT_TWEET | set(_split(query.get("tweet.fields")))
        wanted |= {f for e, f in IMPLIED_BY.items() if e in expansions}
        data = [{k: v for k, v in t.items() if k in wanted} for t in page]
        users: dict[str, dict[str, Any]] = {}
        tweets: dict[str, dict[str, Any]] = {}
        media: dict[str, dict[str, Any]] = {}
        errors = []
        for tweet in page:
            if "referenced_tweets.id" in expansions:
                for ref in tweet.get("referenced_tweets", ()):
                    if ref["id"] in self.included_tweets:
                        tweets[ref["id"]] = self.included_tweets[ref["id"]]
                    else:
                        errors.append(_missing_tweet(ref["id"]))
            for expansion in ("author_id", "in_reply_to_user_id"):
                if expansion in expansions and tweet.get(expansion) in self.users:
                    users[tweet[expansion]] = self.users[tweet[expansion]]
            if "attachments.media_keys" in expansions:
                for key in (tweet.get("attachments") or {}).get("media_keys", ()):
                    if key in self.media:
                        media[key] = self.media[key]
        if "referenced_tweets.id.author_id" in expansions:
            for included in tweets.values():
                if included.get("author_id") in self.users:
                    users[included["author_id"]] = self.users[included["author_id"]]
        includes: dict[str, Any] = {}
        if users:
            includes["users"] = [self._user(u, query) for u in users.values()]
        if tweets:
            includes["tweets"] = [
                {k: v for k, v in t.items() if k in wanted} for t in tweets.values()
            ]
        if media:
            media_wanted = {"media_key", "type"} | set(_split(query.get("media.fields")))
            includes["media"] = [
                {k: v for k, v in m.items() if k in media_wanted} for m in media.values()
            ]
        body: dict[str, Any] = {"data": data}
        if includes:
            body["includes"] = includes
        if errors:
            body["errors"] = errors
        return body


def _missing_tweet(tweet_id: str) -> dict[str, Any]:
    return {
        "value": tweet_id,
        "detail": f"Could not find tweet with referenced_tweets.id: [{tweet_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": "referenced_tweets.id",
        "resource_id": tweet_id,
        "type": PROBLEMS + "resource-not-found",
    }


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
