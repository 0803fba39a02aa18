"""Crypto-shredding at the event store's mapping layer: the domain stays pure.

Personal fields are encrypted, each with its customer's key (AES-256-GCM, bound to its
stream and field name), before the event is stored; they are decrypted when read back.
Once the key is destroyed they read as erased: the case, its history, its messages and
every projection rebuilt from the events. The events are never rewritten.

Personal fields (what a customer wrote or sent, what staff wrote about it, and the
references that lead back to the customer elsewhere):
- a case when opened (``Ticket.Opened``): ``subject``, ``description``, ``order_id``,
  ``external_ref``, ``tags``;
- the reasons given for a status change, a resolution, a reopening, an escalation and a
  routing to a department;
- tags added or removed later (``Ticket.Tagged``, ``Ticket.Untagged``);
- what an edit changes (``Ticket.DetailsChanged``): ``subject``, ``description``,
  ``external_ref`` (sealed, like the rest of the case, with the key of the customer it was
  opened for);
- a message (``Conversation.MessagePosted``): ``body``, ``attachment_uri``;
- a customer in the directory (``Customer.Registered``, ``Customer.DetailsChanged``):
  ``name``, ``email``, ``phone`` (the customer's stream belongs to the customer).
A list field has each item sealed on its own; once erased its items are left out.
Identifiers stay in clear (``customer_id`` names the key; ``author_id`` and ids are
pseudonymous), as do statuses, priorities, levels and timestamps.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent

from casetrail.cases.published import Conversation, Ticket, conversation_id_for_case
from casetrail.customers.published import PERSONAL_FIELDS as CUSTOMER_PERSONAL_FIELDS
from casetrail.customers.published import Customer
from casetrail.privacy.erasure_command import ERASED, CustomerErased
from casetrail.privacy.keys import CustomerKeys

PREFIX = "shredded:v1:"
PERSONAL_FIELDS: dict[type[Any], tuple[str, ...]] = {
    Ticket.Opened: ("subject", "description", "order_id", "external_ref", "tags"),
    Ticket.StatusChanged: ("reason",),
    Ticket.Resolved: ("resolution",),
    Ticket.Reopened: ("reason",),
    Ticket.Escalated: ("reason",),
    Ticket.Routed: ("reason",),
    Ticket.Tagged: ("tags",),
    Ticket.Untagged: ("tags",),
    Ticket.DetailsChanged: ("subject", "description", "external_ref"),
    Conversation.MessagePosted: ("body", "attachment_uri"),
    **CUSTOMER_PERSONAL_FIELDS,
}
# What an erased field reads as: references and optional fields become absent (an erased
# tag is left out of its list), the others say so.
ERASED_VALUES: dict[str, str | None] = {
    "attachment_uri": None,
    "order_id": None,
    "external_ref": None,
    "tags": None,
    "email": None,
    "phone": None,
}


class CorruptPersonalField(ValueError):
    """A ciphertext that fails authentication: tampering or a bug, never an erasure."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


class KeyCache:
    """Keys held in memory for a while: reads do not go to the database per event. Another
    process's erasure is seen within ``ttl_seconds``; this process's at once."""

    def __init__(
        self, keys: CustomerKeys, ttl_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = keys
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[bytes | None, float]] = {}
        self._owners: dict[UUID, str] = {}  # owners never change: cached for good

    def key(self, customer_id: str, *, create: bool) -> bytes | None:
        now = self._clock()
        with self._lock:
            cached = self._keys.get(customer_id)
        if cached is not None and now - cached[1] < self._ttl and (cached[0] or not create):
            return cached[0]
        key = self.store.key(customer_id, create=create)
        with self._lock:
            if len(self._keys) > 100_000:
                self._keys.clear()
            self._keys[customer_id] = (key, now)
        return key

    def forget(self, customer_id: str) -> None:
        with self._lock:
            self._keys.pop(customer_id, None)

    def owner(self, stream_id: UUID) -> str | None:
        with self._lock:
            owner = self._owners.get(stream_id)
        if owner is None:
            owner = self.store.owner(stream_id)
            if owner is not None:
                with self._lock:
                    if len(self._owners) > 100_000:
                        self._owners.clear()
                    self._owners[stream_id] = owner
        return owner

    def record_owner(self, customer_id: str, stream_ids: list[UUID]) -> None:
        self.store.record_owner(customer_id, stream_ids)
        with self._lock:
            for stream_id in stream_ids:
                self._owners[stream_id] = customer_id


