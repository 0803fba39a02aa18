"""SLA projections."""
