"""The waiting state machine (render_sdk._waitstate), driven directly: inputs in, effects out.

No server, no threads, no clock: each test feeds the machine what happened and the time
(plain floats), and checks what it asks for.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from render_sdk import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    AsyncClient,
    Client,
    InvalidArgumentError,
    NotFoundError,
    WaitTimeoutError,
)
from render_sdk._polling import PollSchedule
from render_sdk._waitstate import (
    Effect,
    Fail,
    Finished,
    Input,
    ReadRun,
    ReadStatuses,
    ReportFinal,
    ReportUpdate,
    RunRead,
    RunReadFailed,
    SleepUntil,
    StatusesRead,
    StatusesReadFailed,
    StreamClosed,
    StreamEvent,
    StreamOpened,
    Subscribe,
    Unsubscribe,
    WaitMachine,
    WaitOptions,
    chunk_ids,
    event_update,
    read_error_is_final,
    stream_error_is_final,
)
from render_sdk.models import TaskAttemptDetails, TaskRun, TaskRunDetails, TaskRunStatus

SCHEDULE = PollSchedule(initial_interval=1.0, factor=2.0, max_interval=8.0)
"""Poll gaps 1, 2, 4, 8, 8, ... seconds: easy to read in assertions."""
GRACE = 0.5
SAFETY = 30.0
DETAILS_GRACE = 0.2
TERMINAL = ("succeeded", "completed", "failed", "canceled")
NON_TERMINAL = ("pending", "running", "paused")


def options(**changes: Any) -> WaitOptions:
    values: dict[str, Any] = {
        "poll_schedule": SCHEDULE,
        "stream_grace": GRACE,
        "safety_interval": SAFETY,
        "details_grace": DETAILS_GRACE,
        "reconnect_delay": 1.0,
    }
    values.update(changes)
    return WaitOptions(**values)


def details(
    run_id: str = "trn-a", status: str = "running", attempts: int = 0, **extra: Any
) -> TaskRunDetails:
    return TaskRunDetails(
        id=run_id,
        task_id="tsk-x",
        status=TaskRunStatus(status),
        attempts=_attempts(attempts),
        **extra,
    )


def listed(run_id: str = "trn-a", status: str = "running", attempts: int = 0) -> TaskRun:
    return TaskRun(
        id=run_id, task_id="tsk-x", status=TaskRunStatus(status), attempts=_attempts(attempts)
    )


def _attempts(n: int) -> tuple[TaskAttemptDetails, ...]:
    return tuple(TaskAttemptDetails(attempt=i, status=TaskRunStatus.RUNNING) for i in range(n))


class Driver:
    """Feeds one machine and splits what it returns, for short assertions."""

    def __init__(
        self,
        *run_ids: str,
        now: float = 0.0,
        timeout: float | None = None,
        updates: bool = False,
        **option_changes: Any,
    ) -> None:
        self.machine = WaitMachine(
            run_ids or ("trn-a",),
            options=options(**option_changes),
            timeout=timeout,
            updates=updates,
        )
        self.now = now
        self.effects = self.machine.start(now)

    def feed(self, *inputs: Input, at: float | None = None) -> list[Effect]:
        if at is not None:
            self.now = at
        self.effects = self.machine.receive(inputs, self.now)
        return self.effects

    def reads(self) -> list[str]:
        return [e.run_id for e in self.effects if isinstance(e, ReadRun)]

    def lists(self) -> list[tuple[str, ...]]:
        return [e.run_ids for e in self.effects if isinstance(e, ReadStatuses)]

    def subscribes(self) -> list[Subscribe]:
        return [e for e in self.effects if isinstance(e, Subscribe)]

    def finals(self) -> list[TaskRunDetails]:
        return [e.details for e in self.effects if isinstance(e, ReportFinal)]

    def updates(self) -> list[TaskRunDetails]:
        return [e.details for e in self.effects if isinstance(e, ReportUpdate)]

    def sleep(self) -> float | None:
        last = self.effects[-1]
        assert isinstance(last, SleepUntil), self.effects
        return last.until

    def read_back(self, *answers: TaskRunDetails) -> list[Effect]:
        """Answer the reads just asked for (in any order) with ``answers``."""
        assert sorted(self.reads()) == sorted(d.id for d in answers)
        return self.feed(*(RunRead(d.id, d) for d in answers))


def streaming(*run_ids: str, **kwargs: Any) -> Driver:
    """A machine past its first read of each run, with their stream up and read once."""
    ids = run_ids or ("trn-a",)
    driver = Driver(*ids, **kwargs)
    driver.read_back(*(details(run_id) for run_id in ids))
    (subscribe,) = driver.subscribes()
    driver.feed(StreamOpened(subscribe.stream))
    if len(ids) == 1:
        driver.read_back(details(ids[0]))
    else:
        (batch,) = driver.lists()
        driver.feed(StatusesRead(batch, {run_id: listed(run_id) for run_id in batch}))
    return driver


# --- the first read ------------------------------------------------------------------------


def test_a_few_runs_are_read_at_once_one_get_each() -> None:
    driver = Driver("trn-a", "trn-b", now=3.0)
    assert driver.reads() == ["trn-a", "trn-b"]
    assert driver.subscribes() == []


def test_a_run_already_over_costs_one_read_and_no_stream() -> None:
    driver = Driver()
    effects = driver.read_back(details(status="succeeded", results=[4]))
    assert [d.results for d in driver.finals()] == [[4]]
    assert isinstance(effects[-1], Finished)
    assert not any(isinstance(e, Subscribe) for e in effects)
    assert driver.machine.pending == []
    assert driver.feed(StreamOpened(1)) == []  # over: nothing more


def test_an_unfinished_run_is_subscribed_to_then_read_again_once_the_stream_is_up() -> None:
    driver = Driver()
    driver.read_back(details(status="running"))
    assert driver.subscribes() == [Subscribe(1, ("trn-a",))]
    assert driver.sleep() == 1.0  # polled until the stream is up
    driver.feed(StreamOpened(1), at=0.3)
    assert driver.reads() == ["trn-a"]  # it may have ended before the subscription
    driver.read_back(details(status="running"))
    assert driver.sleep() == 0.3 + SAFETY  # from now on, events say when to read


def test_a_stream_coming_up_during_a_read_asks_for_a_second_read() -> None:
    driver = Driver("trn-a", "trn-b")
    driver.feed(RunRead("trn-a", details("trn-a")))  # trn-b's first read is still out
    driver.feed(StreamOpened(1), at=0.01)
    assert driver.lists() == []
    assert driver.reads() == ["trn-a"]
    # trn-b's answer may predate the subscription: the run may have ended in between.
    driver.feed(RunRead("trn-b", details("trn-b")), at=0.02)
    assert driver.reads() == ["trn-b"]


def test_many_runs_are_subscribed_to_first_and_read_in_one_list_once_it_is_up() -> None:
    ids = [f"trn-{i}" for i in range(12)]
    driver = Driver(*ids, now=10.0)
    assert [s.run_ids for s in driver.subscribes()] == [tuple(ids)]
    assert driver.reads() == []
    assert driver.lists() == []
    assert driver.sleep() == 10.0 + GRACE
    driver.feed(StreamOpened(1), at=10.1)
    assert driver.lists() == [tuple(ids)]
    assert driver.reads() == []


def test_many_runs_whose_stream_never_comes_up_are_read_after_the_grace() -> None:
    ids = [f"trn-{i}" for i in range(12)]
    driver = Driver(*ids)
    assert driver.feed(at=GRACE - 0.01)[:-1] == []
    driver.feed(at=GRACE)
    assert driver.lists() == [tuple(ids)]


def test_duplicate_ids_are_followed_once() -> None:
    driver = Driver("trn-a", "trn-b", "trn-a")
    assert driver.machine.pending == ["trn-a", "trn-b"]
    assert driver.reads() == ["trn-a", "trn-b"]


# --- push, then verify -----------------------------------------------------------------------


@pytest.mark.parametrize("status", TERMINAL)
def test_a_terminal_event_only_asks_for_a_read(status: str) -> None:
    driver = streaming()
    driver.feed(StreamEvent(1, details(status=status)), at=2.0)
    assert driver.finals() == []  # an event alone never completes a run
    assert driver.reads() == ["trn-a"]
    driver.read_back(details(status=status))
    assert [d.status for d in driver.finals()] == [TaskRunStatus(status)]
    assert isinstance(driver.effects[-1], Finished)
    assert Unsubscribe(1) in driver.effects  # nothing left for the stream to report


def test_a_terminal_event_during_a_read_asks_for_a_second_read() -> None:
    driver = Driver()
    driver.read_back(details())
    driver.feed(StreamOpened(1))
    assert driver.reads() == ["trn-a"]  # in flight; it will answer "running"
    driver.feed(StreamEvent(1, details(status="succeeded")), at=0.01)
    assert driver.reads() == []  # never two reads of one run at once
    driver.feed(RunRead("trn-a", details()), at=0.02)  # the stale answer
    assert driver.reads() == ["trn-a"]  # read again at once, not after the safety interval
    driver.read_back(details(status="succeeded"))
    assert driver.finals()


def test_a_failed_attempt_that_will_be_retried_does_not_complete_the_run() -> None:
    driver = streaming()
    driver.feed(StreamEvent(1, details(status="failed", error="attempt 0 failed")), at=1.0)
    driver.read_back(details(status="pending", attempts=1))  # the run retries
    assert driver.finals() == []
    assert driver.machine.last_status("trn-a") is TaskRunStatus.PENDING
    assert driver.sleep() == 1.0 + SAFETY
    driver.feed(StreamEvent(1, details(status="succeeded", attempts=2)), at=5.0)
    driver.read_back(details(status="succeeded", attempts=2, results=["ok"]))
    assert [d.results for d in driver.finals()] == [["ok"]]


def test_non_terminal_events_update_the_status_without_a_read() -> None:
    driver = streaming()
    driver.feed(StreamEvent(1, details(status="pending")), at=1.0)
    assert driver.machine.last_status("trn-a") is TaskRunStatus.PENDING
    assert driver.reads() == []


def test_events_and_answers_about_unknown_runs_are_ignored() -> None:
    driver = streaming()
    before = driver.sleep()
    for late in (
        StreamEvent(1, details("trn-zzz", "succeeded")),
        RunRead("trn-zzz", details("trn-zzz", "succeeded")),
        RunReadFailed("trn-zzz", NotFoundError("gone", status_code=404)),
        StatusesRead(("trn-zzz", "trn-yyy"), {}),
        StreamOpened(99),
        StreamClosed(99, NotFoundError("gone", status_code=404)),
    ):
        assert driver.feed(late) == [SleepUntil(before)]
    assert driver.machine.pending == ["trn-a"]


def test_late_reads_and_events_of_a_reported_run_report_nothing() -> None:
    driver = Driver("trn-a", "trn-b", updates=True)
    driver.feed(RunRead("trn-a", details("trn-a", "failed")))
    assert [d.id for d in driver.finals()] == ["trn-a"]
    for late in (
        RunRead("trn-a", details("trn-a", "failed")),
        StreamEvent(1, details("trn-a", "running")),
        StreamEvent(1, details("trn-a", "failed")),
    ):
        driver.feed(late)
        assert driver.finals() == []
        assert driver.updates() == []


def test_a_read_that_answers_with_another_run_is_an_error() -> None:
    driver = Driver()
    effects = driver.feed(RunRead("trn-a", details("trn-b", "succeeded")))
    assert isinstance(effects[-1], Fail)
    assert isinstance(effects[-1].error, APIResponseValidationError)
    assert driver.finals() == []


# --- batched status checks -------------------------------------------------------------------


def test_a_burst_of_terminal_events_is_confirmed_with_one_list_request() -> None:
    ids = [f"trn-{i}" for i in range(5)]
    driver = streaming(*ids)
    burst = [
        StreamEvent(1, details(run_id, "succeeded", results=[n])) for n, run_id in enumerate(ids)
    ]
    driver.feed(*burst, at=3.0)
    assert driver.lists() == [tuple(ids)]
    assert driver.reads() == []
    driver.feed(StatusesRead(tuple(ids), {i: listed(i, "succeeded") for i in ids}))
    # The list confirms each status; the details are the events' (same outcome).
    assert [d.results for d in driver.finals()] == [[n] for n in range(5)]
    assert isinstance(driver.effects[-1], Finished)


def test_a_list_that_finds_runs_over_without_their_event_reads_their_details() -> None:
    ids = ("trn-a", "trn-b")
    driver = streaming(*ids)
    driver.feed(at=SAFETY)  # the safety reads: one list
    assert driver.lists() == [ids]
    driver.feed(StatusesRead(ids, {i: listed(i, "succeeded") for i in ids}))
    assert driver.finals() == []
    assert driver.sleep() == SAFETY + DETAILS_GRACE  # the events may be on their way
    driver.feed(StreamEvent(1, details("trn-a", "succeeded", results=["ev"])))
    assert [d.results for d in driver.finals()] == [["ev"]]
    driver.feed(at=SAFETY + DETAILS_GRACE)
    assert driver.reads() == ["trn-b"]  # no event came: read its details
    driver.read_back(details("trn-b", "succeeded", results=["read"]))
    assert [d.results for d in driver.finals()] == [["read"]]


def test_a_listed_outcome_with_more_attempts_than_the_event_reads_the_details() -> None:
    ids = ("trn-a", "trn-b")
    driver = streaming(*ids)
    driver.feed(
        StreamEvent(1, details("trn-a", "failed", attempts=1)),
        StreamEvent(1, details("trn-b", "failed", attempts=1)),
        at=1.0,
    )
    assert driver.lists() == [ids]
    found = {"trn-a": listed("trn-a", "failed", attempts=2), "trn-b": listed("trn-b", "failed", 1)}
    driver.feed(StatusesRead(ids, found))
    assert [d.id for d in driver.finals()] == ["trn-b"]  # its event matches the read
    driver.feed(at=1.0 + DETAILS_GRACE)
    assert driver.reads() == ["trn-a"]  # its event told of an earlier attempt


def test_runs_a_list_does_not_show_are_read_one_by_one() -> None:
    ids = ("trn-a", "trn-b", "trn-c")
    driver = streaming(*ids)
    driver.feed(at=SAFETY)
    driver.feed(StatusesRead(ids, {"trn-b": listed("trn-b", "running")}))
    assert sorted(driver.reads()) == ["trn-a", "trn-c"]  # child runs are not listed by root


def test_list_requests_never_exceed_the_batch_limit() -> None:
    ids = [f"trn-{i:03}" for i in range(250)]
    driver = Driver(*ids, readers=8)
    driver.feed(StreamOpened(1), at=0.1)
    assert [len(batch) for batch in driver.lists()] == [100, 100, 50]
    assert [i for batch in driver.lists() for i in batch] == ids


def test_a_smaller_batch_limit_and_its_single_leftover() -> None:
    ids = [f"trn-{i}" for i in range(9)]
    driver = Driver(*ids, readers=4, batch_limit=4)
    driver.feed(at=GRACE)
    assert [len(batch) for batch in driver.lists()] == [4, 4]
    assert driver.reads() == ["trn-8"]  # a batch of one is a plain read


def test_no_more_requests_than_readers_are_in_flight() -> None:
    ids = [f"trn-{i}" for i in range(10)]
    driver = Driver(*ids, readers=2, batch_limit=3)
    driver.feed(at=GRACE)
    assert driver.lists() == [tuple(ids[:3]), tuple(ids[3:6])]
    assert driver.sleep() is None  # nothing to time: a reader answers first
    driver.feed(StatusesRead(tuple(ids[:3]), {i: listed(i) for i in ids[:3]}))
    assert driver.lists() == [tuple(ids[6:9])]


def test_a_refused_list_request_falls_back_to_reading_runs_one_by_one() -> None:
    ids = ("trn-a", "trn-b")
    driver = streaming(*ids)
    driver.feed(at=SAFETY)
    driver.feed(StatusesReadFailed(ids, APIStatusError("no", status_code=400)))
    assert not isinstance(driver.effects[-1], Fail)
    assert sorted(driver.reads()) == list(ids)
    driver.read_back(details("trn-a"), details("trn-b"))
    driver.feed(at=2 * SAFETY + 1)
    assert sorted(driver.reads()) == list(ids)
    assert driver.lists() == []


def test_a_list_request_that_fails_for_now_is_retried_on_the_schedule() -> None:
    ids = ("trn-a", "trn-b")
    driver = streaming(*ids)
    driver.feed(at=SAFETY)
    driver.feed(StatusesReadFailed(ids, APIConnectionError("reset")))
    assert driver.sleep() == SAFETY + 1.0
    driver.feed(at=SAFETY + 1.0)
    assert driver.lists() == [ids]


# --- fallback to polling and back --------------------------------------------------------------


def poll_gaps(driver: Driver, n: int, run_id: str = "trn-a") -> list[float]:
    """Follow the schedule for ``n`` unfinished reads; return the gaps between them."""
    moments = []
    for _ in range(n):
        due = driver.sleep()
        assert due is not None
        assert driver.feed(at=due - 1e-9)[:-1] == []  # nothing before it is due
        driver.feed(at=due)
        assert driver.reads() == [run_id]
        moments.append(due)
        driver.read_back(details(run_id))
    return [b - a for a, b in itertools.pairwise(moments)]


def test_a_closed_stream_means_polling_on_the_schedule_up_to_the_cap() -> None:
    driver = streaming(max_stream_failures=99, max_reconnect_delay=1000.0)
    driver.feed(StreamClosed(1, APIConnectionError("reset"), retry_ms=100_000), at=4.0)
    assert driver.reads() == ["trn-a"]  # events may have been missed: read at once
    driver.read_back(details())
    assert poll_gaps(driver, 6) == [2.0, 4.0, 8.0, 8.0, 8.0]


def test_a_closed_stream_is_reopened_after_the_delay_the_server_asked_for() -> None:
    driver = streaming()
    driver.feed(StreamClosed(1, None, retry_ms=3000), at=4.0)
    driver.read_back(details())
    assert driver.sleep() == 5.0  # the poll comes first
    driver.feed(at=7.0)
    assert driver.subscribes() == [Subscribe(1, ("trn-a",))]


def test_reconnect_delays_double_from_the_server_value_within_bounds() -> None:
    slow = PollSchedule(initial_interval=1000.0, max_interval=1000.0)
    driver = streaming(
        max_stream_failures=10, max_reconnect_delay=5.0, safety_interval=1000.0, poll_schedule=slow
    )
    now = 1.0
    for delay in (1.0, 2.0, 4.0, 5.0, 5.0):
        driver.feed(StreamClosed(1, APIConnectionError("reset"), retry_ms=1000), at=now)
        if driver.reads():
            driver.read_back(details())  # the first close: events may have been missed
        assert driver.sleep() == now + delay
        driver.feed(at=now + delay)
        assert driver.subscribes() == [Subscribe(1, ("trn-a",))]
        now += delay


def test_a_stream_that_keeps_failing_is_given_up_and_the_runs_are_polled() -> None:
    driver = streaming(max_stream_failures=2)
    for at in (1.0, 2.0, 4.0):
        driver.feed(StreamClosed(1, APIConnectionError("reset"), retry_ms=1), at=at)
        assert not isinstance(driver.effects[-1], Fail)
        if driver.reads():
            driver.read_back(details())
        driver.feed(at=at + 0.5)
        if driver.reads():
            driver.read_back(details())
        if at < 4.0:
            driver.feed(StreamOpened(1))
            if driver.reads():
                driver.read_back(details())
    driver.feed(at=100.0)
    assert driver.subscribes() == []  # given up
    assert driver.reads() == ["trn-a"]  # polled instead


def test_events_reset_the_count_of_stream_failures() -> None:
    driver = streaming(max_stream_failures=1)
    for at in (1.0, 3.0, 5.0):
        driver.feed(StreamClosed(1, None, retry_ms=1), at=at)
        if driver.reads():
            driver.read_back(details())
        driver.feed(at=at + 0.5)
        assert [s.stream for s in driver.subscribes()] == [1]
        driver.feed(StreamOpened(1), StreamEvent(1, details(status="running")))
        if driver.reads():
            driver.read_back(details())


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_a_refused_subscription_is_given_up_at_once(status: int) -> None:
    driver = streaming()
    driver.feed(StreamClosed(1, APIStatusError("no", status_code=status)), at=1.0)
    driver.read_back(details())
    driver.feed(at=1000.0)
    assert driver.subscribes() == []


def test_in_events_mode_a_stream_given_up_is_an_error() -> None:
    refused = NotFoundError("no such run", status_code=404)
    driver = Driver(strategy="events")
    driver.read_back(details())
    effects = driver.feed(StreamClosed(1, refused))
    assert effects[-1] == Fail(refused)
    # A stream that merely dropped (and will reconnect) is not an error even then.
    driver = Driver(strategy="events")
    driver.read_back(details())
    assert not isinstance(driver.feed(StreamClosed(1, None))[-1], Fail)


def test_poll_mode_never_subscribes() -> None:
    driver = Driver(strategy="poll")
    driver.read_back(details())
    assert driver.subscribes() == []
    assert poll_gaps(driver, 4) == [2.0, 4.0, 8.0]


def test_while_streaming_each_run_is_read_every_safety_interval() -> None:
    driver = streaming(safety_interval=5.0)
    assert poll_gaps(driver, 4) == [5.0, 5.0, 5.0]


def test_read_failures_are_retried_on_the_schedule_and_final_ones_fail() -> None:
    driver = Driver(strategy="poll")
    moments = []
    for _ in range(4):
        assert driver.reads() == ["trn-a"]
        moments.append(driver.now)
        driver.feed(RunReadFailed("trn-a", APIConnectionError("reset")))
        due = driver.sleep()
        assert due is not None
        driver.feed(at=due)
    assert [b - a for a, b in itertools.pairwise(moments)] == [1.0, 2.0, 4.0]
    gone = NotFoundError("gone", status_code=404)
    assert driver.feed(RunReadFailed("trn-a", gone))[-1] == Fail(gone)


def test_an_unsubscribe_closes_a_stream_once_all_its_runs_are_reported() -> None:
    ids = [f"trn-{i:02}" for i in range(12)]
    driver = Driver(*ids, max_url_length=100)
    streams = {s.stream: s.run_ids for s in driver.subscribes()}
    assert len(streams) > 1
    first, first_ids = next(iter(streams.items()))
    driver.feed(*(StreamOpened(sid) for sid in streams))
    batches = driver.lists()
    assert sorted(i for b in batches for i in b) == ids
    driver.feed(
        *(
            StatusesRead(b, {i: listed(i, "succeeded") for i in b if i in first_ids})
            for b in batches
        )
    )
    # The others are not listed (as if children): read one by one, still running.
    assert sorted(driver.reads()) == sorted(set(ids) - set(first_ids))
    driver.feed(*(RunRead(i, details(i, "running")) for i in driver.reads()))
    driver.feed(at=DETAILS_GRACE)  # no events came: the finished runs' details are read
    assert sorted(driver.reads()) == sorted(first_ids)
    driver.feed(*(RunRead(i, details(i, "succeeded")) for i in driver.reads()))
    assert sorted(d.id for d in driver.finals()) == sorted(first_ids)
    assert [e for e in driver.effects if isinstance(e, Unsubscribe)] == [Unsubscribe(first)]


# --- updates, the deadline --------------------------------------------------------------------


def test_updates_report_new_states_from_reads_and_every_stream_update() -> None:
    driver = Driver(updates=True)
    driver.read_back(details(status="pending"))
    assert [d.status.value for d in driver.updates()] == ["pending"]
    driver.feed(StreamOpened(1))
    driver.read_back(details(status="pending"))
    assert driver.updates() == []  # the same status again is not news
    driver.feed(StreamEvent(1, details(status="running")))
    assert [d.status.value for d in driver.updates()] == ["running"]
    driver.feed(StreamEvent(1, details(status="succeeded")))
    assert driver.updates() == []
    assert driver.finals() == []
    driver.read_back(details(status="succeeded"))
    assert [d.status.value for d in driver.finals()] == ["succeeded"]


def test_without_updates_only_final_results_are_reported() -> None:
    driver = Driver()
    driver.read_back(details(status="pending"))
    driver.feed(StreamEvent(1, details(status="running")))
    assert driver.updates() == []


def test_the_deadline_fails_with_the_pending_runs_and_their_last_status() -> None:
    driver = Driver("trn-a", "trn-b", timeout=5.0, now=100.0)
    driver.read_back(details("trn-a", "running"), details("trn-b", "succeeded"))
    assert driver.sleep() == 101.0
    effects = driver.feed(at=105.0)
    assert isinstance(effects[-1], Fail)
    error = effects[-1].error
    assert isinstance(error, WaitTimeoutError)
    assert error.task_run_id == "trn-a"
    assert error.last_status is TaskRunStatus.RUNNING
    assert error.pending == {"trn-a": TaskRunStatus.RUNNING}
    assert "after 5s" in str(error)
    assert driver.feed(RunRead("trn-a", details("trn-a", "succeeded"))) == []


def test_no_sleep_goes_past_the_deadline() -> None:
    driver = streaming(timeout=3.0)
    assert driver.sleep() == 3.0


def test_a_zero_timeout_fails_at_once_with_the_status_never_read() -> None:
    driver = Driver(timeout=0.0)
    assert isinstance(driver.effects[-1], Fail)
    assert "status never read" in str(driver.effects[-1].error)


def test_the_machine_must_be_started_once_before_it_is_fed() -> None:
    machine = WaitMachine(["trn-a"], options=options(), timeout=None)
    with pytest.raises(RuntimeError):
        machine.receive([], 0.0)
    machine.start(0.0)
    with pytest.raises(RuntimeError):
        machine.start(0.0)


def test_expecting_says_whether_an_input_is_bound_to_come() -> None:
    driver = Driver()
    assert driver.machine.expecting  # the first read is in flight
    driver.read_back(details())
    assert driver.machine.expecting  # the stream is connecting
    driver.feed(StreamClosed(1, APIStatusError("no", status_code=404)))
    assert not driver.machine.expecting  # only a timer is left: the next poll
    assert driver.sleep() == 1.0


# --- decisions about errors ----------------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("error", "final"),
    [
        (None, False),
        (APIConnectionError("x"), False),
        (APIStatusError("x", status_code=503), False),
        (APIStatusError("x", status_code=429), False),
        (APIStatusError("x", status_code=401), True),
        (NotFoundError("x", status_code=404), True),
        (RuntimeError("a bug, not the network"), True),
    ],
)
def test_which_stream_errors_are_final(error: Exception | None, final: bool) -> None:
    assert stream_error_is_final(error) is final


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
    assert isinstance(update, TaskRunDetails)
    assert update.id == "trn-a"
    assert update.results == [25]


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
        ("task.completed", json.dumps({**RUN_JSON, "results": [float("nan")]})),
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


@pytest.mark.parametrize(
    "name",
    [
        "stream_grace",
        "safety_interval",
        "details_grace",
        "idle_timeout",
        "reconnect_delay",
        "min_reconnect_delay",
        "max_reconnect_delay",
    ],
)
@pytest.mark.parametrize("value", [0, -1.0, float("inf"), float("nan"), "1", True, None])
def test_wait_options_reject_durations_that_are_not_positive_numbers(name: str, value: Any) -> None:
    with pytest.raises(ValueError, match=name):
        WaitOptions(**{name: value})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("readers", 0),
        ("readers", 2.0),
        ("max_stream_failures", 0),
        ("batch_limit", 0),
        ("batch_limit", 101),
        ("max_url_length", -5),
        ("readers", True),
    ],
)
def test_wait_options_reject_bad_counts(name: str, value: Any) -> None:
    with pytest.raises(ValueError, match=name):
        WaitOptions(**{name: value})


def test_wait_options_reject_crossed_reconnect_bounds() -> None:
    with pytest.raises(ValueError, match="min_reconnect_delay"):
        WaitOptions(min_reconnect_delay=5.0, max_reconnect_delay=1.0)


def test_wait_options_defaults_are_the_documented_ones() -> None:
    defaults = WaitOptions()
    assert (defaults.stream_grace, defaults.safety_interval, defaults.details_grace) == (
        1.0,
        30.0,
        0.2,
    )
    assert (defaults.readers, defaults.batch_limit, defaults.max_stream_failures) == (8, 100, 3)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_clients_reject_a_bad_strategy_before_opening_anything(cls: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="wait_strategy"):
        cls(api_key="k", wait_strategy="sometimes")
