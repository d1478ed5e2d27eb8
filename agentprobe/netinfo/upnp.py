"""UPnP IGD messages (pure): the SSDP search, the device description, GetStatusInfo.

Only what telling a router restart needs: the search sent to the gateway, the answer's
LOCATION, the WAN connection service in the description (WANIPConnection or
WANPPPConnection, v1 or v2, however deep the device tree nests it), and NewUptime in the
SOAP answer. Of the device itself only the maker and model name are read: the friendly
name is set by users ("Smith family"), and the serial number and UDN identify one box.

Descriptions are parsed by expat, which since 2.4.1 refuses entity-expansion bombs, and
only after the caller has capped the body's size.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urljoin, urlsplit

SSDP_PORT = 1900
IGD = "urn:schemas-upnp-org:device:InternetGatewayDevice:1"  # IGD:2 devices answer it too
CONNECTION_SERVICES = re.compile(r"^urn:schemas-upnp-org:service:WAN(IP|PPP)Connection:[12]$")
SOAP_ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/"
# Some routers answer NewUptime as "0 Days, 01:00:00" instead of seconds.
DAYS_UPTIME = re.compile(r"^\s*(\d+)\s+Days?,\s*(\d+):(\d{2}):(\d{2})\s*$", re.IGNORECASE)


class UpnpError(ValueError):
    """An answer that is not what UPnP says it should be, with the reason."""


@dataclass(frozen=True)
class Service:
    """A WAN connection service: its type (the SOAP namespace) and control URL."""

    kind: str
    control_url: str


@dataclass(frozen=True)
class Description:
    """What the device description says: who made the router, where to ask its status.

    `services` keeps every WAN connection service in document order: routers that offer
    both PPP and IP list one that is not connected, whose uptime means nothing.
    """

    manufacturer: str
    model: str
    services: tuple[Service, ...]

    @property
    def make(self) -> str:
        """Maker and model in one line, for the inventory ("Sagemcom Livebox")."""
        if self.model.lower().startswith(self.manufacturer.lower()):
            return self.model
        return f"{self.manufacturer} {self.model}".strip()


def search_request(target: str = IGD, wait_s: int = 1) -> bytes:
    """An M-SEARCH for `target`; sent unicast to the gateway (UDA 1.1 section 1.3.2)."""
    return (
        "M-SEARCH * HTTP/1.1\r\n"
        f"HOST: 239.255.255.250:{SSDP_PORT}\r\n"
        'MAN: "ssdp:discover"\r\n'
        f"MX: {wait_s}\r\n"
        f"ST: {target}\r\n"
        "\r\n"
    ).encode("ascii")


def parse_search_answer(data: bytes) -> dict[str, str]:
    """The headers of an SSDP answer, names upper-cased; UpnpError if it is not one."""
    text = data.decode("latin-1")
    status, _, rest = text.partition("\r\n")
    parts = status.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or parts[1] != "200":
        raise UpnpError(f"not an SSDP answer: {status[:60]!r}")
    headers = {}
    for line in rest.split("\r\n"):
        name, colon, value = line.partition(":")
        if colon and name.strip():
            headers[name.strip().upper()] = value.strip()
    return headers


def on_host(url: str, host: str) -> str:
    """`url` if it is plain HTTP to `host` itself, else UpnpError.

    Anyone on the LAN can answer a search, and a description can name any control URL:
    following either off the gateway would let a stranger point the agent anywhere.
    """
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None:
        raise UpnpError(f"not a plain HTTP URL: {url[:80]!r}")
    try:
        same = ip_address(parts.hostname) == ip_address(host)
    except ValueError:
        same = False
    if not same:
        raise UpnpError("the URL points away from the gateway")
    return url


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: ET.Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def parse_description(text: str | bytes, location: str) -> Description:
    """The root device's maker and model and its WAN connection services."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise UpnpError(f"description is not XML: {error}") from None
    base = _child_text(root, "URLBase") or location  # UPnP 1.0 devices may set a base
    device = next((e for e in root if _local(e.tag) == "device"), None)
    if device is None:
        raise UpnpError("description has no root device")
    services = tuple(
        Service(kind, urljoin(base, control))
        for element in root.iter()
        if _local(element.tag) == "service"
        and CONNECTION_SERVICES.match(kind := _child_text(element, "serviceType"))
        and (control := _child_text(element, "controlURL"))
    )
    if not services:
        raise UpnpError("the router offers no WAN connection service")
    return Description(
        _child_text(device, "manufacturer"), _child_text(device, "modelName"), services
    )


def status_request(service_type: str) -> tuple[dict[str, str], bytes]:
    """Headers and body of the GetStatusInfo SOAP call to `service_type`."""
    body = (
        '<?xml version="1.0"?>'
        f'<s:Envelope xmlns:s="{SOAP_ENVELOPE}" '
        's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">'
        f'<s:Body><u:GetStatusInfo xmlns:u="{service_type}"/></s:Body></s:Envelope>'
    ).encode("ascii")
    headers = {
        "Content-Type": 'text/xml; charset="utf-8"',
        "SOAPAction": f'"{service_type}#GetStatusInfo"',
    }
    return headers, body


@dataclass(frozen=True)
class ConnectionStatus:
    """GetStatusInfo's answer: "Connected", "Disconnected"... and the uptime in seconds."""

    state: str
    uptime_s: int

    @property
    def connected(self) -> bool:
        return self.state == "Connected"


def parse_status(text: str | bytes) -> ConnectionStatus:
    """A GetStatusInfo answer; UpnpError if it is a fault, absent or garbled."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise UpnpError(f"status answer is not XML: {error}") from None
    values = {_local(e.tag): (e.text or "").strip() for e in root.iter()}
    if "Fault" in values:
        raise UpnpError(f"the router refused: {values.get('errorDescription', 'a SOAP fault')}")
    if "NewUptime" not in values:
        raise UpnpError("status answer has no NewUptime")
    uptime = uptime_seconds(values["NewUptime"])
    return ConnectionStatus(values.get("NewConnectionStatus", ""), uptime)


def uptime_seconds(value: str) -> int:
    """A NewUptime value as seconds: a ui4 count, or "D Days, HH:MM:SS"."""
    value = value.strip()
    if value.isdigit():
        return int(value)
    days = DAYS_UPTIME.match(value)
    if days:
        d, h, m, s = (int(group) for group in days.groups())
        return ((d * 24 + h) * 60 + m) * 60 + s
    raise UpnpError(f"NewUptime is not a duration: {value[:40]!r}")
