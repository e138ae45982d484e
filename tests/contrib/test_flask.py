"""render_sdk.contrib.flask: one lazily made client per app, configured from app.config."""

from __future__ import annotations

import gc
import logging
import socket
from typing import Any

import pytest

flask = pytest.importorskip("flask", reason="Flask runs in the `examples` nox session")

from flask import Flask  # noqa: E402

from render_sdk import Client, ConfigurationError, NotFoundError, Timeout  # noqa: E402
from render_sdk.contrib.flask import EXTENSION_KEY, RenderWorkflows  # noqa: E402
from render_sdk.local import LocalServer  # noqa: E402

pytestmark = pytest.mark.usefixtures("clean_render_env")


def make_app(server: LocalServer | None = None, **config: Any) -> Flask:
    app = Flask(__name__)
    if server is not None:
        app.config.update(RENDER_BASE_URL=server.base_url, RENDER_API_KEY="rnd_unused")
    app.config.update(config)
    return app


@pytest.fixture
def closes(monkeypatch: pytest.MonkeyPatch) -> list[Client]:
    """Records every Client closed during the test."""
    closed: list[Client] = []
    original = Client.close

    def recording_close(self: Client) -> None:
        closed.append(self)
        original(self)

    monkeypatch.setattr(Client, "close", recording_close)
    return closed


def test_the_app_factory_form_gives_each_app_its_own_client(server: LocalServer) -> None:
    render = RenderWorkflows()
    first, second = make_app(server), make_app(server, RENDER_TIMEOUT=3)
    render.init_app(first)
    render.init_app(second)
    with first.app_context():
        client_of_first = render.client
        assert render.client is client_of_first
    with second.app_context():
        assert render.client is not client_of_first
        assert render.client.timeout == Timeout(connect=3, read=3)
    assert first.extensions[EXTENSION_KEY] is not second.extensions[EXTENSION_KEY]
    render.close()


def test_the_client_is_made_on_first_use_so_no_key_is_needed_to_start_the_app() -> None:
    app = make_app()
    render = RenderWorkflows(app)

    @app.cli.command("hello")
    def hello() -> None:
        print("hello")

    assert app.test_cli_runner().invoke(args=["hello"]).output == "hello\n"
    with app.app_context(), pytest.raises(ConfigurationError, match="no API key"):
        render.client  # noqa: B018


def test_the_environment_fills_in_the_key_and_local_dev_mode(
    server: LocalServer, clean_render_env: pytest.MonkeyPatch
) -> None:
    clean_render_env.setenv("RENDER_USE_LOCAL_DEV", "true")
    clean_render_env.setenv("RENDER_LOCAL_DEV_URL", server.base_url)
    render = RenderWorkflows(make_app(RENDER_MAX_RETRIES=0))
    assert render.client.base_url == server.base_url + "/v1"
    assert render.client.max_retries == 0
    render.close()


def test_bad_settings_fail_at_init_app_naming_the_key() -> None:
    with pytest.raises(ConfigurationError, match=r"app.config\['RENDER_TIMEOUT'\] must be"):
        RenderWorkflows(make_app(RENDER_TIMEOUT="ten"))


def test_a_direct_app_is_used_outside_an_app_context(server: LocalServer) -> None:
    render = RenderWorkflows(make_app(server))
    with pytest.raises(NotFoundError):
        render.client.workflows.get_task_run("trn-doesnotexist")
    render.close()


def test_a_factory_extension_outside_an_app_context_says_how_to_fix_it(
    server: LocalServer,
) -> None:
    render = RenderWorkflows()
    app = make_app(server)
    render.init_app(app)
    with pytest.raises(RuntimeError, match="app_context"):
        render.client  # noqa: B018
    assert render.get_client(app) is render.get_client(app)
    render.close()


def test_an_app_without_init_app_is_an_error_that_says_so(server: LocalServer) -> None:
    render = RenderWorkflows()
    with make_app(server).app_context(), pytest.raises(RuntimeError, match="init_app"):
        render.client  # noqa: B018


def test_initialising_an_app_twice_is_refused(server: LocalServer) -> None:
    app = make_app(server)
    RenderWorkflows(app)
    with pytest.raises(RuntimeError, match="already initialised"):
        RenderWorkflows().init_app(app)


def test_close_closes_each_apps_client_and_the_next_use_makes_a_new_one(
    server: LocalServer, closes: list[Client]
) -> None:
    render = RenderWorkflows()
    first, second = make_app(server), make_app(server)
    render.init_app(first)
    render.init_app(second)
    clients = [render.get_client(first), render.get_client(second)]
    render.close(first)
    assert closes == clients[:1]
    render.close()
    assert closes == [clients[0], clients[1]]
    assert render.get_client(first) is not clients[0]
    render.close()


def test_requests_do_not_close_the_client(server: LocalServer, closes: list[Client]) -> None:
    app = make_app(server)
    render = RenderWorkflows(app)

    @app.get("/ping")
    def ping() -> str:
        render.client  # noqa: B018
        return "ok"

    web = app.test_client()
    assert [web.get("/ping").status_code for _ in range(3)] == [200, 200, 200]
    assert closes == []
    render.close()


def test_the_client_is_closed_when_the_app_is_garbage_collected(
    server: LocalServer, closes: list[Client]
) -> None:
    render = RenderWorkflows()
    app = make_app(server)
    render.init_app(app)
    client = render.get_client(app)
    del app
    gc.collect()
    assert closes == [client]


def test_handle_errors_answers_sdk_errors_with_json(server: LocalServer) -> None:
    app = make_app(server)
    render = RenderWorkflows(app, handle_errors=True)

    @app.get("/runs/<run_id>")
    def read_run(run_id: str) -> dict[str, str]:
        return {"status": render.client.workflows.get_task_run(run_id).status.value}

    web = app.test_client()
    response = web.get("/runs/trn-doesnotexist")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert web.get("/runs/not-an-id").get_json()["error"] == "invalid_argument"
    render.close()


def test_handled_server_side_failures_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = make_app(
        RENDER_BASE_URL=f"http://127.0.0.1:{port}", RENDER_API_KEY="k", RENDER_MAX_RETRIES=0
    )
    render = RenderWorkflows(app, handle_errors=True)

    @app.get("/runs/<run_id>")
    def read_run(run_id: str) -> dict[str, str]:
        return {"status": render.client.workflows.get_task_run(run_id).status.value}

    with caplog.at_level(logging.ERROR, logger="render_sdk.contrib.flask"):
        response = app.test_client().get("/runs/trn-abc")
    assert response.status_code == 503
    assert response.get_json()["error"] == "upstream_unavailable"
    assert [record.exc_info is not None for record in caplog.records] == [True]
    render.close()


def test_settings_changed_after_close_apply_to_the_next_client(server: LocalServer) -> None:
    app = make_app(server)
    render = RenderWorkflows(app)
    assert render.client.max_retries == 2
    app.config["RENDER_MAX_RETRIES"] = 0
    assert render.client.max_retries == 2  # read once per client
    render.close()
    assert render.client.max_retries == 0
    render.close()
