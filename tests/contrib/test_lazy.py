"""The lazily created shared client behind the Django and Flask integrations."""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest

from render_sdk.contrib._lazy import LazyClient


class FakeClient:
    def __init__(self, fail_on_close: bool = False) -> None:
        self.closed = False
        self.fail_on_close = fail_on_close

    def close(self) -> None:
        self.closed = True
        if self.fail_on_close:
            raise OSError("socket already gone")


def test_the_client_is_made_once_on_first_use_even_from_many_threads() -> None:
    made: list[FakeClient] = []

    def factory() -> FakeClient:
        time.sleep(0.01)  # widen the window in which threads could race
        made.append(FakeClient())
        return made[-1]

    lazy = LazyClient(factory)
    assert not lazy.created
    seen: list[FakeClient] = []
    threads = [threading.Thread(target=lambda: seen.append(lazy.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1
    assert seen == made * 8


def test_close_closes_and_forgets_so_the_next_use_makes_a_new_client() -> None:
    lazy = LazyClient(FakeClient)
    first = lazy.get()
    lazy.close()
    assert first.closed
    assert not lazy.created
    assert lazy.get() is not first
    lazy.close()
    lazy.close()  # closing twice is harmless


def test_a_factory_error_propagates_and_the_next_use_tries_again() -> None:
    attempts: list[int] = []

    def factory() -> FakeClient:
        attempts.append(1)
        if len(attempts) == 1:
            raise ValueError("no API key")
        return FakeClient()

    lazy = LazyClient(factory)
    with pytest.raises(ValueError, match="no API key"):
        lazy.get()
    assert isinstance(lazy.get(), FakeClient)


def test_a_failure_to_close_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    lazy = LazyClient(lambda: FakeClient(fail_on_close=True))
    lazy.get()
    with caplog.at_level(logging.WARNING, logger="render_sdk.contrib"):
        lazy.close()
    assert "closing a render_sdk client failed" in caplog.text


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
# Forking while a thread runs is the very situation under test (Python 3.12+ warns).
@pytest.mark.filterwarnings("ignore:.*multi-threaded.*fork:DeprecationWarning")
def test_a_child_forked_while_another_thread_creates_the_client_does_not_hang() -> None:
    inside_factory = threading.Event()
    release = threading.Event()

    def slow_factory() -> FakeClient:
        inside_factory.set()
        release.wait(5)
        return FakeClient()

    lazy = LazyClient(slow_factory)
    creator = threading.Thread(target=lazy.get)
    creator.start()
    inside_factory.wait(5)  # the creation lock is held now
    pid = os.fork()
    if pid == 0:  # the child: the thread holding the lock does not exist here
        release.set()
        try:
            lazy.get()
            code = 0
        except BaseException:
            code = 1
        os._exit(code)
    release.set()
    creator.join()
    deadline = time.monotonic() + 10
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the child hung on the creation lock it inherited")
        time.sleep(0.01)
    assert os.waitstatus_to_exitcode(status) == 0
    assert lazy.created  # the parent is unaffected
