"""The API's wire rules, written once for both twins: URLs, query encoding, error mapping,
response decoding. Pure: no I/O."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from . import errors
from ._checks import check_int
from ._retry import parse_retry_after
from ._serde import ShapeError, structure
from ._transport.base import HTTPResponse

__all__ = [
    "build_url",
    "loads",
    "decode_json",
    "decode_model",
    "decode_page",
    "list_params",
    "path_segment",
    "status_error",
    "validate_limit",
]

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
_MAX_BODY_IN_MESSAGE = 200

_STATUS_ERRORS: Mapping[int, type[errors.APIStatusError]] = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    409: errors.ConflictError,
    422: errors.UnprocessableEntityError,
    429: errors.RateLimitError,
}


def path_segment(value: str) -> str:
    """Percent-encode one path segment (IDs are validated already; this is belt and braces)."""
    return quote(value, safe="")


def build_url(api_url: str, path: str, params: Sequence[tuple[str, str]] = ()) -> str:
    """Join the API root, a path starting with '/', and repeated-key query parameters."""
    url = api_url + path
    if params:
        url += "?" + urlencode(params)
    return url


def validate_limit(limit: object) -> int:
    """Check a page size: an int from 1 to 100."""
    return check_int("limit", limit, minimum=1, maximum=MAX_PAGE_SIZE)


def validate_max_items(max_items: object) -> int | None:
    """Check an optional cap on the number of items an iterator yields."""
    return None if max_items is None else check_int("max_items", max_items, minimum=0)


def _strings(name: str, value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise errors.InvalidArgumentError(
            f"{name} must be a string or a list of strings, got {type(value).__name__}"
        )
    else:
        items = list(value)
    for item in items:
        if not isinstance(item, str) or not item or item != item.strip():
            raise errors.InvalidArgumentError(
                f"{name} must be a non-empty string or a list of them, got {item!r}"
            )
    return items


def list_params(
    *,
    limit: int,
    repeated: Mapping[str, str | Iterable[str] | None] = {},
    joined: Mapping[str, str | Iterable[str] | None] = {},
) -> list[tuple[str, str]]:
    """Query parameters for a list endpoint: repeated keys, or one comma-joined value."""
    params: list[tuple[str, str]] = [("limit", str(limit))]
    for key, value in repeated.items():
        params.extend((key, item) for item in _strings(key, value))
    for key, value in joined.items():
        items = _strings(key, value)
        if items:
            params.append((key, ",".join(items)))
    return params


def _error_fields(content: bytes) -> tuple[str | None, str | None, str | None]:
    """(message, code, id) from the API's error body, tolerating anything."""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, None, None
    if not isinstance(body, dict):
        return None, None, None

    def text(key: str) -> str | None:
        value = body.get(key)
        return value if isinstance(value, str) and value else None

    return text("message"), text("code"), text("id")


def _clip(text: str, limit: int = _MAX_BODY_IN_MESSAGE) -> str:
    """One line of at most ``limit`` characters (plus an ellipsis) for an error message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def _snippet(content: bytes) -> str:
    text = content[:_MAX_BODY_IN_MESSAGE].decode("utf-8", errors="replace").strip()
    text = " ".join(text.split())
    return text + ("..." if len(content) > _MAX_BODY_IN_MESSAGE else "")


def status_error(response: HTTPResponse, method: str, url: str) -> errors.APIStatusError:
    """Map an error response to the APIStatusError subclass for its status code."""
    status = response.status_code
    message, code, error_id = _error_fields(response.content)
    request_id = response.headers.get("x-request-id") or response.headers.get("rndr-id")
    detail = (_clip(message, 500) if message else "") or _snippet(response.content)
    detail = detail or "no error message"
    text = f"{method} {_path_of(url)} returned {status}: {detail}"
    extras = [f"code={_clip(code, 100)}"] if code else []
    if error_id:
        extras.append(f"error id={_clip(error_id, 100)}")
    if request_id:
        extras.append(f"request id={_clip(request_id, 100)}")
    if extras:
        text += f" ({', '.join(extras)})"
    kwargs: dict[str, Any] = {
        "status_code": status,
        "code": code,
        "error_id": error_id,
        "request_id": request_id,
        "body": response.content,
        "headers": response.headers,
        "method": method,
        "url": url,
    }
    if status == 429:
        retry_after = parse_retry_after(response.headers, time.time())
        return errors.RateLimitError(text, retry_after=retry_after, **kwargs)
    cls = _STATUS_ERRORS.get(status)
    if cls is None:
        cls = errors.InternalServerError if status >= 500 else errors.APIStatusError
    return cls(text, **kwargs)


def _path_of(url: str) -> str:
    scheme_end = url.find("://")
    path_start = url.find("/", scheme_end + 3 if scheme_end >= 0 else 0)
    return url[path_start:] if path_start >= 0 else url


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def loads(content: bytes | str) -> Any:
    """Parse JSON strictly: ``NaN`` and ``Infinity`` (which Python's json accepts) are
    refused, so a value that could never be sent back as JSON never reaches the caller."""
    return json.loads(content, parse_constant=_not_json)


def decode_json(response: HTTPResponse, method: str, url: str) -> Any:
    """Parse a success response's JSON body, or raise APIResponseValidationError."""
    try:
        return loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        kind = response.headers.get("content-type", "unknown content type")
        raise errors.APIResponseValidationError(
            f"{method} {_path_of(url)} returned {response.status_code} with a body that is "
            f"not JSON ({kind}): {_snippet(response.content) or 'empty body'}",
            status_code=response.status_code,
            body=response.content,
            method=method,
            url=url,
        ) from exc


def _shape_error(
    response: HTTPResponse, method: str, url: str, what: str, exc: Exception
) -> errors.APIResponseValidationError:
    return errors.APIResponseValidationError(
        f"{method} {_path_of(url)} returned a {what} this SDK cannot read: {exc}",
        status_code=response.status_code,
        body=response.content,
        method=method,
        url=url,
    )


def decode_model(response: HTTPResponse, cls: type[T], method: str, url: str) -> T:
    """Decode a success response's body as one model."""
    data = decode_json(response, method, url)
    try:
        return structure(data, cls)
    except ShapeError as exc:
        raise _shape_error(response, method, url, cls.__name__, exc) from exc


def decode_page(
    response: HTTPResponse, key: str, cls: type[T], method: str, url: str
) -> list[tuple[T, str | None]]:
    """Decode a list response: items of ``{key: {...}, "cursor": "..."}``."""
    data = decode_json(response, method, url)
    if not isinstance(data, list):
        exc = ShapeError(f"expected a JSON list, got {type(data).__name__}")
        raise _shape_error(response, method, url, "page", exc)
    page: list[tuple[T, str | None]] = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or key not in entry:
            exc = ShapeError(f"item {index} is not an object with {key!r}")
            raise _shape_error(response, method, url, "page", exc)
        cursor = entry.get("cursor")
        try:
            item = structure(entry[key], cls)
        except ShapeError as exc:
            raise _shape_error(response, method, url, f"page item {index}", exc) from exc
        page.append((item, cursor if isinstance(cursor, str) and cursor else None))
    return page
