"""The daemon's link to the collector: token, session, sender, and a one-line state.

The state is what `status` and the tray show: `ok`, `unreachable` (backing off),
`revoked` (the collector refused the token: re-enrol), `not enrolled`, or `local-only`.
A revoked token stops uploads until the token file changes, so a revocation causes
no retry storm.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import requests

from agentprobe.agent.delivery.outbox import Outbox
from agentprobe.agent.delivery.pipeline import build_sender, token_stamp
from agentprobe.agent.delivery.sender import Sender
from agentprobe.config.sections import CollectorSection, Config
from agentprobe.report import utc_now
from agentprobe.uplink.identity import EnrolmentError, ensure_token

log = logging.getLogger("agentprobe.agent")


class Link:
    """Owns the upload side of the daemon. Call `flush()` often; it decides when to send."""

    def __init__(
        self,
        config: Config,
        outbox: Outbox,
        session_factory: Callable[[CollectorSection], requests.Session],
    ) -> None:
        self.config, self.outbox = config, outbox
        self.session = session_factory(config.collector) if config.collector.url else None
        self.sender: Sender | None = None
        self.token: str | None = None
        self.state, self.detail, self.changed_at = "starting", "", utc_now()

    def flush(self, stop: threading.Event, force: bool = False) -> int:
        """Send what is due; returns how many reports were accepted."""
        sender = self._sender()
        if sender is None or self.outbox.depth() == 0:
            if sender is not None and self.state == "starting":
                self._set("ok", "nothing to send")
            return 0
        if not force and sender.wait_s() > 0:
            return 0
        result = sender.flush(force=force, stop=stop.is_set)
        if result.last is None:
            return 0
        if result.last.kind == "revoked":
            self.outbox.set("revoked_stamp", token_stamp(self.config.data_dir))
            self._set("revoked", result.last.detail)
        elif result.last.kind == "retry":
            self._set("unreachable", f"{result.last.detail}; retry in {sender.wait_s():.0f} s")
        else:
            self._set("ok", result.last.detail)
        return len(result.sent)

    def clear_backoff(self) -> None:
        if self.sender is not None:
            self.sender.clear_backoff()

    def describe(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "detail": self.detail,
            "since": self.changed_at,
            "last_success_at": self.outbox.get("last_success_at") or None,
        }

    def _sender(self) -> Sender | None:
        if self.session is None:
            self._set("local-only", "no [collector] url configured")
            return None
        if self._revoked():
            self._set("revoked", "token revoked: re-enrol (agentprobe enroll)")
            return None
        token = self._token()
        if token is None:
            return None
        if token != self.token or self.sender is None:
            self.token = token
            self.sender = build_sender(self.config, self.outbox, token, self.session)
        return self.sender

    def _token(self) -> str | None:
        """The current token, enrolling at most once per backoff period."""
        assert self.session is not None
        if self.state == "enrolment failed" and self.outbox.get("enrol_retry_at") > _now():
            return None
        try:
            token = ensure_token(self.config, self.session)
        except EnrolmentError as error:
            self.outbox.set("enrol_retry_at", _now() + 60.0)
            self._set("enrolment failed", str(error))
            return None
        if token is None:
            self._set("not enrolled", "set enroll_secret or run agentprobe enroll")
        return token

    def _revoked(self) -> bool:
        stamp = self.outbox.get("revoked_stamp")
        return stamp != 0 and stamp == token_stamp(self.config.data_dir)

    def _set(self, state: str, detail: str) -> None:
        if state != self.state:
            level = logging.INFO if state in ("ok", "local-only") else logging.WARNING
            log.log(level, "upload: %s: %s", state, detail)
        if (state, detail) != (self.state, self.detail):
            self.state, self.detail, self.changed_at = state, detail, utc_now()


def _now() -> float:
    import time

    return time.time()
