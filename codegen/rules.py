"""The codegen table: which folders are rewritten, and which names become which.

This module is data only. Edit it when the async source grows a name that
unasync would not rewrite correctly on its own.

How unasync 0.6.0 rewrites (so you know what needs an entry here):

* ``async`` / ``await`` are dropped; ``__aenter__``, ``__aexit__``,
  ``__aiter__``, ``__anext__``, ``AsyncIterator``, ``AsyncIterable``,
  ``AsyncGenerator``, ``asynccontextmanager`` and ``StopAsyncIteration`` are
  mapped by the library itself.
* Any other name ``Async[A-Z]...`` becomes ``Sync...`` unless it is a key
  below: add ``"AsyncThing": "Thing"`` to get ``Thing`` instead.
* Matching is one token at a time. A key must be a single Python name:
  ``asyncio.sleep`` can never match, so the async code calls a shim with a
  plain name (``async_sleep``) and the table maps it (``sync_sleep``).
* ``aclose``, ``aread``, ``anext``, ``aiter``, ``Awaitable...`` and anything
  from asyncio are not known to the library: each needs its own entry.
* A string literal is rewritten only when its whole content is one name
  (``"AsyncClient"`` as a forward reference); names inside docstrings,
  f-strings and longer strings are left alone.

``python -m codegen --check`` fails when a key below matches no token in any
source folder, so remove entries when the code that used them goes away.

Words are not names: unasync leaves docstrings and comments as they are, so the
async source's prose would describe the blocking twin as asyncio code. ``PHRASES``
is the reviewed vocabulary that rewrites them (in strings and comments only), and
``--check`` fails on a phrase that no longer occurs, like on an unused key. Prefer
wording true for both twins in the source; add a phrase when it cannot be.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

#: (source folder, generated folder), relative to the repository root.
#: Every ``*.py`` file under a source folder gets a twin at the same relative
#: path under its generated folder; any other file there is an orphan.
DIRECTORIES: Final[tuple[tuple[str, str], ...]] = (
    ("render_sdk/_async", "render_sdk/_sync"),
    ("tests/_async", "tests/_sync"),
)

#: Token replacements (unasync ``additional_replacements``), one table for
#: every folder pair. Keep it sorted within each group.
REPLACEMENTS: Final[Mapping[str, str]] = {
    # Classes whose blocking twin drops the prefix (the fallback would give
    # SyncClient, SyncHTTPTransport, ...).
    "AsyncAPIClient": "APIClient",
    "AsyncClient": "Client",
    "AsyncClientOptions": "ClientOptions",
    "AsyncClock": "Clock",
    "AsyncFakeClock": "FakeClock",
    "AsyncMockTransport": "MockTransport",
    "AsyncHTTPTransport": "HTTPTransport",
    "AsyncLogStream": "LogStream",
    "AsyncLogsService": "LogsService",
    "AsyncStreamResponse": "StreamResponse",
    "AsyncSystemClock": "SystemClock",
    "AsyncTaskRunEventStream": "TaskRunEventStream",
    "AsyncWorkflowsService": "WorkflowsService",
    "AwaitableTaskRun": "TaskRun",
    # Methods and functions with an async spelling.
    "aclose": "close",
    "aclosing": "closing",
    "create_async_transport": "create_sync_transport",
    "open_async_websocket": "open_websocket",
}

#: (async wording, blocking wording), applied in this order to every string literal
#: and comment of the generated files. Longer phrases come before the shorter ones
#: they contain.
PHRASES: Final[tuple[tuple[str, str], ...]] = (
    (
        "The asyncio client: the hand-written source of truth that codegen turns into ``_sync``.",
        "The blocking client, generated from ``_async`` by codegen (never edited by hand).",
    ),
    ("asyncio code (FastAPI, async workers)", "blocking code (Django, Flask, scripts)"),
    ("``wait()`` (or ``await run``)", "``wait()``"),
    ("``AsyncClient``", "``Client``"),
)
