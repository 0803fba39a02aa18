"""Where the views' values become SQL parameters: every string on the way is made storable.

The views write through the read models' connections (COPY rows and query parameters
alike); this registers, on one connection, text dumpers and a JSON dumper that pass each
string through ``storable_text`` first. So no view, present or future, can be stopped by an
event whose text PostgreSQL cannot hold, and none has to remember to clean its own values.
"""

from __future__ import annotations

import json
from typing import Any

from psycopg.abc import AdaptContext, Buffer
from psycopg.types.json import set_json_dumps
from psycopg.types.string import StrBinaryDumper, StrDumper, StrDumperUnknown

from casetrail.kernel.storable_text import storable_json, storable_text


class _StorableStrDumper(StrDumper):
    def dump(self, obj: str) -> Buffer | None:
        return super().dump(storable_text(obj))


class _StorableStrBinaryDumper(StrBinaryDumper):
    def dump(self, obj: str) -> Buffer | None:
        return super().dump(storable_text(obj))


class _StorableStrDumperUnknown(StrDumperUnknown):
    def dump(self, obj: str) -> Buffer | None:
        return super().dump(storable_text(obj))


def storable_json_dumps(value: Any) -> str:
    return json.dumps(storable_json(value))


def store_text_safely(context: AdaptContext) -> None:
    """Make every string dumped through ``context`` (a connection or a cursor) storable.
    The formats chosen stay psycopg's own: the last text dumper registered is the one
    ``%s`` uses."""
    adapters = context.adapters
    adapters.register_dumper(None, _StorableStrDumper)  # COPY with declared text columns
    adapters.register_dumper(str, _StorableStrBinaryDumper)
    adapters.register_dumper(str, _StorableStrDumperUnknown)
    set_json_dumps(storable_json_dumps, context)
