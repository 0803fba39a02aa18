"""The pure SLA domain: business time, policies, clocks. No I/O, no clock, no web."""
