"""What the SLA context publishes to the process roles that host it."""

from __future__ import annotations

from casetrail.platform.context_wiring import ContextWiring

SLA = ContextWiring(name="sla")
