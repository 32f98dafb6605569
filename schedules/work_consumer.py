"""The worker's side of the work queue: take the commands and events web processes queued; run them on a few
threads."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from storage import work_queue

log = logging.getLogger(__name__)

THREADS = 4
IDLE_WAIT = 0.1  # seconds between looks at an empty queue: how long an item may wait for an idle worker
ERROR_WAIT = 2.0  # seconds to wait after the database failed to answer


class WorkConsumer:
    """Takes only as many items as it has free threads, so other workers get the rest at once."""

    def __init__(
        self,
        engine: Engine,
        run: Callable[[work_queue.Queued], None],
        *,
        threads: int = THREADS,
        idle_wait: float = IDLE_WAIT,
    ) -> None:
        self.engine = engine
        self.run = run
        self.threads = threads
        self.idle_wait = idle_wait
        self._free = threading.Semaphore(threads)
        self._stopping = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="queued")
        self._loop = threading.Thread(target=self._take_while_running, name="work-queue", daemon=True)

    def start(self) -> WorkConsumer:
        self._loop.start()
        return self

    def begin_stop(self) -> None:
        """Take nothing more (without waiting), so the rest of the process can stop meanwhile."""
        self._stopping.set()

    def stop(self) -> None:
        """Take nothing more; let what was already taken finish."""
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
                taken = work_queue.take(self.engine, slots) if work_queue.anything_waiting(self.engine) else []
            except Exception as error:
                log.warning("taking queued work failed: %s", error.__class__.__name__)
                taken = []
                self._stopping.wait(ERROR_WAIT)
            for _ in range(slots - len(taken)):
                self._free.release()
            for items in by_sender(taken):
                self._pool.submit(self._run_in_order, items)
            if not taken:
                self._stopping.wait(self.idle_wait)

    def _more_free_slots(self) -> int:
        count = 0
        while self._free.acquire(blocking=False):
            count += 1
        return count

    def _run_in_order(self, items: list[work_queue.Queued]) -> None:
        for queued in items:
            try:
                self.run(queued)
            except Exception:
                log.exception("queued %s failed", queued.kind)
            finally:
                self._free.release()


def by_sender(taken: list[work_queue.Queued]) -> list[list[work_queue.Queued]]:
    """The items grouped by who sent them, each group in the order it arrived: one person's messages are handled
    one after the other, as they wrote them; different people's at the same time."""
    groups: dict[tuple[str, str] | int, list[work_queue.Queued]] = {}
    for queued in taken:
        who = work_queue.sender(queued.payload)
        groups.setdefault((queued.team_id, who) if who else queued.id, []).append(queued)
    return list(groups.values())
