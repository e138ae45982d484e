"""The waiting state machine (render_sdk._waitstate), driven by a fake "now" (plain floats)."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)

from render_sdk import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    AsyncClient,
    Client,
    InvalidArgumentError,
    NotFoundError,
)
from render_sdk._polling import PollSchedule
from render_sdk._waitstate import (
    EventUpdate,
    ReadDone,
    ReadFailed,
    StreamDown,
    StreamUp,
    WaitOptions,
    WaitState,
    chunk_ids,
    event_update,
    read_error_is_final,
)
from render_sdk.models import TaskRunDetails, TaskRunStatus

SCHEDULE = PollSchedule(initial_interval=1.0, factor=2.0, max_interval=8.0)
"""Poll gaps 1, 2, 4, 8, 8, ... seconds: easy to read in assertions."""
GRACE = 0.5
SAFETY = 30.0
TERMINAL = ("succeeded", "completed", "failed", "canceled")
NON_TERMINAL = ("pending", "running", "paused")


def details(run_id: str = "trn-a", status: str = "running", **extra: Any) -> TaskRunDetails:
    return TaskRunDetails(id=run_id, task_id="tsk-x", status=TaskRunStatus(status), **extra)


def state(
    *run_ids: str, now: float = 0.0, grace: float | None = GRACE, safety: float = SAFETY
) -> WaitState:
    return WaitState(
        run_ids or ("trn-a",),
        now=now,
        poll_schedule=SCHEDULE,
        stream_grace=grace,
        safety_interval=safety,
    )


def read_at(ws: WaitState, now: float, *reads: TaskRunDetails) -> list[TaskRunDetails]:
    """Take the due reads at ``now``, answer them, return the runs that completed."""
    taken = ws.take_reads(now)
    assert sorted(taken) == sorted(d.id for d in reads)
    done = [ws.on_read(d, now) for d in reads]
    return [d for d in done if d is not None]


def poll_gaps(ws: WaitState, start: float, n: int, run_id: str = "trn-a") -> list[float]:
    """Follow the schedule for ``n`` non-terminal reads; return the gaps between them."""
    now, moments = start, []
    for _ in range(n):
        due = ws.next_due()
        assert due is not None
        assert ws.take_reads(due - 1e-9) == []  # nothing before it is due
        now = due
        assert ws.take_reads(now) == [run_id]
        moments.append(now)
        assert ws.on_read(details(run_id, "running"), now) is None
    return [b - a for a, b in itertools.pairwise(moments)]


# --- first read --------------------------------------------------------------------------


def test_stream_up_reads_at_once() -> None:
    ws = state()
    assert ws.take_reads(0.1) == []
    ws.on_stream_up(["trn-a"], 0.1)
    assert ws.next_due() == 0.1
    assert ws.take_reads(0.1) == ["trn-a"]


def test_before_the_stream_is_up_the_first_read_comes_after_the_grace() -> None:
    ws = state(now=10.0)
    assert ws.next_due() == 10.0 + GRACE
    assert ws.take_reads(10.0 + GRACE - 0.001) == []
    assert ws.take_reads(10.0 + GRACE) == ["trn-a"]


def test_without_a_grace_the_first_read_is_now() -> None:
    ws = state(now=3.0, grace=None)
    assert ws.take_reads(3.0) == ["trn-a"]


def test_a_run_over_before_subscribing_completes_on_the_first_read() -> None:
    ws = state()
    ws.on_stream_up(["trn-a"], 0.0)
    done = read_at(ws, 0.0, details(status="succeeded", results=[4]))
    assert [d.results for d in done] == [[4]]
    assert ws.done
    assert ws.pending == []
    assert ws.completed["trn-a"].status is TaskRunStatus.SUCCEEDED
    assert ws.next_due() is None


def test_duplicate_ids_are_followed_once() -> None:
    ws = state("trn-a", "trn-b", "trn-a")
    assert ws.pending == ["trn-a", "trn-b"]


# --- push, then verify --------------------------------------------------------------------


@pytest.mark.parametrize("status", TERMINAL)
def test_a_terminal_event_only_schedules_a_read(status: str) -> None:
    ws = state()
    ws.on_stream_up(["trn-a"], 0.0)
    read_at(ws, 0.0, details(status="running"))
    assert ws.next_due() == SAFETY  # streaming: only the safety read is planned

    ws.on_event(details(status=status), 2.0)

    assert not ws.done  # an event alone never completes a run
    assert ws.next_due() == 2.0
    assert read_at(ws, 2.0, details(status=status))[0].status is TaskRunStatus(status)
    assert ws.done


def test_a_terminal_event_during_a_read_triggers_a_second_read() -> None:
    ws = state()
    ws.on_stream_up(["trn-a"], 0.0)
    assert ws.take_reads(0.0) == ["trn-a"]  # in flight, will answer "running"
    ws.on_event(details(status="succeeded"), 0.01)
    assert ws.take_reads(0.01) == []  # never two reads of one run at once
    assert ws.next_due() is None

    assert ws.on_read(details(status="running"), 0.02) is None  # the stale answer
    assert ws.next_due() == 0.02  # re-read at once, not after the safety interval
    assert read_at(ws, 0.02, details(status="succeeded"))
    assert ws.done


def test_a_failed_attempt_that_will_be_retried_does_not_complete_the_run() -> None:
    ws = state()
    ws.on_stream_up(["trn-a"], 0.0)
    read_at(ws, 0.0, details(status="running"))
    ws.on_event(details(status="failed", error="attempt 0 failed"), 1.0)
    assert read_at(ws, 1.0, details(status="pending")) == []  # the run retries
    assert not ws.done
    assert ws.last_status("trn-a") is TaskRunStatus.PENDING
    assert ws.next_due() == 1.0 + SAFETY

    ws.on_event(details(status="succeeded"), 5.0)
    final = read_at(ws, 5.0, details(status="succeeded", results=["ok"]))
    assert [d.results for d in final] == [["ok"]]


def test_non_terminal_events_update_the_status_without_a_read() -> None:
    ws = state()
    ws.on_stream_up(["trn-a"], 0.0)
    read_at(ws, 0.0, details(status="pending"))
    ws.on_event(details(status="running"), 1.0)
    assert ws.last_status("trn-a") is TaskRunStatus.RUNNING
    assert ws.next_due() == SAFETY


def test_events_and_reads_of_unknown_runs_are_ignored() -> None:
    ws = state()
    ws.on_event(details("trn-zzz", "succeeded"), 0.0)
    assert ws.on_read(details("trn-zzz", "succeeded"), 0.0) is None
    ws.on_read_failed("trn-zzz", 0.0)
    ws.on_stream_up(["trn-zzz"], 0.0)
    ws.on_stream_down(["trn-zzz"], 0.0)
    assert ws.pending == ["trn-a"]
    assert ws.completed == {}
    assert ws.last_status("trn-zzz") is None


def test_a_completed_run_ignores_later_messages() -> None:
    ws = state(grace=None)
    read_at(ws, 0.0, details(status="canceled"))
    ws.on_event(details(status="running"), 1.0)
    assert ws.on_read(details(status="succeeded"), 1.0) is None
    assert ws.completed["trn-a"].status is TaskRunStatus.CANCELED


# --- fallback to polling and back ---------------------------------------------------------


def test_stream_down_polls_on_the_schedule_up_to_the_cap() -> None:
    ws = state()
    ws.on_stream_up(["trn-a"], 0.0)
    read_at(ws, 0.0, details(status="running"))
    ws.on_stream_down(["trn-a"], 4.0)
    assert ws.next_due() == 4.0  # events may have been missed: read at once

    assert poll_gaps(ws, 4.0, 7) == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_a_stream_that_never_comes_up_means_polling_after_the_grace() -> None:
    ws = state()
    assert poll_gaps(ws, 0.0, 5) == [1.0, 2.0, 4.0, 8.0]


def test_repeated_stream_down_does_not_reset_the_backoff() -> None:
    ws = state()
    ws.on_stream_down(["trn-a"], 0.0)
    poll_gaps(ws, 0.0, 4)  # reads at 0, 1, 3, 7; next due at 15
    ws.on_stream_down(["trn-a"], 8.0)  # reconnect failed again
    assert ws.next_due() == 15.0


def test_stream_up_again_reads_at_once_then_relies_on_events() -> None:
    ws = state()
    ws.on_stream_down(["trn-a"], 0.0)
    poll_gaps(ws, 0.0, 3)  # reads at 0, 1, 3; next due at 7
    ws.on_stream_up(["trn-a"], 4.0)
    assert ws.next_due() == 4.0
    read_at(ws, 4.0, details(status="running"))
    assert ws.next_due() == 4.0 + SAFETY
    ws.on_stream_down(["trn-a"], 10.0)  # and down again: the schedule restarts
    assert poll_gaps(ws, 10.0, 3) == [1.0, 2.0]


def test_while_streaming_each_run_is_read_every_safety_interval() -> None:
    ws = state(safety=5.0)
    ws.on_stream_up(["trn-a"], 0.0)
    assert poll_gaps(ws, 0.0, 4) == [5.0, 5.0, 5.0]


def test_stream_changes_apply_to_their_own_runs_only() -> None:
    ws = state("trn-a", "trn-b")
    ws.on_stream_up(["trn-a", "trn-b"], 0.0)
    read_at(ws, 0.0, details("trn-a"), details("trn-b"))
    ws.on_stream_down(["trn-b"], 1.0)
    assert ws.take_reads(1.0) == ["trn-b"]
    assert ws.on_read(details("trn-b"), 1.0) is None
    assert ws.next_due() == 2.0  # trn-b polls; trn-a waits for its safety read at 30


def test_read_failures_retry_on_the_schedule() -> None:
    ws = state(grace=None)
    moments = []
    now = 0.0
    for _ in range(5):
        assert ws.take_reads(now) == ["trn-a"]
        moments.append(now)
        ws.on_read_failed("trn-a", now)
        due = ws.next_due()
        assert due is not None
        now = due
    assert [b - a for a, b in itertools.pairwise(moments)] == [1.0, 2.0, 4.0, 8.0]
    assert not ws.done
    assert read_at(ws, now, details(status="succeeded"))


def test_a_read_failure_while_streaming_retries_soon_then_back_to_safety() -> None:
    ws = state()
    ws.on_stream_up(["trn-a"], 0.0)
    assert ws.take_reads(0.0) == ["trn-a"]
    ws.on_read_failed("trn-a", 0.0)
    assert ws.next_due() == 1.0
    read_at(ws, 1.0, details(status="running"))
    assert ws.next_due() == 1.0 + SAFETY


def test_next_due_is_the_earliest_of_the_runs_not_in_flight() -> None:
    ws = state("trn-a", "trn-b", "trn-c", grace=None)
    assert ws.next_due() == 0.0
    assert ws.take_reads(0.0) == ["trn-a", "trn-b", "trn-c"]
    assert ws.next_due() is None  # every read is in flight
    ws.on_read(details("trn-b"), 0.0)
    assert ws.next_due() == 1.0
    ws.on_read_failed("trn-c", 0.5)
    assert ws.next_due() == 1.0  # c at 1.5, b at 1.0
    ws.on_read(details("trn-a", "failed", error="x"), 0.6)
    assert ws.completed["trn-a"].error == "x"
    assert ws.pending == ["trn-b", "trn-c"]
    assert ws.next_due() == 1.0


# --- URL budget ---------------------------------------------------------------------------


def test_chunk_ids_fits_render_style_ids_in_a_few_urls() -> None:
    ids = [f"trn-{i:020x}" for i in range(1000)]
    chunks = chunk_ids(ids, 6000)
    assert [run_id for chunk in chunks for run_id in chunk] == ids
    assert len(chunks) <= 10
    for chunk in chunks:
        assert len("&".join(f"taskRunIds={run_id}" for run_id in chunk)) <= 6000


@given(
    ids=st.lists(st.text("abcdef0123456789-", min_size=1, max_size=40), max_size=60),
    budget=st.integers(min_value=1, max_value=400),
)
def test_chunk_ids_keeps_order_and_respects_the_budget(ids: list[str], budget: int) -> None:
    chunks = chunk_ids(ids, budget)
    assert [run_id for chunk in chunks for run_id in chunk] == ids
    assert all(chunks)  # no empty chunk
    for chunk in chunks:
        cost = sum(len("taskRunIds=&") + len(run_id) for run_id in chunk)
        # A chunk goes over the budget only when one ID alone does not fit.
        assert cost <= budget or len(chunk) == 1
    for a, b in itertools.pairwise(chunks):
        # Greedy: the next chunk's first ID did not fit in the previous chunk.
        cost_a = sum(len("taskRunIds=&") + len(run_id) for run_id in a)
        assert cost_a + len("taskRunIds=&") + len(b[0]) > budget


def test_chunk_ids_of_nothing_is_nothing() -> None:
    assert chunk_ids([], 100) == []


# --- reading events -----------------------------------------------------------------------

RUN_JSON = {
    "id": "trn-a",
    "taskId": "tsk-x",
    "status": "succeeded",
    "parentTaskRunId": "",
    "rootTaskRunId": "trn-a",
    "retries": 0,
    "attempts": [],
    "results": [25],
    "input": [5],
}


@pytest.mark.parametrize(
    "name", ["task.completed", "task.running", "task.failed", "task.some_new_kind"]
)
def test_any_task_event_is_a_run_update(name: str) -> None:
    update = event_update(name, json.dumps({**RUN_JSON, "unknownField": {"x": 1}}))
    assert isinstance(update, EventUpdate)
    assert update.details.id == "trn-a"
    assert update.details.results == [25]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("message", json.dumps(RUN_JSON)),
        ("", json.dumps(RUN_JSON)),
        ("ping", json.dumps(RUN_JSON)),
        ("task", json.dumps(RUN_JSON)),
        ("TASK.completed", json.dumps(RUN_JSON)),
        ("task.completed", ""),
        ("task.completed", "not json"),
        ("task.completed", "{"),
        ("task.completed", "[1, 2]"),
        ("task.completed", "null"),
        ("task.completed", "42"),
        ("task.completed", '"trn-a"'),
        ("task.completed", "{}"),
        ("task.completed", json.dumps({"id": "trn-a"})),
        ("task.completed", json.dumps({**RUN_JSON, "status": 5})),
        ("task.completed", json.dumps({**RUN_JSON, "attempts": "none"})),
        ("task.completed", json.dumps({**RUN_JSON, "retries": "many"})),
        ("task.completed", json.dumps({**RUN_JSON, "startedAt": "yesterday"})),
        ("task.completed", "[" * 100_000),
    ],
)
def test_other_events_and_unreadable_data_are_ignored(name: str, data: str) -> None:
    assert event_update(name, data) is None


@given(name=st.text(max_size=20), data=st.text(max_size=200))
def test_event_update_never_raises(name: str, data: str) -> None:
    update = event_update(name, data)
    assert update is None or name.startswith("task.")


# --- options ------------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["", "AUTO", "push", "polling", None])
def test_wait_options_reject_an_unknown_strategy(strategy: Any) -> None:
    with pytest.raises(ValueError, match="wait_strategy"):
        WaitOptions(strategy=strategy)


@pytest.mark.parametrize("strategy", ["auto", "events", "poll"])
def test_wait_options_accept_the_three_strategies(strategy: str) -> None:
    assert WaitOptions(strategy=strategy).strategy == strategy


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_clients_reject_a_bad_strategy_before_opening_anything(cls: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="wait_strategy"):
        cls(api_key="k", wait_strategy="sometimes")


# --- properties: random message sequences ---------------------------------------------------

RUN_IDS = ("trn-a", "trn-b", "trn-c")
STATUSES = st.sampled_from(TERMINAL + NON_TERMINAL)


class WaitStateMachine(RuleBasedStateMachine):
    """Random streams, events, reads and failures; the server's truth decides what reads say.

    Events may lie (a terminal event for a run that will retry, a stale one); reads tell
    the truth of the moment. Once the truth is terminal it stays terminal.
    """

    in_flight = Bundle("in_flight")

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.truth: dict[str, str] = dict.fromkeys(RUN_IDS, "pending")
        self.terminal_reads: dict[str, TaskRunDetails] = {}
        self.reading: set[str] = set()
        self.ws = state(*RUN_IDS)

    @initialize(grace=st.one_of(st.none(), st.floats(0, 5)))
    def start(self, grace: float | None) -> None:
        self.ws = state(*RUN_IDS, grace=grace, safety=10.0)

    @rule(dt=st.floats(0, 20))
    def advance(self, dt: float) -> None:
        self.now += dt

    @rule(ids=st.lists(st.sampled_from(RUN_IDS), unique=True))
    def stream_up(self, ids: list[str]) -> None:
        self.ws.on_stream_up(ids, self.now)

    @rule(ids=st.lists(st.sampled_from(RUN_IDS), unique=True))
    def stream_down(self, ids: list[str]) -> None:
        self.ws.on_stream_down(ids, self.now)

    @rule(run_id=st.sampled_from(RUN_IDS), status=STATUSES)
    def event(self, run_id: str, status: str) -> None:
        self.ws.on_event(details(run_id, status), self.now)

    @rule(run_id=st.sampled_from(RUN_IDS), status=STATUSES)
    def truth_moves(self, run_id: str, status: str) -> None:
        if self.truth[run_id] not in TERMINAL:
            self.truth[run_id] = status

    @rule(target=in_flight)
    def take(self) -> Any:
        taken = self.ws.take_reads(self.now)
        assert not set(taken) & self.reading, "a run was read twice at once"
        assert len(taken) == len(set(taken))
        self.reading.update(taken)
        return taken

    @rule(taken=consumes(in_flight), ok=st.lists(st.booleans(), min_size=3, max_size=3))
    def answer(self, taken: list[str], ok: list[bool]) -> None:
        for run_id, success in zip(taken, ok, strict=False):
            self.reading.discard(run_id)
            if not success:
                self.ws.on_read_failed(run_id, self.now)
                continue
            read = details(run_id, self.truth[run_id])
            final = self.ws.on_read(read, self.now)
            if read.is_terminal:
                self.terminal_reads[run_id] = read
                assert final is read
            else:
                assert final is None

    @invariant()
    def only_terminal_reads_complete_runs(self) -> None:
        for run_id, done in self.ws.completed.items():
            assert done.is_terminal
            assert self.terminal_reads.get(run_id) is done

    @invariant()
    def no_run_is_lost(self) -> None:
        assert sorted(self.ws.pending + list(self.ws.completed)) == sorted(RUN_IDS)
        assert not set(self.ws.pending) & set(self.ws.completed)
        assert self.ws.done == (not self.ws.pending)
        # Every run not being read has a time at which it will be read.
        idle = set(self.ws.pending) - self.reading
        if idle:
            assert self.ws.next_due() is not None

    def teardown(self) -> None:
        """Liveness: once every run is over, answering due reads truthfully ends the wait."""
        for run_id in self.reading:
            self.ws.on_read_failed(run_id, self.now)
        self.reading.clear()
        self.truth = dict.fromkeys(RUN_IDS, "succeeded")
        start = self.now
        for _ in range(20):
            if self.ws.done:
                break
            due = self.ws.next_due()
            assert due is not None
            self.now = max(self.now, due)
            for run_id in self.ws.take_reads(self.now):
                self.ws.on_read(details(run_id, self.truth[run_id]), self.now)
        assert self.ws.done
        # Bounded by the slower of the safety read and the poll cap.
        assert self.now - start <= max(10.0, SCHEDULE.max_interval) + 1e-9


WaitStateMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40)
TestWaitStateMachine = WaitStateMachine.TestCase


# --- subscribing after a first read; message dispatch ----------------------------------------


def test_a_stream_coming_up_during_a_read_triggers_a_second_read() -> None:
    ws = state(grace=None)
    assert ws.take_reads(0.0) == ["trn-a"]  # read before subscribing
    ws.on_stream_up(["trn-a"], 0.01)  # the run may have ended between read and subscription
    assert ws.take_reads(0.01) == []
    assert ws.on_read(details(status="running"), 0.02) is None
    assert ws.next_due() == 0.02
    assert read_at(ws, 0.02, details(status="succeeded"))


def test_apply_dispatches_messages_and_reports_what_the_caller_sees() -> None:
    ws = state(grace=None)
    assert ws.take_reads(0.0) == ["trn-a"]
    assert ws.apply(StreamUp(("trn-a",)), 0.0, updates=True, events_required=False) is None
    running = details(status="running")
    assert ws.apply(ReadDone(running), 0.1, updates=True, events_required=False) == (
        False,
        running,
    )
    assert ws.take_reads(0.1) == ["trn-a"]  # the re-read after the subscription
    # The same status again is not a new update.
    assert ws.apply(ReadDone(running), 0.2, updates=True, events_required=False) is None
    event = details(status="pending")
    assert ws.apply(EventUpdate(event), 0.3, updates=True, events_required=False) == (False, event)
    assert ws.apply(EventUpdate(event), 0.3, updates=False, events_required=False) is None
    ws.apply(EventUpdate(details(status="succeeded")), 0.4, updates=True, events_required=False)
    assert ws.take_reads(0.4) == ["trn-a"]
    final = details(status="succeeded", results=[1])
    assert ws.apply(ReadDone(final), 0.5, updates=False, events_required=False) == (True, final)
    assert ws.done


def test_apply_raises_a_final_read_error_and_retries_others() -> None:
    ws = state(grace=None)
    assert ws.take_reads(0.0) == ["trn-a"]
    flaky = APIConnectionError("reset")
    assert ws.apply(ReadFailed("trn-a", flaky), 0.0, updates=False, events_required=False) is None
    assert ws.next_due() == 1.0
    assert ws.take_reads(1.0) == ["trn-a"]
    gone = NotFoundError("gone", status_code=404)
    with pytest.raises(NotFoundError):
        ws.apply(ReadFailed("trn-a", gone), 1.0, updates=False, events_required=False)


def test_apply_raises_when_a_required_stream_gives_up() -> None:
    refused = NotFoundError("no such run", status_code=404)
    ws = state()
    down = StreamDown(("trn-a",), refused, True)
    assert ws.apply(down, 0.0, updates=False, events_required=False) is None
    assert ws.next_due() == 0.0  # polling instead
    with pytest.raises(NotFoundError):
        state().apply(down, 0.0, updates=False, events_required=True)
    # A stream that merely dropped (and will reconnect) is not an error even then.
    dropped = StreamDown(("trn-a",), None, False)
    assert state().apply(dropped, 0.0, updates=False, events_required=True) is None


@pytest.mark.parametrize(
    ("error", "final"),
    [
        (NotFoundError("x", status_code=404), True),
        (APIStatusError("x", status_code=400), True),
        (APIStatusError("x", status_code=408), False),
        (APIStatusError("x", status_code=429), False),
        (APIStatusError("x", status_code=503), False),
        (APIConnectionError("x"), False),
        (APIResponseValidationError("x", status_code=200), True),
    ],
)
def test_which_read_errors_are_final(error: Exception, final: bool) -> None:
    assert read_error_is_final(error) is final


def test_late_reads_and_events_of_a_reported_run_yield_nothing() -> None:
    from render_sdk._waitstate import EventUpdate, ReadDone

    ws = WaitState(
        ["trn-1"],
        now=0.0,
        poll_schedule=PollSchedule(),
        stream_grace=None,
        safety_interval=30.0,
    )
    assert ws.take_reads(0.0) == ["trn-1"]
    final = ws.apply(ReadDone(details("trn-1", "failed")), 0.1, updates=True, events_required=False)
    assert final is not None
    assert final[0] is True

    for late in (ReadDone(details("trn-1", "failed")), EventUpdate(details("trn-1", "running"))):
        assert ws.apply(late, 0.2, updates=True, events_required=False) is None
