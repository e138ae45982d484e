"""The worker-protocol host, driven by a standard-library worker that can misbehave on purpose."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests

from render_sdk.local import LocalServer, WorkerCommandError, serve
from render_sdk.local.command import main as command_main

from .conftest import Api
from .procs import alive, eventually, pids_in

WORKER = Path(__file__).parent / "workers" / "raw_worker.py"


@pytest.fixture(scope="module")
def worker_server() -> Iterator[LocalServer]:
    with serve(
        command=[sys.executable, str(WORKER)],
        workflow="raw",
        env={"RAW_WORKER_GREETING": "hello from env"},
    ) as server:
        yield server


@pytest.fixture
def wapi(worker_server: LocalServer) -> Iterator[Api]:
    with requests.Session() as session:
        yield Api(session, worker_server.base_url)


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_registered_tasks_are_served_under_the_workflow_slug(worker_server: LocalServer) -> None:
    slugs = {task.slug for task in worker_server.tasks}
    assert {"raw/echo", "raw/crash", "raw/spawn", "raw/retried"} <= slugs
    retried = worker_server.state.registry.resolve("raw/retried").function.options
    assert (retried.max_retries, retried.backoff, retried.backoff_factor) == (2, 0.05, 2.0)
    assert worker_server.state.registry.resolve("raw/spawn").function.options.timeout == 30
    assert worker_server.worker is not None
    (value,) = worker_server.worker.specs["echo"].parameters
    assert (value.name, value.has_default) == ("value", False)


def test_the_worker_reads_its_input_ids_and_environment(wapi: Api) -> None:
    run = wapi.run("raw/echo", [1, "a"], timeout=15)
    assert run["status"] == "succeeded"
    assert run["results"] == [
        {"args": [1, "a"], "ids": [run["id"], run["id"], ""], "env": "hello from env"}
    ]
    assert run["parentTaskRunId"] == ""
    assert run["rootTaskRunId"] == run["id"]


def test_a_repeated_subtask_idempotency_key_starts_one_subtask(wapi: Api) -> None:
    run = wapi.run("raw/same_key", [], timeout=15)
    assert run["status"] == "succeeded", run
    (result,) = run["results"]
    assert result["first"] == result["second"]
    child = wapi.get(result["first"])
    assert (child["parentTaskRunId"], child["rootTaskRunId"]) == (run["id"], run["id"])
    assert result["output"] == [child["results"][0]]
    tree = wapi.http.get(f"{wapi.base}/task-runs", params={"rootTaskRunId": run["id"]}).json()
    assert sorted(item["taskRun"]["id"] for item in tree) == sorted([run["id"], child["id"]])


def test_a_malformed_callback_fails_the_attempt_and_the_server_keeps_serving(wapi: Api) -> None:
    run = wapi.run("raw/malformed", [], timeout=15)
    assert run["status"] == "failed"
    assert "malformed callback" in run["error"]
    assert "base64" in run["error"]
    assert wapi.run("raw/echo", [2], timeout=15)["status"] == "succeeded"


def test_a_worker_that_exits_without_reporting_fails_with_its_exit_code_and_stderr(
    wapi: Api, worker_server: LocalServer
) -> None:
    run = wapi.run("raw/crash", [], timeout=15)
    assert run["status"] == "failed"
    assert "exited with code 3 before reporting a result" in run["error"]
    assert "about to crash" in run["error"]
    lines = worker_server.state.logs.for_run(run["id"])
    assert [(line.level, line.message) for line in lines] == [("error", "about to crash")]
    assert lines[0].task == "crash"
    assert lines[0].workflow_id == worker_server.state.registry.resolve("raw/crash").workflow_id


def test_stdout_lines_are_logged_as_info_with_the_run_id(
    wapi: Api, worker_server: LocalServer
) -> None:
    run = wapi.run("raw/malformed", [], timeout=15)
    eventually(lambda: bool(worker_server.state.logs.for_run(run["id"])), what="log line")
    (line,) = worker_server.state.logs.for_run(run["id"])
    assert line.level == "info"
    assert line.message.startswith("callback answered 400")
    assert line.run_id == run["id"]


def test_retries_wait_duration_times_factor_to_the_power_of_the_retry(wapi: Api) -> None:
    run = wapi.run("raw/retried", [], timeout=15)
    assert run["status"] == "failed"
    assert run["error"] == "retried: always fails"
    attempts = run["attempts"]
    assert [a["status"] for a in attempts] == ["failed"] * 3
    assert all(a["error"] == "retried: always fails" for a in attempts)
    first_wait = parse(attempts[1]["startedAt"]) - parse(attempts[0]["completedAt"])
    second_wait = parse(attempts[2]["startedAt"]) - parse(attempts[1]["completedAt"])
    assert first_wait.total_seconds() >= 0.05  # 50 ms * 2^0
    assert second_wait.total_seconds() >= 0.1  # 50 ms * 2^1


def test_cancel_kills_the_process_trees_and_cancels_unfinished_subtasks(
    wapi: Api, worker_server: LocalServer, tmp_path: Path
) -> None:
    marker = tmp_path / "parent"
    run = wapi.start("raw/parent_of_spawn", [str(marker)])
    pids = pids_in(marker) + pids_in(Path(f"{marker}-child"))
    assert all(alive(pid) for pid in pids)
    (child,) = wapi.http.get(f"{wapi.base}/task-runs", params={"rootTaskRunId": run["id"]}).json()[
        :1
    ]
    assert wapi.http.delete(f"{wapi.base}/task-runs/{run['id']}").status_code == 204
    eventually(lambda: not any(alive(pid) for pid in pids), what="worker processes to end")
    subtasks = [r for r in worker_server.runs() if r["parentTaskRunId"] == run["id"]]
    assert [s["status"] for s in subtasks] == ["canceled"]
    assert wapi.get(run["id"])["status"] == "canceled"
    assert child["taskRun"]["rootTaskRunId"] == run["id"]


def test_a_timeout_ends_the_attempt_and_its_whole_process_tree(wapi: Api, tmp_path: Path) -> None:
    marker = tmp_path / "spawned"
    run = wapi.start("raw/spawn_briefly", [str(marker)])
    pids = pids_in(marker)
    details = wapi.wait(run["id"], timeout=15)
    assert details["status"] == "failed"
    assert "exceeded its timeout of 0.5 s" in details["error"]
    eventually(lambda: not any(alive(pid) for pid in pids), what="timed-out processes")


def test_stopping_the_server_leaves_no_worker_process(tmp_path: Path) -> None:
    marker = tmp_path / "spawned"
    with (
        serve(command=[sys.executable, str(WORKER)], workflow="raw") as server,
        requests.Session() as session,
    ):
        Api(session, server.base_url).start("raw/spawn", [str(marker)])
        pids = pids_in(marker)
    eventually(lambda: not any(alive(pid) for pid in pids), what="processes after stop")


def test_a_command_that_does_not_register_fails_clearly() -> None:
    with (
        pytest.raises(WorkerCommandError, match=r"exited with code 4 before registering tasks"),
        serve(command=[sys.executable, "-c", "import sys; sys.exit(4)"]),
    ):
        pass


def test_a_bad_registration_names_the_field() -> None:
    script = (
        "import os, socket\n"
        "s = socket.socket(socket.AF_UNIX); s.connect(os.environ['RENDER_SDK_SOCKET_PATH'])\n"
        'body = b\'{"tasks": [{"name": "a/b"}]}\'\n'
        "s.sendall(b'POST /register-tasks HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: '"
        " + str(len(body)).encode() + b'\\r\\n\\r\\n' + body)\n"
        "s.recv(1000)\n"
    )
    with (
        pytest.raises(WorkerCommandError, match=r"tasks\[0\]\.name"),
        serve(command=[sys.executable, "-c", script]),
    ):
        pass


def test_the_command_line_rejects_a_missing_env_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = command_main(["--port", "0", "--env-file", "no-such.env", "--", "python", "x.py"])
    assert code == 2
    assert "no-such.env: no such env file" in capsys.readouterr().err


def test_the_command_line_needs_a_module_or_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        command_main(["--port", "0"])
    assert "give a TASKS_MODULE, or '-- COMMAND" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        command_main(["tasks.py", "--", "python", "main.py"])
    assert "not both" in capsys.readouterr().err


def test_env_files_reach_the_worker_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a.env", tmp_path / "b.env"
    first.write_text("GREETING=hello\nexport NAME='first'\n")
    second.write_text('NAME="second"  # later files win\n')
    script = "import os, sys; print(os.environ['GREETING'], os.environ['NAME'], file=sys.stderr)"
    argv = ["--port", "0", "--env-file", str(first), "--env-file", str(second)]
    code = command_main([*argv, "--", sys.executable, "-c", f"{script}; sys.exit(5)"])
    assert code == 2
    err = capsys.readouterr().err
    assert "exited with code 5 before registering tasks" in err
    assert "hello second" in err


def test_a_bad_env_file_line_is_reported_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / "bad.env"
    env_file.write_text("OK=1\nnot a pair\n")
    code = command_main(["--port", "0", "--env-file", str(env_file), "--", "python", "x.py"])
    assert code == 2
    assert f"{env_file}:2: expected KEY=VALUE" in capsys.readouterr().err


def test_interrupting_a_registration_leaves_no_worker_process(tmp_path: Path) -> None:
    marker = tmp_path / "pid"
    worker = ["sh", "-c", f'echo $$ > "{marker}"; exec sleep 4242']
    driver = (
        "from render_sdk.local.worker_host import WorkerConfig, register_worker\n"
        f"register_worker(WorkerConfig(command=tuple({worker!r})))\n"
    )
    caller = subprocess.Popen([sys.executable, "-c", driver], stderr=subprocess.PIPE, text=True)
    try:
        (pid,) = pids_in(marker)
        assert alive(pid)
        caller.send_signal(signal.SIGINT)  # what Ctrl-C sends to the caller's terminal group
        _, stderr = caller.communicate(timeout=10)
    finally:
        caller.kill()
    assert "KeyboardInterrupt" in stderr
    eventually(lambda: not alive(pid), timeout=5, what="the worker to be killed")
