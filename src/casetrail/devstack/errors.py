"""The one error the local engine stack raises for anything a user can fix."""

from __future__ import annotations


class StackError(RuntimeError):
    """A port taken, a tool missing, a download or a start-up that failed: said plainly.

    The message's first line is the whole story; further lines, when present, are the tail of
    the engine's log.
    """
