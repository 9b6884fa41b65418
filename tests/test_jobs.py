"""The server-wide limit on concurrent heavy computations."""

import threading
import time

from explorer.cache import JobSlots


def test_no_more_than_the_slots_run_and_the_rest_wait_and_are_told():
    slots = JobSlots(2)
    peak, told, started = [0], [], []
    gate = threading.Event()

    def job(i: int) -> None:
        with slots.slot(on_wait=lambda ahead: told.append((i, ahead)), on_start=lambda: started.append(i)):
            peak[0] = max(peak[0], slots.running)
            gate.wait(5)

    threads = [threading.Thread(target=job, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    deadline = time.monotonic() + 5
    while slots.waiting < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert slots.running == 2 and slots.waiting == 3
    gate.set()
    for t in threads:
        t.join(5)
    assert peak[0] == 2 and slots.running == 0 and slots.waiting == 0
    assert slots.queued_total == 3 and slots.peak_waiting == 3
    assert sorted(i for i, _ in told) == sorted(started) and len(told) == 3
    assert [ahead for _, ahead in told] == [1, 2, 3]


def test_a_failing_job_gives_its_slot_back():
    slots = JobSlots(1)
    try:
        with slots.slot():
            raise ValueError("boom")
    except ValueError:
        pass
    with slots.slot(on_wait=lambda ahead: (_ for _ in ()).throw(AssertionError("should not wait"))):
        assert slots.running == 1
