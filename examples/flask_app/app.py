"""A Flask app (application factory) that starts task runs and reports them.

``render`` is created at import without an app; ``create_app`` configures it with
``init_app``. Each app gets its own ``Client``, made on first use from ``app.config``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, request

from render_sdk import TaskRunDetails
from render_sdk.contrib.flask import RenderWorkflows

# handle_errors: SDK errors a view does not handle itself become JSON answers.
render = RenderWorkflows(handle_errors=True)
runs = Blueprint("runs", __name__)

LONGEST_WAIT = 10.0  # seconds a request may hold a worker while waiting for a run


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides the defaults (tests pass the server's URL)."""
    app = Flask(__name__)
    # Requests made inside a view should give up quickly: a user is waiting. The API
    # key comes from RENDER_API_KEY in the environment (none is needed for the local
    # server with RENDER_USE_LOCAL_DEV=true).
    app.config.from_mapping(RENDER_TIMEOUT=(3, 10), RENDER_MAX_RETRIES=2)
    app.config.update(config or {})
    render.init_app(app)
    app.register_blueprint(runs)
    return app


def _run_json(details: TaskRunDetails) -> dict[str, Any]:
    # The fields this API shows; the full run has more (attempts, timestamps, input).
    return {
        "id": details.id,
        "status": details.status.value,
        "result": details.result,
        "error": details.error,
    }


@runs.post("/runs")
def start_run() -> tuple[dict[str, Any], int]:
    """Start a task: ``{"task": "workflow/task", "input": [...]}``; answers at once."""
    body = request.get_json(silent=True) or {}
    run = render.client.workflows.start_task(body.get("task"), body.get("input"))
    return {"id": run.id, "status": run.status.value}, 202


@runs.get("/runs/<run_id>")
def run_status(run_id: str) -> tuple[dict[str, Any], int]:
    """A run's status and result; ``?wait=<seconds>`` waits (at most 10 s) for its end."""
    wait = request.args.get("wait", type=float)
    workflows = render.client.workflows
    if wait is None:
        details = workflows.get_task_run(run_id)
    else:
        details = workflows.wait_for_task_run(
            run_id, timeout=min(wait, LONGEST_WAIT), raise_on_failure=False
        )
    return _run_json(details), 200
