"""One settings source: environment variables `PREDICTIONS_*`, else a `predictions.toml` file, else defaults.

Every setting has a description (used by `predictions settings` and checked against docs/settings.md). What
the environment, the file or the arguments give is validated by pydantic; a command run with the
defaults and a database path alone (most runs, and cron's `remind once`) does not load pydantic (~80 ms).
"""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from predictions.errors import PredictionsError

if TYPE_CHECKING:
    from pydantic import BaseModel, SecretStr

ENV_PREFIX = "PREDICTIONS_"
SETTINGS_FILE_ENV = "PREDICTIONS_SETTINGS_FILE"
DEFAULT_SETTINGS_FILE = "predictions.toml"
SMTP_SECURITY = ("none", "starttls", "ssl")

T = TypeVar("T")


class SettingsError(PredictionsError, ValueError):
    """A settings file that cannot be read: one line for the user."""


def setting(default: T, description: str, **limits: float) -> T:
    """A setting's default, its description and its bounds (pydantic's ge, gt, le)."""
    return dataclasses.field(default=default, metadata={"description": description, "limits": limits})


@dataclass(frozen=True)
class Settings:
    """Every setting with its default; `load_settings` fills it from its sources."""

    # (RUF009: `setting` returns a dataclass field, as dataclasses.field does.)
    db: Path = setting(Path("data/predictions.duckdb"), "Path of the DuckDB database file.")  # noqa: RUF009
    author_name: str = setting("Pascal Coppens", "The newsletter author: the default forecaster for author claims.")
    author_password: SecretStr | None = setting(  # noqa: RUF009
        None, "Password for the dashboard's author workspace; unset means read-only."
    )
    dashboard_url: str = setting("http://localhost:8501", "Public address of the dashboard, used in links to claims.")
    remind_offsets: str = setting("30,7,1", "Days before a deadline at which reminders go out, comma-separated.")
    remind_every_minutes: float = setting(
        15.0, "Minutes between two reminder sweeps (fractions allowed, e.g. 0.5).", ge=0.05, le=10080
    )
    remind_overdue_every_days: int = setting(7, "Days between overdue reminders.", ge=1, le=3650)
    smtp_host: str | None = setting(None, "SMTP server for reminder e-mail; unset disables e-mail.")
    smtp_port: int = setting(25, "SMTP server port.", ge=1, le=65535)
    smtp_security: str = setting("none", "SMTP transport security: none, starttls or ssl.")
    smtp_user: str | None = setting(None, "SMTP user name (optional).")
    smtp_password: SecretStr | None = setting(None, "SMTP password (optional, never logged).")  # noqa: RUF009
    smtp_from: str = setting("tracker@localhost", "Sender address of reminder e-mail.")
    smtp_to: str | None = setting(None, "Recipient address(es) of reminder e-mail, comma-separated.")
    webhook_url: str | None = setting(None, "URL that receives reminders as a JSON POST.")
    watch_timeout_seconds: float = setting(
        20.0, "Seconds a watched source may take to answer before the fetch fails.", gt=0, le=600
    )
    watch_retry_seconds: float = setting(
        2.0, "Pause before the one retry of a watched source that timed out or failed.", ge=0, le=600
    )
    watch_max_bytes: int = setting(
        5_000_000, "Largest payload a watched source may send (bytes).", ge=1_000, le=1_000_000_000
    )
    watch_check_minutes: float = setting(
        1.0, "Minutes between two looks for watched sources that are due.", ge=0.05, le=1440
    )
    watch_url_variables: str = setting(
        "",
        "Environment variables (comma-separated) a watched URL may fill in as ${NAME}, besides those named "
        "PREDICTIONS_WATCH_SECRET_…; never another PREDICTIONS_ variable.",
    )
    reader_forecasts: bool = setting(
        True, "Readers may forecast open claims on the live dashboard (on or off; off closes them everywhere)."
    )
    reader_rate_per_minute: int = setting(
        30,
        "Forecasts a reader, and an address, may submit in any 60 seconds before being asked to wait.",
        ge=1,
        le=10000,
    )
    # The settings that were given (arguments, environment, file) rather than left at their defaults.
    given: frozenset[str] = dataclasses.field(default=frozenset(), repr=False, compare=False)


SETTINGS: tuple[dataclasses.Field[Any], ...] = tuple(f for f in dataclasses.fields(Settings) if f.metadata)
NAMES = frozenset(f.name for f in SETTINGS)


@cache
def _validator() -> type[BaseModel]:
    """A pydantic model of the settings, made from their declarations above: their types, bounds and
    descriptions, and the SMTP security's spelling."""
    from pydantic import ConfigDict, Field, SecretStr, create_model, field_validator

    types = typing.get_type_hints(Settings, localns={"SecretStr": SecretStr})

    def security(value: str) -> str:
        value = value.lower()
        if value not in SMTP_SECURITY:
            raise ValueError("must be none, starttls or ssl")
        return value

    fields: dict[str, Any] = {
        f.name: (types[f.name], Field(f.default, description=f.metadata["description"], **f.metadata["limits"]))
        for f in SETTINGS
    }
    return create_model(
        "Settings",
        __config__=ConfigDict(extra="ignore", validate_default=True),
        __validators__={"_security": field_validator("smtp_security")(security)},
        **fields,
    )


def validated(values: dict[str, Any]) -> Settings:
    """Settings from `values` as they come from their sources, through pydantic (its ValidationError names
    each bad setting); a database path alone needs no validation (nor pydantic's import)."""
    if values.keys() <= {"db"} and isinstance(values.get("db", ""), str | Path):
        return Settings(Path(values["db"]), given=frozenset(values)) if values else Settings()
    model = _validator()(**values)
    return Settings(**{name: getattr(model, name) for name in NAMES}, given=frozenset(values))


def file_values() -> dict[str, Any]:
    """The settings in `predictions.toml` (or the file named by PREDICTIONS_SETTINGS_FILE), keys without
    prefix; a missing file gives none, unknown keys are ignored."""
    path = Path(os.environ.get(SETTINGS_FILE_ENV, DEFAULT_SETTINGS_FILE))
    if not path.is_file():
        return {}
    import tomllib  # here: without a settings file (the default) nothing parses TOML (~4 ms)

    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:  # the message names the line, never a value
        raise SettingsError(f"settings file {path}: not valid TOML ({error})") from None
    return {key: value for key, value in data.items() if key in NAMES}


def environment_values() -> dict[str, str]:
    """The settings in `PREDICTIONS_*` environment variables (names in any case, as the shell has them)."""
    found = {}
    for variable, value in os.environ.items():
        name = variable.lower().removeprefix(ENV_PREFIX.lower())
        if variable.upper().startswith(ENV_PREFIX) and name in NAMES:
            found[name] = value
    return found


def load_settings(**overrides: Any) -> Settings:
    """The settings: `overrides` that are not None (command-line options), else the environment, else the
    settings file, else the defaults."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return validated({**file_values(), **environment_values(), **given})


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting."""
    rows = []
    for field in SETTINGS:
        default = field.default
        shown = "" if default is None else f"{default:g}" if isinstance(default, float) else str(default)
        if isinstance(default, bool):
            shown = "on" if default else "off"
        rows.append((f"{ENV_PREFIX}{field.name.upper()}", shown, field.metadata["description"]))
    return rows
