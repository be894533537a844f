"""`tongban exchange`: sharing requests and grants, masking rules, webhook deliveries."""

from __future__ import annotations

import typer

from tongban.cli import exchange_masking, exchange_webhooks

app = typer.Typer(help="On-demand sharing (按需共享): requests, grants, masking rules, change deliveries.",
                  no_args_is_help=True)
app.add_typer(exchange_masking.app, name="masking")
app.add_typer(exchange_webhooks.app, name="webhooks")
