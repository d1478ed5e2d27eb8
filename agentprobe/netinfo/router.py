"""Asking the home router how long it has been up, over UPnP IGD, on the LAN only.

One unicast SSDP search to the default gateway (never a multicast to the whole home
network), the device description and one GetStatusInfo call, all to the gateway's own
address and nowhere else, with no proxy (a corporate proxy cannot reach a home router).
Many routers count NewUptime from the device's boot, others from the internet
connection's (re)dial: either way a reset means the router or its link restarted, which
is what a call that dropped at 14:02 needs to be set against.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, ip_address

import requests

from agentprobe.netinfo.upnp import (
    SSDP_PORT,
    ConnectionStatus,
    Description,
    UpnpError,
    on_host,
    parse_description,
    parse_search_answer,
    parse_status,
    search_request,
    status_request,
)

MAX_BODY = 64 * 1024  # a real description is 2-8 KiB; more is not a router talking


@dataclass(frozen=True)
class RouterStatus:
    """What the router told: maker and model, its WAN connection state, uptime if up."""

    make: str
    state: str
    uptime_s: int | None  # None unless the connection is up: a down link's count is 0


@dataclass(frozen=True)
class RouterAnswer:
    """The router's status, or why there is none ("no UPnP answer", ...)."""

    status: RouterStatus | None
    reason: str = ""


Search = Callable[[str, float], bytes | None]


def search_gateway(gateway: str, timeout: float) -> bytes | None:
    """The gateway's own answer to an IGD search, or None within `timeout` s."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        request = search_request()
        for _ in range(2):  # UDP: a second copy costs nothing and survives one loss
            sock.sendto(request, (gateway, SSDP_PORT))
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                data, (address, _) = sock.recvfrom(4096)
            except TimeoutError:
                return None
            if address == gateway:
                return data
    return None


class Router:
    """Asks the router at the gateway address; `search` and `http` are seams for tests."""

    def __init__(
        self,
        timeout: float = 1.0,
        search: Search = search_gateway,
        http: requests.Session | None = None,
    ) -> None:
        self.timeout, self.search, self.http = timeout, search, http

    def ask(self, gateway: str) -> RouterAnswer:
        """The router's status, or the reason there is none; never raises."""
        if self.http is not None:
            return self._ask(gateway, self.http)
        with requests.Session() as http:  # one per question: no connection lingers
            return self._ask(gateway, http)

    def _ask(self, gateway: str, http: requests.Session) -> RouterAnswer:
        http.trust_env = False  # no proxy, no netrc: this is the LAN
        try:
            if not isinstance(ip_address(gateway), IPv4Address):
                return RouterAnswer(None, "UPnP is asked over IPv4 only")
            answer = self.search(gateway, self.timeout)
            if answer is None:
                return RouterAnswer(None, "the router did not answer UPnP")
            location = parse_search_answer(answer).get("LOCATION", "")
            text = self._get(http, on_host(location, gateway))
            return RouterAnswer(self._status(http, parse_description(text, location), gateway))
        except ValueError as error:  # UpnpError, or an address that is not one
            return RouterAnswer(None, f"the router's UPnP answer was unusable: {error}")
        except (OSError, requests.RequestException) as error:
            return RouterAnswer(None, f"the router's UPnP service failed: {type(error).__name__}")

    def _status(
        self, http: requests.Session, description: Description, gateway: str
    ) -> RouterStatus:
        answers: list[ConnectionStatus] = []
        for service in description.services:
            headers, body = status_request(service.kind)
            text = self._post(http, on_host(service.control_url, gateway), headers, body)
            answers.append(parse_status(text))
            if answers[-1].connected:
                break
        status = answers[-1] if answers[-1].connected else answers[0]
        uptime = status.uptime_s if status.connected else None
        return RouterStatus(description.make, status.state, uptime)

    def _get(self, http: requests.Session, url: str) -> bytes:
        with http.get(url, timeout=self.timeout * 2, stream=True, allow_redirects=False) as r:
            return _body(r)

    def _post(
        self, http: requests.Session, url: str, headers: dict[str, str], body: bytes
    ) -> bytes:
        with http.post(
            url, data=body, headers=headers, timeout=self.timeout * 2, stream=True,
            allow_redirects=False,
        ) as r:  # fmt: skip
            return _body(r, accept=(200, 500))  # a SOAP fault comes with 500


def _body(response: requests.Response, accept: tuple[int, ...] = (200,)) -> bytes:
    if response.status_code not in accept:
        raise UpnpError(f"HTTP {response.status_code}")
    data = response.raw.read(MAX_BODY + 1, decode_content=True)
    if len(data) > MAX_BODY:
        raise UpnpError(f"an answer over {MAX_BODY // 1024} KiB")
    return bytes(data)
