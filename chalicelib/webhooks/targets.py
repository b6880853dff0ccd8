"""Where Herald may POST a webhook, checked at registration and again before
every attempt, after DNS resolution: a name that was public when registered
may later resolve to 169.254.169.254 or 10.0.0.1 (DNS rebinding), so the
connection goes to the very address that was checked (chalicelib/webhooks/transport.py).

Deployed stages take https only and public addresses only; local mode (the
local stack) also takes http, and loopback, for a receiver on the same machine.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from chalicelib.errors import BadRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
MAX_URL_LENGTH = 2048
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (numeric forms such as 2130706433 included)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


@dataclass(frozen=True)
class Target:
    """A checked URL: connect to `address`, speak to `host`."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _embedded_ipv4(ip: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: Address, allow_loopback: bool) -> str | None:
    """Why Herald must not connect to `ip`, or None when it may."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        return refusal(inner, allow_loopback)
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    for kind, flag in (("a link-local", ip.is_link_local), ("a multicast", ip.is_multicast),
                       ("a private", ip.is_private), ("a reserved", ip.is_reserved),
                       ("an unspecified", ip.is_unspecified)):
        if flag:
            return f"{kind} address"
    return None if ip.is_global else "an address that is not public"


def _literal(host: str) -> Address | None:
    """`host` as an address when it is one, legacy IPv4 forms (0x7f.1, 2130706433) too."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


class UrlPolicy:
    def __init__(self, local_mode: bool, resolve: Resolver = system_resolver) -> None:
        self.local_mode = local_mode
        self.resolve = resolve

    def check(self, url: object) -> Target:
        """The URL's target, or BadRequest (field `url`) saying what is wrong with it."""
        if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
            raise BadRequest(f"url must be a URL of at most {MAX_URL_LENGTH} characters",
                             field="url")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise BadRequest(f"url is not a valid URL: {exc}", field="url") from exc
        schemes = ("https", "http") if self.local_mode else ("https",)
        if parts.scheme not in schemes:
            raise BadRequest("url must use https" + (" (or http locally)" if self.local_mode
                                                     else ""), field="url")
        if parts.username is not None or parts.password is not None:
            raise BadRequest("url must not carry credentials", field="url")
        host = parts.hostname
        if not host:
            raise BadRequest("url has no host", field="url")
        port = port or (443 if parts.scheme == "https" else 80)
        addresses = self._addresses(host, port)
        for ip in addresses:
            why = refusal(ip, allow_loopback=self.local_mode)
            if why:
                raise BadRequest(f"url's host resolves to {why} ({ip}): Herald only calls "
                                 "public addresses", field="url")
        if parts.scheme == "http" and not all(ip.is_loopback for ip in addresses):
            raise BadRequest("url must use https (http only on loopback)", field="url")
        path = parts.path or "/"
        return Target(parts.scheme, host, port, path + (f"?{parts.query}" if parts.query else ""),
                      str(addresses[0]))

    def _addresses(self, host: str, port: int) -> list[Address]:
        literal = _literal(host)
        if literal is not None:
            return [literal]
        try:
            found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in self.resolve(host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise BadRequest(f"url's host {host!r} does not resolve", field="url") from exc
        if not found:
            raise BadRequest(f"url's host {host!r} does not resolve", field="url")
        return found
