"""The README metric catalogue matches the declarations; locators hash with a private salt."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from agentprobe.checks import catalogue
from agentprobe.checks.system import SystemCheck
from agentprobe.privacy import SALT_FILE, hash_locator

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_catalogue_matches_declarations() -> None:
    current = catalogue.block(README.read_text())
    assert current is not None, f"README.md lacks {catalogue.BEGIN} ... {catalogue.END}"
    assert current == catalogue.render(), (
        f"README metric catalogue is stale: run `{catalogue.COMMAND}`"
    )


def test_check_table_rows() -> None:
    table = catalogue.check_table(SystemCheck)
    cpu = "CPU load averaged over the sample window, all cores"
    assert f"| `cpu_pct` | % | {cpu} | ≤ 80 | ≤ 90 | > 90 |" in table
    assert (
        "| `memory_available_pct` | % | memory available to new programs | ≥ 20 | ≥ 10 | < 10 |"
        in table
    )
    assert (
        "| `on_battery` | bool | running on battery power (false on desktops) |  |  |  |" in table
    )


def test_write_refreshes_only_the_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{catalogue.BEGIN}\nold\n{catalogue.END}\n\n## After\n")
    assert catalogue.main(["--write", str(readme)]) == 0
    text = readme.read_text()
    assert text == f"# x\n\n{catalogue.BEGIN}\n{catalogue.render()}{catalogue.END}\n\n## After\n"
    assert catalogue.main(["--write", str(tmp_path / "missing.md")]) == 1
    readme.write_text("no markers\n")
    assert catalogue.main(["--write", str(readme)]) == 1
    assert (
        "no <!-- metrics:begin --> ... <!-- metrics:end --> markers found"
        in capsys.readouterr().err
    )


def test_hash_is_stable_salted_and_private(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    first = hash_locator("Kingfisher-5G", one)
    assert first == hash_locator("Kingfisher-5G", one) == hash_locator(" Kingfisher-5G\n", one)
    assert len(first) == 16 and int(first, 16) >= 0
    assert hash_locator("Kingfisher", one) != first
    assert hash_locator("Kingfisher-5G", two) != first  # another install, another salt
    salt = one / SALT_FILE
    assert stat.S_IMODE(salt.stat().st_mode) == 0o600
    assert len(salt.read_text()) == 64 and "Kingfisher" not in salt.read_text()


def test_loosened_salt_is_tightened_and_damaged_salt_is_reported(tmp_path: Path) -> None:
    hash_locator("x", tmp_path)
    salt = tmp_path / SALT_FILE
    salt.chmod(0o644)
    hash_locator("x", tmp_path)
    assert stat.S_IMODE(salt.stat().st_mode) == 0o600
    salt.write_text("short")
    with pytest.raises(ValueError, match="damaged"):
        hash_locator("x", tmp_path)
