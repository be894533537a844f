"""The serving process's periodic jobs: sign the audit chain's head, sweep the sharing deadlines (remind, flag
overdue, escalate), deliver change events to webhooks. Each runs in a worker thread every so many seconds
(``TONGBAN_CHECKPOINT_INTERVAL_SECONDS``, ``TONGBAN_SWEEP_INTERVAL_SECONDS``, ``TONGBAN_WEBHOOK_INTERVAL_SECONDS``;
0 turns the last two off, for an installation that runs ``tongban exchange sweep`` and ``tongban exchange webhooks
deliver`` itself). A job that fails is logged and tried again next round; serving goes on.

Several serving processes may run the same jobs: the sweep locks the requests it touches and does each step once,
and a webhook batch is prepared under its subscription's lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from tongban.audit.service import checkpoint
from tongban.audit.signing import Signer
from tongban.audit.unit_of_work import transaction
from tongban.config import Settings
from tongban.exchange import deliveries, policy, sharing, webhooks
from tongban.identity.policy import Actor

log = logging.getLogger("tongban.web")

SWEEPER = Actor.system("sweeper")


@dataclass(frozen=True)
class Job:
    """A periodic job: its name (in the log), how often, and what it does."""

    name: str
    every_seconds: int
    run: Callable[[], object]


def sign_head(sessions: sessionmaker[Session], signer: Signer) -> None:
    """Sign where the audit chain ends now (nothing when no record came since the last checkpoint)."""
    with transaction(sessions) as session:
        checkpoint(session, signer)


def sweep(sessions: sessionmaker[Session], settings: Settings) -> policy.SweepReport:
    """What ``tongban exchange sweep`` does, by the system."""
    with transaction(sessions) as session:
        return sharing.sweep(session, SWEEPER, remind_days_before=settings.exchange_remind_days_before)


def jobs(settings: Settings, sessions: sessionmaker[Session], signer: Signer,
         sender: webhooks.Sender | None) -> list[Job]:
    """The jobs ``settings`` turn on. Webhooks need a sender (None: not delivered)."""
    found = [Job("audit checkpoint", settings.checkpoint_interval_seconds, lambda: sign_head(sessions, signer))]
    if settings.sweep_interval_seconds:
        found.append(Job("sharing sweep", settings.sweep_interval_seconds, lambda: sweep(sessions, settings)))
    if settings.webhook_interval_seconds and sender is not None:
        key = settings.secret()
        found.append(Job("webhook delivery", settings.webhook_interval_seconds,
                         lambda: deliveries.deliver_due(sessions, sender, platform_key=key)))
    return found


async def _every(job: Job) -> None:
    while True:
        await asyncio.sleep(job.every_seconds)
        try:
            await run_in_threadpool(job.run)
        except Exception:  # keep serving; the next round tries again
            log.exception("%s failed", job.name)


@contextlib.asynccontextmanager
async def running(found: list[Job]):  # type: ignore[no-untyped-def]
    """Run ``found`` until the block ends; then stop them (a job in the middle of a round is cancelled between
    its transactions' commits, never inside one: the round runs in a thread that finishes it)."""
    tasks = [asyncio.create_task(_every(job), name=job.name) for job in found]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
