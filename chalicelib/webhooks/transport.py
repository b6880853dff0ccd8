"""One webhook POST over http.client: to the checked address (no second DNS
lookup that could answer differently), explicit connect and read timeouts,
no redirects followed (a 3xx is a failed attempt), and at most a few bytes
of the answer read."""
from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.webhooks.targets import Target

MAX_ANSWER_BYTES = 1024


@dataclass(frozen=True)
class Timeouts:
    connect_s: float
    read_s: float


class Poster(Protocol):
    """POSTs a body to a checked target; the status code, or OSError."""

    def __call__(self, target: Target, body: bytes, headers: dict[str, str]) -> int: ...


class _Pinned:
    """Connects to the checked address; TLS still verifies the certificate for the host."""

    address: str
    read_s: float
    port: int
    timeout: Any

    def _socket(self) -> socket.socket:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        sock.settimeout(self.read_s)
        return sock


class _PinnedHTTP(_Pinned, http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = self._socket()


class _PinnedHTTPS(_Pinned, http.client.HTTPSConnection):
    def connect(self) -> None:
        self.sock = self._context.wrap_socket(self._socket(), server_hostname=self.host)


class HttpPoster:
    """POSTs `body`; returns the status code, raises OSError on a connection
    failure, a timeout or an answer that is not HTTP."""

    def __init__(self, timeouts: Timeouts, user_agent: str = "Herald-Webhooks/1") -> None:
        self.timeouts = timeouts
        self.user_agent = user_agent
        self._tls = ssl.create_default_context()

    def __call__(self, target: Target, body: bytes, headers: dict[str, str]) -> int:
        connection: _PinnedHTTP | _PinnedHTTPS
        if target.scheme == "https":
            connection = _PinnedHTTPS(target.host, target.port, timeout=self.timeouts.connect_s,
                                      context=self._tls)
        else:
            connection = _PinnedHTTP(target.host, target.port, timeout=self.timeouts.connect_s)
        connection.address, connection.read_s = target.address, self.timeouts.read_s
        try:
            connection.request("POST", target.path, body=body, headers={
                **headers, "Content-Type": "application/json", "User-Agent": self.user_agent})
            response = connection.getresponse()
            response.read(MAX_ANSWER_BYTES)
            return response.status
        except http.client.HTTPException as exc:
            raise OSError(f"not an HTTP answer ({type(exc).__name__})") from exc
        finally:
            connection.close()
