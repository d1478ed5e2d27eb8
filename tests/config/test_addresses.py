"""One set of address rules: host:port text for --listen and the reflector, and loopback."""

from __future__ import annotations

import pytest

from agentprobe.config.addresses import is_loopback, parse_host_port


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("example.net:3478", ("example.net", 3478)),
        ("[2001:db8::1]:3478", ("2001:db8::1", 3478)),
        (" 10.0.0.1:9 ", ("10.0.0.1", 9)),
    ],
    ids=["name", "bracketed-v6", "spaces"],
)
def test_host_port_without_defaults(text: str, expected: tuple[str, int]) -> None:
    assert parse_host_port(text) == expected


@pytest.mark.parametrize(
    "text", ["example.net", "2001:db8::1", ":3478", "host:0", "host:65536", "host:x"]
)
def test_host_port_without_defaults_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_host_port(text)


def test_defaults_fill_a_missing_host_or_port() -> None:
    assert parse_host_port("2001:db8::1", 8443) == ("2001:db8::1", 8443)
    assert parse_host_port(":9000", 8443, "0.0.0.0") == ("0.0.0.0", 9000)
    assert parse_host_port("", 8443, "0.0.0.0") == ("0.0.0.0", 8443)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("10.0.0.1", False), ("localhost.example", False)],
)  # fmt: skip
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
