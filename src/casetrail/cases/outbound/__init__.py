"""What cases tell other services: support.case.* events, relay, change capture."""
