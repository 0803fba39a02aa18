"""The directory's read model: one row per customer, searchable."""
