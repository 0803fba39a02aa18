"""Engine jars and archives resolved from Maven Central by Maven, from poms kept in the
repository, and cached under the user's cache directory.

Each pom is resolved once into a directory named after its version and a digest of the pom,
so editing a pom (a new version, another dependency) resolves again, and an unchanged pom is
never looked at by Maven twice: later starts work offline.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from casetrail.devstack.assets import asset
from casetrail.devstack.errors import StackError

Report = Callable[[str], None]

_POM_NAMESPACE = {"pom": "http://maven.apache.org/POM/4.0.0"}
_DOWNLOADED = re.compile(r"Downloaded from [\w.-]+: \S+/([^/\s]+) \(([^)]*?)(?: at [^)]*)?\)")


def maven_executable() -> str | None:
    return shutil.which("mvn")


@dataclass(frozen=True)
class MavenArtifacts:
    """What one pom in ``stack/`` resolves to, in the cache."""

    name: str  # the pom's folder in stack/, also the cache entry's name
    goal: str  # the maven-dependency-plugin goal that fetches it
    version_property: str
    cache_dir: Path

    @property
    def pom(self) -> Path:
        return asset(f"{self.name}/pom.xml")

    def version(self) -> str:
        # Our own pom from the repository, not untrusted input.
        root = ElementTree.parse(self.pom).getroot()  # noqa: S314
        version = root.findtext(f"pom:properties/pom:{self.version_property}", None, _POM_NAMESPACE)
        if not version:
            raise StackError(f"{self.pom} does not set <{self.version_property}>")
        return version.strip()

    @property
    def local_repository(self) -> Path:
        return self.cache_dir / "maven"

    @property
    def directory(self) -> Path:
        digest = hashlib.sha256(self.pom.read_bytes()).hexdigest()[:10]
        return self.cache_dir / f"{self.name}-{self.version()}-{digest}"

    def is_resolved(self) -> bool:
        return self.directory.is_dir()

    def how_to_get(self) -> str:
        where = "Maven Central with Maven" if maven_executable() else "Maven Central (install mvn)"
        return f"`casetrail stack up` downloads {self.name} {self.version()} from {where}"

    def resolve(self, report: Report, finish: Callable[[Path], None] | None = None) -> Path:
        """Run Maven on the pom unless its result is cached; the cached directory.

        ``finish`` may rearrange what Maven fetched (unpack an archive) before the result is
        published: a directory in the cache is always complete.
        """
        if self.is_resolved():
            return self.directory
        mvn = maven_executable()
        if mvn is None:
            raise StackError(
                f"cannot download {self.name}: Maven (`mvn`) is not on PATH; "
                "install it (apt-get install maven) and retry"
            )
        target = self.directory
        staging = target.with_name(f"{target.name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        log_file = self.cache_dir / "logs" / f"maven-{self.name}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        report(f"{self.name}: resolving {self.name} {self.version()} from Maven Central")
        command = [
            mvn,
            "--batch-mode",
            "--file",
            str(self.pom),
            "--global-settings",
            str(asset("maven-settings.xml")),
            f"-Dmaven.repo.local={self.local_repository}",
            f"-Dstack.output={staging}",
            self.goal,
        ]
        self._run(command, log_file, report)
        if finish is not None:
            finish(staging)
        staging.rename(target)
        return target

    def _run(self, command: Sequence[str], log_file: Path, report: Report) -> None:
        try:
            with log_file.open("w") as log:
                process = subprocess.Popen(
                    command,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    text=True,
                )
                assert process.stdout is not None
                # `mvn` is a script that execs java, so the pid is Maven's own.
                watcher = _TransferReporter(process.pid, self.name, report)
                watcher.start()
                for line in process.stdout:
                    log.write(line)
                    downloaded = _DOWNLOADED.search(line)
                    if downloaded and not downloaded.group(1).endswith((".pom", ".xml", ".sha1")):
                        report(
                            f"{self.name}: downloaded {downloaded.group(1)} ({downloaded.group(2)})"
                        )
                returncode = process.wait()
                watcher.stop()
        except OSError as error:
            raise StackError(f"cannot run Maven for {self.name}: {error}") from None
        if returncode != 0:
            raise StackError(
                f"could not download {self.name} with Maven: {_first_error(log_file)} "
                f"(full output in {log_file})"
            )


def _first_error(log_file: Path) -> str:
    lines = log_file.read_text(errors="replace").splitlines()
    errors = [line.removeprefix("[ERROR]").strip() for line in lines if line.startswith("[ERROR]")]
    meaningful = [
        line for line in errors if line and not line.startswith(("->", "To see", "Re-run"))
    ]
    return meaningful[0].removesuffix(" -> [Help 1]") if meaningful else "Maven failed"


class _TransferReporter:
    """Reports how much Maven has received while it is otherwise quiet.

    Maven in batch mode prints nothing while one large file (Trino's tarball) downloads, and
    it downloads into a temporary file outside the local repository, so the only honest
    measure is what the Maven process itself has read.
    """

    def __init__(self, pid: int, name: str, report: Report, every: float = 10.0) -> None:
        self._io = Path(f"/proc/{pid}/io")
        self._name = name
        self._report = report
        self._every = every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"maven-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self._every):
            received = _bytes_read(self._io)
            if received is None:
                return
            self._report(f"{self._name}: {received / 1_000_000:.0f} MB transferred so far")


def _bytes_read(io_file: Path) -> int | None:
    try:
        for line in io_file.read_text().splitlines():
            name, _, value = line.partition(":")
            if name == "rchar":
                return int(value)
    except (OSError, ValueError):
        return None
    return None
