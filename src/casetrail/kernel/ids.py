"""Identifiers that come from other systems (customers, agents, orders): opaque text, bounded
the same way wherever a context accepts one."""

from __future__ import annotations

MAX_ID = 128
