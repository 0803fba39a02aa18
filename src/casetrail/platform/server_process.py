"""Run ``casetrail serve`` as a separate process and wait until it is ready.

Used where a real process matters: crash tests, HTTP benchmarks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from casetrail.platform.embedded_postgres import free_port


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def kill_hard(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


def start_server(
    data_dir: Path,
    database_url: str | None = None,
    *,
    extra_args: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
    timeout: float = 60,
) -> ServerProcess:
    port = free_port()
    # The child is configured only by what we pass, not by this process's CASETRAIL_ settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    env["CASETRAIL_DATA_DIR"] = str(data_dir)
    if database_url is not None:
        env["CASETRAIL_DATABASE_URL"] = database_url
    env.update(extra_env or {})
    log = data_dir / f"serve-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "casetrail", "serve", "--port", str(port), *extra_args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = ServerProcess(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"casetrail serve exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{server.base_url}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"casetrail serve did not become ready:\n{log.read_text()}")
