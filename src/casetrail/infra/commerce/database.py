"""Which PostgreSQL the commerce commands use when they run on their own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from casetrail.infra.bootstrap import EMBEDDED_DATABASE, embedded_postgres
from casetrail.infra.settings import Settings


@contextlib.contextmanager
def commerce_database(settings: Settings) -> Iterator[str]:
    """The database URL: the configured one, or the embedded default's (started if needed and
    left running if another casetrail process had started it)."""
    if settings.database_url is not None:
        yield str(settings.database_url)
        return
    embedded = embedded_postgres(settings.data_dir)
    was_running = embedded.is_running()
    embedded.start()
    embedded.create_database(EMBEDDED_DATABASE)
    try:
        yield embedded.dsn(EMBEDDED_DATABASE)
    finally:
        if not was_running:
            embedded.stop()
