"""The read models of cases: folds of the events and their PostgreSQL views."""
