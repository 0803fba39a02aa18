"""A long-running engine process that we started, tracked by a pid file.

Only processes whose pid file we wrote *and* whose command line still names the engine's own
directory count as ours: a stale pid file whose number the kernel has since given to another
program never leads to signalling that program.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Daemon:
    home: Path  # the engine's directory under the stack directory; every command names it
    name: str

    @property
    def pid_file(self) -> Path:
        return self.home / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.home / f"{self.name}.log"

    def launch(self, command: Sequence[str], cwd: Path | None = None) -> int:
        """Start ``command`` in its own session, logging to the log file, and record its pid."""
        self.home.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            # A session of its own: the engine outlives the CLI that started it and a Ctrl-C
            # in the terminal does not reach it.
            process = subprocess.Popen(
                list(command),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd or self.home,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        return process.pid

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if not _alive(pid) or str(self.home) not in _command_line(pid):
            return None
        return pid

    def stop(self, timeout: float = 30.0) -> None:
        pid = self.pid()
        if pid is not None:
            _signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(pid):
                _signal_group(pid, signal.SIGKILL)
                while _alive(pid):
                    time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)

    def log_tail(self, lines: int = 30) -> str:
        return log_tail(self.log_file, lines)


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def _signal_group(pid: int, signum: signal.Signals) -> None:
    # The engine leads the session we gave it; its helpers share the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def _alive(pid: int) -> bool:
    # Reap it first if it is a child of ours that has exited, so a zombie never looks alive.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in {"Z", "X"}


def _command_line(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""
