"""Every setting fupin reads from the environment, declared once with its default and help text."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    def get(self) -> str:
        return os.environ.get(self.name, self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        f"sqlite:///{BASE_DIR / 'var' / 'fupin.sqlite3'}",
        "Database URL; SQLite by default, postgres://user:pass@host:port/db for PostgreSQL",
    ),
    Setting(
        "FUPIN_DATA_DIR",
        str(BASE_DIR / "var"),
        "Folder for the SQLite file, synthetic ground truth and exports",
    ),
    Setting(
        "FUPIN_SECRET_KEY",
        "dev-only-insecure-key-change-me",
        "Django secret key; set a long random value in production",
    ),
    Setting("FUPIN_DEBUG", "0", "1 turns on Django's debug pages (never in production)"),
    Setting("FUPIN_ALLOWED_HOSTS", "127.0.0.1,localhost", "Comma-separated host names served"),
    Setting("FUPIN_SECURE_COOKIES", "0", "1 marks session and CSRF cookies Secure (behind HTTPS)"),
    Setting("FUPIN_LOG_LEVEL", "INFO", "Python log level for fupin's own loggers"),
    Setting(
        "FUPIN_API_TOKEN_HOURS",
        "12",
        "Hours an API token (POST /api/token/) stays valid: one long field day, so that a "
        "phone given its token in the morning can still send surveys in the evening, while a "
        "token copied from a lost phone is dead by the next morning",
    ),
    Setting(
        "FUPIN_WEB_WORKERS",
        "auto",
        "gunicorn worker processes for `fupin serve`; auto = one per CPU core",
    ),
    Setting(
        "FUPIN_WEB_THREADS",
        "4",
        "Threads per worker (gthread): a request waiting on the database frees the CPU "
        "for another request of the same worker",
    ),
)


def setting(name: str) -> str:
    for s in SETTINGS:
        if s.name == name:
            return s.get()
    raise KeyError(f"unknown setting {name}")
