"""Where each commerce event type is read from, and where its dead letters go."""

from __future__ import annotations

from dataclasses import dataclass, field

from casetrail.commerce.events import COMMERCE_TOPICS, EVENT_MODELS, CommerceEvent

DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    return topic + DEAD_LETTER_SUFFIX


@dataclass(frozen=True)
class TopicMap:
    """The four topics as named in one deployment: ``<prefix><topic>``.

    A prefix lets several environments (or test runs) share one Kafka cluster.
    """

    prefix: str = ""
    # Deployed name → model, looked up once per message.
    _models: dict[str, type[CommerceEvent]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        models = {self.name(topic): model for topic, model in EVENT_MODELS.items()}
        object.__setattr__(self, "_models", models)

    def name(self, event_topic: str) -> str:
        return self.prefix + event_topic

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.name(topic) for topic in COMMERCE_TOPICS)

    @property
    def dead_letter_names(self) -> tuple[str, ...]:
        return tuple(dead_letter_topic(name) for name in self.names)

    def event_topic(self, name: str) -> str | None:
        """The event topic a deployed topic carries, or None when it is not one of ours."""
        if not name.startswith(self.prefix):
            return None
        topic = name[len(self.prefix) :]
        return topic if topic in EVENT_MODELS else None

    def model(self, name: str) -> type[CommerceEvent] | None:
        return self._models.get(name)
