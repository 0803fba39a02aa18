"""Read models projected from the support event store's notification log.

The pure parts (rows, folds, queries) are shared by the PostgreSQL projections that serve
production and the in-process read model that unit tests and throwaway demos use.
"""
