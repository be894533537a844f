"""`tongban exchange webhooks`: deliver change events to subscribers' webhooks, signed and retried."""

from __future__ import annotations

import time

import typer
from sqlalchemy.exc import SQLAlchemyError

from tongban.cli._runtime import Runtime, console, err_console, fail, friendly, open_runtime
from tongban.exchange import deliveries, webhooks

app = typer.Typer(help="Webhook deliveries of change subscriptions.", no_args_is_help=True)


def _round(rt: Runtime, sender: webhooks.Sender, key: str, batch: int) -> None:
    report = deliveries.deliver_due(rt.sessions, sender, platform_key=key, batch=batch)
    if report.sent or report.failed:
        console.print(rt._("Sent {sent} batches: {delivered} delivered, {retrying} to be retried, {failed} given up",
                           sent=report.sent, delivered=report.delivered, retrying=report.retrying,
                           failed=report.failed), highlight=False)
    for error in report.errors:
        err_console.print(f"[yellow]![/] {error}", highlight=False)


@app.command("deliver")
@friendly
def deliver(
    once: bool = typer.Option(False, "--once", help="Send what is due now, then stop (for cron or a timer)."),
    interval: int = typer.Option(30, "--interval", min=1, help="Seconds between rounds when running on."),
    batch: int = typer.Option(deliveries.BATCH, "--batch", min=1, max=1000, help="Events per POST at most."),
    timeout: float = typer.Option(webhooks.TIMEOUT_SECONDS, "--timeout", min=1, help="Seconds to wait for an answer."),
) -> None:
    """POST the change events due to subscribers' webhooks, signed with each subscription's secret; a batch not
    acknowledged with a 2xx is retried after 1, 2, 4 … minutes and given up after 8 attempts. Runs until stopped
    (Ctrl+C), a round every --interval seconds, or once with --once. Run one such process per installation.

    Example: tongban exchange webhooks deliver --once
    """
    rt = open_runtime()
    key = rt.settings.secret()
    try:
        sender = webhooks.HttpSender(timeout)
    except ImportError:
        fail(rt._("Webhook delivery needs the httpx package: pip install httpx"))
    with sender:
        try:
            while True:
                try:
                    _round(rt, sender, key, batch)
                except SQLAlchemyError as exc:  # the database away for a moment: say so, try again next round
                    message = rt._("The database could not be reached: {error}", error=type(exc).__name__)
                    if once:
                        fail(message)
                    err_console.print(f"[yellow]![/] {message}", highlight=False)
                if once:
                    return
                time.sleep(interval)
        except KeyboardInterrupt:
            return
