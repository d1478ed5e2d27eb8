"""How a collector instance is set up: data dir, listen address, database, TLS, limits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agentprobe.config.addresses import parse_host_port

DEFAULT_PORT = 8443
BODY_LIMIT_BYTES = 256 * 1024
RETENTION_DAYS = 90.0
# A report dated further ahead of the collector's clock is refused (422): it would pin
# its agent's latest status until that date. NTP keeps real PCs within seconds.
CLOCK_SKEW_S = 600.0


@dataclass(frozen=True)
class Settings:
    """Everything `collector serve` needs; the CLI builds it from its options."""

    data_dir: Path
    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    db_url: str | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    insecure_http: bool = False
    body_limit: int = BODY_LIMIT_BYTES
    retention_days: float = RETENTION_DAYS
    batch_max: int = 512
    purge_interval_s: float = 3600.0
    config_file: Path | None = None  # alert rules and webhooks (TOML); None: default rules
    clock_skew_s: float = CLOCK_SKEW_S
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    measure_budget_bytes: int = 512 * 2**20  # per agent, refilled over an hour
    workers: int = 1
    reuse_port: bool = False

    @property
    def database_url(self) -> str:
        """`--db` as given, else SQLite in the data dir."""
        return self.db_url or f"sqlite:///{self.data_dir / 'collector.db'}"

    @property
    def shared_database(self) -> bool:
        """Whether several collector processes can share the database (PostgreSQL)."""
        return self.database_url.startswith(("postgresql", "postgres:"))

    @property
    def tls_dir(self) -> Path:
        return self.data_dir / "tls"


def parse_listen(value: str) -> tuple[str, int]:
    """`HOST:PORT`, `[V6]:PORT`, `HOST` or `:PORT` -> (host, port); ValueError with the reason."""
    return parse_host_port(value, DEFAULT_PORT, "0.0.0.0")
