"""PerProcess slots and background workers across os.fork(): a child never gets the parent's."""

from __future__ import annotations

import itertools
import os
import threading

import pytest

from render_sdk._concurrency import SyncWorkers
from render_sdk._fork import PerProcess, after_fork_in_child, current_pid
from tests.forking import run_in_children

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is POSIX-only"),
    pytest.mark.timeout(60),
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]


class Resource:
    def __init__(self, number: int) -> None:
        self.number = number
        self.pid = os.getpid()
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_a_value_is_made_once_per_process_and_a_child_makes_its_own() -> None:
    numbers = itertools.count()
    slot = PerProcess(lambda: Resource(next(numbers)))
    assert slot.current() is None
    parents = slot.get()
    assert slot.get() is parents
    assert slot.current() is parents

    def child(_: int) -> None:
        assert current_pid() == os.getpid() != parents.pid
        assert slot.crossed_fork()
        assert slot.current() is None
        mine = slot.get()
        assert mine is not parents
        assert mine.pid == os.getpid()
        assert slot.get() is mine
        assert not slot.crossed_fork()
        assert not parents.closed  # set aside, never closed by the child

    assert run_in_children(child, 2) == ["", ""]
    assert slot.get() is parents
    assert not slot.crossed_fork()


def test_take_in_a_child_leaves_the_parents_value_alone() -> None:
    slot = PerProcess(lambda: Resource(0))
    parents = slot.get()

    def child(_: int) -> None:
        assert slot.take() is None
        assert slot.get() is not parents

    assert run_in_children(child, 1) == [""]
    assert slot.take() is parents
    assert slot.current() is None


def test_threads_of_a_child_racing_for_a_value_share_one() -> None:
    made = itertools.count()
    slot = PerProcess(lambda: Resource(next(made)))
    slot.get()

    def child(_: int) -> None:
        seen: list[Resource] = []
        threads = [threading.Thread(target=lambda: seen.append(slot.get())) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(value) for value in seen}) == 1

    assert run_in_children(child, 1) == [""]


def test_leaving_workers_in_a_child_closes_nothing_of_the_parent() -> None:
    stream = Resource(0)
    workers = SyncWorkers()
    workers.__enter__()
    workers.register(stream)

    def child(_: int) -> None:
        workers.__exit__(None, None, None)
        assert workers.stopped()
        assert not stream.closed  # closing it would shut the parent's socket

    assert run_in_children(child, 1) == [""]
    assert not workers.stopped()
    workers.__exit__(None, None, None)
    assert stream.closed


def test_callbacks_registered_for_children_run_in_each_child_and_not_in_the_parent() -> None:
    calls: list[int] = []
    after_fork_in_child(lambda: calls.append(os.getpid()))

    def child(_: int) -> None:
        assert calls == [os.getpid()]

    assert run_in_children(child, 2) == ["", ""]
    assert calls == []
