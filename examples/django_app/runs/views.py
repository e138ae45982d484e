"""JSON views that start task runs and report them.

Nothing here talks to Render at import: ``get_client()`` builds the shared client on
first use, so ``manage.py migrate`` works without an API key.
"""

import json
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST
from render_sdk import TaskRunDetails
from render_sdk.contrib.django import PendingStart, get_client, start_task_on_commit

from .models import Square

SQUARE_TASK = "demo/square"
LONGEST_WAIT = 10.0  # seconds a request may hold a worker while waiting for a run


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _run_json(details: TaskRunDetails) -> dict[str, Any]:
    # The fields this API shows; the full run has more (attempts, timestamps, input).
    return {
        "id": details.id,
        "status": details.status.value,
        "result": details.result,
        "error": details.error,
    }


@require_POST
def create_square(request: HttpRequest) -> JsonResponse:
    """Save a Square and start its run when the transaction commits (never on rollback)."""
    number = _body(request).get("number")
    if isinstance(number, bool) or not isinstance(number, int):
        return JsonResponse({"error": "invalid_argument", "message": "number: an int"}, status=400)
    with transaction.atomic():
        square = Square.objects.create(number=number)
        pending = start_task_on_commit(SQUARE_TASK, [number], idempotency_key=str(square.start_key))
        # Runs after the start (callbacks run in order), once the outermost commit is done.
        transaction.on_commit(lambda: _record_run(square, pending))
    # A start that failed after the commit was logged; the Square keeps its start_key, so
    # it can be started again without ever starting it twice.
    return JsonResponse({"square": square.pk, "run": square.run_id or None}, status=202)


def _record_run(square: Square, pending: PendingStart) -> None:
    if pending.started:
        square.run_id = pending.run.id
        square.save(update_fields=["run_id"])


@require_GET
def square_status(request: HttpRequest, pk: int) -> JsonResponse:
    """A Square with its run's status and result (``run`` is null until it has started)."""
    square = get_object_or_404(Square, pk=pk)
    run = _run_json(get_client().workflows.get_task_run(square.run_id)) if square.run_id else None
    return JsonResponse({"square": square.pk, "number": square.number, "run": run})


@require_POST
def start_run(request: HttpRequest) -> JsonResponse:
    """Start any task: ``{"task": "workflow/task", "input": [...]}``; answers at once."""
    body = _body(request)
    # A bad identifier or input raises InvalidArgumentError: the middleware answers 400.
    run = get_client().workflows.start_task(body.get("task"), body.get("input"))
    return JsonResponse({"id": run.id, "status": run.status.value}, status=202)


@require_GET
def run_status(request: HttpRequest, run_id: str) -> JsonResponse:
    """A run's status and result; ``?wait=<seconds>`` waits (at most 10 s) for its end.

    A run still going after the wait is answered 202 with its last status.
    """
    workflows = get_client().workflows
    wait = request.GET.get("wait")
    if wait is None:
        details = workflows.get_task_run(run_id)
    else:
        try:
            seconds = min(float(wait), LONGEST_WAIT)
        except ValueError:
            return JsonResponse(
                {"error": "invalid_argument", "message": "wait: a number of seconds"},
                status=400,
            )
        details = workflows.wait_for_task_run(run_id, timeout=seconds, raise_on_failure=False)
    return JsonResponse(_run_json(details))
