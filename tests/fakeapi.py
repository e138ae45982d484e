"""A scripted stand-in for the API, for client tests that use the mock transports."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from render_sdk._transport.base import HTTPRequest, HTTPResponse
from render_sdk.testing import json_response
from render_sdk.testing.transport import Recorded

Reply = HTTPResponse | BaseException | Callable[[HTTPRequest], "HTTPResponse | BaseException"]


def run_json(run_id: str = "trn-1", status: str = "pending", **extra: Any) -> dict[str, Any]:
    """A TaskRun body as the API sends it."""
    body: dict[str, Any] = {
        "id": run_id,
        "taskId": "tsk-abc",
        "status": status,
        "parentTaskRunId": "",
        "rootTaskRunId": run_id,
        "retries": 0,
        "attempts": [],
    }
    body.update(extra)
    return body


def details_json(
    run_id: str = "trn-1", status: str = "succeeded", results: Any = None, **extra: Any
) -> dict[str, Any]:
    """A TaskRunDetails body as the API sends it."""
    body = run_json(run_id, status, results=[25] if results is None else results, input=[5])
    body.update(extra)
    return body


def task_json(task_id: str = "tsk-abc", name: str = "square") -> dict[str, Any]:
    """A Task body."""
    return {"id": task_id, "name": name, "createdAt": "2026-01-02T03:04:05Z", "workflowId": "wf-1"}


class FakeAPI:
    """Routes requests to scripted replies; each route replays its last reply forever."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], list[Reply]]] = []
        self.calls: dict[str, int] = defaultdict(int)

    def on(self, method: str, path: str, *replies: Reply) -> FakeAPI:
        """Answer ``method path`` (a regex on the URL path) with ``replies`` in order."""
        self._routes.append((method, re.compile(path + "$"), list(replies)))
        return self

    def __call__(self, request: HTTPRequest) -> Reply:
        path = Recorded(request).path
        for method, pattern, replies in self._routes:
            if method == request.method and pattern.match(path):
                key = f"{method} {pattern.pattern}"
                index = self.calls[key]
                self.calls[key] += 1
                reply = replies[min(index, len(replies) - 1)]
                return reply(request) if callable(reply) else reply
        return json_response(404, {"message": f"no route for {request.method} {path}"})

    def list_by_root(self, request: HTTPRequest) -> HTTPResponse | BaseException:
        """Answer ``GET /v1/task-runs?rootTaskRunId=...`` from each run's own GET route.

        Every listed run advances its route's script exactly as a GET of it would.
        """
        query = parse_qsl(urlsplit(request.url).query)
        rows = []
        for key, run_id in query:
            if key != "rootTaskRunId":
                continue
            get = HTTPRequest(
                "GET", f"https://fake/v1/task-runs/{run_id}", {}, None, request.timeout
            )
            reply = self(get)
            if isinstance(reply, BaseException):
                return reply
            if reply.status_code == 200:
                rows.append({"taskRun": json.loads(reply.content), "cursor": run_id})
        return json_response(200, rows)
