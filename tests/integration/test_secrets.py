"""The API key never leaks: not in reprs, log records, errors, tracebacks or URLs."""

from __future__ import annotations

import asyncio
import logging
import traceback

import pytest

from render_sdk import (
    AsyncClient,
    AuthenticationError,
    Client,
    ConfigurationError,
    NotFoundError,
    TaskRunFailedError,
)
from render_sdk.local import LocalServer

WRONG_KEY = "rnd_wrong_but_still_secret_value"


def texts_of(error: BaseException) -> list[str]:
    return [str(error), repr(error), "".join(traceback.format_exception(error))]


def test_the_key_appears_in_no_log_record_error_or_traceback(
    auth_server: LocalServer, auth_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level: ours, urllib3, httpx
    errors: list[BaseException] = []
    seen_objects: list[object] = []

    with Client(api_key=auth_key, base_url=auth_server.base_url) as client:
        seen_objects += [client, client.workflows]
        run = client.workflows.start_task("demo/square", [3])
        seen_objects += [run, run.wait(timeout=10)]
        for call in (
            lambda: client.workflows.run_task("demo/fail", ["boom"], timeout=10),
            lambda: client.workflows.get_task_run("trn-doesnotexist"),
        ):
            with pytest.raises((TaskRunFailedError, NotFoundError)) as info:
                call()
            errors.append(info.value)
    with (
        Client(api_key=WRONG_KEY, base_url=auth_server.base_url) as client,
        pytest.raises(AuthenticationError) as info,
    ):
        client.workflows.get_task_run("trn-abc")
    errors.append(info.value)

    async def async_calls() -> None:
        async with AsyncClient(api_key=auth_key, base_url=auth_server.base_url) as aclient:
            seen_objects.append(aclient)
            details = await (await aclient.workflows.start_task("demo/square", [4]))
            seen_objects.append(details)

    asyncio.run(async_calls())

    assert caplog.records, "expected request logging at DEBUG"
    assert any("task-runs" in record.getMessage() for record in caplog.records)
    for record in caplog.records:
        message = record.getMessage()
        assert auth_key not in message
        assert WRONG_KEY not in message
    for error in errors:
        for text in texts_of(error):
            assert auth_key not in text
            assert WRONG_KEY not in text
    for obj in seen_objects:
        assert auth_key not in repr(obj)


def test_no_url_the_server_saw_carries_the_key(auth_server: LocalServer, auth_key: str) -> None:
    with Client(api_key=auth_key, base_url=auth_server.base_url) as client:
        client.workflows.run_task("demo/square", [2], timeout=10)
        list(client.workflows.list_task_runs(max_items=3))

    assert auth_server.requests
    for method_and_path in auth_server.requests:
        assert auth_key not in str(method_and_path)


@pytest.mark.parametrize(
    "base_url", ["http://api.example.com", "http://10.1.2.3:8120", "http://render.internal/v1"]
)
def test_the_key_is_never_sent_in_clear_text_off_loopback(base_url: str) -> None:
    with pytest.raises(ConfigurationError, match="clear text") as info:
        Client(api_key="rnd_key_value", base_url=base_url)

    assert "rnd_key_value" not in str(info.value)
    assert "allow_insecure_http" in str(info.value)


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:8120", "http://localhost:9", "http://[::1]:8120"]
)
def test_loopback_http_is_allowed_with_a_key(base_url: str) -> None:
    with Client(api_key="rnd_key_value", base_url=base_url) as client:
        assert client.base_url.startswith(base_url)


def test_insecure_http_needs_an_explicit_opt_in() -> None:
    with Client(
        api_key="rnd_key_value", base_url="http://api.example.com", allow_insecure_http=True
    ) as client:
        assert client.base_url == "http://api.example.com/v1"
