"""The one exception tree of linkratio; the CLI turns each into a message and an exit code.

LinkratioError              (exit 2 unless a subclass says otherwise)
 +-- InputError             a path, file or format the user gave is not usable
 |    +-- InputFormatError  the data is not what was expected (bad JSON, wrong platform)
 +-- EmptyDataError         the input holds no posts
"""

from __future__ import annotations


class LinkratioError(Exception):
    """Base of every expected failure; its message is one line a person can act on."""

    exit_code: int = 2


class InputError(LinkratioError):
    """A path the user gave is missing, unreadable or of an unknown kind."""


class InputFormatError(InputError):
    """A file's content is not in the expected format (names the file and where)."""


class EmptyDataError(LinkratioError):
    """The input was read without error but holds no posts."""
