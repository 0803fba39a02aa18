"""The platform: machinery every context shares, and the only place that names engines.

Contexts (cases, sla, automation, ...) stand on it and never on each other; it stands on
nothing else in casetrail but a kernel.
"""
