"""The destination guard over real sockets: registration, and every connection the delivery client opens.

The reference receiver listens on 127.0.0.1; a resolver given to the guard stands in for DNS so that
a name can resolve to loopback (or change its answer) as a rebinding attacker's would.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from collections.abc import Iterator

import httpcore
import pytest

from runxin.platform.delivery.sender import Claim, post
from runxin.platform.delivery.services import create_endpoint, update_endpoint
from runxin.platform.delivery.ssrf import Destinations, GuardedBackend, guarded_client, parse_networks
from runxin.platform.errors import Invalid
from tests.factories.tree import make_tree
from tests.receiver import ReceiverServer, ReferenceReceiver

PRODUCTION = Destinations(production=True)


@pytest.fixture
def server() -> Iterator[ReceiverServer]:
    server = ReceiverServer(ReferenceReceiver()).start()
    yield server
    server.stop()


def resolver(*answers: str):  # type: ignore[no-untyped-def]
    """A DNS stand-in: each call returns the next answer (the last one repeats); records the names asked."""
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list:  # type: ignore[type-arg]
        asked.append(host)
        answer = answers[min(len(asked) - 1, len(answers) - 1)]
        return [ipaddress.ip_address(a) for a in answer.split(",")]

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


def claim(url: str) -> Claim:
    return Claim(
        delivery_id=uuid.uuid4(),
        endpoint_id=uuid.uuid4(),
        number=1,
        webhook_id="msg_test",
        url=url,
        body=b'{"figures": []}',
        secrets=["whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        timeout=2.0,
        traceparent=None,
        claimed_at=dt.datetime.now(dt.UTC),
    )


async def test_registration_refuses_what_production_may_not_reach(system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    refused = {
        "http://platform.example.cn/in": "URL_SCHEME",
        "https://169.254.169.254/latest/meta-data": "URL_NOT_ALLOWED",
        "https://10.0.0.7/in": "URL_NOT_ALLOWED",
        "https://[fd00::7]/in": "URL_NOT_ALLOWED",
        "https://[::ffff:127.0.0.1]/in": "URL_NOT_ALLOWED",
        "https://localhost:8443/in": "URL_NOT_ALLOWED",
    }
    for url, code in refused.items():
        with pytest.raises(Invalid) as caught:
            await create_endpoint(system_session, tenant_id=tree.city.id, url=url, destinations=PRODUCTION)
        assert (caught.value.field, caught.value.code) == ("url", code), url
        assert "https" in caught.value.message or "RUNXIN_DELIVERY_ALLOWED_NETWORKS" in caught.value.message
    # Given the bureau's private network allowed, its address may be registered (over https).
    allowed = Destinations(production=True, allowed_networks=parse_networks(["10.0.0.0/24"]))
    created = await create_endpoint(system_session, tenant_id=tree.city.id, url="https://10.0.0.7/in", destinations=allowed)
    # An update is checked the same way: the endpoint cannot be moved to the metadata address.
    with pytest.raises(Invalid) as caught:
        await update_endpoint(system_session, created.endpoint.id, {"url": "https://169.254.169.254/"}, destinations=allowed)
    assert caught.value.code == "URL_NOT_ALLOWED"
    # Development keeps loopback allowed: the tests' receiver and a laptop's try-out run there.
    dev = await create_endpoint(
        system_session, tenant_id=tree.city.id, url="http://127.0.0.1:9/in", destinations=Destinations.development()
    )
    assert dev.endpoint.url == "http://127.0.0.1:9/in"


async def test_production_refuses_plain_http_before_connecting(server: ReceiverServer) -> None:
    async with guarded_client(PRODUCTION) as client:
        result = await post(client, claim(server.url))
    assert result.status_code is None and "https" in result.error
    assert server.receiver.requests == 0


async def test_a_name_resolving_to_loopback_is_refused_in_production(server: ReceiverServer) -> None:
    # Given a public-looking name whose DNS answer is 127.0.0.1 (or a public address and loopback).
    for answer in ("127.0.0.1", "93.184.216.34,127.0.0.1"):
        backend = GuardedBackend(PRODUCTION, resolver(answer))
        with pytest.raises(httpcore.ConnectError, match="loopback"):
            await backend.connect_tcp("platform.example.cn", server.port, timeout=2)
    assert server.receiver.requests == 0


async def test_connections_go_to_the_checked_address_never_a_second_lookup(server: ReceiverServer) -> None:
    # Given a rebinding resolver: first loopback (allowed here), then the metadata address.
    resolve = resolver("127.0.0.1", "169.254.169.254")
    connected: list[str] = []

    class Recording(httpcore.AnyIOBackend):
        async def connect_tcp(self, host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
            connected.append(host)
            return await super().connect_tcp(host, port, *args, **kwargs)

    backend = GuardedBackend(Destinations.development(), resolve, inner=Recording())
    stream = await backend.connect_tcp("platform.test", server.port, timeout=2)
    await stream.aclose()
    # The socket was opened to the literal address that was checked, not to the name again.
    assert connected == ["127.0.0.1"]
    # The next connection asks again, gets the metadata address, and is refused before any socket.
    with pytest.raises(httpcore.ConnectError, match="link-local"):
        await backend.connect_tcp("platform.test", server.port, timeout=2)
    assert connected == ["127.0.0.1"] and resolve.asked == ["platform.test", "platform.test"]  # type: ignore[attr-defined]


async def test_development_delivers_to_loopback_and_allowed_networks_open_production(server: ReceiverServer) -> None:
    async with guarded_client(Destinations.development()) as client:
        result = await post(client, claim(server.url))
    assert result.status_code is not None and server.receiver.requests == 1
    allowed = Destinations(production=True, allowed_networks=parse_networks(["127.0.0.0/8"]))
    stream = await GuardedBackend(allowed).connect_tcp("127.0.0.1", server.port, timeout=2)
    await stream.aclose()


async def test_a_refused_address_is_a_failed_attempt_that_says_what_to_do(server: ReceiverServer) -> None:
    # The whole client path, as the sender uses it: the name resolves to the metadata address.
    async with guarded_client(Destinations.development(), resolver("169.254.169.254")) as client:
        result = await post(client, claim(server.url.replace("127.0.0.1", "platform.example.cn")))
    assert result.status_code is None
    assert "ConnectError" in result.error and "link-local" in result.error and "RUNXIN_DELIVERY_ALLOWED_NETWORKS" in result.error
    assert server.receiver.requests == 0


def self_signed(directory, name: str):  # type: ignore[no-untyped-def]
    """A certificate for `name` (its own trust anchor) and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


