"""Value objects of the directory."""

from __future__ import annotations

from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5


class Seniority(StrEnum):
    JUNIOR = "junior"
    SENIOR = "senior"
    LEAD = "lead"


class Presence(StrEnum):
    ONLINE = "online"
    BUSY = "busy"
    OFFLINE = "offline"


class PresenceCause(StrEnum):
    """Why a presence changed: what the agent (or a supervisor) said, or that it lapsed."""

    STATUS = "status"
    LOGIN = "login"
    LOGOUT = "logout"


# Agent ids are the caller's text (so they can match a token's ``sub``); their streams are
# named by a UUID derived from it, the same in every process and every rebuild.
_AGENT_STREAMS = uuid5(NAMESPACE_URL, "urn:casetrail:agent")


def agent_stream_id(agent_id: str) -> UUID:
    return uuid5(_AGENT_STREAMS, agent_id)
