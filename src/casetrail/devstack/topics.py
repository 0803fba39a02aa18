"""The Kafka topics casetrail uses, created by the stack (and by docker-compose.yml).

Commerce events come in on four topics, each with a dead-letter topic beside it; support
case and directory events go out on ``support.case.*`` and ``support.customer.*``, SLA
breaches and warnings on ``support.case.sla.*``. Messages
are keyed by customer, so the partition count bounds how far one consumer group scales out.
"""

from __future__ import annotations

from casetrail.cases.outbound.integration_events import PUBLISHED_TOPICS
from casetrail.customers.published import PUBLISHED_TOPICS as CUSTOMER_TOPICS
from casetrail.sla.published import SLA_TOPICS

COMMERCE_TOPICS = (
    "order.status.changed",
    "payment.authorized",
    "fraud.alert",
    "shipment.status.changed",
)
DEAD_LETTER_TOPICS = tuple(f"{topic}.dlq" for topic in COMMERCE_TOPICS)
SUPPORT_TOPICS = PUBLISHED_TOPICS + CUSTOMER_TOPICS + SLA_TOPICS

STACK_TOPICS = COMMERCE_TOPICS + DEAD_LETTER_TOPICS + SUPPORT_TOPICS
PARTITIONS = 3
