"""Dependencies of the SLA routes: the administration, the case clocks, the clock.

They are built once per application from what the API role holds (its event store) and what
the wiring hands in (the ports to the directory), then kept on the application's state."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from eventsourcing.postgres import PostgresApplicationRecorder
from fastapi import Depends, Request

from casetrail.sla.domain.ports import CustomerTiers, Departments
from casetrail.sla.domain.reads import SlaReads
from casetrail.sla.projections.catalog import SlaCatalog
from casetrail.sla.projections.reads import PostgresSlaReads
from casetrail.sla.service.administration import SlaAdministration
from casetrail.sla.service.case_sla import CaseSla
from casetrail.sla.service.computed_reads import ComputedSlaReads
from casetrail.sla.service.departments import DirectoryDepartments
from casetrail.sla.service.simulation import Simulations
from casetrail.sla.service.tiers import DirectoryTiers


def utc_now() -> datetime:
    return datetime.now(UTC)


class SlaSurface:
    """What the routes use, for one event store."""

    def __init__(
        self,
        store: Any,
        *,
        clock: Callable[[], datetime] = utc_now,
        tiers: CustomerTiers | None = None,
        departments: Departments | None = None,
    ) -> None:
        self.clock = clock
        self.catalog = SlaCatalog(store)
        self.administration = SlaAdministration(
            store, self.catalog, clock=clock, new_id=uuid.uuid4, departments=departments
        )
        self.case_sla = CaseSla(store, self.catalog, tiers)
        self.reads = reads_for(store, self.case_sla, clock)
        self.simulations = Simulations(store, self.catalog, self.case_sla, clock=clock, tiers=tiers)


def reads_for(store: Any, case_sla: CaseSla, clock: Callable[[], datetime]) -> SlaReads:
    """The tables the subscriber keeps where the event store is PostgreSQL; computed from
    the events otherwise (the in-memory store of tests and demos runs no subscriber)."""
    recorder = store.recorder
    if isinstance(recorder, PostgresApplicationRecorder):
        return PostgresSlaReads(recorder.datastore.get_connection)
    return ComputedSlaReads(store, case_sla, clock)


async def sla_surface(request: Request) -> SlaSurface:
    state = request.app.state
    surface: SlaSurface | None = getattr(state, "sla", None)
    if surface is None:
        surface = SlaSurface(
            state.desk,
            clock=getattr(state, "sla_clock", utc_now),
            tiers=getattr(state, "sla_tiers", None) or directory_tiers(state),
            departments=getattr(state, "sla_departments", None) or directory_departments(state),
        )
        state.sla = surface
    return surface


def directory_tiers(state: Any) -> CustomerTiers | None:
    """The customer directory's tiers, where the API role runs the directory."""
    directory = getattr(state, "customer_directory", None)
    return DirectoryTiers(directory) if directory is not None else None


def directory_departments(state: Any) -> Departments | None:
    """The agents context's departments, where the API role reads its directory."""
    reader = getattr(state, "directory_reader", None)
    return DirectoryDepartments(reader) if reader is not None else None


Sla = Annotated[SlaSurface, Depends(sla_surface)]
