"""The blocking Client across os.fork(): children never share their parent's connections.

A client that made requests before a fork has pooled sockets; a child that wrote to one
would read answers meant for another process. Each request here carries a token that only
it uses, and every answer must carry that token back. Every blocking transport is tested.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from render_sdk import Client, PollSchedule, RetryPolicy, TaskRunStatus
from render_sdk._transport.base import HTTPTransport
from render_sdk._transport.requests_transport import RequestsTransport
from render_sdk._transport.urllib3_transport import Urllib3Transport
from render_sdk.local import LocalServer
from tests.forking import run_in_children

pytestmark = [
    pytest.mark.integration,
    pytest.mark.usefixtures("clean_render_env"),
    pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is POSIX-only"),
    pytest.mark.timeout(120),
    # Python 3.12+ warns about fork() in a multi-threaded process (the server runs in a
    # thread of the test process); the children here use only what they create or rebuild.
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]

EVENTS = ("GET", "/v1/task-runs/events")
CHILDREN = 3
THREADS = 4
CALLS = 6
WAIT = 20.0


TRANSPORTS: dict[str, Callable[[], HTTPTransport]] = {
    "requests": RequestsTransport,
    "urllib3": Urllib3Transport,
}


@pytest.fixture(params=sorted(TRANSPORTS))
def transport(request: pytest.FixtureRequest) -> Iterator[HTTPTransport]:
    """Every blocking transport (closed after the test: the client does not own it)."""
    made = TRANSPORTS[request.param]()
    yield made
    made.close()


def make_client(server: LocalServer, transport: HTTPTransport) -> Client:
    return Client(
        api_key="rnd_unused_by_an_open_server",
        base_url=server.base_url,
        transport=transport,
        retry_policy=RetryPolicy(max_retries=0),
        poll_schedule=PollSchedule(initial_interval=0.01, factor=1.5, max_interval=0.05),
    )


def round_trip(client: Client, token: str) -> None:
    """Start a run whose input is ``token``; the start and a read must both be about it."""
    run = client.workflows.start_task("demo/echo", [token])
    assert run.status is TaskRunStatus.PENDING
    details = client.workflows.get_task_run(run.id)
    assert (details.id, details.input) == (run.id, [token]), (token, details)


def calls_from_threads(client: Client, label: str, *, wait: bool) -> None:
    """THREADS threads, CALLS round trips each (and one full wait each when ``wait``)."""

    def worker(thread: int) -> None:
        for call in range(CALLS):
            round_trip(client, f"{label}-t{thread}-c{call}-{uuid.uuid4().hex[:8]}")
        if wait:
            token = f"{label}-t{thread}-wait"
            details = client.workflows.run_task("demo/echo", [token], timeout=WAIT)
            assert details.result == {"args": [token], "kwargs": {}}, details

    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(worker, n) for n in range(THREADS)]:
            future.result(timeout=WAIT)


def test_children_of_a_client_used_before_fork_each_get_their_own_answers(
    server: LocalServer, transport: HTTPTransport
) -> None:
    client = make_client(server, transport)
    for n in range(THREADS):  # several pooled keep-alive connections in the parent
        round_trip(client, f"parent-before-{n}")
    parent_calls = threading.Event()

    def parent_keeps_calling() -> None:
        n = 0
        while not parent_calls.is_set():
            round_trip(client, f"parent-during-{n}")
            n += 1

    busy = threading.Thread(target=parent_keeps_calling)
    busy.start()
    try:
        reports = run_in_children(
            lambda child: calls_from_threads(client, f"child{child}", wait=True), CHILDREN
        )
    finally:
        parent_calls.set()
        busy.join(timeout=WAIT)
    assert reports == [""] * CHILDREN, "\n".join(reports)
    calls_from_threads(client, "parent-after", wait=True)
    client.close()


def test_a_wait_in_progress_in_the_parent_at_fork_is_unaffected_and_children_wait_too(
    server: LocalServer, transport: HTTPTransport
) -> None:
    client = make_client(server, transport)
    run = client.workflows.start_task("demo/slow", [0.6])
    streams_before = server.requests[EVENTS]
    outcome: list[object] = []
    waiter = threading.Thread(target=lambda: outcome.append(run.wait(timeout=WAIT)))
    waiter.start()
    deadline = 200
    while server.requests[EVENTS] == streams_before and deadline:  # the wait is subscribed
        threading.Event().wait(0.01)
        deadline -= 1
    assert server.requests[EVENTS] > streams_before, "the parent's wait never subscribed"

    reports = run_in_children(
        lambda child: calls_from_threads(client, f"waiting-child{child}", wait=True), CHILDREN
    )

    waiter.join(timeout=WAIT)
    assert reports == [""] * CHILDREN, "\n".join(reports)
    assert len(outcome) == 1
    details = outcome[0]
    assert getattr(details, "id", None) == run.id
    assert getattr(details, "result", None) == 0.6
    calls_from_threads(client, "parent-after-wait", wait=False)
    client.close()


def test_a_wait_begun_before_fork_carries_on_in_the_child_and_in_the_parent(
    server: LocalServer, transport: HTTPTransport
) -> None:
    client = make_client(server, transport)
    quick = client.workflows.start_task("demo/echo", ["quick"])
    slow = client.workflows.start_task("demo/slow", [0.5])
    finished = iter(client.workflows.as_completed([quick, slow], timeout=WAIT))
    first = next(finished)
    assert first.id == quick.id

    def child_finishes_the_wait(_: int) -> None:
        rest = list(finished)
        assert [d.id for d in rest] == [slow.id]
        assert rest[0].result == 0.5

    reports = run_in_children(child_finishes_the_wait, 2)
    assert reports == ["", ""], "\n".join(reports)
    child_finishes_the_wait(0)  # the parent's own workers finish it too
    client.close()
