"""What a response shows depends on who reads it: customers and analysts never see
internal notes, analysts see personal data masked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel

from casetrail.read_api.masking import mask_data, mask_model
from casetrail.read_api.principals import Principal, Role
from casetrail.read_api.schemas import HistoryEntryRead, MessageRead

M = TypeVar("M", bound=BaseModel)

NOTE_BLIND = frozenset({Role.CUSTOMER, Role.ANALYST})


def sees_internal_notes(principal: Principal) -> bool:
    return principal.role not in NOTE_BLIND


def shown(principal: Principal, model: M) -> M:
    return mask_model(model) if principal.role is Role.ANALYST else model


def shown_messages(principal: Principal, messages: Iterable[MessageRead]) -> list[MessageRead]:
    notes = sees_internal_notes(principal)
    return [shown(principal, item) for item in messages if notes or not item.internal]


def shown_history(
    principal: Principal, entries: Iterable[HistoryEntryRead]
) -> list[HistoryEntryRead]:
    if principal.role is not Role.ANALYST:
        return list(entries)
    return [
        entry.model_copy(update={"data": mask_data(entry.data)})
        for entry in entries
        if not entry.data.get("internal")
    ]
