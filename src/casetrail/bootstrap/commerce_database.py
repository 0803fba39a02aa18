"""Which PostgreSQL the commerce commands use when they run on their own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from casetrail.bootstrap.event_store import EMBEDDED_DATABASE, embedded_database
from casetrail.bootstrap.settings import Settings


@contextlib.contextmanager
def commerce_database(settings: Settings) -> Iterator[str]:
    """The database URL: the configured one (not checked here: the consumer waits for it),
    or the embedded default's (shared with the other casetrail processes of the data
    directory)."""
    if settings.database_url is not None:
        yield settings.database_url
        return
    with embedded_database(settings.data_dir) as embedded:
        yield embedded.dsn(EMBEDDED_DATABASE)
