"""Settings and the wiring of each process role."""
