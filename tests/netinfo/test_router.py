"""Asking a router over real HTTP on loopback: which service counts, what is not followed.

The SSDP search is the seam (the real one is exercised against miniupnpd in
test_router_real.py); descriptions and SOAP answers are served by a small HTTP server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agentprobe.netinfo.router import MAX_BODY, Router, RouterStatus

UPNP = Path(__file__).parent / "data" / "real" / "upnp"
HOST = "127.0.0.1"


def _description(services: list[tuple[str, str]]) -> bytes:
    listed = "".join(
        f"<service><serviceType>urn:schemas-upnp-org:service:{kind}</serviceType>"
        f"<controlURL>{url}</controlURL></service>"
        for kind, url in services
    )
    return (
        '<root xmlns="urn:schemas-upnp-org:device-1-0"><device>'
        "<manufacturer>ACME</manufacturer><modelName>Box 7</modelName>"
        f"<friendlyName>The Smiths</friendlyName><serviceList>{listed}</serviceList>"
        "</device></root>"
    ).encode()


def _status(state: str, uptime: str) -> bytes:
    return (
        "<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
        "<u:GetStatusInfoResponse xmlns:u='urn:x'>"
        f"<NewConnectionStatus>{state}</NewConnectionStatus><NewUptime>{uptime}</NewUptime>"
        "</u:GetStatusInfoResponse></s:Body></s:Envelope>"
    ).encode()


class Pages(dict[str, tuple[int, bytes]]):
    """Path -> (status, body) the server answers; `asked` records (method, path, SOAPAction)."""

    asked: list[tuple[str, str, str]]


@pytest.fixture
def server() -> Iterator[tuple[ThreadingHTTPServer, Pages]]:
    pages = Pages()
    pages.asked = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            pages.asked.append((self.command, self.path, self.headers.get("SOAPAction", "")))
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length)
            status, body = pages.get(self.path, (404, b""))
            self.send_response(status)
            if status in (301, 302):
                self.send_header("Location", f"http://{HOST}:{self.server.server_port}/status")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer((HOST, 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd, pages
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def _router(httpd: ThreadingHTTPServer, location: str | None = None) -> Router:
    where = location or f"http://{HOST}:{httpd.server_port}/desc.xml"
    answer = (UPNP / "miniupnpd-2.3.1-ssdp.txt").read_bytes()
    answer = answer.replace(b"http://198.18.0.1:44759/rootDesc.xml", where.encode())
    return Router(timeout=2.0, search=lambda gateway, timeout: answer)


def test_the_connected_service_counts_not_the_idle_one(server: tuple) -> None:
    httpd, pages = server
    pages["/desc.xml"] = (200, _description([("WANPPPConnection:1", "/ppp"),
                                              ("WANIPConnection:1", "/ip")]))  # fmt: skip
    pages["/ppp"] = (200, _status("Disconnected", "0"))
    pages["/ip"] = (200, _status("Connected", "86461"))
    answer = _router(httpd).ask(HOST)
    assert answer.status == RouterStatus("ACME Box 7", "Connected", 86461)
    assert [a[2] for a in pages.asked if a[0] == "POST"] == [
        '"urn:schemas-upnp-org:service:WANPPPConnection:1#GetStatusInfo"',
        '"urn:schemas-upnp-org:service:WANIPConnection:1#GetStatusInfo"',
    ]


def test_a_router_whose_link_is_down_has_no_uptime(server: tuple) -> None:
    httpd, pages = server
    pages["/desc.xml"] = (200, _description([("WANIPConnection:2", "/ip")]))
    pages["/ip"] = (200, _status("Connecting", "0"))
    assert _router(httpd).ask(HOST).status == RouterStatus("ACME Box 7", "Connecting", None)


def test_a_soap_fault_is_a_reason_not_a_crash(server: tuple) -> None:
    httpd, pages = server
    pages["/desc.xml"] = (200, _description([("WANIPConnection:1", "/ip")]))
    pages["/ip"] = (500, (UPNP / "miniupnpd-2.3.1-fault.xml").read_bytes())
    answer = _router(httpd).ask(HOST)
    assert answer.status is None and "refused: Invalid Action" in answer.reason


@pytest.mark.parametrize(
    ("control", "reason"),
    [
        ("http://127.0.0.2:1/ip", "points away from the gateway"),
        ("https://127.0.0.1/ip", "not a plain HTTP URL"),
    ],
)
def test_a_control_url_off_the_gateway_is_not_called(
    server: tuple, control: str, reason: str
) -> None:
    httpd, pages = server
    pages["/desc.xml"] = (200, _description([("WANIPConnection:1", control)]))
    answer = _router(httpd).ask(HOST)
    assert answer.status is None and reason in answer.reason
    assert [a[0] for a in pages.asked] == ["GET"]


def test_a_location_off_the_gateway_is_not_fetched(server: tuple) -> None:
    httpd, pages = server
    answer = _router(httpd, f"http://127.0.0.2:{httpd.server_port}/desc.xml").ask(HOST)
    assert answer.status is None and "points away from the gateway" in answer.reason
    assert pages.asked == []


def test_redirects_errors_and_oversized_answers(server: tuple) -> None:
    httpd, pages = server
    pages["/desc.xml"] = (302, b"")
    assert "HTTP 302" in _router(httpd).ask(HOST).reason  # a redirect is not followed
    pages["/desc.xml"] = (200, b"<root>" + b" " * MAX_BODY + b"</root>")
    assert "over 64 KiB" in _router(httpd).ask(HOST).reason
    pages["/desc.xml"] = (200, b"<root><device/></root>")
    assert "no WAN connection service" in _router(httpd).ask(HOST).reason


def test_silence_and_a_closed_port_and_ipv6() -> None:
    silent = Router(timeout=0.1, search=lambda gateway, timeout: None)
    assert silent.ask(HOST).reason == "the router did not answer UPnP"
    assert silent.ask("fe80::1").reason == "UPnP is asked over IPv4 only"
    answer = b"HTTP/1.1 200 OK\r\nLOCATION: http://127.0.0.1:9/desc.xml\r\n\r\n"  # discard port
    closed = Router(timeout=0.5, search=lambda gateway, timeout: answer).ask(HOST)
    assert closed.reason == "the router's UPnP service failed: ConnectionError"
