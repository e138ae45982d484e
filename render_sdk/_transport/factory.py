"""Build the default transport of each twin, importing its HTTP library only when needed."""

from __future__ import annotations

from .base import AsyncHTTPTransport, HTTPTransport

__all__ = ["create_async_transport", "create_sync_transport"]


def create_sync_transport() -> HTTPTransport:
    """A pooled urllib3 transport (urllib3 comes with requests, a core dependency).

    Preferred over the requests transport because it costs the client about half the
    CPU per call (docs/benchmarks.md); both pass the same transport contract.
    """
    from .urllib3_transport import Urllib3Transport

    return Urllib3Transport()


def create_async_transport() -> AsyncHTTPTransport:
    """A pooled aiohttp transport when aiohttp is installed (the ``fast`` extra), else httpx.

    aiohttp is preferred because it costs the client about half the CPU per request
    (docs/benchmarks.md); both pass the same transport contract.
    """
    try:
        from .aiohttp_transport import AiohttpTransport
    except ImportError:
        pass
    else:
        return AiohttpTransport()
    try:
        from .httpx_transport import HttpxTransport
    except ImportError as exc:  # pragma: no cover - depends on the environment
        from ..errors import ConfigurationError

        raise ConfigurationError(
            "AsyncClient needs httpx or aiohttp: pip install 'render-workflows-sdk[async]' "
            "(or '[fast]')"
        ) from exc
    return HttpxTransport()
