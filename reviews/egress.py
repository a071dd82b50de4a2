"""Egress to URLs a tenant gives (webhooks): only to public internet addresses.

An organization admin types the webhook URL, and Momento's worker POSTs to it
from inside the deployment's network. Without care that is a server-side
request forgery: `http://169.254.169.254/…` (cloud metadata), `http://10.0.0.5/`
or `http://localhost:6379/` would be reached from the inside. So, as Sentry's
`is_safe_hostname` does:

* the host is resolved and every address it resolves to must be public
  (`address_is_public`): not loopback, private, shared (CGNAT), link-local,
  multicast, reserved, unspecified, nor an IPv6 form that embeds such an IPv4
  address (IPv4-mapped, NAT64, 6to4, Teredo);
* this is checked when the URL is registered (a field error) and again at
  every delivery, because DNS may have changed since;
* the delivery connects to the very address it checked (`post_pinned`), with
  the Host header and TLS server name (SNI, certificate check) of the URL's
  host, so a DNS rebinding between check and connect cannot win;
* redirects are never followed (http.client has none), and the response body
  is never read, stored or shown: only the status code and the timing.

`MOMENTO_WEBHOOK_ALLOW_PRIVATE=True` lifts the address check (tests, on-premise
receivers on a private network); resolution, pinning and no-redirects stay.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class DestinationRefused(Exception):
    """The URL's host does not resolve, or resolves to an address Momento must not reach."""

    def __init__(self, reason: str, *, host: str, addresses: tuple[str, ...] = ()):
        super().__init__(reason)
        self.reason = reason  # "unresolvable" | "not_public" | "invalid"
        self.host = host
        self.addresses = addresses


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str  # as in the URL, without brackets
    port: int
    path: str  # path and query, at least "/"
    address: str  # the checked address the connection goes to


def address_is_public(address: IPAddress) -> bool:
    """True for an address of the public internet, that a tenant's webhook may reach.

    >>> [address_is_public(ipaddress.ip_address(a)) for a in ("93.184.215.14", "2606:4700::1111")]
    [True, True]
    >>> [address_is_public(ipaddress.ip_address(a)) for a in (
    ...     "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.0.1", "100.64.0.1", "169.254.169.254",
    ...     "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "192.0.2.1")]
    [False, False, False, False, False, False, False, False, False, False, False]
    >>> [address_is_public(ipaddress.ip_address(a)) for a in (
    ...     "::1", "::", "fe80::1", "fc00::1", "fec0::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    ...     "64:ff9b::a00:1", "2002:7f00:1::1", "2001:db8::1")]
    [False, False, False, False, False, False, False, False, False, False, False]
    """
    if isinstance(address, ipaddress.IPv6Address):
        # Forms that reach an IPv4 address: judge the IPv4 address itself.
        if address.ipv4_mapped is not None:
            return address_is_public(address.ipv4_mapped)
        if address in NAT64:
            return address_is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address in NAT64_LOCAL:
            return False
        if address.sixtofour is not None and not address_is_public(address.sixtofour):
            return False
        if address.teredo is not None and not all(address_is_public(part) for part in address.teredo):
            return False
        if address.is_site_local:
            return False
    # is_global alone lets multicast through (224.0.0.0/4 is not "private").
    return bool(
        address.is_global and not address.is_multicast and not address.is_loopback and not address.is_link_local
        and not address.is_reserved and not address.is_unspecified and not address.is_private
    )


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (a literal IP resolves to itself). Tests replace this."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An IPv4 or IPv6 socket address starts with the address as text.
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def private_allowed() -> bool:
    return bool(getattr(settings, "MOMENTO_WEBHOOK_ALLOW_PRIVATE", False))


def destination_check(url: str) -> Destination:
    """Resolve the URL's host once and check every address; the connection must use `.address`.

    Every address must be public, not just one: a host answering both a public
    and a private address would otherwise let the connection pick the private one.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    scheme = parts.scheme.lower()
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise DestinationRefused("invalid", host=host) from None
    if scheme not in ("http", "https") or not host:
        raise DestinationRefused("invalid", host=host)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise DestinationRefused("unresolvable", host=host) from None
    parsed = []
    for address in addresses:
        try:
            # getaddrinfo may add a scope ("fe80::1%eth0"); the scope is no part of the address class.
            parsed.append(ipaddress.ip_address(address.split("%", 1)[0]))
        except ValueError:
            raise DestinationRefused("unresolvable", host=host) from None
    if not parsed:
        raise DestinationRefused("unresolvable", host=host)
    if not private_allowed() and not all(address_is_public(address) for address in parsed):
        raise DestinationRefused("not_public", host=host, addresses=tuple(addresses))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Destination(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


def tls_context() -> ssl.SSLContext:
    """Certificates are verified against the URL's host name (tests give their own CA)."""
    return ssl.create_default_context()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, destination: Destination, timeout: float):
        super().__init__(destination.host, destination.port, timeout=timeout)
        self._address = destination.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, destination: Destination, timeout: float):
        self._tls_context = tls_context()
        super().__init__(destination.host, destination.port, timeout=timeout, context=self._tls_context)
        self._address = destination.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # SNI and the certificate check use the URL's host, not the address connected to.
        self.sock = self._tls_context.wrap_socket(sock, server_hostname=self.host)


def post_pinned(destination: Destination, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST to the checked address and return the status code; the response body is not read.

    Raises OSError (refused, reset, TLS failure, timeout) or http.client.HTTPException.
    """
    connection_class = _PinnedHTTPSConnection if destination.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(destination, timeout)
    try:
        connection.request("POST", destination.path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status
    finally:
        connection.close()
