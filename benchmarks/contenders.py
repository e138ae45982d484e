"""The three contenders of ``benchmarks/bench.py``, behind one small interface each.

- ``render_sdk``: this SDK (``Client`` / ``AsyncClient``).
- ``official``: Render's official SDK (``render`` on the package index: ``Render`` /
  ``RenderAsync``), configured the way its docs say, by ``RENDER_USE_LOCAL_DEV`` and
  ``RENDER_LOCAL_DEV_URL``.
- ``raw``: the transport with no SDK: ``requests.Session`` (sync) and
  ``httpx.AsyncClient`` (async), JSON decoded with ``.json()``, the events stream read
  and split into lines by hand.

Every adapter does the same work per operation: one call of the contender's public
API, as a user would write it, plus reading one field of the result. Nothing is
tuned per contender; each keeps its defaults.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, Protocol

TERMINAL = frozenset({"succeeded", "completed", "failed", "canceled"})
CONTENDERS = ("render_sdk", "official", "raw")


def _value(status: Any) -> str:
    """A status as a plain string (enums of either SDK, or a str)."""
    return str(getattr(status, "value", status))


class SyncContender(Protocol):
    name: str

    def get_task_run(self, run_id: str) -> str:
        """Read a run; return its status."""

    def run_task(self, slug: str, args: list[Any]) -> str:
        """Start a run and block until it is terminal; return its id."""

    def close(self) -> None: ...


class AsyncContender(Protocol):
    name: str

    async def start_task(self, slug: str, args: list[Any]) -> Any:
        """Start a run; return the contender's handle on it."""

    async def await_run(self, handle: Any) -> str:
        """Wait for the run of ``handle`` to be terminal; return its status."""

    async def aclose(self) -> None: ...


# --- this SDK --------------------------------------------------------------------------------


class OursSync:
    name = "render_sdk"

    def __init__(self, **options: Any) -> None:
        import render_sdk

        self.client = render_sdk.Client(**options)

    def get_task_run(self, run_id: str) -> str:
        return _value(self.client.workflows.get_task_run(run_id).status)

    def run_task(self, slug: str, args: list[Any]) -> str:
        return self.client.workflows.run_task(slug, args).id

    def close(self) -> None:
        self.client.close()


class OursAsync:
    name = "render_sdk"

    def __init__(self, **options: Any) -> None:
        import render_sdk

        self.client = render_sdk.AsyncClient(**options)

    async def start_task(self, slug: str, args: list[Any]) -> Any:
        return await self.client.workflows.start_task(slug, args)

    async def await_run(self, handle: Any) -> str:
        return _value((await handle).status)

    async def wait_all(self, handles: list[Any]) -> list[str]:
        """This SDK's own way to wait for many runs (one events stream for the set)."""
        return [_value(d.status) for d in await self.client.workflows.wait_all(handles)]

    async def aclose(self) -> None:
        await self.client.aclose()


# --- Render's official SDK ---------------------------------------------------------------------


class OfficialSync:
    name = "official"

    def __init__(self) -> None:
        import render

        self.client = render.Render()

    def get_task_run(self, run_id: str) -> str:
        return _value(self.client.workflows.get_task_run(run_id).status)

    def run_task(self, slug: str, args: list[Any]) -> str:
        return str(self.client.workflows.run_task(slug, args).id)

    def close(self) -> None:
        self.client.client.internal.get_httpx_client().close()


class OfficialAsync:
    name = "official"

    def __init__(self) -> None:
        import render

        self.client = render.RenderAsync()

    async def start_task(self, slug: str, args: list[Any]) -> Any:
        return await self.client.workflows.start_task(slug, args)

    async def await_run(self, handle: Any) -> str:
        return _value((await handle).status)

    async def aclose(self) -> None:
        await self.client.client.internal.get_async_httpx_client().aclose()


# --- the raw transport -------------------------------------------------------------------------


def _sse_data(chunks: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    """The JSON ``data:`` payloads of an events stream, as they arrive."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.startswith(b"data:"):
                yield json.loads(line[5:])


class RawSync:
    name = "raw"

    def __init__(self, origin: str) -> None:
        import requests

        self.session = requests.Session()
        self.api = origin.rstrip("/") + "/v1"

    def get_task_run(self, run_id: str) -> str:
        response = self.session.get(f"{self.api}/task-runs/{run_id}", timeout=(5, 30))
        response.raise_for_status()
        return str(response.json()["status"])

    def run_task(self, slug: str, args: list[Any]) -> str:
        started = self.session.post(
            f"{self.api}/task-runs", json={"task": slug, "input": args}, timeout=(5, 30)
        )
        started.raise_for_status()
        run_id = str(started.json()["id"])
        with self.session.get(
            f"{self.api}/task-runs/events",
            params={"taskRunIds": run_id},
            headers={"Accept": "text/event-stream"},
            stream=True,
            timeout=(5, 30),
        ) as events:
            events.raise_for_status()
            for data in _sse_data(events.iter_content(chunk_size=None)):
                if data.get("id") == run_id and data.get("status") in TERMINAL:
                    return run_id
        raise RuntimeError(f"the events stream ended before {run_id} finished")

    def close(self) -> None:
        self.session.close()


class RawAsync:
    name = "raw"

    def __init__(self, origin: str) -> None:
        import httpx

        self.client = httpx.AsyncClient(base_url=origin.rstrip("/") + "/v1", timeout=30)

    async def start_task(self, slug: str, args: list[Any]) -> Any:
        response = await self.client.post("/task-runs", json={"task": slug, "input": args})
        response.raise_for_status()
        return response.json()["id"]

    async def await_run(self, handle: Any) -> str:
        import asyncio

        while True:  # runs that are already finished need one read
            response = await self.client.get(f"/task-runs/{handle}")
            response.raise_for_status()
            status = str(response.json()["status"])
            if status in TERMINAL:
                return status
            await asyncio.sleep(0.05)

    async def aclose(self) -> None:
        await self.client.aclose()


def sync_contenders(origin: str) -> dict[str, Callable[[], SyncContender]]:
    """Constructors of the sync contenders, by name."""
    return {
        "render_sdk": OursSync,
        "official": OfficialSync,
        "raw": lambda: RawSync(origin),
    }


def async_contenders(origin: str) -> dict[str, Callable[[], AsyncContender]]:
    """Constructors of the async contenders, by name."""
    return {
        "render_sdk": OursAsync,
        "official": OfficialAsync,
        "raw": lambda: RawAsync(origin),
    }


# Whole-process start-up: import and construct a client, as an application would.
STARTUP_CODE = {
    "render_sdk": "import render_sdk; render_sdk.Client()",
    "official": "import render; render.Render()",
    "raw": "import requests; requests.Session()",
}
