"""The one network policy of every API and webhook client: time limits, body cap, retries, waits.

- Every read has a timeout (`timeout`) and every answer a deadline (`deadline`, from the
  request's start to its last byte): a server trickling a byte every few seconds is cut off.
- A body larger than `max_body` is refused from its `content-length`, or as soon as the
  streamed bytes pass the cap: nothing is buffered past it.
- 5xx, timeouts and lost connections are retried `retries` times with exponential backoff
  (`backoff`, doubled each time; tenacity runs the loop), or after a 5xx's `retry-after`
  when that is longer. A `retry-after` past `max_wait` stops at once, as a 429's does: no
  hour of 15-minute waits. A host name that does not resolve fails at once: retrying will
  not make it resolve.
- 429 waits for the reset named by `retry-after` (seconds or an HTTP date),
  `x-rate-limit-reset` (X: epoch seconds), `ratelimit-reset` (IETF draft: seconds to go;
  Bluesky: epoch seconds) or `x-ratelimit-reset` (Mastodon: an ISO time), plus a second of
  margin; 60 s when none is usable. A value that makes no sense is ignored, never raised.
  No wait is longer than `max_wait` (15 min): past it, or with waiting off, the client stops
  with `RateLimited` (exit 75) and the next run resumes. Its message names the reset (with
  the date when it is not today), unless the reset is more than `RESET_HORIZON` (31 days)
  away: a year-3000 reset or `retry-after: 99999999` is no window worth naming.
- Every wait is announced through `on_wait(seconds, reason)` before `sleep(seconds)`: the
  library never prints; the CLI passes a `Waiter` that shows it.
"""

from __future__ import annotations

import email.utils
import logging
import re
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import tenacity

from linkratio.errors import RateLimited

log = logging.getLogger(__name__)

T = TypeVar("T")

MIB = 1024 * 1024
MAX_WAIT = 15 * 60.0
"""The longest wait for a rate limit's reset, in seconds; a later reset stops the run."""
NO_RESET_WAIT = 60.0
"""Seconds waited after a 429 that names no usable reset."""
RESET_MARGIN = 1.0
"""Seconds waited past a reset, for clock skew and whole-second rounding."""
RESET_HORIZON = 31 * 86400.0
"""Seconds: a reset named further away than this is no rate-limit window; no time is claimed."""
EPOCH_FLOOR = 1_000_000_000
"""A reset number above this is a Unix time (2001 on); below it, seconds to go."""

_DECIMAL = re.compile(r"\d{1,20}(?:\.\d{1,9})?")


