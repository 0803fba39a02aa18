"""casetrail: an event-sourced customer-support backend."""

__version__ = "0.1.0"
