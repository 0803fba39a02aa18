"""The support domain: pure aggregates, their events, value objects and errors."""