@dataclass(frozen=True)
class Policy:
    """How one client talks to one server; every field can be set per client."""

    timeout: float = 30.0
    """Seconds each read (connect, each chunk) may take."""
    deadline: float = 120.0
    """Seconds the whole answer may take, from sending the request to its last byte."""
    max_body: int = 32 * MIB
    """The largest body read, in bytes."""
    retries: int = 4
    backoff: float = 2.0
    max_wait: float = MAX_WAIT
    wait_on_rate_limit: bool = True
    rate_waits: int = 3
    """Rate-limit waits for one request before giving up (a server that keeps saying 429)."""
    on_wait: Callable[[float, str], None] | None = None
    sleep: Callable[[float], None] = time.sleep

    def wait(self, seconds: float, reason: str) -> None:
        """Announce the wait, then sleep it."""
        log.info("waiting %.1f s: %s", seconds, reason)
        if self.on_wait is not None:
            self.on_wait(seconds, reason)
        self.sleep(seconds)

    def limit_wait(self, headers: Mapping[str, str], now: float | None = None) -> float | None:
        """Seconds to wait after a 429, or None when the policy says stop instead."""
        delay = reset_delay(headers, now)
        seconds = NO_RESET_WAIT if delay is None else delay + RESET_MARGIN
        if not self.wait_on_rate_limit or seconds > self.max_wait:
            return None
        return seconds

    def run(self, attempt: Callable[[], T], give_up: Callable[[str, int], Exception]) -> T:
        """Call `attempt` until it returns, retrying on `Retry` and waiting on `Wait`.

        `give_up(problem, tries)` makes the error raised once the retries are spent.
        """
        tally = _Tally(self)
        retrying = tenacity.Retrying(
            retry=tally.retry,
            wait=tally.wait,
            stop=tally.stop,
            sleep=self.sleep,
            before_sleep=tally.announce,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except Retry as err:
            problem = err.problem
            if err.too_far(self.max_wait):
                problem += (
                    f"; it asks for a retry in {err.retry_after:,.0f} s, longer than the "
                    f"{self.max_wait:,.0f} s a run waits"
                )
            raise give_up(problem, tally.failures) from None
        except Wait as err:
            raise err.error from None


class Retry(Exception):
    """Raised by an attempt that failed in a way that may pass: 5xx, a timeout, no connection."""

    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retry_after = retry_after

    def too_far(self, max_wait: float) -> bool:
        """True when the server asks for a retry later than the policy waits."""
        return self.retry_after is not None and self.retry_after > max_wait


class Wait(Exception):
    """Raised by an attempt that met a rate limit: wait `seconds`, or raise `error` at last."""

    def __init__(self, seconds: float, reason: str, error: Exception) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.reason = reason
        self.error = error


class _Tally:
    """Counts one request's failures and rate-limit waits for tenacity's callbacks."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.failures = 0
        self.waits = 0

    def retry(self, state: tenacity.RetryCallState) -> bool:
        # Called first after each attempt (before wait and stop): the one place that counts.
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, Retry):
            self.failures += 1
        elif isinstance(error, Wait):
            self.waits += 1
        else:
            return False
        return True

    def stop(self, state: tenacity.RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, Retry) and error.too_far(self.policy.max_wait):
            return True
        return self.failures > self.policy.retries or self.waits > self.policy.rate_waits

    def wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, Wait):
            return error.seconds
        backoff = self.policy.backoff * 2 ** (self.failures - 1)
        after = error.retry_after if isinstance(error, Retry) else None
        return max(backoff, min(after or 0.0, self.policy.max_wait))

    def announce(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        seconds = state.next_action.sleep if state.next_action else 0.0
        if isinstance(error, Wait):
            reason = error.reason
        else:
            reason = f"{error}; retry {self.failures} of {self.policy.retries}"
        log.info("waiting %.1f s: %s", seconds, reason)
        if self.policy.on_wait is not None:
            self.policy.on_wait(seconds, reason)


# --- Rate-limit headers ---------------------------------------------------------------


def reset_delay(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds until the rate limit resets, from the first usable reset header; else None."""
    now = time.time() if now is None else now
    after = headers.get("retry-after")
    if after:
        seconds = _decimal(after)
        when = _http_date(after) if seconds is None else None
        if seconds is not None:
            return seconds
        if when is not None:
            return max(0.0, when - now)
    for name in ("x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset"):
        value = headers.get(name)
        number = _decimal(value) if value else None
        if number is None and value:
            number = _iso_time(value)
            if number is None:
                continue
        if number is not None:
            return max(0.0, number - now) if number > EPOCH_FLOOR else number
    return None


def reset_time(delay: float | None) -> datetime | None:
    """When a reset `delay` seconds away happens (None if unknown or past `RESET_HORIZON`)."""
    if delay is None or delay > RESET_HORIZON:
        return None
    return datetime.now(UTC) + timedelta(seconds=delay)


def reset_text(when: datetime, now: datetime | None = None) -> str:
    """`18:04:05 UTC` for a reset later today (UTC), `2026-12-08 18:04:05 UTC` otherwise."""
    now = now or datetime.now(UTC)
    when = when.astimezone(UTC)
    return f"{when:%H:%M:%S} UTC" if when.date() == now.date() else f"{when:%Y-%m-%d %H:%M:%S} UTC"


def limit_reached(
    name: str, platform: str, delay: float | None, *, used_up: bool = False
) -> RateLimited:
    """The error for a rate limit the run will not wait for (waiting off, or too long)."""
    reset_at = reset_time(delay)
    when = f"; it resets at {reset_text(reset_at)}" if reset_at else ""
    return RateLimited(
        f"{name} rate limit {'used up' if used_up else 'reached'}{when}; stopped cleanly, "
        "the next run resumes where this one stopped",
        platform=platform,
        reset_at=reset_at,
    )


def _decimal(value: str) -> float | None:
    """A plain decimal number of seconds (no sign, exponent, NaN or infinity), else None."""
    value = value.strip()
    return float(value) if _DECIMAL.fullmatch(value) else None


def _http_date(value: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
        return when.replace(tzinfo=when.tzinfo or UTC).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _iso_time(value: str) -> float | None:
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return when.replace(tzinfo=when.tzinfo or UTC).timestamp()
    except (ValueError, OverflowError):
        return None


# --- Bodies and failures ------------------------------------------------------------


class TooLarge(Exception):
    """A body passed the policy's cap (the message says whose and how big)."""


class TooSlow(Exception):
    """An answer did not arrive whole within the policy's deadline."""


def check_length(headers: Mapping[str, str], limit: int, what: str) -> None:
    """Refuse a body whose `content-length` already passes `limit`, before reading it."""
    length = _decimal(headers.get("content-length") or "")
    if length is not None and length > limit:
        raise TooLarge(f"{what} sent {_size(int(length))}, more than the {_size(limit)} cap")


def read_capped(chunks: Iterable[bytes], limit: int, ends: float, what: str) -> bytes:
    """Join `chunks`, stopping at `limit` bytes (TooLarge) or at monotonic time `ends` (TooSlow)."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"{what} sent more than the {_size(limit)} cap; stopped reading")
        parts.append(chunk)
        if time.monotonic() > ends:
            raise TooSlow(f"no whole answer within the deadline from {what}")
    return b"".join(parts)


def _size(count: int) -> str:
    return f"{count / MIB:,.0f} MiB" if count >= MIB else f"{count:,} bytes"


def causes(err: BaseException) -> Iterator[BaseException]:
    """`err` and the errors under it (cause, context, urllib3's `reason`), 20 at the most:
    a cycle in the causes must not hang us."""
    seen: BaseException | None = err
    for _ in range(20):
        if seen is None:
            return
        yield seen
        reason = getattr(seen, "reason", None)  # urllib3's MaxRetryError keeps it here
        seen = (
            seen.__cause__
            or seen.__context__
            or (reason if isinstance(reason, BaseException) else None)
        )


def name_unknown(err: BaseException) -> bool:
    """True when a host name did not resolve (a DNS failure somewhere in the causes)."""
    return any(isinstance(seen, socket.gaierror) for seen in causes(err))


def tls_problem(err: BaseException) -> str | None:
    """What a connection's TLS failure says to fix (retrying will not help), or None."""
    ssl = sys.modules.get("ssl")  # not loaded: no TLS was tried
    for seen in causes(err):
        untrusted = ssl is not None and isinstance(seen, ssl.SSLCertVerificationError)
        if untrusted or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return "the server's certificate is not trusted"
        if getattr(seen, "reason", None) in PLAIN_TEXT:  # a plain-text server
            return "the server speaks no TLS there"
    return None


PLAIN_TEXT = frozenset({"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE"})
"""The ssl reasons of a TLS handshake a plain-text server answered: OpenSSL 3.2 and later
say RECORD_LAYER_FAILURE where 3.0 said WRONG_VERSION_NUMBER."""
