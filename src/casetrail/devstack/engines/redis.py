"""Redis for the stack: Debian's redis-server, installed with apt-get when it is absent."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import redis

from casetrail.devstack.assets import render_to
from casetrail.devstack.engines.base import LOOPBACK, ProcessEngine
from casetrail.devstack.errors import StackError

REDIS_PACKAGE = "redis-server"


def redis_server() -> str | None:
    return shutil.which("redis-server")


class RedisEngine(ProcessEngine):
    name = "redis"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.stack.redis_port,)

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.settings.stack.redis_port}"

    @property
    def url(self) -> str:
        return f"redis://{self.address}/0"

    def version(self) -> str | None:
        server = redis_server()
        if server is None:
            return None
        out = subprocess.run([server, "--version"], capture_output=True, text=True, check=False)
        match = re.search(r"v=(\S+)", out.stdout)
        return match.group(1) if match else None

    def missing(self) -> str | None:
        if redis_server() is not None:
            return None
        how = (
            "`casetrail stack up` installs Debian's redis-server with apt-get"
            if _can_use_apt()
            else "install it: sudo apt-get install redis-server"
        )
        return f"redis-server is not installed: {how}"

    def install(self) -> None:
        if redis_server() is not None:
            return
        if not _can_use_apt():
            raise StackError(
                "redis-server is not installed and only root can install it: "
                "sudo apt-get install redis-server"
            )
        self.report("redis: installing Debian's redis-server with apt-get")
        # `env` sets the variable for apt alone, without copying our whole environment.
        for step in (
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "--no-install-recommends", REDIS_PACKAGE],
        ):
            done = subprocess.run(
                ["env", "DEBIAN_FRONTEND=noninteractive", *step],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                detail = (done.stderr or done.stdout).strip().splitlines()
                raise StackError(
                    f"could not install redis-server ({' '.join(step)} failed: "
                    f"{detail[-1] if detail else done.returncode})"
                )
        if redis_server() is None:
            raise StackError("apt-get installed redis-server but it is not on PATH")

    def command(self) -> list[str]:
        server = redis_server()
        if server is None:
            raise StackError(self.missing() or "redis-server is not installed")
        data_dir = self.home / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        config = render_to(
            "redis/redis.conf",
            {"port": self.settings.stack.redis_port, "data_dir": data_dir},
            self.home / "redis.conf",
        )
        return [server, str(config)]

    def wait_ready(self, timeout: float) -> None:
        def ping() -> object:
            with redis.Redis(
                host=LOOPBACK, port=self.settings.stack.redis_port, socket_timeout=2
            ) as client:
                return client.ping()

        self.wait_ready_with(ping, timeout)


def _can_use_apt() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None
