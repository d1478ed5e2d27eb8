"""The explicit list of checks, in the order they run and appear (no folder scanning).

To add a check: write its module (a `Check` subclass with its config section), import it
here and append it to `CHECKS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agentprobe.checks.audio_devices import AudioDevicesCheck
from agentprobe.checks.bandwidth import BandwidthCheck
from agentprobe.checks.base import Check
from agentprobe.checks.call import CallCheck
from agentprobe.checks.network import NetworkCheck
from agentprobe.checks.noise import NoiseCheck
from agentprobe.checks.software import SoftwareCheck
from agentprobe.checks.system import SystemCheck
from agentprobe.checks.voice import VoiceCheck
from agentprobe.config.load import from_dict, load
from agentprobe.config.sections import Config
from agentprobe.config.spec import CheckConfig
from agentprobe.thresholds import Band

CHECKS: tuple[type[Check], ...] = (
    SystemCheck,
    SoftwareCheck,
    NetworkCheck,
    BandwidthCheck,
    VoiceCheck,
    AudioDevicesCheck,
    NoiseCheck,
    CallCheck,
)


def by_name() -> dict[str, type[Check]]:
    return {check.name: check for check in CHECKS}


def config_sections() -> dict[str, tuple[type[CheckConfig], Mapping[str, Band]]]:
    """Each check's TOML section name -> (its config class, its default bands)."""
    return {check.name: (check.config_class, check.bands) for check in CHECKS}


def load_config(explicit: str | Path | None = None) -> Config:
    """The whole config, every check's section validated (see `config.load.load`)."""
    return load(explicit, config_sections())


def config_from_dict(data: Mapping[str, Any], source: Path | None = None) -> Config:
    """A parsed TOML document validated into a Config, check sections included."""
    return from_dict(data, source, config_sections())
