"""Make the async run handle awaitable; its blocking twin gets the empty mixin."""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .models import TaskRunDetails

__all__ = ["AsyncResultMixin", "SyncResultMixin"]


class _Waitable(Protocol):
    def wait(self) -> Coroutine[Any, Any, TaskRunDetails]: ...


class AsyncResultMixin:
    """``await handle`` is ``await handle.wait()``."""

    __slots__ = ()

    def __await__(self: _Waitable) -> Generator[Any, None, TaskRunDetails]:
        return self.wait().__await__()


class SyncResultMixin:
    """Nothing to add: a blocking handle is waited on with ``handle.wait()``."""

    __slots__ = ()
