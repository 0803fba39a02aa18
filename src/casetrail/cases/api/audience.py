"""What a response shows depends on who reads it: customers and analysts never see
internal notes, analysts see personal data masked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel

from casetrail.cases.api.schemas import HistoryEntryRead, MessageRead
from casetrail.cases.domain.conversation import may_read_internal_notes
from casetrail.platform.http.principals import Principal, Role
from casetrail.platform.masking import mask_data, mask_model

M = TypeVar("M", bound=BaseModel)


def sees_internal_notes(principal: Principal) -> bool:
    return may_read_internal_notes(principal.role.value)


def shown(principal: Principal, model: M) -> M:
    return mask_model(model) if principal.role is Role.ANALYST else model


def shown_messages(principal: Principal, messages: Iterable[MessageRead]) -> list[MessageRead]:
    notes = sees_internal_notes(principal)
    return [shown(principal, item) for item in messages if notes or not item.internal]


def shown_history(
    principal: Principal, entries: Iterable[HistoryEntryRead]
) -> list[HistoryEntryRead]:
    notes = sees_internal_notes(principal)
    return [
        shown_entry(principal, entry)
        for entry in entries
        if notes or not entry.data.get("internal")
    ]


def shown_entry(principal: Principal, entry: HistoryEntryRead) -> HistoryEntryRead:
    if principal.role is not Role.ANALYST:
        return entry
    return entry.model_copy(update={"data": mask_data(entry.data)})
