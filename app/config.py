"""Settings from the environment (prefix CLAIMS_), reached through a cached get_settings()."""

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./claims.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLAIMS_", env_file=".env", extra="ignore")

    environment: str = Field(
        "development", description="development | test | production; production refuses weak secrets"
    )
    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int = 10
    storage_dir: Path = Path("./var/storage")
    log_level: str = "INFO"
    log_json: bool = True

    # Limits on what a caller may send.
    max_body_bytes: int = 25 * 1024 * 1024
    max_attachment_bytes: int = 20 * 1024 * 1024
    attachment_content_types: Annotated[list[str], NoDecode] = [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/heic",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "video/mp4",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "message/rfc822",
    ]
    max_units_csv_bytes: int = 10 * 1024 * 1024

    # SLA clock: acknowledgement due in 3 working days, 5 at the most.
    timezone: str = "Europe/Riga"
    holidays: Annotated[list[date], NoDecode] = []
    ack_due_working_days: int = 3
    ack_deadline_working_days: int = 5

    # Idempotency records older than this may be purged.
    idempotency_ttl_hours: int = 48

    @field_validator("attachment_content_types", mode="before")
    @classmethod
    def _split_types(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("holidays", mode="before")
    @classmethod
    def _split_dates(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_weak_secrets_in_production(self) -> "Settings":
        if self.environment == "production":
            for name, value in self:
                if isinstance(value, SecretStr) and len(value.get_secret_value()) < 16:
                    raise ValueError(f"CLAIMS_{name.upper()} must be set to a strong secret")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
