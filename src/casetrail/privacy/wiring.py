"""What the privacy context publishes: export and erasure routes."""

from __future__ import annotations

from casetrail.platform.context_wiring import ContextWiring
from casetrail.privacy import routes

PRIVACY = ContextWiring(name="privacy", routers=(routes.router,))
