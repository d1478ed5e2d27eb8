"""Raw HTTPS to the collector rig from a chosen loopback source address.

requests cannot pick a source address or send a body without Content-Length, and the
attacks need both; http.client can.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from dataclasses import dataclass
from typing import Any

from tests.rigs.collector import RunningCollector


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def tls_context(rig: RunningCollector) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(rig.ca_file))


def connect(
    rig: RunningCollector, source: str = "127.0.0.1", timeout: float = 10.0
) -> ssl.SSLSocket:
    """A TLS connection to the rig whose handshake is done and nothing else sent."""
    raw = socket.create_connection((rig.host, rig.port), timeout, source_address=(source, 0))
    return tls_context(rig).wrap_socket(raw, server_hostname=rig.host)


def request(
    rig: RunningCollector,
    method: str,
    path: str,
    body: bytes | list[bytes] | None = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
) -> Answer:
    """One request on a fresh connection; a list body is sent chunked (no Content-Length)."""
    connection = http.client.HTTPSConnection(
        rig.host, rig.port, timeout=30, source_address=(source, 0), context=tls_context(rig)
    )
    try:
        chunked = isinstance(body, list)
        connection.request(
            method,
            path,
            body=iter(body) if chunked else body,  # type: ignore[arg-type]
            headers=headers or {},
            encode_chunked=chunked,
        )
        response = connection.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def enroll_body(rig: RunningCollector, agent_id: str, secret: str | None = None) -> bytes:
    body = {"enroll_secret": secret or rig.enroll_secret, "agent_id": agent_id, "host": "h"}
    return json.dumps(body).encode()
