"""The server-wide limit on concurrent heavy computations."""

import threading
import time

from explorer.shared.jobs import JobSlots


def test_no_more_than_the_slots_run_and_the_rest_wait_and_are_told():
    slots = JobSlots(2)
    peak, told, started = [0], [], []
    gate = threading.Event()

    def job(i: int) -> None:
        def first_wait(ahead: int) -> None:  # called again while queued: keep the first count
            if all(j != i for j, _ in told):
                told.append((i, ahead))

        with slots.slot(on_wait=first_wait, on_start=lambda: started.append(i)):
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


def test_an_interrupted_wait_or_start_leaves_the_slots_and_counts_right():
    slots = JobSlots(1)
    gate, inside = threading.Event(), threading.Event()

    def holder() -> None:
        with slots.slot():
            inside.set()
            gate.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    inside.wait(5)

    def rerun(*_):
        raise KeyboardInterrupt  # what a Streamlit rerun looks like to this code: an exception from a callback

    try:  # interrupted while told it waits
        with slots.slot(on_wait=rerun):
            raise AssertionError("the body must not run")
    except KeyboardInterrupt:
        pass
    assert slots.waiting == 0 and slots.running == 1  # only the holder
    threading.Timer(0.2, gate.set).start()  # the holder finishes while the next one waits
    try:  # interrupted just as its turn comes
        with slots.slot(on_start=rerun):
            raise AssertionError("the body must not run")
    except KeyboardInterrupt:
        pass
    t.join(5)
    assert slots.waiting == 0 and slots.running == 0
    with slots.slot(on_wait=lambda ahead: (_ for _ in ()).throw(AssertionError("a slot must be free"))):
        assert slots.running == 1


def test_a_comparison_with_every_model_stored_needs_no_slot():
    from engine.classify.arena import ArenaConfig, arena
    from engine.classify.fit import ModelConfig
    from engine.data.datasets import DatasetConfig, make_dataset
    from explorer.boundaries import compute

    a = arena(make_dataset(DatasetConfig("moons", 100)), ArenaConfig(grid_size=10))
    args = (a.data.X, a.data.y, a.train, a.test, a.grid, [ModelConfig("logreg")])
    first = compute.boundaries(*args)
    from explorer.shared import jobs

    slots = jobs.job_slots()
    for _ in range(slots.slots):  # a server whose every slot is busy
        slots._sem.acquire()
    try:
        done = []
        worker = threading.Thread(target=lambda: done.append(compute.boundaries(*args)))
        worker.start()
        worker.join(5)
        assert done and done[0][0] is first[0]
    finally:
        for _ in range(slots.slots):
            slots._sem.release()


def test_a_stopped_run_leaves_the_queue_while_it_waits():
    slots = JobSlots(1)
    gate, inside = threading.Event(), threading.Event()

    def holder() -> None:
        with slots.slot():
            inside.set()
            gate.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    inside.wait(5)
    calls = []

    def stopped_later(ahead: int) -> None:  # the page's note: a stopped run raises on its next update
        calls.append(ahead)
        if len(calls) > 1:
            raise KeyboardInterrupt

    start = time.monotonic()
    try:
        with slots.slot(on_wait=stopped_later):
            raise AssertionError("the body must not run")
    except KeyboardInterrupt:
        pass
    assert time.monotonic() - start < 3 and slots.waiting == 0 and slots.running == 1
    gate.set()
    t.join(5)
