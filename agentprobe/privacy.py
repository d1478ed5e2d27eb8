"""Locators as salted hashes: a change is visible, the value is not.

Identifiers that could place a person (Wi-Fi SSID and BSSID, the gateway's MAC, a public
IP) never leave the machine in clear. `hash_locator` keys an HMAC-SHA256 with a random
salt created once per install in the data dir (mode 0600), so the same network hashes the
same on this machine, differently on every other, and cannot be reversed by hashing a
list of likely names without the salt.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

SALT_FILE = "locator-salt"
DIGEST_CHARS = 16  # 64 bits: ample to notice a change, too short to be a fingerprint store


def private_dir(path: Path) -> Path:
    """`path` as a directory only its owner can enter (0700), created if missing.

    The one rule for the agent's data dir (outbox, token, salt, state), whoever creates it
    first: the daemon, `agentprobe check --upload` or `agentprobe enroll`."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """`path` as a file only its owner can read (0600), created empty if missing, in a
    private directory. SQLite gives its -wal and -shm files the database file's mode."""
    private_dir(Path(path).parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    with contextlib.suppress(OSError):
        if Path(path).stat().st_mode & 0o077:
            Path(path).chmod(0o600)
    return Path(path)


def salt(data_dir: Path) -> bytes:
    """This install's salt, created on first use with owner-only permissions."""
    path = Path(data_dir) / SALT_FILE
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _existing(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return _existing(path)


def _existing(path: Path) -> bytes:
    text = path.read_text().strip()
    if len(text) < 32:
        raise ValueError(f"{path} is damaged (too short); delete it to start a new salt")
    with contextlib.suppress(OSError):  # keep it private even if someone loosened it
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    return bytes.fromhex(text) if _is_hex(text) else text.encode()


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True


def hash_locator(value: str, data_dir: Path) -> str:
    """A stable, salted, one-way digest of `value` (16 hex characters)."""
    digest = hmac.new(salt(data_dir), value.strip().encode(), hashlib.sha256).hexdigest()
    return digest[:DIGEST_CHARS]
