"""How X says no: the one-line `ApiError` for each refusal of the X API v2.

X answers a refusal with a problem body (`title`, `detail`, `type`) or an `errors` list;
these functions read both. Messages never hold a credential (`one_line` masks them).
"""

from __future__ import annotations

from typing import Any

import orjson
import requests

from linkratio.errors import AccountError, ApiError, AuthError, UsageCapped
from linkratio.net.redact import one_line

PLATFORM = "x"
BEARER_HINT = "X_BEARER_TOKEN"
USER_HINT = "X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"


def body_of(response: requests.Response | None) -> dict[str, Any]:
    """The JSON object of an answer, or {} when it has none."""
    try:
        body = orjson.loads(response.content) if response is not None else None
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def status_line(response: requests.Response) -> str:
    """`503 Service Unavailable`."""
    return f"{response.status_code} {response.reason or ''}".strip()


def _detail(body: dict[str, Any]) -> str:
    """The API's own explanation in a response body (problem or v1.1-style errors)."""
    for source in (body, _first(body.get("errors"))):
        for key in ("detail", "message", "title"):
            if source.get(key):
                return one_line(str(source[key]), 200)
    return ""


def _said(detail: str) -> str:
    """`: DETAIL` after a refusal, or nothing when the API gave no detail."""
    return f": {detail}" if detail else ""


def capped(body: dict[str, Any]) -> bool:
    """True when the body says the usage cap or the credits are used up."""
    words = f"{body.get('title', '')} {body.get('type', '')} {body.get('reason', '')}".lower()
    return any(word in words for word in ("usagecap", "usage-cap", "creditsdepleted", "credits"))


def cap_error(status: int, body: dict[str, Any]) -> UsageCapped:
    """The error for a used-up monthly cap or used-up credits."""
    if status == 402 or "credit" in str(body.get("title", "")).lower():
        what = "the X API credits of the developer account are used up"
        todo = "add credits in the X developer portal"
    else:
        period = str(body.get("period") or "monthly").lower()
        what = f"the X API {period} usage cap of the developer account is reached"
        todo = "wait for it to reset or raise it in the X developer portal"
    title = one_line(str(body.get("title") or "usage cap"), 40)
    return UsageCapped(
        f"{what} ({status} {title}); {todo}; the next run resumes from here", platform=PLATFORM
    )


def where_set(user_auth: bool) -> str:
    """The credentials to check, named by where they were set (never their values).

    The environment wins over the config file (`config.get`), so a token from the file is
    named as its key in that file; credentials set neither way (handed to `XClient`) by
    their environment variables.
    """
    from linkratio import config
    from linkratio.errors import LinkratioError

    names = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
    keys = [f"x.{n}" for n in names] if user_auth else ["x.bearer_token"]
    try:
        sources = {s.key: s.source for s in config.describe()}
    except LinkratioError:  # an unreadable config file: its own command says so
        sources = {}
    in_env = [config.KEYS[k] for k in keys if sources.get(k) == "environment"]
    in_file = [k for k in keys if sources.get(k) == "file"]
    said = [f"{_listed(in_env)} (environment)"] if in_env else []
    said += [f"{_listed(in_file)} in {config.config_path()}"] if in_file else []
    if not said:
        return USER_HINT if user_auth else BEARER_HINT
    return " and ".join(said)


def _listed(names: list[str]) -> str:
    """`A`, `A and B`, `A, B and C`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def refusal(response: requests.Response, subject: str, user_auth: bool) -> ApiError:
    """The error for a 4xx answer other than 429."""
    status, body = response.status_code, body_of(response)
    if status == 401:
        return AuthError(
            f"X rejected the credentials (401 Unauthorized): check {where_set(user_auth)}",
            platform=PLATFORM,
        )
    if status == 402 or capped(body):
        return cap_error(status, body)
    if status == 403:
        return _forbidden(body, subject, user_auth)
    return ApiError(
        one_line(f"X refused the request ({status_line(response)}){_said(_detail(body))}"),
        platform=PLATFORM,
    )


def _forbidden(body: dict[str, Any], subject: str, user_auth: bool) -> ApiError:
    """Tell apart a 403 for the account read from one for the app or the credentials."""
    first = _first(body.get("errors"))
    kind = f"{body.get('type', '')} {body.get('reason', '')} {first.get('type', '')}"
    detail = _detail(body)
    codes = {e.get("code") for e in body.get("errors") or () if isinstance(e, dict)}
    if "client-not-enrolled" in kind or "client-forbidden" in kind:
        return AuthError(
            "X refused the app (403 client-not-enrolled): use keys and tokens of an App "
            "attached to a Project with X API v2 access in the X developer portal",
            platform=PLATFORM,
        )
    if "unsupported-authentication" in kind:
        need = (
            f"the app bearer token ({BEARER_HINT})"
            if user_auth
            else (f"the account owner's user tokens ({USER_HINT})")
        )
        return AuthError(
            f"X refused this kind of credentials here (403): it needs {need}", platform=PLATFORM
        )
    if "user-suspended" in kind:
        return AuthError(
            "X refused access (403): the account of the user tokens is suspended", platform=PLATFORM
        )
    if 453 in codes:
        return AuthError(
            "X refused access (403): the app's access level does not include "
            "this endpoint; change the plan in the X developer portal",
            platform=PLATFORM,
        )
    if "not-authorized-for-resource" in kind or "suspended" in detail.lower():
        return account_error(body, subject)
    return AuthError(
        one_line(f"X refused access (403 {body.get('title') or 'Forbidden'}){_said(detail)}"),
        platform=PLATFORM,
    )


def account_error(body: dict[str, Any], subject: str) -> ApiError:
    """The error for an answer that says why an account cannot be read (or nothing useful)."""
    errors = body.get("errors")
    first = _first(errors) or body
    kind, detail = str(first.get("type", "")), str(first.get("detail", ""))
    if "suspended" in detail.lower():
        return AccountError(
            f"X account {subject} is suspended: its posts cannot be read", platform=PLATFORM
        )
    if "not-authorized-for-resource" in kind:
        return AccountError(
            f"X account {subject} is protected: only the owner's user tokens ({USER_HINT}) "
            "can read its posts",
            platform=PLATFORM,
        )
    if first.get("title") == "Not Found Error" or "resource-not-found" in kind:
        return AccountError(f"no X account {subject}", platform=PLATFORM)
    reason = _detail(body) or "no reason given"
    return ApiError(
        one_line(f"X answered without data for the account {subject}: {reason}"), platform=PLATFORM
    )


def _first(errors: Any) -> dict[str, Any]:
    """The first error object of an `errors` list, or {}."""
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0]
    return {}
