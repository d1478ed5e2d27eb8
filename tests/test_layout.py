"""The layout holds: no import cycle, imports point down the layers, few top-level modules."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "import_graph.py"


def run_graph(root: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), "--root", str(root)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_the_package_has_no_cycle_and_no_upward_import() -> None:
    done = run_graph(ROOT / "agentprobe")
    assert done.returncode == 0, done.stderr


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "agentprobe"


def test_a_cycle_through_a_function_level_import_is_found(tmp_path: Path) -> None:
    package = write(
        tmp_path,
        {
            "agentprobe/__init__.py": "",
            "agentprobe/report.py": "def f():\n    from agentprobe import thresholds\n",
            "agentprobe/thresholds.py": "from agentprobe.report import f\n",
        },
    )
    done = run_graph(package)
    assert done.returncode == 1
    assert "cycle: agentprobe.report -> agentprobe.thresholds" in done.stderr


def test_an_upward_import_under_type_checking_is_found(tmp_path: Path) -> None:
    package = write(
        tmp_path,
        {
            "agentprobe/__init__.py": "",
            "agentprobe/config/__init__.py": "",
            "agentprobe/checks/__init__.py": "",
            "agentprobe/checks/base.py": "",
            "agentprobe/config/load.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from agentprobe.checks.base import Check\n"
            ),
        },
    )
    done = run_graph(package)
    assert done.returncode == 1
    assert "agentprobe.config.load imports agentprobe.checks.base, a higher layer" in done.stderr


def test_only_the_shared_vocabulary_stays_at_the_top() -> None:
    top = sorted(p.name for p in (ROOT / "agentprobe").glob("*.py"))
    assert top == [
        "__init__.py",
        "__main__.py",
        "cli.py",
        "privacy.py",
        "report.py",
        "thresholds.py",
    ]


def test_grading_bands_are_declared_only_by_the_checks() -> None:
    outside = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "agentprobe").rglob("*.py")
        if re.search(r"\bBand\(", path.read_text())
        and path.parent.name != "checks"
        and path.name != "thresholds.py"
    ]
    assert outside == []
