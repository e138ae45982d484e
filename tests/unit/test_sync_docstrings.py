"""The blocking twin's documentation speaks of blocking code, never of asyncio.

codegen rewrites names with unasync and prose with its phrase table; this walks what
users read (``help()``, the API reference): every module of ``render_sdk._sync``, the
public classes and functions defined there with their own methods and properties,
and the public names of ``render_sdk`` that come from the blocking twin.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

import render_sdk
import render_sdk._sync

ASYNC_WORDS = re.compile(
    r"\basyncio\b|\bawait\b|\basync (for|with)\b|\bcoroutines?\b|\bAsync[A-Z]\w*|\bAwaitable\w*",
    re.IGNORECASE,
)


def sync_modules() -> list[ModuleType]:
    package = render_sdk._sync
    names = [info.name for info in pkgutil.iter_modules(package.__path__, package.__name__ + ".")]
    return [package, *(importlib.import_module(name) for name in sorted(names))]


def own_members(cls: type) -> Iterator[tuple[str, Any]]:
    """Methods, properties, class and static methods defined on ``cls`` itself."""
    for name, value in vars(cls).items():
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(value, staticmethod | classmethod):
            value = value.__func__
        if isinstance(value, property) or inspect.isfunction(value):
            yield name, value


def documented_objects() -> Iterator[tuple[str, Any]]:
    seen: set[int] = set()
    roots: list[tuple[str, Any]] = []
    for module in sync_modules():
        roots.append((module.__name__, module))
        for name, value in vars(module).items():
            defined_here = getattr(value, "__module__", None) == module.__name__
            if not name.startswith("_") and defined_here:
                roots.append((f"{module.__name__}.{name}", value))
    for name in render_sdk.__all__:
        value = getattr(render_sdk, name)
        if getattr(value, "__module__", "").startswith("render_sdk._sync"):
            roots.append((f"render_sdk.{name}", value))
    for name, value in roots:
        if id(value) in seen:
            continue
        seen.add(id(value))
        yield name, value
        if inspect.isclass(value):
            for member, attribute in own_members(value):
                yield f"{name}.{member}", attribute


DOCUMENTED = list(documented_objects())


def test_the_walk_finds_the_public_surface_of_the_blocking_twin() -> None:
    names = {name for name, _ in DOCUMENTED}
    for expected in (
        "render_sdk._sync",
        "render_sdk._sync.client.Client",
        "render_sdk._sync.client.Client.with_options",
        "render_sdk._sync.client.Client.base_url",
        "render_sdk._sync.task_run.TaskRun.wait",
        "render_sdk._sync.workflows.WorkflowsService.run_task",
        "render_sdk._sync.event_stream.TaskRunEventStream",
    ):
        assert expected in names


@pytest.mark.parametrize(("name", "obj"), DOCUMENTED, ids=[name for name, _ in DOCUMENTED])
def test_no_docstring_of_the_blocking_twin_speaks_of_asyncio(name: str, obj: Any) -> None:
    doc = inspect.getdoc(obj) if not isinstance(obj, ModuleType) else obj.__doc__
    found = ASYNC_WORDS.findall(doc or "")
    assert not found, f"{name}: {doc!r}"


def test_the_check_would_catch_the_old_wording() -> None:
    for text in (
        "A client of the Render API for asyncio code (FastAPI, async workers).",
        "``wait()`` (or ``await run``) follows the run to its end.",
        "``AsyncClient``: configuration",
        "Use it with async with.",
    ):
        assert ASYNC_WORDS.search(text), text
