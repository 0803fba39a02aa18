"""Which PostgreSQL the commerce commands use when they run on their own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from casetrail.bootstrap.settings import Settings
from casetrail.bootstrap.wiring import EMBEDDED_DATABASE, embedded_database


@contextlib.contextmanager
def commerce_database(settings: Settings) -> Iterator[str]:
    """The database URL: the configured one, or the embedded default's (shared with the other
    casetrail processes of the data directory)."""
    if settings.database_url is not None:
        yield str(settings.database_url)
        return
    with embedded_database(settings.data_dir) as embedded:
        yield embedded.dsn(EMBEDDED_DATABASE)
