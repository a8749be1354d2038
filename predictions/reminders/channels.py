"""Where reminders go: the console, the dashboard's inbox, e-mail (SMTP) and a webhook; a failure's text
never carries a secret."""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from predictions.ledger import LedgerError
from predictions.redaction import redact
from predictions.reminders.messages import Reminder

if TYPE_CHECKING:
    from predictions.settings import Settings

log = logging.getLogger("predictions.reminders")


SEND_TIMEOUT = 20.0


class ChannelError(Exception):
    """A delivery failed; the message is safe to show (secrets removed)."""


@dataclass
class Channel:
    name: str
    send: Callable[[Reminder, str], None]  # (reminder, idempotency key)
    # A local channel (console, inbox) cannot fail half-way to somebody else: its deliveries are
    # recorded together; an external one (e-mail, webhook) is recorded right after each delivery.
    external: bool = True
    # Masked in every form (escaped, URL-encoded, base64) in whatever this channel's failures say.
    secrets: tuple[str, ...] = ()
    user: str | None = None

    def redact(self, text: str) -> str:
        return redact(text, self.secrets, user=self.user)


def console_channel() -> Channel:
    def send(reminder: Reminder, key: str) -> None:
        log.info("reminder %s for claim %s: %s", reminder.step, reminder.claim_id, reminder.subject)
        print(f"--- reminder {key}\n{reminder.subject}\n{reminder.body}\n", flush=True)

    return Channel("console", send, external=False)


def inbox_channel() -> Channel:
    """The dashboard's inbox reads the reminders table itself: delivery is recording the message."""
    return Channel("inbox", lambda reminder, key: None, external=False)


def email_channel(settings: Settings) -> Channel:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    recipients = [a.strip() for a in (settings.smtp_to or "").split(",") if a.strip()]

    def send(reminder: Reminder, key: str) -> None:
        import smtplib
        import ssl
        from email.message import EmailMessage
        from email.utils import format_datetime

        message = EmailMessage()
        message["Subject"] = reminder.subject
        message["From"] = settings.smtp_from
        message["To"] = ", ".join(recipients)
        message["Message-ID"] = f"<{key}>"
        message["Date"] = format_datetime(datetime.now(UTC))
        message["X-Claim-Id"] = str(reminder.claim_id)
        message["X-Reminder-Step"] = reminder.step
        message.set_content(reminder.body)
        host, port = settings.smtp_host or "localhost", settings.smtp_port
        try:
            if settings.smtp_security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, port, timeout=SEND_TIMEOUT, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(host, port, timeout=SEND_TIMEOUT)
            with client:
                if settings.smtp_security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if settings.smtp_user:
                    try:
                        client.login(settings.smtp_user, password or "")
                    except UnicodeEncodeError:  # smtplib sends AUTH as ASCII; its message quotes a character
                        raise ChannelError(
                            f"e-mail to {host}:{port} failed: SMTP AUTH needs an ASCII user name and password"
                        ) from None
                client.send_message(message, to_addrs=recipients)
        except (OSError, smtplib.SMTPException) as error:
            text = f"e-mail to {host}:{port} failed: {error}"
            raise ChannelError(redact(text, [password], user=settings.smtp_user)) from None

    return Channel("email", send, secrets=(password,) if password else (), user=settings.smtp_user)


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """A URL without its `user:password@` part, and the user and password it held (percent-decoded)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    bare = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    user = urllib.parse.unquote(parts.username) if parts.username is not None else None
    password = urllib.parse.unquote(parts.password) if parts.password is not None else None
    return bare, user, password


def webhook_channel(url: str) -> Channel:
    """POST to `url`; credentials in it (`https://user:pass@host/…`) go as HTTP Basic auth, never in text."""
    url, user, password = split_credentials(url)
    headers = {"Content-Type": "application/json", "User-Agent": "prediction-tracker"}
    if user is not None or password is not None:
        token = base64.b64encode(f"{user or ''}:{password or ''}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    secrets = tuple(s for s in (password, f"{user}:{password}" if password else None) if s)

    def send(reminder: Reminder, key: str) -> None:
        import urllib.request

        request = urllib.request.Request(
            url, data=json.dumps(reminder.payload()).encode(), headers={**headers, "Idempotency-Key": key},
            method="POST",
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:
                if not 200 <= response.status < 300:
                    raise ChannelError(f"webhook answered HTTP {response.status}")
        except ChannelError:
            raise
        except (OSError, ValueError) as error:
            # The URL may carry a token in its path or query: name only its scheme and host.
            parsed = urllib.parse.urlsplit(url)
            raise ChannelError(f"webhook POST to {parsed.scheme}://{parsed.hostname} failed: {error}") from None

    return Channel("webhook", send, secrets=secrets, user=user)


def configured_channels(settings: Settings) -> list[Channel]:
    channels = [console_channel(), inbox_channel()]
    if settings.smtp_host:
        if not settings.smtp_to:
            raise LedgerError("PREDICTIONS_SMTP_HOST is set but PREDICTIONS_SMTP_TO is not: no one to mail")
        channels.append(email_channel(settings))
    if settings.webhook_url:
        channels.append(webhook_channel(settings.webhook_url))
    return channels
