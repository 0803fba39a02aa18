"""The directory's HTTP side: routes, schemas, dependencies."""
