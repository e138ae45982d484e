# This file is generated from render_sdk/_async/workflows.py by codegen — do not edit.
"""``client.workflows``: start task runs, read, list, cancel and wait for them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from typing import Any, TypeVar

import attrs

from .. import _api, models
from .._checks import check_int, check_seconds
from .._concurrency import SyncFanOut
from .._identifiers import parse_task_identifier, validate_task_id, validate_task_run_id
from .._inputs import encode_json, validate_input
from .._outcome import check_outcome
from .._waitstate import ReportFinal, ReportUpdate, WaitOptions
from ..errors import (
    APIResponseValidationError,
    InvalidArgumentError,
    InvalidInputError,
    StartManyError,
)
from ..models import Task, TaskRunDetails
from ._base import APIClient
from .event_stream import TaskRunEventStream
from .logs import LogStream, follow_task_run_logs, resolve_owner
from .task_run import TaskRun
from .waiting import follow_runs, read_run

__all__ = ["WorkflowsService"]

T = TypeVar("T")
R = TypeVar("R")

_MAX_IDEMPOTENCY_KEY = 255
DEFAULT_MAX_IN_FLIGHT = 8
"""Starts of ``start_many`` in flight at once, unless told otherwise."""
MAX_IN_FLIGHT = 256


def _inputs_list(inputs: object) -> list[Any]:
    if isinstance(inputs, str | bytes | Mapping) or not isinstance(inputs, Iterable):
        raise InvalidArgumentError(
            "inputs must be a list of task inputs (each a list or a dict), "
            f"got {type(inputs).__name__}"
        )
    return list(inputs)


def _key_prefix(prefix: object, count: int) -> str:
    if prefix is None:
        return uuid.uuid4().hex
    room = _MAX_IDEMPOTENCY_KEY - len(f"-{max(count - 1, 0)}")
    if not isinstance(prefix, str) or not prefix.strip() or len(prefix) > room:
        raise InvalidArgumentError(
            f"idempotency_key_prefix must be a non-empty string of at most {room} characters "
            f"(keys are the prefix, '-' and the input's index), got {prefix!r}"
        )
    return prefix


def _validate_idempotency_key(key: object) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > _MAX_IDEMPOTENCY_KEY:
        raise InvalidArgumentError(
            "idempotency_key must be a non-empty string of at most "
            f"{_MAX_IDEMPOTENCY_KEY} characters, got {key!r}"
        )
    return key


def _slug_filter(task: str | Iterable[str] | None) -> list[str]:
    if task is None:
        return []
    slugs = [task] if isinstance(task, str) else list(task)
    for slug in slugs:
        if parse_task_identifier(slug).kind != "slug":
            raise InvalidArgumentError(
                f"task filters take task slugs ('workflow-slug/task-name'), got task ID {slug!r}"
            )
    return slugs


class WorkflowsService:
    """Task runs of Render Workflows: ``client.workflows``."""

    def __init__(self, api: APIClient, *, wait_options: WaitOptions, max_input_bytes: int) -> None:
        self._api = api
        self._wait_options = wait_options
        self._max_input_bytes = max_input_bytes

    def __repr__(self) -> str:
        return f"<{type(self).__name__} api_url={self._api.config.api_url!r}>"

    def _handle(self, run: models.TaskRun) -> TaskRun:
        fields = {field.name: getattr(run, field.name) for field in attrs.fields(models.TaskRun)}
        return TaskRun(**fields, workflows=self)

    def start_task(
        self,
        task_identifier: str,
        input_data: Sequence[Any] | dict[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> TaskRun:
        """Start a run of a task and return at once with the run's id and status.

        ``task_identifier`` is a slug ``workflow-slug/task-name`` (optionally
        ``:version``) or a task ID ``tsk-...``; ``input_data`` is a list (positional
        arguments) or a dict (keyword arguments), ``[]`` for none. Both are checked
        before anything is sent. The start carries an idempotency key (yours, or one
        made for this call) so retries can never start a second run.
        """
        task = parse_task_identifier(task_identifier)
        payload = validate_input(input_data)
        key = str(uuid.uuid4()) if idempotency_key is None else idempotency_key
        key = _validate_idempotency_key(key)
        return self._post_start(self._start_body(task.value, payload, key, "input_data"))

    def _start_body(self, task: str, payload: object, key: str, path: str) -> bytes:
        body = encode_json({"task": task, "input": payload, "idempotencyKey": key})
        if len(body) > self._max_input_bytes:
            raise InvalidInputError(
                f"{path} encodes to {len(body)} bytes, over the limit of "
                f"{self._max_input_bytes} (set max_input_bytes on the client to change it)",
                path=path,
            )
        return body

    def _post_start(self, body: bytes) -> TaskRun:
        response, url = self._api.request("POST", "/task-runs", body=body)
        run = _api.decode_model(response, models.TaskRun, "POST", url)
        return self._handle(run)

    def start_many(
        self,
        task_identifier: str,
        inputs: Sequence[Sequence[Any] | dict[str, Any]],
        *,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        idempotency_key_prefix: str | None = None,
    ) -> list[TaskRun]:
        """Start one run of a task per input, at the API's pace; return the runs in order.

        Every input (a list or dict, as for ``start_task``) is checked before anything is
        sent; an error names the input, e.g. ``inputs[3][0]``. At most ``max_in_flight``
        starts are in flight at once. Input ``i`` carries the idempotency key
        ``f"{idempotency_key_prefix}-{i}"`` (a random prefix when none is given), so
        calling again with the same prefix and inputs starts nothing twice: it returns the
        runs already started and starts only the missing ones. That relies on the server
        honouring idempotency keys, as Render's API does (for 24 hours, per workflow) and
        this SDK's local server does; Render's CLI dev server ignores them, so there a
        repeated call starts every input again. If some starts still fail
        after their retries, StartManyError carries the runs that did start and the
        error of each failed input by index.

        If the call is interrupted (Ctrl-C, a cancelled task), no further start is sent:
        the starts in flight end, then the interruption propagates, and which inputs were
        started is not known. Only a call that passed ``idempotency_key_prefix`` can be
        repeated safely to start the rest: a random prefix cannot be repeated, so choose
        and keep a prefix whenever a batch may have to be resumed.
        """
        task = parse_task_identifier(task_identifier)
        limit = check_int("max_in_flight", max_in_flight, minimum=1, maximum=MAX_IN_FLIGHT)
        items = _inputs_list(inputs)
        prefix = _key_prefix(idempotency_key_prefix, len(items))
        bodies = [
            self._start_body(
                task.value, validate_input(item, f"inputs[{i}]"), f"{prefix}-{i}", f"inputs[{i}]"
            )
            for i, item in enumerate(items)
        ]

        def start(index: int, body: bytes) -> TaskRun:
            return self._post_start(body)

        outcomes = SyncFanOut(limit).map(start, bodies)
        errors = {i: o for i, o in enumerate(outcomes) if isinstance(o, Exception)}
        runs = [None if isinstance(o, Exception) else o for o in outcomes]
        if errors:
            first = min(errors)
            raise StartManyError(
                f"{len(errors)} of {len(items)} starts of {task.value} failed (first: "
                f"inputs[{first}]: {errors[first]}); {len(items) - len(errors)} started. "
                f"Call again with idempotency_key_prefix={prefix!r} to retry the failed ones "
                "without starting the others twice",
                runs=runs,
                errors=errors,
            )
        return [run for run in runs if isinstance(run, TaskRun)]

    def run_task(
        self,
        task_identifier: str,
        input_data: Sequence[Any] | dict[str, Any],
        *,
        timeout: float | None = None,
        raise_on_failure: bool = True,
        idempotency_key: str | None = None,
    ) -> TaskRunDetails:
        """Start a run and wait for it to finish; return its details.

        Raises TaskRunFailedError / TaskRunCanceledError if it does not succeed (unless
        ``raise_on_failure`` is False), and WaitTimeoutError after ``timeout`` seconds
        (the run is left running).
        """
        timeout = check_seconds("timeout", timeout)
        run = self.start_task(task_identifier, input_data, idempotency_key=idempotency_key)
        return self.wait_for_task_run(run.id, timeout=timeout, raise_on_failure=raise_on_failure)

    def get_task_run(self, task_run_id: str) -> TaskRunDetails:
        """Read a run's details: status, attempts, input, results and error."""
        return read_run(self._api, validate_task_run_id(task_run_id), None)

    def wait_for_task_run(
        self,
        task_run_id: str,
        *,
        timeout: float | None = None,
        raise_on_failure: bool = True,
    ) -> TaskRunDetails:
        """Wait until the run is succeeded, failed or canceled, and return its details.

        Raises TaskRunFailedError / TaskRunCanceledError unless ``raise_on_failure`` is
        False, and WaitTimeoutError after ``timeout`` seconds (the run is left alone).
        """
        run_id = validate_task_run_id(task_run_id)
        timeout = check_seconds("timeout", timeout)
        follow = follow_runs(self._api, [run_id], timeout=timeout, options=self._wait_options)
        with closing(follow) as finished:
            for report in finished:
                details = report.details
                return check_outcome(details) if raise_on_failure else details
        raise AssertionError("follow_runs ended without a result")  # pragma: no cover

    def wait_all(
        self,
        runs: Iterable[str | models.TaskRun],
        *,
        timeout: float | None = None,
        raise_on_failure: bool = False,
    ) -> list[TaskRunDetails]:
        """Wait for every run (IDs or run objects) and return their details in the same order.

        One events stream serves the whole set (a few when the IDs would not fit in one
        URL). Failed and canceled runs are returned like the others unless
        ``raise_on_failure`` is True. WaitTimeoutError at the deadline lists the
        unfinished runs in ``pending``.
        """
        run_ids = _run_ids(runs)
        timeout = check_seconds("timeout", timeout)
        results: dict[str, TaskRunDetails] = {}
        follow = follow_runs(
            self._api, list(dict.fromkeys(run_ids)), timeout=timeout, options=self._wait_options
        )
        with closing(follow) as finished:
            for report in finished:
                details = report.details
                results[details.id] = check_outcome(details) if raise_on_failure else details
        return [results[run_id] for run_id in run_ids]

    def as_completed(
        self,
        runs: Iterable[str | models.TaskRun],
        *,
        timeout: float | None = None,
        raise_on_failure: bool = False,
    ) -> TaskRunEventStream:
        """Iterate over the runs' final details in the order they finish.

        Like ``wait_all``, over one events stream; WaitTimeoutError at the deadline.
        """
        run_ids = list(dict.fromkeys(_run_ids(runs)))
        timeout = check_seconds("timeout", timeout)
        return TaskRunEventStream(
            _finished_only(
                follow_runs(self._api, run_ids, timeout=timeout, options=self._wait_options),
                raise_on_failure,
            )
        )

    def task_run_events(
        self, task_run_ids: str | Iterable[str], *, timeout: float | None = None
    ) -> TaskRunEventStream:
        """Iterate over updates of one or many runs until every one has finished.

        Yields TaskRunDetails: each run's state when first read, updates as the events
        stream reports them, and each run's final details once a read confirms them. Use
        it as a context manager, or break out of the loop, to close its connection early.
        """
        ids = [task_run_ids] if isinstance(task_run_ids, str) else list(task_run_ids)
        run_ids = list(dict.fromkeys(_run_ids(ids)))
        timeout = check_seconds("timeout", timeout)
        return TaskRunEventStream(
            follow_runs(
                self._api, run_ids, timeout=timeout, options=self._wait_options, updates=True
            )
        )

    def task_run_logs(
        self,
        task_run_id: str,
        *,
        follow: bool = False,
        timeout: float | None = None,
        owner_id: str | None = None,
    ) -> LogStream:
        """Iterate over a run's log lines (``LogEntry``), oldest first.

        The run's workflow is found through its task; ``owner_id`` (default
        ``RENDER_WORKSPACE_ID``) is needed by Render's API, not by a local server. With
        ``follow=True`` new lines keep coming until the run has finished and its last
        lines are in, over a WebSocket when the ``websocket`` extra is installed (else,
        or if it fails, by polling). WaitTimeoutError after ``timeout`` seconds.
        """
        run_id = validate_task_run_id(task_run_id)
        timeout = check_seconds("timeout", timeout)
        if not isinstance(follow, bool):
            raise InvalidArgumentError(f"follow must be True or False, got {follow!r}")
        owner = resolve_owner(self._api, owner_id)
        return LogStream(
            follow_task_run_logs(
                self._api,
                run_id,
                owner_id=owner,
                follow=follow,
                timeout=timeout,
                poll_schedule=self._wait_options.poll_schedule,
            )
        )

    def cancel_task_run(self, task_run_id: str) -> None:
        """Cancel a run that has not finished.

        What canceling a finished run raises depends on the server: Render's API documents
        no answer for it (its documented errors are 400, 401, 403, 404, 429, 500 and 503),
        Render's CLI dev server answers 500 (InternalServerError once retries are used up),
        and this SDK's local server answers 409 (ConflictError). Do not read any of these
        as "already finished": read the run's status instead.
        """
        path = "/task-runs/" + _api.path_segment(validate_task_run_id(task_run_id))
        self._api.request("DELETE", path)

    def list_task_runs(
        self,
        *,
        task: str | Iterable[str] | None = None,
        root_task_run_id: str | Iterable[str] | None = None,
        workflow_id: str | Iterable[str] | None = None,
        workflow_version_id: str | Iterable[str] | None = None,
        owner_id: str | Iterable[str] | None = None,
        limit: int = _api.DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Iterator[TaskRun]:
        """Iterate over task runs, newest first, fetching pages lazily.

        Filters take one value or several (``task`` takes task slugs). ``limit`` is the
        page size (1-100); ``max_items`` stops the iteration after that many runs.
        """
        params = _api.list_params(
            limit=_api.validate_limit(limit),
            repeated={
                "taskSlug": _slug_filter(task),
                "rootTaskRunId": root_task_run_id,
                "workflowId": workflow_id,
                "workflowVersionId": workflow_version_id,
            },
            joined={"ownerId": owner_id},
        )
        return self._paginate(
            "/task-runs",
            params,
            "taskRun",
            models.TaskRun,
            self._handle,
            limit,
            _api.validate_max_items(max_items),
        )

    def list_tasks(
        self,
        *,
        task: str | Iterable[str] | None = None,
        workflow_id: str | Iterable[str] | None = None,
        workflow_version_id: str | Iterable[str] | None = None,
        owner_id: str | Iterable[str] | None = None,
        limit: int = _api.DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Iterator[Task]:
        """Iterate over registered tasks, fetching pages lazily (filters as list_task_runs)."""
        params = _api.list_params(
            limit=_api.validate_limit(limit),
            repeated={
                "taskSlug": _slug_filter(task),
                "workflowId": workflow_id,
                "workflowVersionId": workflow_version_id,
            },
            joined={"ownerId": owner_id},
        )
        return self._paginate(
            "/tasks", params, "task", Task, _identity, limit, _api.validate_max_items(max_items)
        )

    def get_task(self, task_id: str) -> Task:
        """Read one task by its ID (``tsk-...``)."""
        path = "/tasks/" + _api.path_segment(validate_task_id(task_id))
        response, url = self._api.request("GET", path)
        return _api.decode_model(response, Task, "GET", url)

    def _paginate(
        self,
        path: str,
        params: list[tuple[str, str]],
        key: str,
        cls: type[T],
        wrap: Callable[[T], R],
        limit: int,
        max_items: int | None,
    ) -> Iterator[R]:
        cursor: str | None = None
        seen_cursors: set[str] = set()
        yielded = 0
        while max_items is None or yielded < max_items:
            page_params = params if cursor is None else [*params, ("cursor", cursor)]
            response, url = self._api.request("GET", path, params=page_params)
            page = _api.decode_page(response, key, cls, "GET", url)
            for item, _ in page:
                if max_items is not None and yielded >= max_items:
                    return
                yield wrap(item)
                yielded += 1
            if len(page) < limit:
                return
            cursor = page[-1][1]
            if cursor is None:
                return
            if cursor in seen_cursors:
                raise APIResponseValidationError(
                    f"GET {path} returned cursor {cursor!r} twice; stopping to avoid a loop",
                    status_code=response.status_code,
                    method="GET",
                    url=url,
                )
            seen_cursors.add(cursor)


def _identity(item: T) -> T:
    return item


def _run_ids(runs: Iterable[str | models.TaskRun]) -> list[str]:
    if isinstance(runs, str | bytes) or not isinstance(runs, Iterable):
        raise InvalidArgumentError(
            f"expected a list of task run IDs or runs, got {type(runs).__name__}"
        )
    run_ids = [validate_task_run_id(getattr(run, "id", run)) for run in runs]
    if not run_ids:
        raise InvalidArgumentError("expected at least one task run ID or run, got none")
    return run_ids


def _finished_only(
    follow: Generator[ReportUpdate | ReportFinal, None], raise_on_failure: bool
) -> Generator[ReportUpdate | ReportFinal, None]:
    with closing(follow) as finished:
        for report in finished:
            details = report.details
            yield ReportFinal(check_outcome(details) if raise_on_failure else details)
