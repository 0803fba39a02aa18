"""The read models in PostgreSQL: versioned tables, runners, rebuilds and their status."""
