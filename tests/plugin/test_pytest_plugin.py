"""The ``render_sdk`` pytest plugin, exercised through pytester runs of small test suites."""

from __future__ import annotations

import textwrap

import pytest

# pytester's in-process runs drop the modules each run imported; render_sdk keeps state
# across modules (the converter caches hooks keyed by model classes), so load it here once.
import render_sdk._async.client
import render_sdk._serde
import render_sdk._sync.client
import render_sdk.local
import render_sdk.testing.router  # noqa: F401

SHOP_TASKS = """
from render_sdk.local import Workflow

shop = Workflow("shop")


@shop.task
def total(prices):
    return sum(prices)
"""

MAIL_TASKS = """
from render_sdk.local import Workflow

mail = Workflow("mail")


@mail.task
def send(to):
    return f"sent to {to}"
"""

STRICT_INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings =
    error::ResourceWarning
    error::pytest.PytestUnraisableExceptionWarning
"""


def ini(extra: str = "") -> str:
    return textwrap.dedent(STRICT_INI) + textwrap.dedent(extra)


def test_the_ini_option_names_a_tasks_file_relative_to_the_rootdir(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(ini("render_tasks = app/tasks.py\n"))
    pytester.mkpydir("app")
    pytester.path.joinpath("app", "tasks.py").write_text(SHOP_TASKS)
    pytester.makepyfile(
        """
        def test_total(render_client, render_server):
            assert render_server.base_url.startswith("http://127.0.0.1:")
            details = render_client.workflows.run_task("shop/total", [[2, 3]], timeout=10)
            assert details.result == 5

        def test_the_same_server_serves_the_next_test(render_client):
            assert render_client.workflows.run_task("shop/total", [[1]], timeout=10).result == 1
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_ini_option_names_a_module_and_a_marker_overrides_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(ini("render_tasks = shop_tasks\n"))
    pytester.makepyfile(shop_tasks=SHOP_TASKS, mail_tasks=MAIL_TASKS)
    pytester.syspathinsert()
    pytester.makepyfile(
        """
        import pytest

        def test_from_the_ini(render_client):
            assert render_client.workflows.run_task("shop/total", [[4]], timeout=10).result == 4

        @pytest.mark.render_tasks("mail_tasks")
        def test_from_the_marker(render_client):
            details = render_client.workflows.run_task("mail/send", ["ada"], timeout=10)
            assert details.result == "sent to ada"

        @pytest.mark.render_tasks("mail_tasks")
        class TestMarkedClass:
            def test_inherits_the_marker(self, render_client):
                assert render_client.workflows.get_task_run  # the client exists
                listed = list(render_client.workflows.list_tasks())
                assert [task.name for task in listed] == ["send"]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_the_async_client_works_in_pytest_asyncio_tests_and_leaks_nothing(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(ini("render_tasks = shop_tasks.py\n"))
    pytester.makepyfile(shop_tasks=SHOP_TASKS)
    pytester.makepyfile(
        """
        import asyncio

        async def test_one(render_async_client):
            details = await render_async_client.workflows.run_task(
                "shop/total", [[1, 2]], timeout=10
            )
            assert details.result == 3

        async def test_two_concurrent_waits(render_async_client):
            runs = [
                await render_async_client.workflows.start_task("shop/total", [[n]])
                for n in range(3)
            ]
            done = await asyncio.gather(*(run.wait(timeout=10) for run in runs))
            assert [d.result for d in done] == [0, 1, 2]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_render_server_without_tasks_fails_with_what_to_configure(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(ini())
    pytester.makepyfile(
        """
        def test_needs_a_server(render_server):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*render_server has no tasks to serve*render_tasks*"])


def test_render_mock_answers_the_common_cases_for_both_clients(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(ini())
    pytester.makepyfile(
        """
        import pytest
        from render_sdk import (
            NotFoundError, RateLimitError, InternalServerError, TaskRunFailedError,
        )

        def test_a_run_that_succeeds(render_mock):
            render_mock.add_run("shop/total", result=5)
            client = render_mock.client()
            assert client.workflows.run_task("shop/total", [[2, 3]], timeout=5).result == 5
            assert [s["input"] for s in render_mock.starts] == [[[2, 3]]]
            assert [(r.method, r.path) for r in render_mock.requests][0] == (
                "POST", "/v1/task-runs",
            )

        def test_a_start_that_returns_a_pending_run(render_mock):
            declared = render_mock.add_run("shop/total")
            run = render_mock.client().workflows.start_task("shop/total", [[1]])
            assert (run.id, run.status.value) == (declared.id, "pending")

        def test_a_run_that_fails(render_mock):
            render_mock.add_run("shop/total", error="ValueError: no prices")
            with pytest.raises(TaskRunFailedError, match="no prices"):
                render_mock.client().workflows.run_task("shop/total", [[]], timeout=5)

        def test_errors_by_status(render_mock):
            client = render_mock.client()
            render_mock.add_error("POST", "/task-runs", 429, headers={"Retry-After": "3"})
            with pytest.raises(RateLimitError) as caught:
                client.workflows.start_task("shop/total", [[1]])
            assert caught.value.retry_after == 3
            render_mock.add_error("GET", "*", 503)
            with pytest.raises(InternalServerError):
                client.workflows.get_task_run("trn-x")
            with pytest.raises(NotFoundError, match="task run trn-unknown not found"):
                client.workflows.get_task_run("trn-unknown")
            with pytest.raises(NotFoundError, match="render_mock has no answer for GET /tasks"):
                client.workflows.get_task("tsk-unknown")

        async def test_the_async_client_too(render_mock):
            render_mock.add_run(result={"ok": True})
            async with render_mock.async_client() as client:
                details = await client.workflows.run_task("any/task", {"x": 1}, timeout=5)
            assert details.result == {"ok": True}
            assert render_mock.starts[0]["input"] == {"x": 1}
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=5)
