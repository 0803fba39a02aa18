"""A case's clocks read straight from its events (its own stream and its conversation's),
under the calendar and policy versions in force at the moment asked about."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from casetrail.cases.published import conversation_id_for_case
from casetrail.kernel.errors import NotFound
from casetrail.sla.domain.clocks import CaseClocks, case_clocks
from casetrail.sla.domain.facts import CaseFact, FactKind, customer_of
from casetrail.sla.domain.ledger import Ledger, sla_ledger_id
from casetrail.sla.domain.ports import CustomerTiers, UnknownTiers
from casetrail.sla.projections.case_facts import facts_of
from casetrail.sla.projections.catalog import Moment, SlaCatalog


class CaseUnknown(NotFound):
    slug = "case-not-found"
    title = "Case not found"

    def __init__(self, case_id: UUID, as_of: datetime | None) -> None:
        when = f" at {as_of.isoformat()}" if as_of is not None else ""
        super().__init__(f"no case {case_id}{when}")


class CaseSla:
    def __init__(
        self,
        store: Application[Any],
        catalog: SlaCatalog,
        tiers: CustomerTiers | None = None,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._tiers = tiers or UnknownTiers()

    def facts(self, case_id: UUID) -> list[CaseFact]:
        events = [
            *self._store.events.get(case_id),
            *self._store.events.get(conversation_id_for_case(case_id)),
        ]
        return facts_of(events)

    def ledger(self, case_id: UUID, as_of: datetime | None = None) -> list[Ledger.Event]:
        """What was decided and found about the case's clocks, in order (recorded by
        ``as_of`` when given)."""
        if not any(True for _ in self._store.events.get(case_id, lte=1)):
            raise CaseUnknown(case_id, None)
        return [
            event
            for event in self._store.events.get(sla_ledger_id(case_id))
            if isinstance(event, Ledger.Event) and (as_of is None or event.timestamp <= as_of)
        ]

    def clocks(self, case_id: UUID, now: datetime, as_of: datetime | None = None) -> CaseClocks:
        until = as_of or now
        facts = [fact for fact in self.facts(case_id) if fact.at <= until]
        if not any(fact.kind is FactKind.OPENED for fact in facts):
            raise CaseUnknown(case_id, as_of)
        self._catalog.refresh()
        moment = Moment(as_of=as_of)
        customer = customer_of(facts)
        return case_clocks(
            facts,
            self._catalog.policies(moment),
            self._catalog.calendars(moment),
            until,
            self._tiers.tier_of(customer, as_of) if customer is not None else None,
        )
