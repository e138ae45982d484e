"""A worker speaking Render's worker protocol with the standard library only.

It lets the tests send what Render's SDK never would (a malformed callback, a
repeated idempotency key) and do what a broken task does (exit without
reporting, leave a grandchild process behind), at a fraction of the SDK's
start-up cost.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from typing import Any


class _Connection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=30)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(self._path)
        self.sock = sock


def call(method: str, path: str, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
    conn = _Connection(os.environ["RENDER_SDK_SOCKET_PATH"])
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    conn.request(method, path, body=data, headers={"Connection": "close"})
    response = conn.getresponse()
    text = response.read()
    conn.close()
    return response.status, (json.loads(text) if text else None)


def b64(value: Any) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def complete(value: Any) -> None:
    call("POST", "/callback", {"complete": {"output": b64([value])}})


TASKS = [
    {"name": "echo", "parameters": [{"name": "value", "has_default": False}]},
    {"name": "malformed"},
    {"name": "crash"},
    {"name": "spawn", "options": {"timeout_seconds": 30}},
    {"name": "spawn_briefly", "options": {"timeout_seconds": 0.5}},
    {"name": "same_key"},
    {"name": "parent_of_spawn"},
    {"name": "retried", "options": {"retry": {"max_retries": 2, "wait_duration_ms": 50}}},
]


def main() -> None:
    if os.environ["RENDER_SDK_MODE"] == "register":
        call("POST", "/register-tasks", {"tasks": TASKS})
        return
    status, job = call("GET", "/input?sdk_started_at=1")
    assert status == 200, job
    name = job["task_name"]
    args = json.loads(base64.b64decode(job["input"]))
    if name == "echo":
        ids = [job["task_run_id"], job["root_task_run_id"], job["parent_task_run_id"]]
        complete({"args": args, "ids": ids, "env": os.environ.get("RAW_WORKER_GREETING")})
    elif name == "malformed":
        status, answer = call("POST", "/callback", raw=b'{"complete": {"output": "%%%"}}')
        print(f"callback answered {status}: {answer}", flush=True)
    elif name == "crash":
        print("about to crash", file=sys.stderr, flush=True)
        sys.exit(3)
    elif name in ("spawn", "spawn_briefly", "parent_of_spawn"):
        if name == "parent_of_spawn":
            call("POST", "/run-subtask", {"task_name": "spawn", "input": b64([args[0] + "-child"])})
        child = subprocess.Popen(["sleep", "60"])
        with open(args[0], "w") as handle:
            handle.write(f"{os.getpid()} {child.pid}")
        time.sleep(60)
    elif name == "same_key":
        request = {"task_name": "echo", "input": b64([1]), "idempotency_key": "k-1"}
        first = call("POST", "/run-subtask", request)[1]["task_run_id"]
        second = call("POST", "/run-subtask", request)[1]["task_run_id"]
        while True:
            _, result = call("POST", "/get-subtask-result", {"task_run_id": first})
            if not result["still_running"]:
                break
        output = json.loads(base64.b64decode(result["complete"]["output"]))
        complete({"first": first, "second": second, "output": output})
    elif name == "retried":
        call("POST", "/callback", {"error": {"details": "retried: always fails"}})


if __name__ == "__main__":
    main()
