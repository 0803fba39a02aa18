"""What an idempotency record is stored under: the caller and the key they sent.

Two callers never share a record, whatever their subjects and keys look like: the role,
subject and key are written as a JSON array (so no separator inside one can pass for the
boundary between two), then hashed, so the stored key names neither who asked nor what
they sent.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from casetrail.kernel.actor import Actor

# How long a key replays its first answer; a retry after that runs the command again.
DEFAULT_RETENTION = timedelta(hours=24)


def record_key(actor: Actor, client_key: str) -> str:
    scope = json.dumps([actor.role, actor.subject, client_key], separators=(",", ":"))
    return hashlib.sha256(scope.encode()).hexdigest()
