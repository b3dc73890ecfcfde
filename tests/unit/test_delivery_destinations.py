"""Which addresses deliveries may reach (platform/delivery/ssrf.py): the rules, without a network."""

from __future__ import annotations

import ipaddress

import pytest

from runxin.platform.delivery.ssrf import Destinations, check_target, parse_networks

PRODUCTION = Destinations(production=True)
DEVELOPMENT = Destinations.development()

REFUSED_EVERYWHERE = {
    "169.254.169.254": "link-local",  # the cloud metadata service
    "169.254.0.1": "link-local",
    "fe80::1": "link-local",
    "10.1.2.3": "private",
    "172.16.0.9": "private",
    "172.31.255.255": "private",
    "192.168.1.1": "private",
    "fd12:3456::1": "private",
    "100.64.0.1": "carrier-grade NAT",
    "100.127.255.254": "carrier-grade NAT",
    "0.0.0.0": "unspecified",
    "::": "unspecified",
    "224.0.0.1": "multicast",
    "ff02::1": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "reserved",
    "192.0.2.10": "private",  # documentation range (TEST-NET-1)
    "::ffff:169.254.169.254": "link-local",  # IPv4-mapped IPv6 is judged by the IPv4 inside
    "::ffff:10.0.0.1": "private",
    "64:ff9b::a9fe:a9fe": "link-local",  # NAT64 of 169.254.169.254
}
LOOPBACK = ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"]
PUBLIC = ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("text,kind", sorted(REFUSED_EVERYWHERE.items()))
def test_non_public_addresses_are_refused_in_both_modes(text: str, kind: str) -> None:
    address = ipaddress.ip_address(text)
    for destinations in (PRODUCTION, DEVELOPMENT):
        problem = destinations.refusal(address)
        assert problem is not None and kind in problem, (text, problem)


@pytest.mark.parametrize("text", LOOPBACK)
def test_loopback_is_refused_in_production_and_allowed_in_development(text: str) -> None:
    address = ipaddress.ip_address(text)
    assert "loopback" in (PRODUCTION.refusal(address) or "")
    assert DEVELOPMENT.refusal(address) is None


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_are_allowed(text: str) -> None:
    assert PRODUCTION.refusal(ipaddress.ip_address(text)) is None


def test_allowed_networks_open_exactly_their_range() -> None:
    destinations = Destinations(production=True, allowed_networks=parse_networks(["10.20.0.0/16", "fd00:1::/64"]))
    assert destinations.refusal(ipaddress.ip_address("10.20.3.4")) is None
    assert destinations.refusal(ipaddress.ip_address("::ffff:10.20.3.4")) is None
    assert destinations.refusal(ipaddress.ip_address("fd00:1::5")) is None
    assert destinations.refusal(ipaddress.ip_address("10.21.0.1")) is not None
    assert destinations.refusal(ipaddress.ip_address("169.254.169.254")) is not None


def test_a_bad_network_is_named() -> None:
    with pytest.raises(ValueError, match="'10.0.0.0/33'.*CIDR"):
        parse_networks(["10.0.0.0/8", "10.0.0.0/33"])


def test_registration_checks_scheme_in_production_and_literal_hosts() -> None:
    assert check_target("http://platform.example.cn/in", PRODUCTION)[0] == "URL_SCHEME"  # type: ignore[index]
    assert check_target("http://platform.example.cn/in", DEVELOPMENT) is None
    assert check_target("https://platform.example.cn/in", PRODUCTION) is None
    for url in (
        "https://169.254.169.254/latest",
        "https://[::ffff:10.0.0.1]/in",
        "https://localhost/in",
        "https://127.0.0.1:8443/",
    ):
        code, message = check_target(url, PRODUCTION)  # type: ignore[misc]
        assert code == "URL_NOT_ALLOWED" and "RUNXIN_DELIVERY_ALLOWED_NETWORKS" in message, url
    assert check_target("http://127.0.0.1:9000/in", DEVELOPMENT) is None
    assert check_target("http://10.0.0.1/in", DEVELOPMENT)[0] == "URL_NOT_ALLOWED"  # type: ignore[index]
