"""Small fakes for the foundation tests: a command runner, a prober, psutil, a /sys tree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from agentprobe.netinfo.probe import Rtt

DATA = Path(__file__).parent / "netinfo" / "data"


def data(name: str) -> str:
    """A captured command output from tests/foundation/data (universal newlines off)."""
    return (DATA / name).read_bytes().decode()


class FakeRunner:
    """Replays captured outputs by argv; anything else behaves like a missing tool."""

    def __init__(self, outputs: Mapping[tuple[str, ...], str | None]) -> None:
        self.outputs = dict(outputs)
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, argv: Sequence[str]) -> str | None:
        self.calls.append(tuple(argv))
        return self.outputs.get(tuple(argv))


class FakeProber:
    def __init__(self, gateway: Rtt, dns: Rtt) -> None:
        self.gateway, self.dns = gateway, dns
        self.asked: list[tuple[str, Any]] = []

    def gateway_rtt(self, gateway: str, count: int) -> Rtt:
        self.asked.append((gateway, count))
        return self.gateway

    def resolve(self, name: str) -> Rtt:
        self.asked.append((name, None))
        return self.dns


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    """Create files under root; a path ending in "/" makes an empty directory."""
    for relative, text in files.items():
        path = root / relative
        if relative.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def sys_net(name: str, kind: int = 1, up: bool = True, **extra: str) -> dict[str, str]:
    """Files of /sys/class/net/NAME: type, flags, uevent, plus any extra files."""
    base = f"sys/class/net/{name}/"
    uevent = f"INTERFACE={name}\nIFINDEX=3\n" + extra.pop("uevent", "")
    files = {base + "type": f"{kind}\n", base + "flags": "0x1003\n" if up else "0x1002\n"}
    files[base + "uevent"] = uevent
    files.update({base + key: value for key, value in extra.items()})
    return files


class FakePsutil:
    """The slice of psutil the system check reads, with fixed figures."""

    def __init__(
        self,
        cpu: float = 12.5,
        freq_max: float = 2800.0,
        total: int = 8 * 2**30,
        available: int = 3 * 2**30,
        disk_total: int = 500 * 2**30,
        disk_free: int = 200 * 2**30,
        battery: tuple[float, bool] | None = None,
        boot: float = 1_000_000.0,
    ) -> None:
        self.cpu, self.freq_max, self.total, self.available = cpu, freq_max, total, available
        self.disk = (disk_total, disk_free)
        self.battery, self.boot = battery, boot
        self.sampled: list[float | None] = []
        self.disk_paths: list[str] = []

    def cpu_percent(self, interval: float | None = None) -> float:
        self.sampled.append(interval)
        return self.cpu

    def cpu_count(self, logical: bool = True) -> int | None:
        return 4

    def cpu_freq(self) -> Any:
        return SimpleNamespace(current=1200.0, max=self.freq_max) if self.freq_max else None

    def virtual_memory(self) -> Any:
        return SimpleNamespace(total=self.total, available=self.available)

    def disk_usage(self, path: str) -> Any:
        self.disk_paths.append(path)
        return SimpleNamespace(total=self.disk[0], free=self.disk[1])

    def sensors_battery(self) -> Any:
        if self.battery is None:
            return None
        return SimpleNamespace(percent=self.battery[0], power_plugged=self.battery[1])

    def boot_time(self) -> float:
        return self.boot
