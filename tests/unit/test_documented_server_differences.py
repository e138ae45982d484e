"""The docs promise only what every server does; where servers differ, they say so."""

from __future__ import annotations

import pytest

import render_sdk.contrib.http
from render_sdk import AsyncClient, Client

TWINS = [Client, AsyncClient]


def workflows_method(client: type, name: str) -> str:
    doc = getattr(_service_class(client), name).__doc__
    assert doc
    return " ".join(doc.split())


def _service_class(client: type) -> type:
    from render_sdk._async.workflows import AsyncWorkflowsService
    from render_sdk._sync.workflows import WorkflowsService

    return WorkflowsService if client is Client else AsyncWorkflowsService


@pytest.mark.parametrize("client", TWINS, ids=lambda c: c.__name__)
def test_cancel_does_not_promise_a_409_for_a_finished_run(client: type) -> None:
    doc = workflows_method(client, "cancel_task_run")
    assert "ConflictError if it already has" not in doc
    assert "documents no answer" in doc
    assert "CLI dev server answers 500" in doc
    assert "local server answers 409" in doc


@pytest.mark.parametrize("client", TWINS, ids=lambda c: c.__name__)
def test_start_many_says_never_twice_relies_on_the_server_honouring_keys(client: type) -> None:
    doc = workflows_method(client, "start_many")
    assert "relies on the server honouring idempotency keys" in doc
    assert "CLI dev server ignores them" in doc
    assert "a random prefix cannot be repeated" in doc


def test_the_http_error_table_does_not_use_a_finished_cancel_as_the_api_409() -> None:
    doc = render_sdk.contrib.http.__doc__ or ""
    assert "e.g. canceling a finished run" not in doc
    assert "Render documents none for task runs" in doc
