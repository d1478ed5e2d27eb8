"""Fixtures for the network-quality tests: a real collector inside a tbf-shaped namespace."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentprobe.checks.base import Environment
from agentprobe.checks.registry import load_config
from agentprobe.checks.runner import environment
from agentprobe.config.sections import Config
from agentprobe.uplink.identity import write_token
from tests.rigs import netns
from tests.rigs.collector import RunningCollector, start_collector
from tests.rigs.isolation import isolated_home

__all__ = ["isolated_home"]

DOWN_KBIT, UP_KBIT, QUEUE_MS = 20_000, 2_000, 250


@dataclass
class ShapedCollector:
    """A collector reachable only through the shaped veth pair, and an enrolled agent."""

    link: netns.ShapedLink
    collector: RunningCollector
    token: str
    agent_dir: Path

    def config_text(self, **sections: dict[str, object]) -> str:
        lines = [
            "[agent]",
            'id = "nq-agent"',
            f'data_dir = "{self.agent_dir}"',
            "[collector]",
            f'url = "{self.collector.url}"',
            f'ca_file = "{self.collector.ca_file}"',
        ]
        for name, keys in sections.items():
            lines.append(f"[{name}]")
            lines.extend(f"{key} = {_toml(value)}" for key, value in keys.items())
        return "\n".join(lines) + "\n"

    def configured(
        self, tmp_path: Path, full: bool = False, **sections: dict[str, object]
    ) -> tuple[Config, Environment]:
        """The agent's config with these sections, and the environment its checks get."""
        path = tmp_path / "agent.toml"
        path.write_text(self.config_text(**sections))
        config: Config = load_config(path)
        env = environment(config, self.agent_dir, token=self.token, options={"full": full})
        return config, env


def _toml(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.fixture(scope="module")
def shaped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShapedCollector]:
    reason = netns.available()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("shaped")
    with netns.shaped_namespace() as link:
        link.shape(DOWN_KBIT, UP_KBIT, QUEUE_MS)
        collector = start_collector(tmp, host=link.ns_ip, netns=link.netns)
        try:
            agent_dir = tmp / "agent"
            agent_dir.mkdir()
            token = collector.enroll("nq-agent")
            write_token(agent_dir, token)  # as `agentprobe enroll` would
            yield ShapedCollector(link, collector, token, agent_dir)
        finally:
            collector.stop()
