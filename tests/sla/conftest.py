from tests.fixtures.sla import clock, sla_api

__all__ = ["clock", "sla_api"]
