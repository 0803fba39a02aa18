"""The directory's write side: commands on agents and departments, and single-stream
queries (now, as of a time, the audit trail)."""
