"""The `linkratio expand` command: where an account's short links go.

The CLI never lets expansion reach private addresses: no option, no environment variable
turns the guard off (the test suite sets `options.ALLOW_PRIVATE` in-process).
"""

from __future__ import annotations

import argparse
import functools
from typing import TextIO

import linkratio.cli.options as options

MAX_CONCURRENCY = 64
"""The most `--concurrency`: each request in flight holds a socket, and a run out of file
descriptors (1,024 on Linux, 256 on macOS by default) would store its links as failed."""
MAX_PER_HOST = 16
"""The most `--per-host`: requests at once to one site."""


def _timeout(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not 0 < number <= 300:
        raise argparse.ArgumentTypeError(f"invalid timeout {value!r}: expected 0 < seconds <= 300")
    return number


def register(sub: options.SubParsers) -> None:
    """Add the `expand` command."""
    p = options.command(sub, "expand", expand)
    options.add_account(p)
    for flag, default, most, what in (
        ("--concurrency", 16, MAX_CONCURRENCY, "requests at once"),
        ("--per-host", 4, MAX_PER_HOST, "requests at once per host"),
    ):
        p.add_argument(
            flag,
            type=functools.partial(options.positive, most=most),
            default=default,
            metavar="N",
            help=f"{what} ({default}, at most {most})",
        )
    p.add_argument(
        "--timeout",
        type=_timeout,
        default=10.0,
        metavar="S",
        help="seconds per request (10, at most 300)",
    )
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="ask again links that failed before, without waiting for their retry time",
    )
    options.add_run(p, quiet="no progress; print nothing on success")


def expand(args: argparse.Namespace, out: TextIO) -> int:
    """Resolve the account's links that sit on a link shortener (the known list, or a host that
    redirected before), following every redirect with HEAD requests. Each URL is resolved once
    ever; failures are asked again after 7 days. Hops to private, loopback or link-local
    addresses are refused.

    examples:
      linkratio expand @marenbuilds
      linkratio expand bsky:alice.bsky.social --concurrency 8 --timeout 5 --quiet
      linkratio expand @marenbuilds --retry-failed
    """
    from linkratio.links.expand import ExpandOptions
    from linkratio.render.listing import expansion_line

    settings = ExpandOptions(
        concurrency=args.concurrency,
        per_host=args.per_host,
        timeout=args.timeout,
        retry_failed=args.retry_failed,
    )
    done = options.expand(args, args.account, settings)
    if done is not None and not args.quiet:
        out.write(expansion_line(done.name, done.counts))
    return options.EXIT_OK
