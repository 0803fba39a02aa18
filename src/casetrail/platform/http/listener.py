"""The HTTP server's listening socket, bound before anything else starts.

Binding first (and handing the socket to uvicorn) turns a busy port, an address this machine
does not have or a host name that does not resolve into one clear message, before an embedded
PostgreSQL or a worker has been started for nothing.
"""

from __future__ import annotations

import errno
import socket


class CannotListen(RuntimeError):
    """The server cannot listen where it was asked to; the message says why, in one line."""


def bind_listener(host: str, port: int, *, shared: bool = False) -> socket.socket:
    """A TCP socket bound to ``host:port``, ready for the server to listen on. A ``shared``
    one lets sibling processes bind the same port (``SO_REUSEPORT``); the kernel spreads
    connections over them."""
    where = f"{host}:{port}"
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise CannotListen(
            f"cannot listen on {where}: host {host!r} is unknown ({error.strerror})"
        ) from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise CannotListen(f"cannot listen on {where}: {_reason(error, host)}") from None
    return sock


def _reason(error: OSError, host: str) -> str:
    if error.errno == errno.EADDRINUSE:
        return "the port is already in use (choose another with --port)"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine (choose one with --host)"
    if error.errno == errno.EACCES:
        return "permission denied (ports below 1024 need privileges)"
    return error.strerror or str(error)