async def test_tls_to_the_checked_address_still_verifies_the_host_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import ssl

    # Given an https receiver on 127.0.0.1 whose certificate names platform.test, allowed in production.
    cert, key = self_signed(tmp_path, "platform.test")
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    names: list[str | None] = []
    server_tls.sni_callback = lambda _socket, name, _context: names.append(name)  # type: ignore[assignment,misc]

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0)
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_tls, ssl_shutdown_timeout=1)
    port = server.sockets[0].getsockname()[1]
    trust = ssl.create_default_context(cafile=str(cert))
    allowed = Destinations(production=True, allowed_networks=parse_networks(["127.0.0.1/32"]))
    try:
        async with guarded_client(allowed, resolver("127.0.0.1"), ssl_context=trust) as client:
            result = await post(client, claim(f"https://platform.test:{port}/in"))
        # The socket went to the checked address; TLS asked for and verified the name.
        assert result.status_code == 200, result.error
        assert names == ["platform.test"]
        # A name the certificate does not carry fails verification, though it resolves to the same address.
        async with guarded_client(allowed, resolver("127.0.0.1"), ssl_context=trust) as client:
            wrong = await post(client, claim(f"https://other.test:{port}/in"))
        assert wrong.status_code is None and "certificate" in wrong.error.lower()
    finally:
        server.close()
        await server.wait_closed()
