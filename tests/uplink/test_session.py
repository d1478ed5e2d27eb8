"""The collector session never follows a redirect (the enrol secret or token would go
wherever `Location` says) and refuses plain HTTP to anything but loopback, per request."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from agentprobe.config.sections import CollectorSection, Config
from agentprobe.uplink.identity import EnrolmentError, enroll
from agentprobe.uplink.session import make_session


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every POST with `answer`; records what arrived (class attributes per server)."""

    answer: tuple[int, dict[str, str]] = (404, {})
    seen: list[bytes]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.seen.append(self.rfile.read(length))
        status, headers = self.answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _serve(answer: tuple[int, dict[str, str]]) -> tuple[http.server.HTTPServer, list[bytes]]:
    seen: list[bytes] = []
    handler = type("Handler", (Recorder,), {"answer": answer, "seen": seen})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.fixture
def servers() -> Iterator[tuple[str, list[bytes], list[bytes]]]:
    """A 'collector' that redirects every POST (307) to a second server that records."""
    target, received = _serve((200, {}))
    location = f"http://127.0.0.1:{target.server_address[1]}/api/v1/enroll"
    redirector, asked = _serve((307, {"Location": location}))
    yield f"http://127.0.0.1:{redirector.server_address[1]}", asked, received
    for server in (redirector, target):
        server.shutdown()
        server.server_close()


def test_enrolment_does_not_follow_a_redirect_with_the_secret(
    tmp_path: Path, servers: tuple[str, list[bytes], list[bytes]]
) -> None:
    url, asked, received = servers
    config = replace(
        Config(),
        collector=CollectorSection(url=url, enroll_secret="ape_secret-in-clear"),
    )
    config = replace(config, agent=replace(config.agent, id="pc-1", data_dir=str(tmp_path)))
    with pytest.raises(EnrolmentError, match="HTTP 307"):
        enroll(config)
    assert len(asked) == 1 and received == []


def test_a_caller_cannot_turn_redirects_back_on(
    servers: tuple[str, list[bytes], list[bytes]],
) -> None:
    url, _, received = servers
    session = make_session(CollectorSection(url=url))
    answer = session.post(url + "/api/v1/reports", data=b"{}", allow_redirects=True)
    assert answer.status_code == 307 and received == []


class RecordingAdapter(requests.adapters.BaseAdapter):
    """Stands in for the network: records each request it is asked to send."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(str(request.url))
        response = requests.Response()
        response.status_code = 200
        return response

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    "url", ["http://collector.example.com/api/v1/enroll", "http://10.0.0.5:8443/x", "ftp://h/x"]
)
def test_plain_http_to_anything_but_loopback_is_refused_before_sending(url: str) -> None:
    session = make_session(CollectorSection(url="https://collector.example.com"))
    adapter = RecordingAdapter()
    for prefix in ("http://", "https://", "ftp://"):
        session.mount(prefix, adapter)
    with pytest.raises(requests.exceptions.InvalidURL, match="https only"):
        session.post(url, data=b"secret")
    assert adapter.sent == []
    session.get("https://collector.example.com/healthz")
    session.get("http://127.0.0.1:9/healthz")
    assert adapter.sent == [
        "https://collector.example.com/healthz",
        "http://127.0.0.1:9/healthz",
    ]
