"""A FastAPI app: one AsyncClient per app, opened in the lifespan, handed out by Depends.

The client is created inside the running event loop (in the lifespan), never at
import, so every server start and every ``with TestClient(app)`` gets a fresh one.
Tests replace it with ``app.dependency_overrides[get_async_client]``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel

from render_sdk import AsyncClient, RenderError, TaskRunDetails
from render_sdk.contrib.fastapi import get_async_client, open_async_client, render_error_handler

LONGEST_WAIT = 10.0  # seconds a request may wait for a run


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The API key and base URL come from the environment (RENDER_API_KEY, or
    # RENDER_USE_LOCAL_DEV=true for the local server). Short timeouts: a user is waiting.
    async with open_async_client(app, timeout=(3, 10), max_retries=2):
        yield


app = FastAPI(lifespan=lifespan)
# SDK errors a handler does not handle itself become JSON answers (404, 400, 503, ...).
app.add_exception_handler(RenderError, render_error_handler)

Render = Annotated[AsyncClient, Depends(get_async_client)]


class StartRun(BaseModel):
    task: str
    input: list[Any] | dict[str, Any] = []


def _run_json(details: TaskRunDetails) -> dict[str, Any]:
    # The fields this API shows; the full run has more (attempts, timestamps, input).
    return {
        "id": details.id,
        "status": details.status.value,
        "result": details.result,
        "error": details.error,
    }


@app.post("/runs", status_code=202)
async def start_run(body: StartRun, client: Render) -> dict[str, Any]:
    """Start a task and answer at once with the run's id and status."""
    run = await client.workflows.start_task(body.task, body.input)
    return {"id": run.id, "status": run.status.value}


@app.get("/runs/{run_id}")
async def run_status(
    run_id: str, client: Render, wait: Annotated[float | None, Query(ge=0)] = None
) -> dict[str, Any]:
    """A run's status and result; ``?wait=<seconds>`` waits (at most 10 s) for its end."""
    if wait is None:
        details = await client.workflows.get_task_run(run_id)
    else:
        details = await client.workflows.wait_for_task_run(
            run_id, timeout=min(wait, LONGEST_WAIT), raise_on_failure=False
        )
    return _run_json(details)
