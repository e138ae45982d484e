"""The Flask example, driven by Flask's test client against a local Render server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app import create_app, render
from flask import Flask
from flask.testing import FlaskClient

from render_sdk.local import LocalServer, serve


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with serve("render_sdk.local.examples.demo") as local:
        yield local


@pytest.fixture
def app(server: LocalServer) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "RENDER_BASE_URL": server.base_url, "RENDER_API_KEY": "x"})
    yield app
    render.close(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_start_a_run_then_wait_for_its_result(client: FlaskClient) -> None:
    started = client.post("/runs", json={"task": "demo/square", "input": [6]})
    assert started.status_code == 202
    status = client.get(f"/runs/{started.json['id']}?wait=5")
    assert status.json["status"] == "succeeded"
    assert status.json["result"] == 36


def test_a_failed_run_is_reported_with_its_error(client: FlaskClient) -> None:
    started = client.post("/runs", json={"task": "demo/fail", "input": ["no luck"]})
    status = client.get(f"/runs/{started.json['id']}?wait=5")
    assert status.status_code == 200
    assert status.json["status"] == "failed"
    assert "no luck" in status.json["error"]


def test_a_run_still_going_after_the_wait_is_accepted(client: FlaskClient) -> None:
    started = client.post("/runs", json={"task": "demo/slow", "input": [30]})
    status = client.get(f"/runs/{started.json['id']}?wait=0.2")
    assert status.status_code == 202
    assert status.json["status"] in ("pending", "running")


def test_sdk_errors_become_http_errors(client: FlaskClient) -> None:
    bad = client.post("/runs", json={"task": "demo/square", "input": "5"})
    assert (bad.status_code, bad.json["error"]) == (400, "invalid_argument")
    assert client.get("/runs/trn-doesnotexist").status_code == 404


def test_two_apps_from_the_factory_have_their_own_clients(server: LocalServer) -> None:
    config = {"RENDER_BASE_URL": server.base_url, "RENDER_API_KEY": "x"}
    first, second = create_app(config), create_app(config)
    assert render.get_client(first) is not render.get_client(second)
    render.close(first)
    render.close(second)
