"""HTTPS to the collector: one requests Session per process, verification always on.

TLS verification cannot be turned off: a self-signed collector is trusted by pinning its
certificate with `collector.ca_file`. Connection failures are retried briefly by urllib3
(the outbox handles longer outages); every request gets the configured timeout.

Every request carries a credential (the enrol secret or the bearer token), so the session
never follows a redirect (requests would resend the body, and RFC 9110 §15.4.8 keeps the
method and body on a 307, to wherever `Location` says) and refuses plain `http://` to any
host but loopback, checked on each request, not only when the config is read.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from agentprobe import __version__
from agentprobe.config.addresses import is_loopback
from agentprobe.config.sections import CollectorSection

USER_AGENT = f"agentprobe/{__version__}"


class TimeoutSession(requests.Session):
    """A Session whose requests default to (connect, read) timeouts and its own `verify`."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        refuse_plain_http(url if isinstance(url, str) else url.decode("latin-1"))
        kwargs["allow_redirects"] = False  # never, whatever the caller asked for
        kwargs.setdefault("timeout", self.default_timeout)
        # Pass verify per request: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override
        # a Session's verify otherwise, which would silently unpin `collector.ca_file`.
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, *args, **kwargs)


def refuse_plain_http(url: str) -> None:
    """InvalidURL (a RequestException, so callers treat it as a failed request) for
    anything but https://, or http:// to a loopback address."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or "")):
        return
    raise requests.exceptions.InvalidURL(
        f"refusing {parts.scheme or 'a schemeless'} URL to {parts.hostname or '?'}: "
        "the collector is reached over https only (plain http on loopback alone)"
    )


def connect_retry() -> Retry:
    """Retry only failures to connect (nothing was sent), twice, with a short backoff.

    Read errors and error statuses are not retried here: the outbox decides what to do
    with them, honouring Retry-After, without blocking the daemon for minutes.
    """
    return Retry(
        total=2,
        connect=2,
        read=0,
        redirect=0,
        status=0,
        other=0,
        backoff_factor=0.5,
        raise_on_status=False,
    )


def make_session(collector: CollectorSection) -> requests.Session:
    """A keep-alive Session for the configured collector: CA pinning, timeouts, user agent."""
    timeout = collector.timeout
    session = TimeoutSession((min(timeout, 10.0), timeout))
    # verify is never False: either the pinned CA file or the system trust store.
    session.verify = collector.ca_file or True
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(max_retries=connect_retry(), pool_connections=1, pool_maxsize=2)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def api_url(collector: CollectorSection, path: str) -> str:
    """An absolute collector URL for an API path such as "/api/v1/reports"."""
    return collector.url.rstrip("/") + path
