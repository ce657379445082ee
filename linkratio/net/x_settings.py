"""What the X client is set up with: credentials, the API base URL, fields asked, prices."""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass, fields
from urllib.parse import urlsplit

from linkratio.errors import SettingError
from linkratio.net.redact import checked_token, hide_userinfo, one_line

OFFICIAL_URL = "https://api.twitter.com"
URL_SETTING = "LINKRATIO_X_API_URL"
"""The environment variable that sends the API requests elsewhere (a proxy, a test server)."""
PRICE_PER_POST = 0.005
"""US dollars per post read with the app bearer token (pay-per-use)."""
PRICE_PER_OWNED_POST = 0.001
"""US dollars per post of the owner read with the owner's own user tokens."""
PRICE_PER_USER = 0.010
"""US dollars per user read: the lookup of an account by its handle, or of the tokens' owner."""
TIMELINE_CAP = 3200
"""The user timeline endpoint serves at most this many of the newest posts."""
PAGE_SIZE = 100
TWEET_FIELDS = (
    "attachments",
    "author_id",
    "conversation_id",
    "created_at",
    "edit_history_tweet_ids",
    "entities",
    "in_reply_to_user_id",
    "note_tweet",
    "referenced_tweets",
)
EXPANSIONS = (
    "author_id",
    "attachments.media_keys",
    "in_reply_to_user_id",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
)
USER_FIELDS = ("username",)


@dataclass(frozen=True)
class Credentials:
    """X API credentials: an app bearer token and/or the owner's OAuth 1.0a user tokens."""

    bearer_token: str | None = None
    consumer_key: str | None = None
    consumer_secret: str | None = None
    access_token: str | None = None
    access_token_secret: str | None = None

    def __repr__(self) -> str:
        shown = (f"{f.name}={'***' if getattr(self, f.name) else None}" for f in fields(self))
        return f"Credentials({', '.join(shown)})"

    @property
    def has_bearer(self) -> bool:
        """True when an app bearer token is set."""
        return bool(self.bearer_token)

    @property
    def has_user_context(self) -> bool:
        """True when all four OAuth 1.0a user credentials are set."""
        return all(
            (self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret)
        )

    def by_name(self) -> dict[str, str | None]:
        """Every credential by its name (tweepy.Client's keyword for it)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def owner_key(self) -> str:
        """The setting a library remembers the user tokens' account under: a hash, no token."""
        digest = hashlib.sha256(f"{self.consumer_key}:{self.access_token}".encode()).hexdigest()
        return f"x.me.{digest[:24]}"

    def values(self) -> tuple[str, ...]:
        """The credential strings that are set, for masking."""
        return tuple(str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name))


def load_credentials() -> Credentials:
    """The X credentials from the environment or the config file (`x.*` settings)."""
    from linkratio import config

    keys = [f"x.{f.name}" for f in fields(Credentials)]
    return Credentials(
        *(checked_token(config.get(key), f"{config.KEYS[key]} ({key})", "x") for key in keys)
    )


def api_base_url() -> str:
    """The X API base URL: `LINKRATIO_X_API_URL`, default https://api.twitter.com."""
    return (os.environ.get(URL_SETTING) or OFFICIAL_URL).rstrip("/")


def checked_url(url: str) -> str:
    """`url` without a trailing slash if it is an http(s) base URL, else SettingError.

    A `user:password` in it is masked in every message from then on (`hide_userinfo`).
    """
    hide_userinfo(url)
    try:
        parts = urlsplit(url)
        usable = parts.port is None or parts.port > 0  # .port: ValueError past 65535
    except ValueError:  # e.g. "http://[::1"
        usable = False
    if not usable or parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise SettingError(
            f"{URL_SETTING} must be an http(s) base URL, not {one_line(url, 80)!r}", platform="x"
        )
    return url.rstrip("/")


def max_backfill_cost(posts: int = TIMELINE_CAP, *, owned: bool, lookups: int = 0) -> float:
    """What a first backfill of up to `posts` posts (and `lookups` user lookups) may cost at
    most, in US dollars rounded up to the cent (201 posts at $0.005 are $1.005: $1.01)."""
    price = PRICE_PER_OWNED_POST if owned else PRICE_PER_POST
    dollars = max(0, min(posts, TIMELINE_CAP)) * price + max(0, lookups) * PRICE_PER_USER
    return math.ceil(round(dollars * 100, 6)) / 100  # no float noise to round
