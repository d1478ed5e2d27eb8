"""A process that queues reports and uploads them as fast as it can, for kill -9 tests.

    python -m tests.rigs.outbox_writer DATA_DIR URL [--drain]

It prints `queued <report_id>` only after the report is committed to the outbox, so the
test knows every report that must eventually reach the server.
"""

from __future__ import annotations

import sys
from pathlib import Path

from agentprobe.agent.delivery.outbox import Outbox
from agentprobe.agent.delivery.pipeline import build_sender
from agentprobe.config.load import from_dict
from agentprobe.report import CheckResult, Report, Status
from agentprobe.uplink.session import make_session


def main(data_dir: str, url: str, drain: bool) -> None:
    # The daemon's way: only the top-level sections, so no check module (numpy) is
    # imported and the writer is at work within moments of its start.
    config = from_dict(
        {"agent": {"id": "kill9", "data_dir": data_dir}, "collector": {"url": url}}, None
    )
    outbox = Outbox.in_dir(Path(data_dir))
    sender = build_sender(config, outbox, "test-token", make_session(config.collector))
    for n in range(0 if drain else 10_000):
        result = CheckResult("system", Status.PASS, f"report {n}", {"cpu_pct": 1.0})
        report = Report("kill9", [result])
        outbox.put(report.report_id, report.to_json())
        print("queued", report.report_id, flush=True)
        sender.flush(force=True, budget=3)
    sender.flush(force=True, budget=100_000)
    print("drained", outbox.depth(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--drain" in sys.argv)
