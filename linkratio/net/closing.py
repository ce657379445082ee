"""`Closing`: the `with` block every network client of linkratio supports."""

from __future__ import annotations

from typing import Self


class Closing:
    """A client that a `with` block closes on the way out (`close` is its own)."""

    def close(self) -> None:
        """Close the client's connections."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
