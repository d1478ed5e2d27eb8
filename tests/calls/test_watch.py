"""The capture engine loop and `calls watch` output, against a list source and a fake tracker."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from agentprobe.calls.capture.source import ListSource
from agentprobe.calls.record import CallRecord
from agentprobe.calls.tracker import Datagram
from agentprobe.calls.watch import REFRESH_S, Clocks, LocalAddresses, watch
from agentprobe.checks.registry import load_config
from agentprobe.commands.calls import Spooler, reflector, row


def record(call_id: str, ended_at: float) -> CallRecord:
    metrics = {"rx_packets": 250, "rx_loss_pct": 1.234, "rx_jitter_ms": 4.56, "mos": 4.1}
    return CallRecord(call_id, 100.0, ended_at, "rtp", "g711", "0123456789abcdef", metrics)


class FakeTracker:
    """Ends call "a" when expire() is asked about t >= 105, the rest on finish()."""

    def __init__(self) -> None:
        self.fed: list[float] = []
        self.expired_at: list[float] = []
        self.open = ["a", "b"]

    def feed(self, datagram: Datagram) -> None:
        self.fed.append(datagram.at)

    def expire(self, now: float) -> list[CallRecord]:
        self.expired_at.append(now)
        if now >= 105 and "a" in self.open:
            self.open.remove("a")
            return [record("a", 104.0)]
        return []

    def finish(self) -> list[CallRecord]:
        ended, self.open = [record(c, 110.0) for c in self.open], []
        return ended


class SteppingClock:
    """Each call moves time on by `step` seconds."""

    def __init__(self, start: float, step: float) -> None:
        self.now, self.step = start, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def datagrams(count: int) -> list[Datagram]:
    return [Datagram(100.0 + i, ("198.51.100.7", 5004), ("10.0.0.2", 4000), b"\x80", 1)
            for i in range(count)]  # fmt: skip


def test_datagrams_reach_the_tracker_in_order_and_each_call_is_emitted_once() -> None:
    tracker, emitted = FakeTracker(), []
    clocks = Clocks(monotonic=SteppingClock(0, 0.1), wall=SteppingClock(101, 2.0))
    summary = watch(ListSource(datagrams(10), batch=4), tracker, emitted.append, clocks=clocks)
    assert tracker.fed == [100.0 + i for i in range(10)]
    assert tracker.expired_at == [103.0, 105.0, 107.0]
    assert [(r.call_id, r.ended_at) for r in emitted] == [("a", 104.0), ("b", 110.0)]
    assert (summary.datagrams, summary.calls, summary.kernel_drops) == (10, 2, 0)


class SilentSource(ListSource):
    """A live source with nothing to capture: every read is empty, none ends the input."""

    def __init__(self) -> None:
        super().__init__([])
        self.reads = 0

    def read(self, timeout_s: float) -> list[Datagram] | None:
        self.reads += 1
        return []


def test_the_run_ends_when_its_seconds_are_up_and_open_calls_are_finished() -> None:
    source, tracker, emitted = SilentSource(), FakeTracker(), []
    clocks = Clocks(monotonic=SteppingClock(0, 0.5), wall=SteppingClock(90, 0.1))
    watch(source, tracker, emitted.append, seconds=3.0, clocks=clocks)
    assert source.reads == 3
    assert [r.call_id for r in emitted] == ["a", "b"]


def test_a_stop_request_ends_the_run_and_still_finishes_the_calls() -> None:
    stop, emitted = threading.Event(), []
    stop.set()
    source = SilentSource()
    summary = watch(source, FakeTracker(), emitted.append, stop=stop)
    assert source.reads == 0 and summary.calls == 2


class FailingSource(SilentSource):
    """The capture breaks on its second read."""

    def read(self, timeout_s: float) -> list[Datagram] | None:
        if super().read(timeout_s) is not None and self.reads == 2:
            raise OSError("the capture broke")
        return []


def test_a_failing_source_still_leaves_every_open_call_reported() -> None:
    emitted: list[CallRecord] = []
    with pytest.raises(OSError, match="the capture broke"):
        watch(FailingSource(), FakeTracker(), emitted.append)
    assert [r.call_id for r in emitted] == ["a", "b"]


def test_local_addresses_are_read_again_after_the_refresh_interval() -> None:
    reads, clock = [{"10.0.0.2"}, {"10.0.0.3"}], SteppingClock(0, 0)
    local = LocalAddresses(lambda: reads.pop(0), clock)
    assert local("10.0.0.2") and not local("10.0.0.3")
    clock.now = REFRESH_S - 1
    local.refresh()
    assert local("10.0.0.2")
    clock.now = REFRESH_S
    local.refresh()
    assert local("10.0.0.3") and not local("10.0.0.2")


def test_a_table_row_shows_the_key_figures() -> None:
    assert row(record("a", 160.5).to_json()) == (
        "00:02:40", "60.5", "rtp", "g711", "0123456789abcdef", "250", "1.23", "4.6", "-", "4.10",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[collector]\nurl = "https://127.0.0.1:8443"\n', {("127.0.0.1", 8443)}),
        ('[collector]\nurl = "https://127.0.0.1"\n[voice]\nreflector = "[::1]:50000"\n',
         {("::1", 50000)}),
        ("", set()),
        ('[voice]\nreflector = "no-port-here"\n', set()),
    ],
    ids=["collector", "override", "local-only", "unusable"],
)  # fmt: skip
def test_the_voice_reflector_is_left_out_of_calls(
    tmp_path: Path, toml: str, expected: set[tuple[str, int]]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml)
    assert reflector(load_config(path)) == expected


class FlakySpool:
    """A spool whose disk refuses the first `failures` writes (full, then freed)."""

    def __init__(self, failures: int) -> None:
        self.failures, self.stored = failures, []

    def put(self, record: dict) -> Path:
        if self.failures:
            self.failures -= 1
            raise OSError(28, "No space left on device")
        self.stored.append(record["call_id"])
        return Path(f"{record['call_id']}.json")


def test_records_the_disk_refuses_wait_and_go_out_in_order_once_it_takes_them() -> None:
    spool = FlakySpool(failures=2)
    spooler = Spooler(spool)  # type: ignore[arg-type]
    spooler(record("a", 101.0))
    spooler(record("b", 102.0))
    assert (spool.stored, len(spooler.waiting)) == ([], 2)
    spooler.retry()
    assert (spool.stored, spooler.spooled) == (["a", "b"], 2)
    assert spooler.waiting == []
