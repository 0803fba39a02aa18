"""The support event log as applications built from an environment read it (the
eventsourcing library's ``ProjectionRunner`` builds its own application): with the
customer keys of the same database, so personal fields decrypt (or read as erased)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import Mapper
from psycopg.conninfo import make_conninfo

from casetrail.platform.subscriptions.library_runner import SupportLog
from casetrail.privacy.keys import PostgresCustomerKeys
from casetrail.privacy.shredding import KeyCache, ShreddingMapper

KEY_CACHE_SECONDS = 30.0


class ReadableSupportLog(SupportLog):
    name = "support"  # the library names a subclass after itself unless told

    def construct_mapper(self) -> Mapper[UUID]:
        conninfo = make_conninfo(
            dbname=self.env.get("POSTGRES_DBNAME", "postgres"),
            host=self.env.get("POSTGRES_HOST", "127.0.0.1"),
            port=self.env.get("POSTGRES_PORT", "5432"),
            user=self.env.get("POSTGRES_USER", "postgres"),
            password=self.env.get("POSTGRES_PASSWORD", ""),
        )
        keys = KeyCache(PostgresCustomerKeys(conninfo), KEY_CACHE_SECONDS)
        return ShreddingMapper(super().construct_mapper(), keys)
