"""The table of the weeks a destination refused for good: its migration (a leaf, as the
schema imports it); its SQL is in `store.weekly`."""

from __future__ import annotations

V8_REFUSALS: tuple[str, ...] = (
    # A week a destination refused for good (an SMTP 5xx for that mail, a webhook 4xx): a
    # later run's catch-up does not send it there again.
    """CREATE TABLE IF NOT EXISTS refusals (
        platform TEXT NOT NULL,
        account_id TEXT NOT NULL,
        week TEXT NOT NULL,
        destination TEXT NOT NULL,
        refused_at TEXT NOT NULL,
        PRIMARY KEY (platform, account_id, week, destination))""",
)
"""The migration to schema version 8: the weeks refused for good."""
