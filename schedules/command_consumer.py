"""The worker's side of the command queue: take what web processes queued and run it on a few threads."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, select

from storage import command_queue

log = logging.getLogger(__name__)

THREADS = 4
IDLE_WAIT = 0.1  # seconds between looks at an empty queue: what a command may wait for a free worker
ERROR_WAIT = 2.0  # seconds to wait after the database failed to answer


class CommandConsumer:
    """Takes only as many commands as it has free threads, so other workers get the rest at once."""

    def __init__(self, engine: Engine, run: Callable[[command_queue.Queued], None], *, threads: int = THREADS,
                 idle_wait: float = IDLE_WAIT) -> None:  # fmt: skip
        self.engine = engine
        self.run = run
        self.threads = threads
        self.idle_wait = idle_wait
        self._free = threading.Semaphore(threads)
        self._stopping = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="command")
        self._loop = threading.Thread(target=self._take_while_running, name="command-queue", daemon=True)

    def start(self) -> CommandConsumer:
        self._loop.start()
        return self

    def stop(self) -> None:
        """Take nothing more; let the commands already taken finish."""
        self._stopping.set()
        if self._loop.is_alive():
            self._loop.join()
        self._pool.shutdown(wait=True)

    def _take_while_running(self) -> None:
        while not self._stopping.is_set():
            if not self._free.acquire(timeout=0.5):
                continue
            if self._stopping.is_set():
                self._free.release()
                break
            slots = 1 + self._more_free_slots()
            try:
                taken = command_queue.take(self.engine, slots) if self._anything_waiting() else []
            except Exception as error:
                log.warning("taking queued commands failed: %s", error.__class__.__name__)
                taken = []
                self._stopping.wait(ERROR_WAIT)
            for _ in range(slots - len(taken)):
                self._free.release()
            for queued in taken:
                self._pool.submit(self._run_one, queued)
            if not taken:
                self._stopping.wait(self.idle_wait)

    def _more_free_slots(self) -> int:
        count = 0
        while self._free.acquire(blocking=False):
            count += 1
        return count

    def _anything_waiting(self) -> bool:
        """A cheap read first: an empty queue costs no write lock on SQLite."""
        with self.engine.connect() as connection:
            return connection.execute(select(command_queue.TABLE.c.id).limit(1)).first() is not None

    def _run_one(self, queued: command_queue.Queued) -> None:
        try:
            self.run(queued)
        except Exception:
            log.exception("a queued command failed")
        finally:
            self._free.release()
