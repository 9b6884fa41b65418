"""A server-wide limit on concurrent heavy computations: a queue with a waiting note.

Every long computation of `explorer.shared.cache` runs inside `heavy_job()`; with all slots busy the
session shows how many computations are running and waiting, refreshed while it waits, and a run
the user has left (by changing a control) leaves the queue at its next refresh.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable

import streamlit as st

WAIT_CHECK_S = 0.5
HEAVY_SLOTS = max(2, os.cpu_count() or 2)  # heavy computations running at once on one server


class JobSlots:
    """A server-wide limit on concurrent heavy computations, with counts for the reliability report."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._sem = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self.running = self.waiting = self.peak_waiting = self.queued_total = 0

    @contextlib.contextmanager
    def slot(self, on_wait: Callable[[int], None] | None = None, on_start: Callable[[], None] | None = None):
        """Hold a slot while the body runs; when none is free, call on_wait(jobs waiting) and again
        every WAIT_CHECK_S while queued, and on_start once a slot is ours. Either callback may raise
        (a Streamlit call in a stopped run does): the run then leaves the queue, and the counts and
        the slot are put right."""
        waited = False
        if not self._sem.acquire(blocking=False):
            with self._lock:
                self.waiting += 1
                self.queued_total += 1
                self.peak_waiting = max(self.peak_waiting, self.waiting)
                ahead = self.waiting
            try:
                if on_wait is not None:
                    on_wait(ahead)
                while not self._sem.acquire(timeout=WAIT_CHECK_S):
                    if on_wait is not None:  # refreshes the count; a stopped run leaves the queue here
                        on_wait(self.waiting)
            finally:
                with self._lock:
                    self.waiting -= 1
            waited = True
        with self._lock:
            self.running += 1
        try:
            if waited and on_start is not None:
                on_start()
            yield
        finally:
            with self._lock:
                self.running -= 1
            self._sem.release()


@st.cache_resource
def job_slots() -> JobSlots:
    return JobSlots(HEAVY_SLOTS)


@contextlib.contextmanager
def heavy_job():
    """Run the body in one of the server's job slots, telling the user while it waits for one."""
    note = st.empty()

    def waiting(ahead: int) -> None:
        note.info(f"Waiting: {HEAVY_SLOTS} computations are already running on this server, and "
                  f"{ahead} {'is' if ahead == 1 else 'are'} waiting. Yours starts when one finishes.",
                  icon=":material/hourglass_top:")  # fmt: skip

    with job_slots().slot(waiting, note.empty):
        yield
