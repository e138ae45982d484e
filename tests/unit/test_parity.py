"""Every public method of each async class exists on its blocking twin with the same parameters."""

from __future__ import annotations

import inspect

import pytest

import render_sdk
from render_sdk._async.workflows import AsyncWorkflowsService
from render_sdk._sync.workflows import WorkflowsService

PAIRS = [
    (render_sdk.AsyncClient, render_sdk.Client),
    (AsyncWorkflowsService, WorkflowsService),
    (render_sdk.AwaitableTaskRun, render_sdk.TaskRun),
]
ASYNC_ONLY = {"__await__", "__aenter__", "__aexit__", "aclose"}
SYNC_SPELLING = {"__aenter__": "__enter__", "__aexit__": "__exit__", "aclose": "close"}


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    methods = {}
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") and name not in ASYNC_ONLY | {"__enter__", "__exit__"}:
            continue
        if callable(member):
            methods[name] = inspect.signature(member)
    return methods


@pytest.mark.parametrize(("async_cls", "sync_cls"), PAIRS, ids=lambda cls: cls.__name__)
def test_sync_twin_has_every_public_method_with_the_same_parameters(
    async_cls: type, sync_cls: type
) -> None:
    async_methods = public_methods(async_cls)
    sync_methods = public_methods(sync_cls)

    for name, signature in async_methods.items():
        if name == "__await__":
            continue
        twin = SYNC_SPELLING.get(name, name)
        assert twin in sync_methods, f"{sync_cls.__name__} lacks {twin}"
        assert list(signature.parameters) == list(sync_methods[twin].parameters), name
        for param in signature.parameters.values():
            other = sync_methods[twin].parameters[param.name]
            assert (param.kind, param.default) == (other.kind, other.default), (name, param.name)


def test_async_methods_are_coroutines_and_sync_ones_are_not() -> None:
    assert inspect.iscoroutinefunction(AsyncWorkflowsService.start_task)
    assert not inspect.iscoroutinefunction(WorkflowsService.start_task)
    assert not inspect.iscoroutinefunction(render_sdk.TaskRun.wait)
    assert not hasattr(render_sdk.TaskRun, "__await__")
