"""Commerce context on real engines: the PostgreSQL store and reader, the confluent-kafka
consumer loop and dead-letter producer, and their wiring from the settings."""
