"""Run core jobs off the UI thread: progress, Cancel, and errors as signals.

Each job runs in its own thread with its own connection to the project (SQLite
connections must not cross threads). Write jobs run one at a time; the UI never touches
the database while a job writes (WAL lets it keep reading).
"""

from __future__ import annotations

import sqlite3
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from curator.core.errors import Cancelled, CuratorError, explain_os_error
from curator.core.jobs import Job, run_job
from curator.core.store import Store
from curator.core.store.store import translate_sqlite_error

JobFactory = Callable[[Store], Job[Any]]


class _Worker(QThread):
    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, project: Path, factory: JobFactory, cancel: threading.Event,
                 session: str | None) -> None:
        super().__init__()
        self.session = session
        self.project = project
        self.factory = factory
        self.cancel_event = cancel

    def run(self) -> None:
        try:
            with Store.open(self.project) as store:
                store.session = self.session
                result = run_job(self.factory(store), self.progressed.emit, self.cancel_event)
        except Cancelled:
            self.cancelled.emit()
        except CuratorError as exc:
            self.failed.emit(str(exc))
        except OSError as exc:
            self.failed.emit(explain_os_error(exc))
        except sqlite3.Error as exc:
            self.failed.emit(str(translate_sqlite_error(exc)))
        except Exception as exc:  # noqa: BLE001 - shown to the user in words
            traceback.print_exc()
            self.failed.emit(f"Curator hit an unexpected problem: {type(exc).__name__}: {exc}")
        else:
            self.succeeded.emit(result)


class JobRunner(QObject):
    """Runs one job at a time; the window shows its progress and offers Cancel."""

    started = Signal(str)
    progressed = Signal(object)         # Progress
    finished = Signal(str, object)      # job name, its report
    failed = Signal(str, str)           # job name, message for the user
    cancelled = Signal(str)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: _Worker | None = None
        self._cancel = threading.Event()
        self._queue: list[tuple[str, Path, JobFactory, Callable[[Any], None] | None]] = []
        self.name = ""
        #: Tags every event the jobs write (see Store.session).
        self.session: str | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def submit(self, name: str, project: Path, factory: JobFactory,
               on_done: Callable[[Any], None] | None = None) -> None:
        """Queue a job; it starts when the one before it has finished."""
        self._queue.append((name, project, factory, on_done))
        if self._worker is None:
            self._start_next()

    def cancel(self) -> None:
        """Stop the running job (it rolls back) and drop the queued ones."""
        self._queue.clear()
        self._cancel.set()

    def wait(self, ms: int = 60_000) -> None:
        if self._worker is not None:
            self._worker.wait(ms)

    def _start_next(self) -> None:
        if not self._queue:
            self.idle.emit()
            return
        name, project, factory, on_done = self._queue.pop(0)
        self.name = name
        self._cancel = threading.Event()
        worker = _Worker(project, factory, self._cancel, self.session)
        worker.progressed.connect(self.progressed)
        worker.succeeded.connect(lambda result: self._done(name, result, on_done))
        worker.failed.connect(lambda message: self._end(lambda: self.failed.emit(name,
                                                                                  message)))
        worker.cancelled.connect(lambda: self._end(lambda: self.cancelled.emit(name)))
        self._worker = worker
        self.started.emit(name)
        worker.start()

    def _done(self, name: str, result: Any, on_done: Callable[[Any], None] | None) -> None:
        def report() -> None:
            self.finished.emit(name, result)
            if on_done is not None:
                on_done(result)
        self._end(report)

    def _end(self, report: Callable[[], None]) -> None:
        worker = self._worker
        if worker is not None:
            worker.wait()
            worker.deleteLater()
        self._worker = None
        report()
        if self._worker is None:  # report() may have submitted (and so started) a job
            self._start_next()
