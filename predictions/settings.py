"""One settings source: environment variables `PREDICTIONS_*`, else a `predictions.toml` file, else defaults.

Every setting has a description (used by `predictions settings` and checked against the README).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from predictions.errors import PredictionsError

ENV_PREFIX = "PREDICTIONS_"
SETTINGS_FILE_ENV = "PREDICTIONS_SETTINGS_FILE"
DEFAULT_SETTINGS_FILE = "predictions.toml"


class SettingsError(PredictionsError, ValueError):
    """A settings file that cannot be read: one line for the user."""


class Settings(BaseModel):
    """Every setting, validated; `load_settings` gathers the values from their sources."""

    model_config = ConfigDict(extra="ignore", validate_default=True)

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


def file_values() -> dict[str, Any]:
    """The settings in `predictions.toml` (or the file named by PREDICTIONS_SETTINGS_FILE), keys without
    prefix; a missing file gives none, unknown keys are ignored."""
    path = Path(os.environ.get(SETTINGS_FILE_ENV, DEFAULT_SETTINGS_FILE))
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:  # the message names the line, never a value
        raise SettingsError(f"settings file {path}: not valid TOML ({error})") from None
    return {key: value for key, value in data.items() if key in Settings.model_fields}


def environment_values() -> dict[str, str]:
    """The settings in `PREDICTIONS_*` environment variables (names in any case, as the shell has them)."""
    found = {}
    for variable, value in os.environ.items():
        name = variable.lower().removeprefix(ENV_PREFIX.lower())
        if variable.upper().startswith(ENV_PREFIX) and name in Settings.model_fields:
            found[name] = value
    return found


def load_settings(**overrides: Any) -> Settings:
    """The settings: `overrides` that are not None (command-line options), else the environment, else the
    settings file, else the defaults."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**{**file_values(), **environment_values(), **given})


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "" if default is None else str(default)
        rows.append((f"PREDICTIONS_{name.upper()}", shown, field.description or ""))
    return rows
