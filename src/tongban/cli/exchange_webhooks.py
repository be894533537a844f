"""`tongban exchange webhooks`: deliver change events to subscribers' webhooks, signed and retried."""

from __future__ import annotations

import typer

app = typer.Typer(help="Webhook deliveries of change subscriptions.", no_args_is_help=True)
