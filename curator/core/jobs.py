"""Long work as generators: one code path for the CLI and the GUI.

A job is a generator that yields :class:`Progress` now and then and returns its report.
Whoever drives it may stop between two yields; :func:`run_job` then closes the generator,
which raises ``GeneratorExit`` inside it, so every ``with store.atomic():`` block it is in
rolls back and the project is left exactly as before the job.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

from curator.core.errors import Cancelled

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a job has come: ``done`` of ``total`` units (``total`` None if unknown)."""

    done: int
    total: int | None
    message: str = ""

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


Job: TypeAlias = Generator[Progress, None, R]


def run_job(
    job: Job[R],
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> R:
    """Drive ``job`` to its end and return its report.

    ``on_progress`` sees every :class:`Progress`. When ``cancel`` is set, the job is
    closed at its next step (rolling back its transaction) and :class:`Cancelled` raised.
    A ``KeyboardInterrupt`` while the job runs is treated the same way.
    """
    try:
        while True:
            if cancel is not None and cancel.is_set():
                job.close()
                raise Cancelled("Cancelled: nothing was changed.")
            try:
                progress = next(job)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            if on_progress is not None:
                on_progress(progress)
    except KeyboardInterrupt:
        job.close()
        raise Cancelled("Cancelled: nothing was changed.") from None
