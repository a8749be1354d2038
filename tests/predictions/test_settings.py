"""One settings source: environment, then a TOML file, then defaults; every setting described."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from predictions import cli
from predictions.settings import SETTINGS, describe_settings, load_settings


def test_every_setting_has_a_description() -> None:
    """(docs/settings.md shows each with its default: tests/project/test_docs.py checks it.)"""
    described = describe_settings()
    assert len(described) == len(SETTINGS)
    for variable, _, description in described:
        assert description, f"{variable} has no description"


def test_the_settings_command_lists_every_variable(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["settings"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [f"PREDICTIONS_{name.upper()}" for name in (f.name for f in SETTINGS)]


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREDICTIONS_DB")
    settings = load_settings()
    assert settings.db == Path("data/predictions.duckdb")
    assert (settings.remind_offsets, settings.smtp_port, settings.smtp_security) == ("30,7,1", 25, "none")
    assert settings.author_password is None and settings.webhook_url is None


def test_environment_beats_the_settings_file_which_beats_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_path: Path
) -> None:
    toml = tmp_path / "predictions.toml"
    toml.write_text('author_name = "From the file"\nsmtp_port = 2525\nsmtp_host = "mail.local"\nunknown = 1\n')
    monkeypatch.setenv("PREDICTIONS_SETTINGS_FILE", str(toml))
    monkeypatch.setenv("PREDICTIONS_SMTP_PORT", "587")
    settings = load_settings()
    assert settings.author_name == "From the file"
    assert settings.smtp_host == "mail.local"
    assert settings.smtp_port == 587  # the environment wins
    assert settings.db == db_path  # PREDICTIONS_DB from the test's environment
    assert load_settings(db=tmp_path / "cli.duckdb").db == tmp_path / "cli.duckdb"  # --db wins over both


def test_secrets_are_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREDICTIONS_SMTP_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("PREDICTIONS_AUTHOR_PASSWORD", "author-pw")
    settings = load_settings()
    assert settings.smtp_password is not None and settings.smtp_password.get_secret_value() == "s3cret-pw"
    assert "s3cret-pw" not in repr(settings) and "author-pw" not in str(settings)


@pytest.mark.parametrize(
    ("variable", "value", "field"),
    [
        ("PREDICTIONS_SMTP_SECURITY", "tls", "smtp_security"),
        ("PREDICTIONS_SMTP_PORT", "70000", "smtp_port"),
        ("PREDICTIONS_REMIND_OVERDUE_EVERY_DAYS", "0", "remind_overdue_every_days"),
    ],
)
def test_a_bad_setting_is_one_clear_line_from_the_cli(
    variable: str, value: str, field: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError):
        load_settings()
    assert cli.main(["list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {field}:") and len(err.splitlines()) == 1
