"""Account names, one way everywhere: `@handle`, `bsky:handle`, `mastodon:@user@host`.

The command line, the library functions and the notebook all name an account like this;
`account_name` writes the name of an `Account`, `parse_name` reads one, and `find` looks a
name up in a library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkratio.errors import InputError
from linkratio.model import Account

if TYPE_CHECKING:
    from linkratio.store import Library

PREFIXES: dict[str, str] = {"bsky:": "bluesky", "bluesky:": "bluesky", "mastodon:": "mastodon"}
"""Name prefixes of the Bluesky and Mastodon platforms, and the platform each names."""
EXAMPLES = "bsky:alice.bsky.social or mastodon:@alice@example.social"
"""Examples of Bluesky and Mastodon account names, for messages."""
_NAME_PREFIX = {"x": "@", "bluesky": "bsky:", "mastodon": "mastodon:@"}


def account_name(account: Account) -> str:
    """The account as a command takes it: `@handle`, `bsky:handle`, `mastodon:@user@host`."""
    prefix = _NAME_PREFIX.get(account.platform, f"{account.platform}:")
    if account.handle:
        return f"{prefix}{account.handle}"
    return f"{prefix.rstrip('@')}{account.id}" if account.platform != "x" else f"id {account.id}"


def ascii_instance(instance: str) -> str:
    """A Mastodon instance `host[:port]` with a Unicode host name in its ASCII (punycode)
    form, the name its URLs and the DNS use; as given when IDNA refuses it."""
    host, colon, port = instance.partition(":")
    if host.isascii():
        return instance
    import idna  # loaded for non-ASCII names only

    try:
        host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return instance
    return f"{host}{colon}{port}"


def is_id_name(text: str) -> bool:
    """Whether `text` is how `account_name` names an X account without a handle (`id 123`)."""
    return text.startswith("id ") and text[3:].isdigit()


def id_hint(text: str) -> str:
    """How to write the account `accounts` lists as `text` (`id 100`): `@100`."""
    return f"for the account listed as '{text}', write @{text[3:]}"


def parse_name(name: str | None) -> tuple[str, str] | None:
    """(platform, the rest) of a `bsky:` / `mastodon:` name, else None."""
    if not name:
        return None
    lowered = name.lower()
    for prefix, platform in PREFIXES.items():
        if lowered.startswith(prefix):
            rest = name[len(prefix) :].strip()
            if not rest:
                raise InputError(f"{name!r} names no account: expected {EXAMPLES}")
            return platform, rest
    return None


def is_account_name(text: str) -> bool:
    """Whether `text` names a library account (`@handle`, `bsky:…`, `mastodon:…`), not a path."""
    return text.startswith("@") or text.lower().startswith(tuple(PREFIXES))


def lookup(library: Library, name: str) -> Account | None:
    """The account `name` in the library (X by handle, others by handle or Bluesky DID)."""
    if not _is_text(name):
        return None  # bytes that are no UTF-8 (a surrogate-escaped argv) name no account
    parsed = parse_name(name)
    if parsed is None:
        found = library.find_account(name)
        digits = name.strip().removeprefix("@")
        if found is None and name.strip().startswith("@") and digits.isdigit():
            return library.account_by_id("x", digits)  # `id 123` in `accounts`: no handle
        return found
    platform, rest = parsed
    rest = rest.removeprefix("@")
    if platform == "bluesky" and rest.startswith("did:"):
        return library.account_by_id(platform, rest)
    if platform == "mastodon" and "@" in rest:
        user, _, instance = rest.partition("@")
        rest = f"{user}@{ascii_instance(instance)}"
    return library.find_account(rest, platform)


def find(library: Library, name: str) -> Account:
    """The account `name` in the library, or an InputError that says how to add it."""
    account = lookup(library, name)
    listed = name.strip()
    if account is None and is_id_name(listed):  # as `accounts` lists it
        raise InputError(f"{listed}: {id_hint(listed)}")
    if account is None or account.id is None:
        raise InputError(
            f"no account {name} in the library {library.path}: "
            "run 'linkratio import PATH' or 'linkratio fetch @handle' (or bsky:HANDLE, "
            "mastodon:@user@instance) first"
        )
    return account


def _is_text(name: str) -> bool:
    """Whether `name` is encodable text (argv bytes that are no UTF-8 arrive as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


SHOWN = 5
"""How many accounts (or a file's authors) a refusal names before `…`."""


def only_account(library: Library, name: str | None) -> Account:
    """The account `name`, or the library's only account; InputError listing them otherwise."""
    if name:
        return find(library, name)
    rows = library.accounts()
    if len(rows) == 1:
        return Account(rows[0].platform, rows[0].id, rows[0].handle)
    if not rows:
        raise InputError(f"the library {library.path} holds 0 accounts: import or fetch one first")
    # The accounts with the most posts first: a library of a search import holds
    # thousands, too many for one line.
    top = sorted(rows, key=lambda r: -r.posts)
    names = ", ".join(account_name(Account(r.platform, r.id, r.handle)) for r in top[:SHOWN])
    if len(rows) > SHOWN:
        names += f", … and {len(rows) - SHOWN:,} more ('linkratio accounts' lists them)"
    raise InputError(
        f"the library {library.path} holds {len(rows):,} accounts ({names}): "
        "name one with --account"
    )
