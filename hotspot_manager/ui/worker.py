"""Store access off the UI thread.

Every read and write of the database runs on one worker thread that owns its own
``Store`` (SQLite connections belong to the thread that opened them); results come back to
the UI thread as a queued signal, so the event loop never waits on SQLite (a write may
wait up to 5 s for the agent's transaction). Jobs carry a key: a job whose key is still
pending replaces nothing and is dropped, so a slow disk never piles up refreshes.

Tests (and the screenshot script) use ``synchronous=True``: jobs run at once on the
calling thread, as Picard's test case swaps in a synchronous pool.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from hotspot_manager.store import Store

log = logging.getLogger(__name__)

Job = Callable[[Store], Any]
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Task(QRunnable):
    def __init__(self, worker: StoreWorker, token: int, job: Job) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._worker = worker
        self._token = token
        self._job = job

    def run(self) -> None:
        self._worker._run(self._token, self._job)


class StoreWorker(QObject):
    """Runs ``job(store)`` on a worker thread; calls ``done(result)`` on the UI thread."""

    _finished = Signal(int, object, object)  # token, result, error

    def __init__(self, db_path: str | Path, synchronous: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.db_path = str(db_path)
        self.synchronous = synchronous
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one connection, jobs in order
        self._pool.setExpiryTimeout(-1)  # the thread (and its connection) lives on
        self._local = threading.local()
        self._next = 0
        self._pending: dict[int, tuple[str | None, Done | None, Failed | None]] = {}
        self._busy_keys: set[str] = set()
        self._closed = False
        self._finished.connect(self._deliver)

    # ------------------------------------------------------------------ API

    def submit(
        self,
        job: Job,
        done: Done | None = None,
        failed: Failed | None = None,
        key: str | None = None,
    ) -> bool:
        """Queue ``job``; False when a job with the same ``key`` is still pending."""
        if self._closed:
            return False
        if key is not None and key in self._busy_keys:
            return False
        token = self._next
        self._next += 1
        self._pending[token] = (key, done, failed)
        if key is not None:
            self._busy_keys.add(key)
        if self.synchronous:
            self._run(token, job)
        else:
            self._pool.start(_Task(self, token, job))
        return True

    def busy(self, key: str) -> bool:
        return key in self._busy_keys

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until queued jobs ran (tests, shutdown)."""
        return self._pool.waitForDone(msecs)

    def close(self) -> None:
        """Stop taking jobs, let the running one finish, close the connection."""
        if self._closed:
            return
        self._closed = True
        self._pool.clear()
        if self.synchronous:
            self._close_store()
        else:
            self._pool.start(self._close_store)
        self._pool.waitForDone(10_000)

    # ------------------------------------------------------------------ internals

    def _store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store.open(self.db_path)
        return store

    def _close_store(self) -> None:
        store = getattr(self._local, "store", None)
        if store is not None:
            self._local.store = None
            store.close()

    def _run(self, token: int, job: Job) -> None:
        try:
            result, error = job(self._store()), None
        except Exception as exc:
            result, error = None, exc
            log.debug("store job failed:\n%s", traceback.format_exc())
        self._finished.emit(token, result, error)

    def _deliver(self, token: int, result: Any, error: BaseException | None) -> None:
        key, done, failed = self._pending.pop(token, (None, None, None))
        if key is not None:
            self._busy_keys.discard(key)
        if self._closed:
            return
        if error is not None:
            if failed is not None:
                failed(error)
            else:
                log.warning("store job failed: %s", error)
        elif done is not None:
            done(result)
