"""The native messaging host: the extension's call summaries in, call records to the spool.

Chrome starts `agentprobe native-host` when the extension connects and talks to it over
stdin/stdout (see `framing`). Every message gets one reply: `{"ok": true, ...}`, or
`{"ok": false, "error": "..."}` for anything malformed, oversized or refused, after which
the host carries on with the next message. A `live` summary replaces the call's previous
one in memory; `closed` or `failed` writes the call record to the spool. When the
browser goes away (end of stdin) the calls still live are written as they last stood,
so a browser crash loses at most the last ten seconds of a call. Nothing of a message
but the record is kept, and the log never names an origin.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, BinaryIO

from agentprobe import __version__
from agentprobe.browser import framing, messages, summary
from agentprobe.calls.spool import CallSpool, SpoolError

MAX_LIVE_CALLS = 32
log = logging.getLogger("agentprobe.browser.host")


class NativeHost:
    """One browser connection: reads frames until the stream ends, never raises on input."""

    def __init__(
        self,
        reader: BinaryIO,
        writer: BinaryIO,
        spool: CallSpool,
        hash_origin: Callable[[str], str],
    ) -> None:
        self.reader, self.writer = reader, writer
        self.spool, self.hash_origin = spool, hash_origin
        self.live: dict[str, messages.CallMessage] = {}
        self.stored: list[str] = []

    def run(self) -> int:
        """Serve until end of stream; write the calls still live; 0 on a clean end, else 1."""
        code = 0
        while True:
            try:
                body = framing.read_frame(self.reader)
            except framing.FramingError as error:
                self._reply({"ok": False, "error": str(error)})
                if error.recoverable:
                    continue
                code = 1
                break
            if body is None:
                break
            self._reply(self.handle(body))
        self.flush_live()
        return code

    def handle(self, body: bytes) -> dict[str, Any]:
        """The reply to one message body."""
        try:
            parsed = messages.parse(framing.decode(body))
        except (framing.FramingError, messages.MessageError) as error:
            return {"ok": False, "error": str(error)}
        if isinstance(parsed, str):
            return {"ok": True, "host": "agentprobe", "version": __version__}
        return self._call(parsed)

    def _call(self, message: messages.CallMessage) -> dict[str, Any]:
        if message.state == "live":
            if message.call_id not in self.live and len(self.live) >= MAX_LIVE_CALLS:
                return {"ok": False, "error": f"more than {MAX_LIVE_CALLS} live calls"}
            self.live[message.call_id] = message
            return {"ok": True, "live": len(self.live)}
        self.live.pop(message.call_id, None)
        return self._store(message)

    def _store(self, message: messages.CallMessage) -> dict[str, Any]:
        if not any(r["type"] in ("inbound-rtp", "outbound-rtp") for r in message.reports):
            return {"ok": True, "stored": None, "reason": "no media was sent or received"}
        try:
            record = summary.record(message, self.hash_origin(message.origin))
            path = self.spool.put(record)
        except (SpoolError, OSError, ValueError) as error:
            log.error("could not spool a browser call: %s", error)
            return {"ok": False, "error": f"could not store the call: {error}"}
        self.stored.append(record["call_id"])
        log.info("browser call %s spooled (%s)", record["call_id"], path.name)
        return {"ok": True, "stored": record["call_id"]}

    def flush_live(self) -> None:
        """Write every call still live, as last reported (the browser closed or crashed)."""
        for message in list(self.live.values()):
            self._store(message)
        self.live.clear()

    def _reply(self, reply: dict[str, Any]) -> None:
        try:
            framing.write_frame(self.writer, reply)
        except (OSError, ValueError) as error:  # the browser hung up: keep reading to EOF
            log.debug("reply not delivered: %s", error)
