"""Fixtures for the local server tests: servers on free loopback ports, HTTP helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from render_sdk.local import LocalServer, Workflow, serve
from render_sdk.local.examples import demo

custom = Workflow("custom-flow", version="v7")


@custom.task
def pair(a: Any) -> list[Any]:
    return [a, a]


@custom.task(timeout=0.05)
async def too_slow() -> None:
    await asyncio.sleep(5)


@custom.task(timeout=0.05)
def too_slow_sync() -> None:
    time.sleep(0.15)


@custom.task(name="renamed")
async def async_double(x: int) -> int:
    await asyncio.sleep(0)
    return 2 * x


@custom.task
def not_json() -> object:
    return object()


HEARTBEAT = 0.05


@pytest.fixture(scope="package")
def local_server() -> Iterator[LocalServer]:
    with serve([demo.demo, custom], heartbeat=HEARTBEAT) as server:
        yield server


@pytest.fixture
def server(local_server: LocalServer) -> Iterator[LocalServer]:
    local_server.faults.clear()
    yield local_server
    local_server.faults.clear()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


class Api:
    """Tiny helper over a requests session and a server's base URL."""

    def __init__(self, http: requests.Session, base_url: str) -> None:
        self.http = http
        self.base = base_url + "/v1"

    def start(self, task: str, input_data: Any, **extra: Any) -> dict[str, Any]:
        response = self.http.post(
            f"{self.base}/task-runs", json={"task": task, "input": input_data, **extra}, timeout=5
        )
        assert response.status_code == 202, response.text
        body: dict[str, Any] = response.json()
        return body

    def get(self, run_id: str) -> dict[str, Any]:
        response = self.http.get(f"{self.base}/task-runs/{run_id}", timeout=5)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait(self, run_id: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            details = self.get(run_id)
            if details["status"] in ("succeeded", "failed", "canceled"):
                return details
            assert time.monotonic() < deadline, f"run {run_id} still {details['status']}"
            time.sleep(0.005)

    def run(self, task: str, input_data: Any, **extra: Any) -> dict[str, Any]:
        return self.wait(self.start(task, input_data, **extra)["id"])


@pytest.fixture
def api(server: LocalServer, http: requests.Session) -> Api:
    return Api(http, server.base_url)
