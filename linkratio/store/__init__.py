"""The local library: all of linkratio's SQL, over one SQLite file per library.

The store sits just above `linkratio.model`: it imports nothing else of linkratio. It does
not know how a frame row is derived from a post, nor how a post is read from its JSON: the
layers that own that code pass a `Deriver` (see `linkratio.store.cache`) and a `Reader`
(`linkratio.store.reread`); `linkratio.frame.Library` is the `Library` with
the classifier's deriver, the one the rest of linkratio opens.

  schema    the tables, MIGRATIONS and migrate()
  times     the one format of stored times
  posts     post rows in and out, edit chains
  accounts  accounts, backfill cursors, sync records
  cache     the frame cache: column encodings and segments
  lock      the run lock
  forked    work done by a forked child (a bulk save's frame rows, an archive's JSON) meanwhile
  library   Library: the transactions over all of the above
  weekly    weekly deliveries and challenges
  links     link resolutions and redirect hosts
  reread    stored posts read again from their JSON when the readers changed
"""

from __future__ import annotations

from linkratio.store.accounts import AccountStats
from linkratio.store.cache import Deriver
from linkratio.store.library import ENV_DB, Library
from linkratio.store.posts import ORIGINS, SaveResult
from linkratio.store.reread import Reader, Reread
from linkratio.store.schema import MIGRATIONS, migrate
from linkratio.store.times import from_db_time, to_db_time

__all__ = [
    "ENV_DB",
    "MIGRATIONS",
    "ORIGINS",
    "AccountStats",
    "Deriver",
    "Library",
    "Reader",
    "Reread",
    "SaveResult",
    "from_db_time",
    "migrate",
    "to_db_time",
]
