"""Properties of the waiting machine over arbitrary interleavings of everything it can be told.

A model plays the loop and the server: it carries out the machine's effects (answering
reads truthfully, or failing them), opens, feeds and closes streams (whose events may lie,
repeat, come late or out of order), lets the server's truth move on, and lets time jump.
After every step it checks the invariants that make waiting trustworthy.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from render_sdk import APIConnectionError, APIStatusError, NotFoundError, WaitTimeoutError
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
)
from render_sdk.models import TaskAttemptDetails, TaskRun, TaskRunDetails, TaskRunStatus

TERMINAL = ("succeeded", "failed", "canceled")
NON_TERMINAL = ("pending", "running")
SCHEDULE = PollSchedule(initial_interval=1.0, factor=2.0, max_interval=8.0)
SAFETY = 10.0
STREAM_GRACE = 0.5
DETAILS_GRACE = 0.2
BOUND = max(SAFETY, SCHEDULE.max_interval, STREAM_GRACE, DETAILS_GRACE)
"""The longest any unfinished run may go without a read being asked for, while a reader
is free."""
EPSILON = 1e-9


def attempts(n: int) -> tuple[TaskAttemptDetails, ...]:
    return tuple(TaskAttemptDetails(attempt=i, status=TaskRunStatus.RUNNING) for i in range(n))


def run_details(run_id: str, status: str, n_attempts: int) -> TaskRunDetails:
    return TaskRunDetails(
        id=run_id,
        task_id="tsk-x",
        status=TaskRunStatus(status),
        attempts=attempts(n_attempts),
        results=[run_id, status, n_attempts],
    )


def run_status(run_id: str, status: str, n_attempts: int) -> TaskRun:
    return TaskRun(
        id=run_id, task_id="tsk-x", status=TaskRunStatus(status), attempts=attempts(n_attempts)
    )


class WaitMachineModel(RuleBasedStateMachine):
    """The loop and the server around one WaitMachine."""

    @initialize(
        n_runs=st.integers(1, 10),
        readers=st.integers(1, 4),
        batch_limit=st.integers(1, 5),
        strategy=st.sampled_from(["auto", "auto", "events", "poll"]),
        updates=st.booleans(),
        timeout=st.one_of(st.none(), st.floats(1.0, 120.0)),
        url_budget=st.sampled_from([40, 80, 6000]),
        max_stream_failures=st.integers(1, 3),
    )
    def start(
        self,
        n_runs: int,
        readers: int,
        batch_limit: int,
        strategy: str,
        updates: bool,
        timeout: float | None,
        url_budget: int,
        max_stream_failures: int,
    ) -> None:
        self.options = WaitOptions(
            strategy=strategy,
            poll_schedule=SCHEDULE,
            stream_grace=STREAM_GRACE,
            safety_interval=SAFETY,
            details_grace=DETAILS_GRACE,
            readers=readers,
            batch_limit=batch_limit,
            max_url_length=url_budget,
            max_stream_failures=max_stream_failures,
            reconnect_delay=1.0,
            max_reconnect_delay=4.0,
        )
        self.ids = [f"trn-{i}" for i in range(n_runs)]
        self.updates = updates
        self.machine = WaitMachine(self.ids, options=self.options, timeout=timeout, updates=updates)
        self.now = 0.0
        self.deadline = None if timeout is None else timeout
        # The server's truth: status and attempts; a terminal status never changes.
        self.truth: dict[str, tuple[str, int]] = dict.fromkeys(self.ids, ("pending", 0))
        self.requests: list[ReadRun | ReadStatuses] = []
        self.reading: set[str] = set()
        self.streams: dict[int, tuple[tuple[str, ...], str]] = {}
        self.answered: list[Input] = []
        self.finals: dict[str, TaskRunDetails] = {}
        self.confirmed_terminal: set[str] = set()
        """Runs for which a read (single or listed) has seen the true terminal status."""
        self.last_read: dict[str, float] = dict.fromkeys(self.ids, 0.0)
        self.expected_errors: list[Exception] = []
        self.over = False
        self.carry_out(self.machine.start(self.now))

    # --- carrying out effects, and the invariants on each batch of effects --------------------

    def carry_out(self, effects: list[Effect]) -> None:
        if self.over:
            assert effects == [], "a finished machine stays silent"
            return
        assert effects, "every step ends with SleepUntil, Finished or Fail"
        *actions, last = effects
        assert isinstance(last, SleepUntil | Finished | Fail)
        pending = set(self.machine.pending)
        for effect in actions:
            assert not isinstance(effect, SleepUntil | Finished | Fail)
            if isinstance(effect, ReadRun):
                assert effect.run_id in pending, "a read of an unknown or reported run"
                assert effect.run_id not in self.reading, "two reads of one run at once"
                self.reading.add(effect.run_id)
                self.requests.append(effect)
            elif isinstance(effect, ReadStatuses):
                assert 2 <= len(effect.run_ids) <= self.options.batch_limit
                assert len(set(effect.run_ids)) == len(effect.run_ids)
                assert set(effect.run_ids) <= pending
                assert not set(effect.run_ids) & self.reading
                self.reading.update(effect.run_ids)
                self.requests.append(effect)
            elif isinstance(effect, Subscribe):
                assert self.options.strategy != "poll"
                assert effect.run_ids, "a subscription to nothing"
                assert set(effect.run_ids) <= pending
                query = sum(len("taskRunIds=&") + len(i) for i in effect.run_ids)
                assert query <= self.options.max_url_length or len(effect.run_ids) == 1
                state = self.streams.get(effect.stream, ((), "waiting"))[1]
                assert state == "waiting", "subscribed twice without a close"
                self.streams[effect.stream] = (effect.run_ids, "connecting")
            elif isinstance(effect, Unsubscribe):
                assert effect.stream in self.streams
                assert not set(self.streams[effect.stream][0]) & pending
                del self.streams[effect.stream]
            elif isinstance(effect, ReportFinal):
                self.check_final(effect.details)
            elif isinstance(effect, ReportUpdate):
                assert self.updates
                assert not effect.details.is_terminal
                assert effect.details.id in pending, "an update after the final result"
        assert len(self.requests) <= self.options.readers, "more requests than readers"
        if isinstance(last, Finished):
            assert set(self.finals) == set(self.ids)
            self.over = True
        elif isinstance(last, Fail):
            self.over = True
            if isinstance(last.error, WaitTimeoutError):
                assert self.deadline is not None
                assert self.now >= self.deadline
                assert set(last.error.pending) == set(self.ids) - set(self.finals)
            else:
                assert last.error in self.expected_errors, last.error
        else:
            if self.deadline is not None:
                assert self.now < self.deadline, "still sleeping past the deadline"
                assert last.until is not None
                assert last.until <= self.deadline
            if last.until is None:
                assert self.machine.expecting, "sleeping forever with nothing to come"
            else:
                assert last.until > self.now
            self.check_safety_reads()

    def check_final(self, details: TaskRunDetails) -> None:
        run_id = details.id
        assert run_id in self.ids
        assert run_id not in self.finals, "reported final twice"
        assert details.is_terminal
        status, n_attempts = self.truth[run_id]
        # Never final without a read that saw it so: the truth is terminal and the
        # details describe exactly that outcome (not an earlier, retried attempt).
        assert run_id in self.confirmed_terminal, "final without a confirming read"
        assert details.status.value == status
        assert len(details.attempts) == n_attempts
        self.finals[run_id] = details

    def check_safety_reads(self) -> None:
        if len(self.requests) >= self.options.readers:
            return  # every reader is busy: due reads wait for one
        for run_id in self.machine.pending:
            if run_id not in self.reading:
                assert self.now - self.last_read[run_id] <= BOUND + EPSILON, (
                    f"{run_id} unread for {self.now - self.last_read[run_id]}s"
                )

    def feed(self, *inputs: Input) -> None:
        self.carry_out(self.machine.receive(inputs, self.now))

    def truth_details(self, run_id: str) -> TaskRunDetails:
        status, n_attempts = self.truth[run_id]
        if status in TERMINAL:
            self.confirmed_terminal.add(run_id)
        return run_details(run_id, status, n_attempts)

    # --- rules: time, the server, answers, streams --------------------------------------------

    @rule(dt=st.floats(0.0, 15.0))
    def time_passes(self, dt: float) -> None:
        self.now += dt
        self.feed()

    @rule(index=st.integers(0, 9), status=st.sampled_from(TERMINAL + NON_TERMINAL + NON_TERMINAL))
    def server_moves_on(self, index: int, status: str) -> None:
        run_id = self.ids[index % len(self.ids)]
        current, n_attempts = self.truth[run_id]
        if current not in TERMINAL:
            retried = current == "running" and status == "pending"
            self.truth[run_id] = (status, n_attempts + (1 if retried or status in TERMINAL else 0))

    @precondition(lambda self: self.requests)
    @rule(
        index=st.integers(0, 20),
        outcome=st.sampled_from(["ok", "ok", "ok", "transient", "final"]),
        shown=st.lists(st.booleans(), min_size=5, max_size=5),
    )
    def answer_a_request(self, index: int, outcome: str, shown: list[bool]) -> None:
        request = self.requests.pop(index % len(self.requests))
        answer: Input
        if isinstance(request, ReadRun):
            self.reading.discard(request.run_id)
            self.last_read[request.run_id] = self.now
            if outcome == "ok":
                answer = RunRead(request.run_id, self.truth_details(request.run_id))
            elif outcome == "transient":
                answer = RunReadFailed(request.run_id, APIConnectionError("reset"))
            else:
                error = NotFoundError("gone", status_code=404)
                self.expected_errors.append(error)
                answer = RunReadFailed(request.run_id, error)
        else:
            self.reading.difference_update(request.run_ids)
            for run_id in request.run_ids:
                self.last_read[run_id] = self.now
            if outcome == "ok":
                found = {}
                for run_id, listed in zip(request.run_ids, shown * 2, strict=False):
                    if listed:  # a run left out is one the list did not show (a child)
                        found[run_id] = run_status(run_id, *self.truth[run_id])
                        if self.truth[run_id][0] in TERMINAL:
                            self.confirmed_terminal.add(run_id)
                answer = StatusesRead(request.run_ids, found)
            elif outcome == "transient":
                answer = StatusesReadFailed(request.run_ids, APIStatusError("x", status_code=503))
            else:
                answer = StatusesReadFailed(request.run_ids, APIStatusError("x", status_code=400))
        self.answered.append(answer)
        self.feed(answer)

    @precondition(lambda self: self.answered)
    @rule(index=st.integers(0, 50))
    def a_late_duplicate_answer(self, index: int) -> None:
        late = self.answered[index % len(self.answered)]
        pending_before = self.machine.pending
        key = getattr(late, "run_id", None)
        if key is not None and key in self.reading:
            return  # the same run is being read again: that answer is not a duplicate
        if set(getattr(late, "run_ids", ())) & self.reading:
            return
        self.feed(late)
        if not self.over:
            assert self.machine.pending == pending_before, "a duplicate answer changed things"

    @precondition(lambda self: any(s == "connecting" for _, s in self.streams.values()))
    @rule(index=st.integers(0, 20))
    def a_stream_opens(self, index: int) -> None:
        connecting = sorted(k for k, (_, s) in self.streams.items() if s == "connecting")
        stream = connecting[index % len(connecting)]
        self.streams[stream] = (self.streams[stream][0], "open")
        self.feed(StreamOpened(stream))

    @rule(
        events=st.lists(
            st.tuples(
                st.integers(0, 9),
                st.sampled_from(TERMINAL + NON_TERMINAL),
                st.integers(0, 3),
                st.booleans(),
            ),
            min_size=1,
            max_size=6,
        ),
        stream=st.integers(0, 4),
    )
    def a_burst_of_events(self, events: list[tuple[int, str, int, bool]], stream: int) -> None:
        """Events that tell the truth, or lie (any status, any attempt); one batch."""
        inputs: list[Input] = []
        for index, status, n_attempts, truthful in events:
            run_id = self.ids[index % len(self.ids)]
            if truthful:
                details = run_details(run_id, *self.truth[run_id])
            else:
                details = run_details(run_id, status, n_attempts)
            inputs.append(StreamEvent(stream, details))
        self.feed(*inputs)

    @precondition(lambda self: any(s != "waiting" for _, s in self.streams.values()))
    @rule(index=st.integers(0, 20), how=st.sampled_from(["clean", "reset", "refused"]))
    def a_stream_closes(self, index: int, how: str) -> None:
        live = sorted(k for k, (_, s) in self.streams.items() if s != "waiting")
        stream = live[index % len(live)]
        error: Exception | None = None
        if how == "reset":
            error = APIConnectionError("reset")
        elif how == "refused":
            error = NotFoundError("no such run", status_code=404)
        if self.options.strategy == "events":
            self.expected_errors.append(error or APIConnectionError("the events stream ended"))
        self.streams[stream] = (self.streams[stream][0], "waiting")
        effects = self.machine.receive([StreamClosed(stream, error, 500)], self.now)
        if effects and isinstance(effects[-1], Fail) and error is None:
            # The machine made its own error for a stream that ended cleanly.
            assert isinstance(effects[-1].error, APIConnectionError)
            self.expected_errors.append(effects[-1].error)
        self.carry_out(effects)

    @invariant()
    def no_run_is_lost_or_reported_twice(self) -> None:
        if not hasattr(self, "machine"):
            return
        pending = self.machine.pending
        assert not set(pending) & set(self.finals)
        assert set(pending) | set(self.finals) == set(self.ids)

    def teardown(self) -> None:
        """Liveness: once every run is over, carrying out the effects truthfully ends the
        wait within one safety interval (or at the deadline)."""
        if not hasattr(self, "machine") or self.over:
            return
        for run_id in self.ids:
            status, n_attempts = self.truth[run_id]
            if status not in TERMINAL:
                self.truth[run_id] = ("succeeded", n_attempts)
        start = self.now
        for _ in range(200):
            if self.over:
                break
            if self.requests:
                request = self.requests.pop(0)
                if isinstance(request, ReadRun):
                    self.reading.discard(request.run_id)
                    self.last_read[request.run_id] = self.now
                    self.feed(RunRead(request.run_id, self.truth_details(request.run_id)))
                else:
                    self.reading.difference_update(request.run_ids)
                    found = {}
                    for run_id in request.run_ids:
                        self.last_read[run_id] = self.now
                        self.confirmed_terminal.add(run_id)
                        found[run_id] = run_status(run_id, *self.truth[run_id])
                    self.feed(StatusesRead(request.run_ids, found))
                continue
            sleep = self.machine.receive([], self.now)
            self.carry_out(sleep)
            if self.over or self.requests:
                continue
            until = sleep[-1].until if isinstance(sleep[-1], SleepUntil) else None
            if until is None:
                # Only open streams are left to say something: they close quietly.
                live = [k for k, (_, s) in self.streams.items() if s != "waiting"]
                assert live, "waiting for nothing"
                for stream in live:
                    self.streams[stream] = (self.streams[stream][0], "waiting")
                    if self.options.strategy == "events":
                        return  # a closing stream may end an events-only wait with an error
                    self.feed(StreamClosed(stream, None, 500))
                continue
            self.now = until
        assert self.over, "the wait did not end"
        budget = BOUND + self.options.details_grace + 1.0
        assert self.now - start <= budget or (
            self.deadline is not None and self.now >= self.deadline
        )


WaitMachineModel.TestCase.settings = settings(
    max_examples=100, stateful_step_count=40, deadline=None
)
TestWaitMachineModel = WaitMachineModel.TestCase
