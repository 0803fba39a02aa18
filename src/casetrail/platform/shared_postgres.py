"""One embedded PostgreSQL shared by every casetrail process of a data directory.

A server, a relay, ``casetrail project`` and one-off commands may all run on the same data
directory. Each holds a shared lock (``flock``) on ``postgres.users`` while it uses the
PostgreSQL there; the last one to leave stops it. Starting and stopping happen under an
exclusive lock on ``postgres.lock``, so a process that arrives while another is stopping the
server waits and then starts it again. The kernel drops the locks of a process that dies
(kill -9): the others carry on, and the last of them stops the server. Only a server left by
processes that all died keeps running, and the next process to start picks it up.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from casetrail.platform.embedded_postgres import LocalPostgres


class SharedPostgres:
    """The users of the PostgreSQL kept in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock_path = directory / "postgres.lock"
        self._users_path = directory / "postgres.users"

    def prepare(self) -> None:
        """Create the directory and the lock files; raises OSError if it cannot."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_path.touch(exist_ok=True)
        self._users_path.touch(exist_ok=True)

    @contextlib.contextmanager
    def use(self, cluster_for: Callable[[], LocalPostgres]) -> Iterator[LocalPostgres]:
        """The cluster, started unless it runs; stopped at the end if no one else uses it.

        ``cluster_for`` is called while no other process starts or stops the cluster, so it
        may choose and record the cluster's port."""
        self.prepare()
        with self._lock_path.open("rb") as lock, self._users_path.open("rb") as users:
            with _exclusively(lock):
                cluster = cluster_for()
                fcntl.flock(users, fcntl.LOCK_SH)
                cluster.start()
            try:
                yield cluster
            finally:
                with _exclusively(lock):
                    if _alone(users):
                        cluster.stop()


@contextlib.contextmanager
def _exclusively(lock: IO[bytes]) -> Iterator[None]:
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)


def _alone(users: IO[bytes]) -> bool:
    """Whether no other process (or other user in this one) holds the users' lock."""
    try:
        fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
