"""render_sdk.contrib.django: the shared client, settings, checks, on-commit starts, errors."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest

django = pytest.importorskip("django", reason="Django runs in the `examples` nox session")

from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        INSTALLED_APPS=["render_sdk.contrib.django"],
        MIDDLEWARE=["render_sdk.contrib.django.RenderErrorMiddleware"],
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["testserver"],
        USE_TZ=True,
    )
    django.setup()

from django.core import checks  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test import Client as DjangoTestClient  # noqa: E402
from django.test import TestCase, override_settings  # noqa: E402
from django.urls import path  # noqa: E402

from render_sdk import (  # noqa: E402
    APIConnectionError,
    Client,
    ConfigurationError,
    InvalidInputError,
    InvalidTaskIdentifierError,
)
from render_sdk.contrib.django import (  # noqa: E402
    close_client,
    get_client,
    start_task_on_commit,
)
from render_sdk.local import LocalServer  # noqa: E402

ECHO = "demo/echo"


def read_run(request: HttpRequest, run_id: str) -> JsonResponse:
    details = get_client().workflows.get_task_run(run_id)
    return JsonResponse({"id": details.id, "status": details.status.value})


urlpatterns = [path("runs/<str:run_id>", read_run)]


@pytest.fixture(autouse=True)
def fresh_client(clean_render_env: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts with no shared client and no RENDER_* environment."""
    close_client()
    yield
    close_client()


@pytest.fixture
def local_settings(server: LocalServer) -> Iterator[dict[str, Any]]:
    """settings.RENDER_SDK pointing at the local server."""
    render = {"BASE_URL": server.base_url, "API_KEY": "rnd_unused", "MAX_RETRIES": 0}
    with override_settings(RENDER_SDK=render):
        yield render


class Rollback(Exception):
    """Raised inside atomic() to roll the transaction back."""


def echo_runs() -> int:
    return sum(1 for _ in get_client().workflows.list_task_runs(task=ECHO))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the shared client --------------------------------------------------------------------


def test_no_client_is_needed_to_import_or_check_and_first_use_says_what_is_missing() -> None:
    call_command("check")  # raises SystemCheckError on any error; there is none
    with pytest.raises(ConfigurationError, match="no API key"):
        get_client()


