"""The directory's public events: ``support.agent.*`` and ``support.department.*`` on Kafka."""
