"""One settings source: environment variables `PREDICTIONS_*`, else a `predictions.toml` file, else defaults.

Every setting has a description (used by `predictions settings` and checked against the README).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from predictions.errors import PredictionsError

SETTINGS_FILE_ENV = "PREDICTIONS_SETTINGS_FILE"
DEFAULT_SETTINGS_FILE = "predictions.toml"


class SettingsError(PredictionsError, ValueError):
    """A settings file that cannot be read: one line for the user."""


class _TomlSource(PydanticBaseSettingsSource):
    """Reads `predictions.toml` (or the file named by PREDICTIONS_SETTINGS_FILE), keys without prefix."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = Path(os.environ.get(SETTINGS_FILE_ENV, DEFAULT_SETTINGS_FILE))
        if not path.is_file():
            return {}
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:  # the message names the line, never a value
            raise SettingsError(f"settings file {path}: not valid TOML ({error})") from None
        return {key: value for key, value in data.items() if key in self.settings_cls.model_fields}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PREDICTIONS_", extra="ignore")

    db: Path = Field(Path("data/predictions.duckdb"), description="Path of the DuckDB database file.")
    author_name: str = Field(
        "Pascal Coppens", description="The newsletter author: the default forecaster for author claims."
    )
    author_password: SecretStr | None = Field(
        None, description="Password for the dashboard's author workspace; unset means read-only."
    )
    dashboard_url: str = Field(
        "http://localhost:8501", description="Public address of the dashboard, used in links to claims."
    )
    remind_offsets: str = Field(
        "30,7,1", description="Days before a deadline at which reminders go out, comma-separated."
    )
    remind_every_minutes: float = Field(
        15, ge=0.05, le=10080, description="Minutes between two reminder sweeps (fractions allowed, e.g. 0.5)."
    )
    remind_overdue_every_days: int = Field(7, ge=1, le=3650, description="Days between overdue reminders.")
    smtp_host: str | None = Field(None, description="SMTP server for reminder e-mail; unset disables e-mail.")
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP server port.")
    smtp_security: str = Field("none", description="SMTP transport security: none, starttls or ssl.")
    smtp_user: str | None = Field(None, description="SMTP user name (optional).")
    smtp_password: SecretStr | None = Field(None, description="SMTP password (optional, never logged).")
    smtp_from: str = Field("tracker@localhost", description="Sender address of reminder e-mail.")
    smtp_to: str | None = Field(None, description="Recipient address(es) of reminder e-mail, comma-separated.")
    webhook_url: str | None = Field(None, description="URL that receives reminders as a JSON POST.")
    watch_timeout_seconds: float = Field(
        20, gt=0, le=600, description="Seconds a watched source may take to answer before the fetch fails."
    )
    watch_retry_seconds: float = Field(
        2, ge=0, le=600, description="Pause before the one retry of a watched source that timed out or failed."
    )
    watch_max_bytes: int = Field(
        5_000_000, ge=1_000, le=1_000_000_000, description="Largest payload a watched source may send (bytes)."
    )
    watch_check_minutes: float = Field(
        1, ge=0.05, le=1440, description="Minutes between two looks for watched sources that are due."
    )

    @field_validator("smtp_security")
    @classmethod
    def _security(cls, value: str) -> str:
        value = value.lower()
        if value not in {"none", "starttls", "ssl"}:
            raise ValueError("must be none, starttls or ssl")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlSource(settings_cls)


def load_settings(**overrides: Any) -> Settings:
    return Settings(**{key: value for key, value in overrides.items() if value is not None})


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "" if default is None else str(default)
        rows.append((f"PREDICTIONS_{name.upper()}", shown, field.description or ""))
    return rows
