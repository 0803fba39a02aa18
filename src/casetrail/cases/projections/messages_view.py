"""Conversations in PostgreSQL: every message of every case, in thread order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from casetrail.cases.projections.message_fold import MessageFold, conversations_needed
from casetrail.cases.projections.rows import MESSAGE_COLUMNS
from casetrail.cases.queries import CASE_MESSAGES
from casetrail.platform.subscriptions.view import BatchedView


class CaseMessagesView(BatchedView):
    projection_name = CASE_MESSAGES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.messages = self.qualified(self.table_prefix)
        # Which case each conversation belongs to (a message event names only its thread).
        self.conversations = self.qualified(f"{self.table_prefix}_conversations")
        self._copy_messages = SQL("COPY {} ({}) FROM STDIN").format(
            self.messages, SQL(", ").join(Identifier(column) for column in MESSAGE_COLUMNS)
        )

    def create_statements(self) -> list[Composed]:
        messages = self.qualified(self.table_prefix)
        conversations = self.qualified(f"{self.table_prefix}_conversations")
        return [
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " message_id uuid PRIMARY KEY,"
                " conversation_id uuid NOT NULL,"
                " case_id uuid,"
                " position integer NOT NULL,"
                " author_type text NOT NULL,"
                " author_id text NOT NULL,"
                " body text NOT NULL,"
                " attachment_uri text,"
                " internal boolean NOT NULL,"
                " posted_at timestamptz NOT NULL)"
            ).format(messages),
            SQL("CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} (conversation_id, position)").format(
                Identifier(f"{self.table_prefix}_thread"), messages
            ),
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (conversation_id uuid PRIMARY KEY, case_id uuid)"
            ).format(conversations),
        ]

    def public_views(self) -> Mapping[str, Composed]:
        return {"case_messages": self.qualified(self.table_prefix)}

    def delete_stream_rows(self, curs: Cursor[DictRow], stream_ids: Sequence[UUID]) -> None:
        """Delete the rows these streams' events made: their threads and messages."""
        for table in (self.messages, self.conversations):
            curs.execute(
                SQL("DELETE FROM {} WHERE conversation_id = ANY(%s) OR case_id = ANY(%s)").format(
                    table
                ),
                (list(stream_ids), list(stream_ids)),
            )

    def write(self, curs: Cursor[DictRow], events: Sequence[Any]) -> None:
        needed = conversations_needed(events)
        known: dict[Any, Any] = {}
        if needed:
            curs.execute(
                SQL(
                    "SELECT conversation_id, case_id FROM {} WHERE conversation_id = ANY(%s)"
                ).format(self.conversations),
                (list(needed),),
                prepare=True,
            )
            known = {row["conversation_id"]: row["case_id"] for row in curs.fetchall()}
        fold = MessageFold(known)
        fold.apply_all(events)
        if fold.new_conversations:
            with curs.copy(
                SQL("COPY {} (conversation_id, case_id) FROM STDIN").format(self.conversations)
            ) as copy:
                for conversation_id, case_id in fold.new_conversations.items():
                    copy.write_row((conversation_id, case_id))
        if fold.new_messages:
            with curs.copy(self._copy_messages) as copy:
                for message in fold.new_messages:
                    copy.write_row(tuple(getattr(message, column) for column in MESSAGE_COLUMNS))
