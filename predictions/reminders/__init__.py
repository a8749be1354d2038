"""Reminders as deadlines approach, exactly once per (claim, step, channel) — docs/architecture.md §6, split along its
seams: schedule (which step is due), messages (what it says), channels (where it goes), sweep (the
claim-then-send protocol) and inbox (what the dashboard reads). The long-running process that sweeps on a
schedule is predictions.background. The names callers use are re-exported here.
"""

from predictions.reminders.channels import (
    SEND_TIMEOUT,
    Channel,
    ChannelError,
    configured_channels,
    console_channel,
    email_channel,
    inbox_channel,
    split_credentials,
    webhook_channel,
)
from predictions.reminders.inbox import inbox, reminder_states
from predictions.reminders.messages import Reminder, compose, compose_crossing
from predictions.reminders.schedule import MAX_OFFSET_DAYS, Step, due_steps, parse_offsets, pending_steps
from predictions.reminders.sweep import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    LEASE,
    MAX_ATTEMPTS,
    ROWS_UP_TO,
    SweepResult,
    backoff,
    latest_due,
    plan,
    plan_rows,
    sweep,
)

__all__ = [
    "BACKOFF_BASE", "BACKOFF_CAP", "LEASE", "MAX_ATTEMPTS", "MAX_OFFSET_DAYS", "ROWS_UP_TO", "SEND_TIMEOUT",
    "Channel", "ChannelError", "Reminder", "Step", "SweepResult", "backoff", "compose", "compose_crossing",
    "configured_channels", "console_channel", "due_steps", "email_channel", "inbox", "inbox_channel",
    "latest_due", "parse_offsets", "pending_steps", "plan", "plan_rows", "reminder_states", "split_credentials",
    "sweep", "webhook_channel",
]  # fmt: skip
