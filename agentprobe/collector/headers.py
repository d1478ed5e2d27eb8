"""`SecurityHeaders`: the response headers every answer of the collector carries.

The dashboard is server-rendered HTML with inline styles and inline SVG charts, no
scripts and no third-party content, so its Content Security Policy allows styles inline
and nothing else (CSP Level 3); `frame-ancestors 'none'` and X-Frame-Options stop
click-jacking (RFC 7034); HSTS (RFC 6797) is sent over HTTPS only; and nothing is
cached (RFC 9111 `no-store`), since every page and answer is per-operator or per-agent.
A route that sets its own Cache-Control keeps it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# /docs loads Swagger UI's script and styles from a CDN and runs an inline script.
DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'"
)
ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")


def extra_headers(scope: Scope, present: set[bytes]) -> list[tuple[bytes, bytes]]:
    """The headers to add to a response to `scope` that already has `present` names."""
    added = list(ALWAYS)
    csp = DOCS_CSP if scope.get("path") == "/docs" else CSP
    added.append((b"content-security-policy", csp.encode()))
    if scope.get("scheme") == "https":
        added.append(HSTS)
    if b"cache-control" not in present:
        added.append((b"cache-control", b"no-store"))
    return [(name, value) for name, value in added if name not in present]


class SecurityHeaders:
    """Adds `extra_headers` to every HTTP response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                message["headers"] = headers + extra_headers(scope, present)
            await send(message)

        await self.app(scope, receive, send_with_headers)
