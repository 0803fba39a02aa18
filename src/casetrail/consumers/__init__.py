"""Commerce events from Kafka: models, validation, the ordering rule, dead letters and the
batch processor, independent of any engine (``casetrail.infra.commerce`` provides those)."""
