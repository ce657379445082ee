"""The one exception tree of linkratio; the CLI turns each into a message and an exit code.

LinkratioError              (exit 2 unless a subclass says otherwise)
 +-- InputError             a path, file or format the user gave is not usable
 |    +-- InputFormatError  the data is not what was expected (bad JSON, wrong platform)
 |    +-- LibraryClosedError  a Library used after close() or its `with` block
 +-- EmptyDataError         the input holds no posts
 +-- LibraryBusyError       another run holds the library (exit 75, EX_TEMPFAIL: try later)
 +-- LibraryDamagedError    the library file is damaged: check, restore or re-import (74)
 +-- DiskError              a file or the library could not be written: disk full,
 |                          read-only, I/O error (74, EX_IOERR); names the file
 +-- DeliveryError          a weekly summary could not be delivered for good (exit 1: partial;
 |    |                     `weekly` exits 2 when every destination failed this way)
 |    +-- DeliveryUnavailable  a temporary failure: SMTP refused/4xx, webhook 5xx/timeouts (75)
 +-- ApiError               an API failed or refused (exit 69, EX_UNAVAILABLE); `.platform`
      |                     says which: "x", "bluesky" or "mastodon"
      +-- ApiUnavailable    5xx, timeouts, no connection, not JSON or too big, after retries (69)
      +-- NoProgressError   pages kept coming with nothing new in them: stopped, not looping (69)
      +-- RateLimited       rate limit reached and waiting is off or too long (75: the next
      |                     run resumes)
      +-- UsageCapped       X monthly cap or credits used up (75)
      +-- AuthError         credentials rejected or missing; no public access (77, EX_NOPERM)
      +-- AccountError      no such account, protected, blocked or suspended (2)
      +-- SettingError      an API URL / scheme setting or an account name is not usable (2)

TryLater (exit 75) is a second base of every failure that may pass by itself: LibraryBusyError,
DeliveryUnavailable, RateLimited and UsageCapped; `except TryLater` catches them all.
"""

from __future__ import annotations

from datetime import datetime


class LinkratioError(Exception):
    """Base of every expected failure; its message is one line a person can act on.

    A subclass names its exit code in its bases: `class AuthError(ApiError, exit_code=77)`.
    """

    exit_code: int = 2

    def __init_subclass__(cls, exit_code: int | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if exit_code is not None:
            cls.exit_code = exit_code


class InputError(LinkratioError):
    """A path the user gave is missing, unreadable or of an unknown kind."""


class InputFormatError(InputError):
    """A file's content is not in the expected format (names the file and where)."""


class LibraryClosedError(InputError):
    """A `Library` was used after `close()` (or after its `with` block): open it again."""


class EmptyDataError(LinkratioError):
    """The input was read without error but holds no posts."""


class TryLater(LinkratioError, exit_code=75):
    """A failure that may pass by itself: the next run may succeed (exit 75, EX_TEMPFAIL)."""


class LibraryDamagedError(LinkratioError, exit_code=74):
    """SQLite finds the library file malformed, or a table or row in it is missing or garbled."""


class DiskError(LinkratioError, exit_code=74):
    """A file or the library could not be written (disk full, read-only); names the file."""


class LibraryBusyError(TryLater):
    """Another linkratio run holds the library's lock; the message names the library file."""


class DeliveryError(LinkratioError, exit_code=1):
    """A weekly summary could not be delivered to one destination (its message names it)."""


class DeliveryUnavailable(TryLater, DeliveryError):
    """The destination failed for a reason that may pass: try again later."""


class DeliveryRefused(DeliveryError):
    """The server refused this message for good (an SMTP 5xx for it, a webhook's 400, 413,
    415 or 422)."""


class ApiError(LinkratioError, exit_code=69):
    """An API (X, Bluesky, a Mastodon instance) failed or refused; `platform` says which."""

    def __init__(self, message: str, *, platform: str) -> None:
        super().__init__(message)
        self.platform = platform


class ApiUnavailable(ApiError):
    """The API kept failing (5xx, timeouts, no connection, not JSON, too big) through retries."""


class NoProgressError(ApiError):
    """The API kept handing out pages that hold nothing new: pagination stopped, not looping."""


class RateLimited(TryLater, ApiError):
    """The rate limit is reached and waiting for its reset is off (or would be too long)."""

    def __init__(self, message: str, *, platform: str, reset_at: datetime | None = None) -> None:
        super().__init__(message, platform=platform)
        self.reset_at = reset_at


class UsageCapped(TryLater, ApiError):
    """The monthly usage cap or the pay-per-use credits of the X developer account are used up."""


class AuthError(ApiError, exit_code=77):
    """The API rejected the credentials or their kind, or the needed ones are missing."""


class AccountError(ApiError, exit_code=2):
    """The account cannot be read: unknown, protected, blocked, suspended or deactivated."""


class SettingError(ApiError, exit_code=2):
    """A setting (an API URL, a scheme) or the account name given is not usable."""
