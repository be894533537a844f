"""Slow-down and temporary lock-out after repeated login failures. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WINDOW = dt.timedelta(minutes=15)
LOCK_AFTER = 5
LOCK_FOR = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Throttle:
    """How to treat the next attempt: wait this long first, or refuse until ``locked_until``."""

    delay_factor: float
    locked_until: dt.datetime | None


def throttle(failures: list[dt.datetime], now: dt.datetime) -> Throttle:
    """Given the recent failure times (since the last success), decide delay and lock.

    Five failures within WINDOW lock for LOCK_FOR after the fifth, even once the first has left the window.
    """
    past = sorted(t for t in failures if now - t < WINDOW + LOCK_FOR)
    for i in range(len(past) - LOCK_AFTER, -1, -1):  # the newest run of five decides
        if past[i + LOCK_AFTER - 1] - past[i] < WINDOW:
            until = past[i + LOCK_AFTER - 1] + LOCK_FOR
            if until > now:
                return Throttle(0.0, until)
            break
    recent = [t for t in past if now - t < WINDOW]
    if not recent:
        return Throttle(0.0, None)
    return Throttle(min(2.0 ** (len(recent) - 1), 8.0), None)