def shredding(keys: KeyCache) -> Callable[[Mapper[UUID]], Mapper[UUID]]:
    """Wraps the application's mapper (given to the desk, which knows nothing of keys)."""

    def wrap(mapper: Mapper[UUID]) -> Mapper[UUID]:
        return ShreddingMapper(mapper, keys)

    return wrap


class ShreddingMapper(Mapper[UUID]):
    def __init__(self, inner: Mapper[UUID], keys: KeyCache) -> None:
        super().__init__(inner.transcoder, inner.compressor, inner.cipher)
        self.keys = keys

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        fields = PERSONAL_FIELDS.get(type(domain_event))
        if fields is None:
            return super().to_stored_event(domain_event)
        state = vars(domain_event)
        stream_id: UUID = state["originator_id"]
        customer_id = self._owner_when_stored(domain_event, stream_id)
        if customer_id is None:
            # A stream from before keys existed: its events stay as they always were.
            return super().to_stored_event(domain_event)
        key = self.keys.key(customer_id, create=True)
        if key is None:
            raise CustomerErased(customer_id)
        encrypted = dict(state)
        for name in fields:
            value = state.get(name)
            if isinstance(value, str) and value:
                encrypted[name] = _seal(key, customer_id, stream_id, name, value)
            elif isinstance(value, list | tuple):
                encrypted[name] = [
                    _seal(key, customer_id, stream_id, name, item)
                    if isinstance(item, str) and item
                    else item
                    for item in value
                ]
        # The base mapper reads the event's attributes: hand it a copy with sealed fields.
        copy = object.__new__(type(domain_event))
        object.__setattr__(copy, "__dict__", encrypted)
        return super().to_stored_event(copy)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        fields = PERSONAL_FIELDS.get(type(event))
        if fields is not None:
            state = vars(event)
            for name in fields:
                value = state.get(name)
                if isinstance(value, str) and value.startswith(PREFIX):
                    state[name] = self._open(value, state["originator_id"], name)
                elif isinstance(value, list):
                    state[name] = self._open_items(value, state["originator_id"], name)
        return event

    def _open_items(self, items: list[Any], stream_id: UUID, name: str) -> list[Any]:
        opened = [
            self._open(item, stream_id, name)
            if isinstance(item, str) and item.startswith(PREFIX)
            else item
            for item in items
        ]
        return [item for item in opened if item is not None]

    def _owner_when_stored(self, event: DomainEventProtocol[UUID], stream_id: UUID) -> str | None:
        if isinstance(event, Ticket.Opened):
            # The case and its conversation belong to the customer from the start.
            self.keys.record_owner(
                event.customer_id, [stream_id, conversation_id_for_case(stream_id)]
            )
            return event.customer_id
        if isinstance(event, Customer.Registered):
            # A directory entry belongs to the customer it describes.
            self.keys.record_owner(event.customer_id, [stream_id])
            return event.customer_id
        return self.keys.owner(stream_id)

    def _open(self, sealed: str, stream_id: UUID, name: str) -> str | None:
        encoded_customer, _, payload = sealed.removeprefix(PREFIX).partition(":")
        customer_id = base64.urlsafe_b64decode(encoded_customer).decode()
        key = self.keys.key(customer_id, create=False)
        if key is None:
            return ERASED_VALUES.get(name, ERASED)
        data = base64.urlsafe_b64decode(payload)
        try:
            plain = AESGCM(key).decrypt(data[:12], data[12:], _bound_to(stream_id, name))
        except InvalidTag:
            raise CorruptPersonalField(
                f"{name} of stream {stream_id} fails authentication"
            ) from None
        return plain.decode()


def _bound_to(stream_id: UUID, name: str) -> bytes:
    # A sealed value copied into another stream or field does not open there.
    return f"{stream_id}:{name}".encode()


def _seal(key: bytes, customer_id: str, stream_id: UUID, name: str, value: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, value.encode(), _bound_to(stream_id, name))
    return f"{PREFIX}{_b64(customer_id.encode())}:{_b64(nonce + sealed)}"
