"""Erasing a customer: destroy their key, log who asked; and the desk wiring it needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from casetrail.commands.desk import SupportDesk
from casetrail.commands.erasure import EraseCustomer, ErasureReceipt
from casetrail.domain.values import Actor
from casetrail.infra.privacy.shredding import KeyCache, ShreddingMapper


class KeyShredder:
    def __init__(self, keys: KeyCache, clock: Callable[[], datetime]) -> None:
        self._keys = keys
        self._clock = clock

    def erase(self, command: EraseCustomer, actor: Actor) -> ErasureReceipt:
        at = self._clock()
        existed = self._keys.store.destroy(command.customer_id, actor, command.reason, at)
        self._keys.forget(command.customer_id)
        return ErasureReceipt(
            customer_id=command.customer_id, erased_at=at, requested_by=actor, key_existed=existed
        )


def erasure_for(desk: SupportDesk, clock: Callable[[], datetime]) -> KeyShredder | None:
    """The erasure service of a desk that stores personal fields encrypted (else None)."""
    mapper = desk.mapper
    return KeyShredder(mapper.keys, clock) if isinstance(mapper, ShreddingMapper) else None
