"""Where deliveries may go: never to this machine's neighbours, unless the deployment says so.

A city bureau types the URL its figures are posted to, so that URL is input from outside: pointed
at 127.0.0.1, a private service or the cloud's metadata address (169.254.169.254) it would turn our
worker into a proxy into the data centre (server-side request forgery). Two checks:

- at registration (`check_target`): https only in production, and a host written as an address
  (or `localhost`) must be an address deliveries may reach;
- at every connection (`guarded_transport`): the host is resolved, *every* address it resolves to
  is checked, and the connection goes to an address that was checked. A DNS answer that changes
  between a check and the connect (rebinding) therefore cannot steer it elsewhere. The check sits
  in the HTTP client's network backend (httpcore), the one door every connection goes through;
  TLS still verifies the certificate against the host name.

Refused everywhere: link-local (169.254/16 with the metadata address, fe80::/10), private
(RFC 1918, fc00::/7), carrier-grade NAT (100.64/10), unspecified, multicast, and the reserved and
documentation ranges; an IPv4-mapped or NAT64 IPv6 address is judged by the IPv4 address inside.
Loopback is refused in production and allowed in development (a receiver on 127.0.0.1 is how one
tries the chain on a laptop). `RUNXIN_DELIVERY_ALLOWED_NETWORKS` lists CIDRs that are allowed all
the same, for a city platform that lives on the bureau's private network.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[Address]]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCAL_NAMES = ("localhost", "localhost.localdomain")
ALLOW_HINT = (
    "set RUNXIN_DELIVERY_ALLOWED_NETWORKS to its network (a CIDR such as 10.20.0.0/16) if the platform really lives there"
)


class DestinationRefused(httpcore.ConnectError):
    """A delivery's destination is an address deliveries may not reach (httpx reports a ConnectError)."""


@dataclass(frozen=True, slots=True)
class Destinations:
    """Which addresses deliveries may reach: public ones, loopback in development, and the allowed networks."""

    production: bool = True
    allowed_networks: tuple[Network, ...] = ()

    @classmethod
    def from_settings(cls, settings: Any) -> Destinations:
        return cls(production=settings.production, allowed_networks=parse_networks(settings.delivery_allowed_networks))

    @classmethod
    def development(cls) -> Destinations:
        return cls(production=False)

    def refusal(self, address: Address) -> str | None:
        """Why deliveries may not reach `address`, or None when they may."""
        inner = _unwrap(address)
        if any(inner in network or address in network for network in self.allowed_networks):
            return None
        kind = _kind(inner)
        if kind is None or (kind == "loopback" and not self.production):
            return None
        return f"{address} is a {kind} address"


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs from the setting (a bare address is its own /32 or /128); ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a network: write a CIDR such as 10.20.0.0/16 or fd00:1::/64") from exc
    return tuple(networks)


def _unwrap(address: Address) -> Address:
    """The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, or NAT64 64:ff9b::a.b.c.d)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _kind(address: Address) -> str | None:
    """The kind of non-public address this is, or None for a public (globally routable) one."""
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local (cloud metadata)"
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in ipaddress.ip_network("100.64.0.0/10"):
        return "carrier-grade NAT"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        # Python counts RFC 1918, fc00::/7 and the documentation and benchmarking ranges as private.
        return "private"
    if not address.is_global:
        return "reserved"
    return None


def check_target(url: str, destinations: Destinations) -> tuple[str, str] | None:
    """The (code, message) that refuses `url` as an endpoint, or None (the URL's form is checked elsewhere)."""
    parts = urlsplit(url)
    if destinations.production and parts.scheme != "https":
        return "URL_SCHEME", "In production figures go only over https://; give the platform's https URL."
    host = (parts.hostname or "").rstrip(".").lower()
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        address: Address = ipaddress.ip_address("127.0.0.1")
    else:
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return None  # a name: its addresses are checked at every connection, when they are known
    problem = destinations.refusal(address)
    if problem is None:
        return None
    return "URL_NOT_ALLOWED", f"Deliveries may not go to {host}: {problem}. Give the platform's public address, or {ALLOW_HINT}."


async def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to (a literal address is itself), in the resolver's order."""
    try:
        return [ipaddress.ip_address(host.strip("[]").split("%", 1)[0])]
    except ValueError:
        pass
    try:
        infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    seen: dict[Address, None] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        seen.setdefault(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]), None)
    return list(seen)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses `destinations` allows."""

    def __init__(
        self, destinations: Destinations, resolver: Resolver = resolve, inner: httpcore.AsyncNetworkBackend | None = None
    ):
        self.destinations = destinations
        self._resolve = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._resolve(host, port)
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        # Every address is checked, not only the first: a name that resolves to a public and a
        # private address would otherwise reach the private one whenever the public one is down.
        refused = [problem for address in addresses if (problem := self.destinations.refusal(address))]
        if refused:
            raise DestinationRefused(f"refused to connect to {host}: {'; '.join(refused)} (or {ALLOW_HINT})")
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise DestinationRefused("deliveries never go to a unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncBaseTransport):
    """The delivery client's transport: https only in production, every connection through GuardedBackend."""

    def __init__(
        self, destinations: Destinations, resolver: Resolver = resolve, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.destinations = destinations
        self._http = httpx.AsyncHTTPTransport(retries=0)
        # httpx offers no argument for the network backend; the pool it builds takes one, so the
        # transport's pool is replaced by the same pool (httpx's default limits) with the guarded
        # backend. No proxy: a proxy would be the only address ever checked.
        self._http._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            retries=0,
            network_backend=GuardedBackend(destinations, resolver),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.destinations.production and request.url.scheme != "https":
            raise httpx.ConnectError(
                f"refused to send to {request.url.host}: in production deliveries go only over https://; "
                "change the endpoint's URL to https",
                request=request,
            )
        return await self._http.handle_async_request(request)

    async def aclose(self) -> None:
        await self._http.aclose()


def guarded_client(
    destinations: Destinations, resolver: Resolver = resolve, ssl_context: ssl.SSLContext | None = None
) -> httpx.AsyncClient:
    """The HTTP client deliveries are posted with: guarded, no redirects, no proxy from the environment."""
    transport = GuardedTransport(destinations, resolver, ssl_context)
    return httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False)
