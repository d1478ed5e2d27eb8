"""Isolation for tests of config and checks: no user config, data or secret leaks in or out."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """platformdirs resolves under tmp_path; agentprobe environment variables are unset."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    for name in ("AGENTPROBE_CONFIG", "AGENTPROBE_ENROLL_SECRET", "AGENTPROBE_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return home
