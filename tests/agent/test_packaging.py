"""The .deb: built by packaging/build-deb.sh, installed with dpkg, units verified by systemd.

`systemd-analyze verify` checks that each unit parses and that its ExecStart binary
exists, so the package is really installed (and purged afterwards). Built with
--no-deps: the layout and units are what is under test, not PyPI downloads.
"""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
USER_UNIT = Path("/usr/lib/systemd/user/agentprobe.service")
SYSTEM_UNIT = Path("/usr/lib/systemd/system/agentprobe-collector.service")
CAPTURE_UNIT = Path("/usr/lib/systemd/system/agentprobe-capture.service")


def run(
    *command: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    for tool in ("dpkg-deb", "systemd-analyze"):
        if shutil.which(tool) is None:
            pytest.skip(f"needs {tool} (Debian dpkg, systemd; CI installs them)")
    if os.geteuid() != 0:
        pytest.skip("installing the .deb needs root (CI runs as root)")
    if run("dpkg", "-s", "agentprobe").returncode == 0:
        pytest.skip("an agentprobe package is already installed here; not touching it")
    out = tmp_path_factory.mktemp("deb")
    built = run("bash", PACKAGING / "build-deb.sh", "--out", out, "--no-deps")
    assert built.returncode == 0, built.stderr
    package = Path(built.stdout.strip().splitlines()[-1])
    done = run("dpkg", "-i", package)
    assert done.returncode == 0, done.stderr
    try:
        yield package
    finally:
        purged = run("dpkg", "--purge", "agentprobe")
        assert purged.returncode == 0, purged.stderr
        assert not Path("/opt/agentprobe").exists()
        assert not Path("/var/spool/agentprobe").exists()


@pytest.mark.integration
@pytest.mark.root
def test_installed_units_pass_systemd_verify(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)}  # a user manager needs one
    units = ((USER_UNIT, "--user"), (SYSTEM_UNIT, "--system"), (CAPTURE_UNIT, "--system"))
    for unit, scope in units:
        verified = run("systemd-analyze", "verify", scope, "--man=no", unit, env=env)
        assert verified.returncode == 0, f"{unit}: {verified.stderr}"
        assert verified.stderr == ""


@pytest.mark.integration
@pytest.mark.root
def test_collector_unit_is_hardened(installed: Path) -> None:
    analysed = run("systemd-analyze", "security", "--offline=yes", SYSTEM_UNIT)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", analysed.stdout)
    assert match, analysed.stdout + analysed.stderr
    assert float(match.group(1)) <= 2.0  # systemd's scale: 0 = locked down, 10 = exposed


@pytest.mark.integration
@pytest.mark.root
def test_capture_unit_holds_cap_net_raw_only_and_the_spool_is_the_groups(installed: Path) -> None:
    analysed = run("systemd-analyze", "security", "--offline=yes", CAPTURE_UNIT)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", analysed.stdout)
    assert match, analysed.stdout + analysed.stderr
    assert float(match.group(1)) <= 2.5  # CAP_NET_RAW and the host network are the job
    unit = CAPTURE_UNIT.read_text()
    assert "AmbientCapabilities=CAP_NET_RAW\n" in unit
    assert "CapabilityBoundingSet=CAP_NET_RAW\n" in unit
    spool = Path("/var/spool/agentprobe/calls").stat()
    assert (spool.st_mode & 0o7777, Path("/var/spool/agentprobe/calls").group()) == (
        0o2770, "agentprobe",
    )  # fmt: skip


@pytest.mark.integration
@pytest.mark.root
def test_packaged_interpreter_imports_the_project(installed: Path) -> None:
    assert Path("/usr/bin/agentprobe").resolve() == Path("/opt/agentprobe/bin/agentprobe")
    shebang = Path("/opt/agentprobe/bin/agentprobe").read_text().splitlines()[0]
    assert shebang == "#!/opt/agentprobe/bin/python"
    version = run(
        "/opt/agentprobe/bin/python", "-c", "import agentprobe; print(agentprobe.__version__)"
    )
    assert version.stdout.strip() == "0.1.0"


def test_launchd_plist_and_windows_task_are_well_formed() -> None:
    plist = plistlib.loads((PACKAGING / "launchd" / "net.agentprobe.agent.plist").read_bytes())
    assert plist["ProgramArguments"][1:] == ["run"] and plist["RunAtLoad"] is True
    namespace = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    task = ElementTree.parse(PACKAGING / "windows" / "agentprobe-task.xml").getroot()
    assert task.find("t:Triggers/t:LogonTrigger", namespace) is not None
    (action,) = task.findall("t:Actions/t:Exec", namespace)
    assert action.findtext("t:Arguments", namespaces=namespace) == "run"
