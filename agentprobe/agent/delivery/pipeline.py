"""Sending reports: the glue between the outbox, the uploader and the token.

`deliver_now` is what `agentprobe check --upload` uses: queue the report, try once,
and say in one line what happened. The daemon builds the same `Sender` and flushes on
its own schedule.
"""

from __future__ import annotations

from pathlib import Path

import requests

from agentprobe.agent.delivery.outbox import Outbox
from agentprobe.agent.delivery.sender import FlushResult, Sender
from agentprobe.agent.delivery.uploader import Uploader
from agentprobe.agent.state import write_last_sent
from agentprobe.config.sections import Config
from agentprobe.report import Report
from agentprobe.uplink.identity import EnrolmentError, ensure_token, token_path


def build_sender(config: Config, outbox: Outbox, token: str, session: requests.Session) -> Sender:
    uploader = Uploader(session, config.collector.url, token)
    data_dir = config.data_dir
    return Sender(outbox, uploader.send, on_sent=lambda body: write_last_sent(data_dir, body))


def token_stamp(data_dir: Path) -> float:
    """The token file's modification time: it changes when the agent enrols again."""
    try:
        return token_path(data_dir).stat().st_mtime
    except OSError:
        return 0.0


def deliver_now(config: Config, report: Report) -> str:
    """Queue `report` in the outbox, flush once, and return a one-line outcome."""
    if not config.collector.url:
        return "not sent: no [collector] url configured (local-only mode)"
    from agentprobe.uplink.session import make_session

    outbox = Outbox.for_config(config)
    try:
        outbox.put(report.report_id, report.to_json())
        session = make_session(config.collector)
        try:
            token = ensure_token(config, session)
        except EnrolmentError as error:
            return f"queued, not sent: enrolment failed: {error}"
        if token is None:
            return "queued, not sent: not enrolled (set enroll_secret or run agentprobe enroll)"
        result = build_sender(config, outbox, token, session).flush(force=True)
        return describe(result, report.report_id, outbox)
    finally:
        outbox.close()


def describe(result: FlushResult, report_id: str, outbox: Outbox) -> str:
    if report_id in result.sent:
        others = len(result.sent) - 1
        return "sent" + (f" (and {others} queued earlier)" if others else "")
    if report_id in result.dead:
        reasons = {dead.report_id: dead.reason for dead in outbox.dead_letters(len(result.dead))}
        return f"rejected by the collector: {reasons.get(report_id, 'see agentprobe status')}"
    reason = result.last.detail if result.last else "not attempted"
    return f"queued ({outbox.depth()} waiting), will retry: {reason}"
