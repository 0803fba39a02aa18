"""A real server refuses request heads that are too large, too many or too slow, before any
authentication, and stays small while refusing them."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from casetrail.platform.embedded_postgres import LocalPostgres
from casetrail.platform.server_process import ServerProcess, start_server

pytestmark = pytest.mark.integration

HEAD_TIMEOUT_SECONDS = "2"
MEBIBYTE = 1024 * 1024


@pytest.fixture(scope="module")
def server(
    postgres_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    postgres_server.create_database("casetrail_head_limits")
    running = start_server(
        tmp_path_factory.mktemp("head-limits"),
        postgres_server.dsn("casetrail_head_limits"),
        extra_env={"CASETRAIL_HTTP_HEADER_TIMEOUT_SECONDS": HEAD_TIMEOUT_SECONDS},
    )
    yield running
    assert running.stop() == 0


def connect(server: ServerProcess) -> socket.socket:
    host, port = server.base_url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def answer(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := conn.recv(65536):
        received += chunk
    return received


def status_line(response: bytes) -> str:
    return response.split(b"\r\n", 1)[0].decode()


def peak_memory_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


def test_a_normal_request_with_a_sizeable_header_is_served(server: ServerProcess) -> None:
    with connect(server) as conn:
        conn.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: "
            + b"p" * 8000
            + b"\r\nConnection: close\r\n\r\n"
        )
        assert status_line(answer(conn)) == "HTTP/1.1 200 OK"


def test_an_oversized_header_gets_431(server: ServerProcess) -> None:
    with connect(server) as conn:
        conn.sendall(b"GET /support/cases HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 100_000)
        conn.sendall(b"\r\n\r\n")
        response = answer(conn)
    assert status_line(response) == "HTTP/1.1 431 Request Header Fields Too Large"
    assert b"application/problem+json" in response


def test_too_many_headers_get_431(server: ServerProcess) -> None:
    headers = b"".join(b"X-Field-%d: v\r\n" % n for n in range(500))
    with connect(server) as conn:
        conn.sendall(b"GET /support/cases HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        assert status_line(answer(conn)) == "HTTP/1.1 431 Request Header Fields Too Large"


def test_a_head_that_never_completes_gets_408(server: ServerProcess) -> None:
    with connect(server) as conn:
        conn.sendall(b"GET /support/cases HTTP/1.1\r\nHost: x\r\n")
        assert status_line(answer(conn)) == "HTTP/1.1 408 Request Timeout"


def test_a_connection_that_sends_nothing_is_closed(server: ServerProcess) -> None:
    with connect(server) as conn:
        assert answer(conn) == b""


def test_endless_headers_on_four_connections_leave_the_server_small(
    server: ServerProcess,
) -> None:
    before = peak_memory_kib(server.process.pid)
    sent: list[int] = []

    def flood() -> None:
        # Up to 32 MiB each, in one endless header; stops once the server answers or closes.
        with connect(server) as conn:
            total = 0
            try:
                conn.sendall(b"GET /support/cases HTTP/1.1\r\nHost: x\r\nX-Endless: ")
                while total < 32 * MEBIBYTE:
                    conn.sendall(b"e" * MEBIBYTE)
                    total += MEBIBYTE
            except OSError:
                pass
            sent.append(total)

    floods = [threading.Thread(target=flood) for _ in range(4)]
    for each in floods:
        each.start()
    for each in floods:
        each.join()
    grown_mib = (peak_memory_kib(server.process.pid) - before) / 1024
    assert grown_mib < 16, f"the server grew by {grown_mib:.0f} MiB"
    assert max(sent) < 32 * MEBIBYTE, "the server kept reading an endless header"
