"""The stack signals only processes it started: a pid file is trusted only while the process
it names still runs with the engine's directory on its command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from casetrail.devstack.daemon import Daemon


def test_a_stale_pid_file_never_leads_to_signalling_a_stranger(tmp_path: Path) -> None:
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        daemon = Daemon(home=tmp_path / "kafka", name="kafka")
        daemon.home.mkdir()
        daemon.pid_file.write_text(f"{stranger.pid}\n")

        assert daemon.pid() is None
        daemon.stop()

        assert stranger.poll() is None, "stop() signalled a process the stack did not start"
    finally:
        stranger.kill()
        stranger.wait()


def test_a_launched_process_is_tracked_and_stopped(tmp_path: Path) -> None:
    daemon = Daemon(home=tmp_path / "redis", name="redis")
    marker = daemon.home / "marker"
    pid = daemon.launch([sys.executable, "-c", "import time; time.sleep(60)", str(marker)])

    assert daemon.pid() == pid
    daemon.stop(timeout=10)

    assert daemon.pid() is None
    assert not daemon.pid_file.exists()
