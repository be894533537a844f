"""Settings read from the environment (prefix ``TONGBAN_``); the only module that knows about them."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LANGUAGES = ("zh-CN", "en")


class Settings(BaseSettings):
    """Everything that can be configured, with safe defaults and no default secrets."""

    model_config = SettingsConfigDict(env_prefix="TONGBAN_", extra="ignore")

    data_dir: Path = Field(default=Path("./var"), description="Where SQLite, DuckDB, keys and files live.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default: SQLite file in the data dir.")
    host: str = Field(default="127.0.0.1", description="Address the web server binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the web server listens on.")
    language: str = Field(default="zh-CN", description="Default UI language: zh-CN or en.")
    secret_key: SecretStr | None = Field(default=None, description="Signs cookies; generated into the data dir if unset.")
    session_hours: int = Field(default=8, ge=1, description="How long a login session lasts.")
    secure_cookies: bool = Field(default=False, description="Mark cookies Secure (set when served over HTTPS).")
    login_slowdown_seconds: float = Field(default=1.0, ge=0, description="Base delay after a failed login.")
    checkpoint_interval_seconds: int = Field(default=60, ge=1, description="How often the audit chain is signed.")
    sweep_interval_seconds: int = Field(default=3600, ge=0,
                                        description="How often the web server reminds providers of sharing requests "
                                                    "due soon and escalates overdue ones (0: never; run `tongban "
                                                    "exchange sweep` from cron instead).")
    webhook_interval_seconds: int = Field(default=30, ge=0,
                                          description="How often the web server sends change events due to "
                                                      "subscribers' webhooks (0: never; run `tongban exchange "
                                                      "webhooks deliver` instead).")
    sharing_vocabulary: str = Field(default="national",
                                    description="Sharing-type labels: national (有条件共享) or shanghai (授权共享).")
    exchange_time_limit_days: int = Field(default=10, ge=1, le=60,
                                          description="Working days a provider has to answer a conditional sharing "
                                                      "request (national rule: 10; some places use 5 or 15).")
    exchange_remind_days_before: int = Field(default=2, ge=0, le=30,
                                             description="Remind the provider this many working days before a "
                                                         "request's due date (0: on the due date).")

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("sharing_vocabulary")
    @classmethod
    def _known_vocabulary(cls, value: str) -> str:
        if value not in ("national", "shanghai"):
            raise ValueError("sharing_vocabulary must be national or shanghai")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``<data_dir>/tongban.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tongban.db').resolve()}"

    @property
    def feed_store(self) -> Path:
        """Where delivered feed files are kept, unchanged, under their SHA-256."""
        return self.data_dir / "feeds"

    @property
    def registry_dir(self) -> Path:
        """Where the base databases' batch work lives (DuckDB files, ingested feeds)."""
        return self.data_dir / "registry"

    @property
    def audit_key_path(self) -> Path:
        """The Ed25519 private key that signs audit checkpoints."""
        return self.data_dir / "keys" / "audit-ed25519.pem"

    def ensure_data_dir(self) -> None:
        """Create the data directory, raising a clear error when it cannot be written."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise DataDirError(self.data_dir, exc.strerror or str(exc)) from None

    def secret(self) -> str:
        """The cookie-signing secret: from the environment, else from ``<data_dir>/secret_key`` (created 0600)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.ensure_data_dir()
        value = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(value + "\n")
        return value


class DataDirError(Exception):
    """The data directory cannot be created or written."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"data directory {path} is not writable ({reason}); set TONGBAN_DATA_DIR to a writable folder")
        self.path = path


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with keyword overrides (for tests and the CLI)."""
    return Settings(**overrides)  # type: ignore[arg-type]
