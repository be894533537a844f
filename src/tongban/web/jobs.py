"""Builds started from the portal run in a background thread; the page polls their progress.

The build itself refuses a second run of the same base (an OS file lock), so two servers or a server and the CLI
cannot build one base together; this only keeps the page's view of the build this process started.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Job:
    """One build as the page sees it."""

    base: str
    started: float = field(default_factory=time.time)
    stages: dict[str, list[int | None]] = field(default_factory=dict)  # stage → [done, total]
    finished: float | None = None
    error: str = ""
    result: dict[str, Any] = field(default_factory=dict)

    def tick(self, stage: str, done: int, total: int | None) -> None:
        self.stages[stage] = [done, total]

    def as_dict(self) -> dict[str, Any]:
        return {"base": self.base, "running": self.finished is None, "stages": self.stages, "error": self.error,
                "seconds": round((self.finished or time.time()) - self.started, 1), "result": self.result}


class Jobs:
    """The builds this process started, one per base at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def get(self, base: str) -> Job | None:
        return self._jobs.get(base)

    def start(self, base: str, run: Callable[[Job], dict[str, Any]], describe: Callable[[BaseException], str]) -> bool:
        """Start ``run`` in a thread unless this process is already building ``base``."""
        with self._lock:
            current = self._jobs.get(base)
            if current is not None and current.finished is None:
                return False
            job = self._jobs[base] = Job(base)

        def work() -> None:
            try:
                job.result = run(job)
            except BaseException as exc:  # shown on the page; the build records its own failure
                job.error = describe(exc)
            finally:
                job.finished = time.time()

        threading.Thread(target=work, name=f"build-{base}", daemon=True).start()
        return True
