"""The one exception tree of linkratio; the CLI turns each into a message and an exit code.

LinkratioError              (exit 2 unless a subclass says otherwise)
 +-- InputError             a path, file or format the user gave is not usable
 |    +-- InputFormatError  the data is not what was expected (bad JSON, wrong platform)
 +-- EmptyDataError         the input holds no posts
 +-- LibraryBusyError       another run holds the library (exit 75, EX_TEMPFAIL: try later)
 +-- DeliveryError          a weekly summary could not be delivered for good (exit 1: partial;
 |    |                     `weekly` exits 2 when every destination failed this way)
 |    +-- DeliveryUnavailable  a temporary failure: SMTP refused/4xx, webhook 5xx/timeouts (75)
 +-- XApiError              the X API failed or refused (exit 69, EX_UNAVAILABLE)
      +-- XUnavailable      5xx, timeouts, no connection through every retry (69)
      +-- RateLimited       rate limit reached and waiting is off (75: the next run resumes)
      +-- UsageCapped       monthly cap or credits used up (75)
      +-- XAuthError        credentials rejected or missing (77, EX_NOPERM)
      +-- XAccountError     no such account, protected or suspended (2)
      +-- XSettingError     LINKRATIO_X_API_URL is not usable (2)
 +-- ServiceError           Bluesky or a Mastodon instance failed or refused (69)
      +-- ServiceUnavailable   5xx, timeouts, no connection, non-JSON answers, after retries (69)
      +-- ServiceRateLimited   rate limit reached and waiting is off or too long (75)
      +-- ServiceAuthError     401/403: no public access, or the token was rejected (77)
      +-- ServiceAccountError  no such account, blocked, suspended or deactivated (2)
      +-- ServiceSettingError  an API URL / scheme setting or a handle is not usable (2)
"""

from __future__ import annotations

from datetime import datetime


class LinkratioError(Exception):
    """Base of every expected failure; its message is one line a person can act on."""

    exit_code: int = 2


class InputError(LinkratioError):
    """A path the user gave is missing, unreadable or of an unknown kind."""


class InputFormatError(InputError):
    """A file's content is not in the expected format (names the file and where)."""


class EmptyDataError(LinkratioError):
    """The input was read without error but holds no posts."""


class LibraryBusyError(LinkratioError):
    """Another linkratio run holds the library's lock; the message names the library file."""

    exit_code = 75


class XApiError(LinkratioError):
    """The X API failed or refused a request."""

    exit_code = 69


class XUnavailable(XApiError):
    """The X API kept failing (5xx, timeouts, no connection) through every retry."""


class RateLimited(XApiError):
    """The rate limit is reached and waiting for its reset is off (or would be too long)."""

    exit_code = 75

    def __init__(self, reset_at: datetime | None) -> None:
        self.reset_at = reset_at
        when = f"; it resets at {reset_at:%H:%M:%S} UTC" if reset_at else ""
        super().__init__(
            f"X rate limit reached{when}; stopped cleanly, the next run resumes where this "
            "one stopped"
        )


class UsageCapped(XApiError):
    """The monthly usage cap or the pay-per-use credits of the developer account are used up."""

    exit_code = 75


class XAuthError(XApiError):
    """X rejected the credentials or their kind, or the needed credentials are missing."""

    exit_code = 77


class XAccountError(XApiError):
    """The account cannot be read: it does not exist, is protected or is suspended."""

    exit_code = 2


class XSettingError(XApiError):
    """The API base URL setting is not usable."""

    exit_code = 2


class DeliveryError(LinkratioError):
    """A weekly summary could not be delivered to one destination (its message names it)."""

    exit_code = 1


class DeliveryUnavailable(DeliveryError):
    """The destination failed for a reason that may pass: try again later."""

    exit_code = 75


class ServiceError(LinkratioError):
    """Bluesky's AppView or a Mastodon instance failed or refused a request."""

    exit_code = 69


class ServiceUnavailable(ServiceError):
    """The service kept failing (5xx, timeouts, no connection, not JSON) through every retry."""


class ServiceRateLimited(ServiceError):
    """The service's rate limit is reached and waiting is off (or would be too long)."""

    exit_code = 75


class ServiceAuthError(ServiceError):
    """The service refuses access without (or with the given) token: HTTP 401 or 403."""

    exit_code = 77


class ServiceAccountError(ServiceError):
    """The account cannot be read: unknown, blocked, suspended or deactivated."""

    exit_code = 2


class ServiceSettingError(ServiceError):
    """A setting (API URL, scheme) or the account name given is not usable."""

    exit_code = 2
