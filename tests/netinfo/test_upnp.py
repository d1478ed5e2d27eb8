"""UPnP IGD messages on real router answers (tests/netinfo/data/real/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentprobe.netinfo.upnp import (
    ConnectionStatus,
    Service,
    UpnpError,
    on_host,
    parse_description,
    parse_search_answer,
    parse_status,
    search_request,
    status_request,
    uptime_seconds,
)

UPNP = Path(__file__).parent / "data" / "real" / "upnp"
PPP1 = "urn:schemas-upnp-org:service:WANPPPConnection:1"
PPP2 = "urn:schemas-upnp-org:service:WANPPPConnection:2"
IP2 = "urn:schemas-upnp-org:service:WANIPConnection:2"


def real(name: str) -> bytes:
    return (UPNP / name).read_bytes()


DESCRIPTIONS = {
    "sagemcom-livebox-desc.xml": (
        "http://192.168.1.1:49152/rootDesc.xml",
        "Sagemcom Residential Livebox,(DSL,WAN Ethernet)",
        (Service(PPP2, "http://192.168.1.1:49152/87895a19/upnp/control/WANIPConn1"),),
    ),
    # UPnP 1.0 URLBase wins over the address the description came from.
    "linksys-wag200g-desc.xml": (
        "http://192.168.1.1:80/desc.xml",
        "LINKSYS Wireless-G ADSL Home Gateway",
        (Service(PPP1, "http://192.168.1.1:49152/upnp/control/WANPPPConn1"),),
    ),
    "miniupnpd-2.3.1-desc.xml": (
        "http://198.18.0.1:44759/rootDesc.xml",
        "Debian router",
        (Service(IP2, "http://198.18.0.1:44759/ctl/IPConn"),),
    ),
}


@pytest.mark.parametrize("name", sorted(DESCRIPTIONS))
def test_descriptions_of_real_routers(name: str) -> None:
    location, make, services = DESCRIPTIONS[name]
    description = parse_description(real(name), location)
    assert (description.make, description.services) == (make, services)


def test_a_description_keeps_nothing_that_names_the_box_or_its_owner() -> None:
    description = parse_description(real("sagemcom-livebox-desc.xml"), "http://192.168.1.1/")
    kept = repr(description)
    for identifying in ("LK14129DP441489", "Orange Livebox", "87895a19-50f9", "uuid:"):
        assert identifying not in kept


def test_the_answer_of_a_real_daemon_to_the_search() -> None:
    headers = parse_search_answer(real("miniupnpd-2.3.1-ssdp.txt"))
    assert headers["LOCATION"] == "http://198.18.0.1:44759/rootDesc.xml"
    assert headers["ST"] == "urn:schemas-upnp-org:device:InternetGatewayDevice:1"
    assert b"ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n" in search_request()


@pytest.mark.parametrize(
    "data", [search_request(), b"HTTP/1.1 404 Not Found\r\n\r\n", b"\x00\xff", b""]
)
def test_what_is_not_a_search_answer_is_refused(data: bytes) -> None:
    with pytest.raises(UpnpError, match="not an SSDP answer"):
        parse_search_answer(data)


def test_status_answers_of_real_routers() -> None:
    assert parse_status(real("miniupnpd-2.3.1-status.xml")) == ConnectionStatus("Connected", 509)
    assert parse_status(real("status-days-format.xml")).uptime_s == 3600
    with pytest.raises(UpnpError, match="refused: Invalid Action"):
        parse_status(real("miniupnpd-2.3.1-fault.xml"))


def test_status_answers_that_say_nothing_usable() -> None:
    with pytest.raises(UpnpError, match="not XML"):
        parse_status(b"<s:Envelope")
    with pytest.raises(UpnpError, match="no NewUptime"):
        parse_status(b"<Envelope><NewConnectionStatus>Connected</NewConnectionStatus></Envelope>")
    bomb = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY a{i + 1} "{("&a%s;" % (i or "")) * 10}">' for i in range(8)
    )
    with pytest.raises(UpnpError, match="not XML"):  # expat refuses the expansion
        parse_status(bomb + "]><NewUptime>&a8;</NewUptime>")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("509", 509), (" 0 Days, 01:00:00 ", 3600), ("1 Day, 02:03:04", 93784), ("0", 0)],
)
def test_uptime_formats(value: str, seconds: int) -> None:
    assert uptime_seconds(value) == seconds


@pytest.mark.parametrize("value", ["-5", "1.5", "01:00:00", "", "4294967296x"])
def test_uptimes_that_are_not_durations(value: str) -> None:
    with pytest.raises(UpnpError, match="not a duration"):
        uptime_seconds(value)


def test_the_status_call_names_the_service_it_was_offered() -> None:
    headers, body = status_request(PPP2)
    assert headers["SOAPAction"] == f'"{PPP2}#GetStatusInfo"'
    assert f'<u:GetStatusInfo xmlns:u="{PPP2}"/>'.encode() in body


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://192.168.1.1/desc.xml", "not a plain HTTP URL"),
        ("http://192.168.1.2/desc.xml", "away from the gateway"),
        ("http://router.local/desc.xml", "away from the gateway"),
        ("http://192.168.1.1.evil.test/", "away from the gateway"),
        ("file:///etc/passwd", "not a plain HTTP URL"),
        ("", "not a plain HTTP URL"),
    ],
)
def test_urls_off_the_gateway_are_not_followed(url: str, reason: str) -> None:
    with pytest.raises(UpnpError, match=reason):
        on_host(url, "192.168.1.1")
    assert on_host("http://192.168.1.1:5000/ctl", "192.168.1.1") == "http://192.168.1.1:5000/ctl"
