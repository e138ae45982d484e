"""Build the default transport of each twin, importing its HTTP library only when needed."""

from __future__ import annotations

from .base import AsyncHTTPTransport, HTTPTransport

__all__ = ["create_async_transport", "create_sync_transport"]


def create_sync_transport() -> HTTPTransport:
    """A pooled requests transport (requests is a core dependency)."""
    from .requests_transport import RequestsTransport

    return RequestsTransport()


def create_async_transport() -> AsyncHTTPTransport:
    """A pooled httpx transport; httpx comes with the ``async`` extra."""
    try:
        from .httpx_transport import HttpxTransport
    except ImportError as exc:  # pragma: no cover - depends on the environment
        from ..errors import ConfigurationError

        raise ConfigurationError(
            "AsyncClient needs httpx: pip install 'render-workflows-sdk[async]'"
        ) from exc
    return HttpxTransport()
