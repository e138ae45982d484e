"""The Python examples of the guides run, as written, against the local server.

Task names of the examples are mapped to the demo workflow's tasks; nothing else in
the code is changed. Blocks run in order and share their names, as a reader would
type them one after the other; blocks that ``await`` run on one event loop.
"""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from render_sdk import AsyncClient, Client
from render_sdk.local import LocalServer

pytestmark = [pytest.mark.integration]

DOCS = Path(__file__).resolve().parents[2] / "docs"

#: Example task -> demo task with the same arguments.
TASKS = {
    "my-workflow/calculate_square": "demo/square",
    "my-workflow/square": "demo/square",
    "my-workflow/fail": "demo/fail",
}


def python_blocks(page: str) -> list[str]:
    """The ```python blocks of a docs page, with the example tasks mapped to the demo."""
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    for example, demo in TASKS.items():
        blocks = [block.replace(example, demo) for block in blocks]
    return [block.replace("range(100)", "range(4)") for block in blocks]


def is_async(block: str) -> bool:
    return re.search(r"\bawait\b|\basync (with|for)\b", block) is not None


def uses_renders_sdk(block: str) -> bool:
    """Blocks that show Render's own SDK (``render``), which this test does not install."""
    return re.search(r"^from render(\.\w+)* import", block, flags=re.M) is not None


def run_blocks(blocks: list[str], namespace: dict[str, Any], page: str) -> None:
    """Run the blocks: blocking ones in ``namespace``, asyncio ones in a namespace of theirs."""
    loop = asyncio.new_event_loop()
    async_client: AsyncClient | None = None
    async_scope: dict[str, Any] = {}
    try:
        for index, block in enumerate(blocks):
            name = f"{page} block {index + 1}"
            code = compile(block, name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            if not is_async(block):
                exec(code, namespace)  # the docs' own examples
                continue
            if "AsyncClient(" not in block:
                # A block that continues an asyncio example uses an open asyncio client.
                if async_client is None:
                    async_client = AsyncClient()
                async_scope["client"] = async_client
            coroutine = eval(code, async_scope)
            if coroutine is not None:
                loop.run_until_complete(coroutine)
    finally:
        if async_client is not None:
            loop.run_until_complete(async_client.aclose())
        loop.close()


def test_every_example_of_the_waiting_guide_runs(
    local_server: LocalServer, clean_render_env: pytest.MonkeyPatch
) -> None:
    clean_render_env.setenv("RENDER_LOCAL_DEV_URL", local_server.base_url)
    blocks = python_blocks("waiting.md")
    assert len(blocks) >= 10
    namespace: dict[str, Any] = {"client": Client()}  # the reader's client
    try:
        run_blocks(blocks, namespace, "waiting.md")
    finally:
        namespace["client"].close()
    assert namespace["details"].result == 25  # the last sync block's "One run" example
    assert all(details.succeeded for details in namespace["results"])


def test_every_example_of_this_sdk_in_the_migration_guide_runs(
    local_server: LocalServer, clean_render_env: pytest.MonkeyPatch
) -> None:
    clean_render_env.setenv("RENDER_LOCAL_DEV_URL", local_server.base_url)
    blocks = python_blocks("migrating.md")
    ours = [block for block in blocks if not uses_renders_sdk(block)]
    theirs = [block for block in blocks if uses_renders_sdk(block)]
    assert len(ours) == 4
    assert len(theirs) == 3
    for index, block in enumerate(theirs):  # Render's examples at least parse
        compile(
            block, f"migrating.md Render block {index + 1}", "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        )
    namespace: dict[str, Any] = {}
    try:
        run_blocks(ours, namespace, "migrating.md")
    finally:
        if "client" in namespace:
            namespace["client"].close()
    assert namespace["details"].result == 25
