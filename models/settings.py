"""Configuration from the environment, one prefix: ZHENGGAI_…"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _default_home() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg) / "zhenggai" if xdg else Path.home() / ".local" / "share" / "zhenggai"


TEMP_SETTLE_S = 600.0  # a file with a temporary-looking name is taken once unchanged this long


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    temp_settle: float = TEMP_SETTLE_S  # seconds; ZHENGGAI_TEMP_SETTLE

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def processed(self) -> Path:
        return self.home / "processed"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def work(self) -> Path:
        """Scratch space for copies in flight (same file system as processed/, so renames are atomic)."""
        return self.home / "work"

    def ensure_dirs(self) -> None:
        for d in (self.home, self.inbox, self.processed, self.quarantine, self.reports, self.work):
            d.mkdir(parents=True, exist_ok=True)


def get_settings() -> Settings:
    home = Path(os.environ.get("ZHENGGAI_HOME") or _default_home()).expanduser().resolve()
    url = os.environ.get("ZHENGGAI_DATABASE_URL") or f"sqlite:///{home / 'zhenggai.db'}"
    temp_settle = float(os.environ.get("ZHENGGAI_TEMP_SETTLE") or TEMP_SETTLE_S)
    return Settings(home=home, database_url=url, temp_settle=temp_settle)
