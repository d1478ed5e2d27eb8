"""`agentprobe run`: the daemon loop that schedules checks, queues reports and uploads them.

One thread does the bookkeeping; each cycle of checks runs in a short-lived child
(see `worker`). Every report is committed to the outbox before any upload. SIGTERM and
SIGINT set a stop flag: a running cycle gets a grace period to finish, and anything
already queued stays in the outbox for the next start. While a call is live (the call
signal, polled every CALL_POLL_S) a microphone child measures the headset (see
`agent.headset`); finished calls wait in the spools until that child has written its
record, then become `call_end` reports.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from agentprobe.agent import state
from agentprobe.agent.call_intake import CallIntake, grade_in_child
from agentprobe.agent.delivery.outbox import Outbox
from agentprobe.agent.headset import Launch, Listening
from agentprobe.agent.link import Link
from agentprobe.agent.scheduler import Pick, Plan, Scheduler, next_shift_start
from agentprobe.agent.worker import Schedule
from agentprobe.config.sections import Config
from agentprobe.config.shifts import on_shift, parse_shift
from agentprobe.privacy import private_dir
from agentprobe.report import Report, utc_now

log = logging.getLogger("agentprobe.agent")

TICK_S = 1.0  # how often the loop looks for run requests and stop signals
CALL_POLL_S = 10.0  # how often a held-back heavy check asks whether the call is over
RunCycle = Callable[[Sequence[str], str, bool], Report | None]
CallSignal = Callable[[], bool | None]


class Daemon:
    """The scheduling loop. Real parts are built by `serve`; tests pass their own."""

    def __init__(
        self,
        config: Config,
        plans: Sequence[Plan],
        link: Link,
        outbox: Outbox,
        run_cycle: RunCycle,
        in_call: CallSignal,
        stop: threading.Event,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        calls: CallIntake | None = None,
        headset: Launch | None = None,
    ) -> None:
        self.config, self.link, self.outbox = config, link, outbox
        self.run_cycle, self.call_signal, self.stop, self.clock = run_cycle, in_call, stop, clock
        self.scheduler = Scheduler(plans, config.schedule.jitter, rng or random.Random())
        self.shifts = [parse_shift(text) for text in config.schedule.shifts]
        self.checks: dict[str, Any] = state.read_status(config.data_dir).get("checks", {})
        self.in_call, self.call_checked_at = False, float("-inf")
        self.postponed: tuple[str, ...] = ()
        self.shift_at: float | None = None
        self.started_at = utc_now()
        self.calls = calls
        self.headset = headset
        self.listener: Listening | None = None
        self.listened = False  # started once this call: a child that died is not restarted

    def run(self) -> None:
        """Loop until `stop` is set. Every wait is bounded by TICK_S."""
        now = self.clock()
        self.scheduler.start(now)
        self.shift_at = self._next_shift(now)
        self.write_status()
        while not self.stop.is_set():
            self.tick(self.clock())
            self.stop.wait(TICK_S)
        self._stop_listening()
        self.write_status()

    def tick(self, now: float) -> None:
        """One pass: notice a shift start or a person's run request, then do what is due."""
        if self.shift_at is not None and now >= self.shift_at:
            self.scheduler.all_due(now, "shift_start")
            self.shift_at = self._next_shift(now)
        if state.take_run_request(self.config.data_dir):
            self.scheduler.all_due(now, "manual", spread=False)
            self.link.clear_backoff()
        self.step(now)

    def step(self, now: float) -> None:
        """Run whatever is due, then upload whatever may be sent."""
        working = self._on_shift(now)
        if self.headset is not None:
            self.follow_call(now)
        due = self.scheduler.next_due(working)
        if due is not None and due <= now:
            pick = self.scheduler.pick(now, working, self._call_state(now))
            self.postponed = pick.postponed
            if pick.names:
                self.cycle(pick, now)
        if self.calls is not None:
            for files, report in self.calls.take(now, self.listening()):
                if report is not None:
                    self.queue(report)
                self.calls.done(files, report)
        before = self.link.describe()
        self.link.flush(self.stop)
        if self.link.describe() != before:
            self.write_status()

    def cycle(self, pick: Pick, now: float) -> None:
        log.info("running %s (trigger %s)", ", ".join(pick.names), pick.trigger)
        report = self.run_cycle(pick.names, pick.trigger, self.in_call)
        self.scheduler.ran(pick.names, now)
        if report is None:
            log.warning("check run did not produce a report")
            return
        self.queue(report)

    def queue(self, report: Report) -> None:
        """Commit a report to the outbox (unless local-only) and note its results."""
        if self.config.collector.url:  # local-only mode keeps results, uploads nothing
            evicted = self.outbox.put(report.report_id, report.to_json())
            log.info("queued report %s (%s)", report.report_id, report.status.value)
            if evicted:
                log.warning("outbox full: dropped the %d oldest report(s)", evicted)
        for result in report.checks:
            self.checks[result.name] = {
                "status": result.status.value,
                "summary": result.summary,
                "metrics": result.metrics,  # for the tray's plain-words message
                "at": report.created_at,
                "report_id": report.report_id,
            }
        self.write_status()

    def follow_call(self, now: float) -> None:
        """Start the headset child when the call turns live, stop it when the call is over."""
        if self._call_state(now):
            if self.listener is None and not self.listened and self.headset is not None:
                self.listener, self.listened = self.headset(), True
        else:
            self.listened = False
            self._stop_listening()

    def listening(self) -> bool:
        return self.listener is not None and self.listener.running()

    def _stop_listening(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None

    def _call_state(self, now: float) -> bool:
        if now - self.call_checked_at >= CALL_POLL_S:
            self.in_call = bool(self.call_signal())
            self.call_checked_at = now
        return self.in_call

    def _on_shift(self, now: float) -> bool:
        return on_shift(self.shifts, datetime.fromtimestamp(now).astimezone())

    def _next_shift(self, now: float) -> float | None:
        moment = next_shift_start(self.shifts, datetime.fromtimestamp(now).astimezone())
        return moment.timestamp() if moment else None

    def write_status(self) -> None:
        state.write_status(self.config.data_dir, self.snapshot())

    def snapshot(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "running": not self.stop.is_set(),
            "started_at": self.started_at,
            "updated_at": utc_now(),
            "agent_id": self.config.agent_id,
            "in_call": self.in_call,
            "postponed": list(self.postponed),
            "checks": self.checks,
            "next_run": {
                name: datetime.fromtimestamp(at).astimezone().isoformat(timespec="seconds")
                for name, at in self.scheduler.next_at.items()
            },
            "upload": self.link.describe(),
        }


def serve(config_path: str | None) -> int:
    """Build the daemon from real parts and run it until SIGTERM or SIGINT; the exit code.

    The full config (every check's section) is validated in a child, which also reports
    the schedule: the daemon itself loads only the top-level sections, so the check
    modules and their libraries are never imported into the resident process.
    """
    from agentprobe.agent.worker import ConfigRejected, describe_in_child
    from agentprobe.config.load import load

    try:
        schedule = describe_in_child(config_path)
    except ConfigRejected:
        return 3
    config = load(config_path)  # top-level sections only: no check module is imported
    from agentprobe.agent.lock import AlreadyRunning, hold

    private_dir(config.data_dir)  # reports and token
    logging.basicConfig(
        level=config.agent.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        lock = hold(config.data_dir)
    except AlreadyRunning as error:
        log.error("%s", error)
        return 3
    with lock:
        stop = threading.Event()
        _on_signals(stop)
        _run(config, schedule, stop)
    return 0


def _run(config: Config, schedule: Schedule, stop: threading.Event) -> None:
    from agentprobe.agent.call_signal import detector
    from agentprobe.agent.headset import Launcher
    from agentprobe.agent.worker import CALL_SPOOL_DIR, run_in_child
    from agentprobe.uplink.session import make_session

    outbox = Outbox.for_config(config)
    link = Link(config, outbox, make_session)

    def run_cycle(names: Sequence[str], trigger: str, in_call: bool) -> Report | None:
        return run_in_child(config, schedule.timeouts, names, trigger, in_call, stop)

    spool = config.data_dir / CALL_SPOOL_DIR
    headset = Launcher(spool, config.source) if schedule.headset else None
    capture = Path(schedule.capture_spool) if schedule.capture_spool else None
    calls = detector(
        schedule.softphones,
        lambda: {os.getpid(), *(headset.pids() if headset else ())},
        capture,
    )
    intake = CallIntake([Path(p) for p in schedule.call_spools], grade_in_child(config.source))
    daemon = Daemon(
        config, schedule.plans, link, outbox, run_cycle, calls, stop, calls=intake, headset=headset
    )
    log.info("agentprobe daemon started for %s, data in %s", config.agent_id, config.data_dir)
    try:
        daemon.run()
        log.info("stopped; %d report(s) wait in the outbox", outbox.depth())
    finally:
        outbox.close()


def _on_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()  # only set a flag: the loop notices within one tick

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