def test_one_client_is_shared_by_every_thread(local_settings: dict[str, Any]) -> None:
    seen: list[Client] = []
    threads = [threading.Thread(target=lambda: seen.append(get_client())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert all(client is seen[0] for client in seen)
    assert get_client().base_url == local_settings["BASE_URL"] + "/v1"


def test_the_environment_fills_in_what_settings_leave_out(
    server: LocalServer, clean_render_env: pytest.MonkeyPatch
) -> None:
    clean_render_env.setenv("RENDER_USE_LOCAL_DEV", "true")
    clean_render_env.setenv("RENDER_LOCAL_DEV_URL", server.base_url)
    with override_settings(RENDER_SDK={"TIMEOUT": 7}):
        client = get_client()
        assert client.base_url == server.base_url + "/v1"
        assert client.timeout.read == 7


def test_changed_settings_close_the_old_client_and_build_a_new_one(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[Client] = []
    original_close = Client.close

    def recording_close(self: Client) -> None:
        closed.append(self)
        original_close(self)

    monkeypatch.setattr(Client, "close", recording_close)
    with override_settings(RENDER_SDK={"BASE_URL": server.base_url, "API_KEY": "rnd_a"}):
        first = get_client()
        with override_settings(RENDER_SDK={"BASE_URL": server.base_url, "API_KEY": "rnd_b"}):
            second = get_client()
            assert second is not first
            assert closed == [first]
        assert closed == [first, second]
        assert get_client() is not second


def test_invalid_settings_fail_on_first_use_with_the_key_and_what_it_accepts() -> None:
    with (
        override_settings(RENDER_SDK={"TIMEOUT": "10s"}),
        pytest.raises(ConfigurationError, match=r"settings.RENDER_SDK\['TIMEOUT'\] must be"),
    ):
        get_client()
    with (
        override_settings(RENDER_SDK=["API_KEY"]),
        pytest.raises(ConfigurationError, match=r"settings.RENDER_SDK must be a dict"),
    ):
        get_client()


# --- system checks ------------------------------------------------------------------------


def check_ids(*, deploy: bool = False) -> list[str]:
    return [message.id or "" for message in checks.run_checks(include_deployment_checks=deploy)]


def test_invalid_settings_are_a_check_error_named_render_sdk_e001() -> None:
    with override_settings(RENDER_SDK={"API_KEYS": "rnd_x"}):
        messages = checks.run_checks()
        [error] = [m for m in messages if m.id == "render_sdk.E001"]
        assert error.level == checks.ERROR
        assert "did you mean 'API_KEY'?" in error.msg


def test_a_missing_key_is_only_a_deploy_warning(clean_render_env: pytest.MonkeyPatch) -> None:
    assert "render_sdk.W001" not in check_ids()
    assert "render_sdk.W001" in check_ids(deploy=True)
    clean_render_env.setenv("RENDER_API_KEY", "rnd_from_env")
    assert not [i for i in check_ids(deploy=True) if i.startswith("render_sdk")]
    clean_render_env.delenv("RENDER_API_KEY")
    with override_settings(RENDER_SDK={"API_KEY": "rnd_from_settings"}):
        assert not [i for i in check_ids(deploy=True) if i.startswith("render_sdk")]


def test_deploy_checks_flag_local_dev_mode_and_a_key_sent_in_clear(
    clean_render_env: pytest.MonkeyPatch,
) -> None:
    clean_render_env.setenv("RENDER_USE_LOCAL_DEV", "true")
    assert "render_sdk.W003" in check_ids(deploy=True)
    with override_settings(RENDER_SDK={"LOCAL": False, "API_KEY": "rnd_x"}):
        assert "render_sdk.W003" not in check_ids(deploy=True)  # the settings win
    clean_render_env.delenv("RENDER_USE_LOCAL_DEV")
    clean_render_env.setenv("RENDER_LOCAL_DEV_URL", "http://127.0.0.1:9")
    assert "render_sdk.W003" in check_ids(deploy=True)  # Render's rule: the URL alone
    clean_render_env.delenv("RENDER_LOCAL_DEV_URL")
    with override_settings(RENDER_SDK={"LOCAL": True}):
        assert "render_sdk.W003" in check_ids(deploy=True)
        assert "render_sdk.W001" not in check_ids(deploy=True)  # no key needed locally
    with override_settings(RENDER_SDK={"API_KEY": "rnd_x", "BASE_URL": "http://render.test"}):
        [warning] = [
            m
            for m in checks.run_checks(include_deployment_checks=True)
            if m.id == "render_sdk.W002"
        ]
        assert "clear text" in warning.msg
        assert "rnd_x" not in warning.msg


# --- start_task_on_commit -----------------------------------------------------------------


@pytest.mark.usefixtures("local_settings")
def test_a_run_starts_only_when_the_transaction_commits() -> None:
    before = echo_runs()
    with transaction.atomic():
        pending = start_task_on_commit(ECHO, ["committed"])
        assert not pending.done
        assert echo_runs() == before
        with pytest.raises(RuntimeError, match="has not committed yet"):
            pending.run  # noqa: B018
    assert pending.done
    assert echo_runs() == before + 1
    details = pending.run.wait(timeout=10)
    assert details.result == {"args": ["committed"], "kwargs": {}}


@pytest.mark.usefixtures("local_settings")
def test_nothing_starts_when_the_transaction_rolls_back() -> None:
    before = echo_runs()
    with suppress(Rollback), transaction.atomic():
        pending = start_task_on_commit(ECHO, ["rolled back"])
        raise Rollback
    assert not pending.done
    assert echo_runs() == before


@pytest.mark.usefixtures("local_settings")
def test_a_savepoint_rolled_back_inside_a_committed_transaction_starts_nothing() -> None:
    before = echo_runs()
    with transaction.atomic():
        kept = start_task_on_commit(ECHO, ["kept"])
        with suppress(Rollback), transaction.atomic():
            dropped = start_task_on_commit(ECHO, ["dropped"])
            raise Rollback
    assert kept.done
    assert not dropped.done
    assert echo_runs() == before + 1


@pytest.mark.usefixtures("local_settings")
def test_outside_a_transaction_the_run_starts_at_once() -> None:
    assert not connection.in_atomic_block
    pending = start_task_on_commit(ECHO, {"now": True}, idempotency_key="on-commit-now-1")
    assert pending.run.id.startswith("trn-")
    assert pending.idempotency_key == "on-commit-now-1"


def test_bad_input_fails_in_the_view_before_the_commit(local_settings: dict[str, Any]) -> None:
    small = override_settings(RENDER_SDK={**local_settings, "MAX_INPUT_BYTES": 1000})
    with small, transaction.atomic():
        with pytest.raises(InvalidTaskIdentifierError, match="expected"):
            start_task_on_commit("not a slug", [])
        with pytest.raises(InvalidInputError, match=r"input_data\[0\]"):
            start_task_on_commit(ECHO, [{1, 2}])
        with pytest.raises(InvalidInputError, match="MAX_INPUT_BYTES"):
            start_task_on_commit(ECHO, ["x" * 1000])
        assert connection.run_on_commit == []


def test_bad_settings_fail_in_the_view_before_the_commit() -> None:
    with transaction.atomic(), pytest.raises(ConfigurationError, match="no API key"):
        start_task_on_commit(ECHO, [])


def test_input_changed_after_the_call_is_not_what_is_sent(local_settings: dict[str, Any]) -> None:
    data = {"items": [1, 2]}
    with transaction.atomic():
        pending = start_task_on_commit(ECHO, data)
        data["items"].append(3)
    assert pending.run.wait(timeout=10).result == {"args": [], "kwargs": {"items": [1, 2]}}


def test_a_start_that_fails_after_the_commit_is_logged_and_kept_on_the_handle(
    caplog: pytest.LogCaptureFixture,
) -> None:
    render = {"BASE_URL": f"http://127.0.0.1:{closed_port()}", "API_KEY": "rnd_x"}
    with override_settings(RENDER_SDK={**render, "MAX_RETRIES": 0}):
        with (
            caplog.at_level(logging.ERROR, logger="render_sdk.contrib.django"),
            transaction.atomic(),
        ):
            pending = start_task_on_commit(ECHO, [1], idempotency_key="retry-me-1")
        assert isinstance(pending.error, APIConnectionError)
        with pytest.raises(APIConnectionError):
            pending.run  # noqa: B018
    [record] = caplog.records
    assert "retry-me-1" in record.getMessage()
    assert record.exc_info is not None


class OnCommitInTestCaseTests(TestCase):
    """Django's TestCase never commits: captureOnCommitCallbacks runs the starts."""

    @pytest.fixture(autouse=True)
    def _settings(self, local_settings: dict[str, Any]) -> None:
        pass

    def test_captured_callbacks_start_the_run_when_executed(self) -> None:
        before = echo_runs()
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            pending = start_task_on_commit(ECHO, ["captured"])
        assert len(callbacks) == 1
        assert echo_runs() == before
        callbacks[0]()
        assert pending.run.id.startswith("trn-")
        assert echo_runs() == before + 1


# --- errors as HTTP responses -------------------------------------------------------------


@pytest.mark.usefixtures("local_settings")
def test_the_middleware_answers_sdk_errors_with_json() -> None:
    response = DjangoTestClient().get("/runs/trn-doesnotexist")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_the_middleware_logs_server_side_failures(caplog: pytest.LogCaptureFixture) -> None:
    render = {"BASE_URL": f"http://127.0.0.1:{closed_port()}", "API_KEY": "rnd_x"}
    with (
        override_settings(RENDER_SDK={**render, "MAX_RETRIES": 0}),
        caplog.at_level(logging.ERROR, logger="render_sdk.contrib.django"),
    ):
        response = DjangoTestClient().get("/runs/trn-abc")
    assert response.status_code == 503
    assert response.json()["error"] == "upstream_unavailable"
    assert any("GET /runs/trn-abc" in record.getMessage() for record in caplog.records)
