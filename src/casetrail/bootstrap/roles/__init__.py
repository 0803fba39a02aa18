"""One wiring per process role: api, projector, relay, consumer, scheduler.

Each role is built from what it needs (so tests build it with fakes), and started and
stopped on its own; ``casetrail serve`` composes the roles its settings enable, the other
commands run one role each.
"""
