"""The example's views, driven by Django's test client against a local Render server.

Run with ``python manage.py test`` in examples/django_app. The local server runs the
bundled ``demo`` workflow in a background thread on a free port.
"""

from django.test import TestCase, TransactionTestCase, override_settings
from render_sdk.contrib.django import close_client
from render_sdk.local import serve

from .models import Square


class LocalServerMixin:
    """A local server for the test class, and settings.RENDER_SDK pointing at it."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        server = serve("render_sdk.local.examples.demo")
        cls.server = server.__enter__()
        cls.addClassCleanup(server.__exit__, None, None, None)
        # The local server takes any key; the shared client is rebuilt for these settings.
        settings = override_settings(
            RENDER_SDK={"BASE_URL": cls.server.base_url, "API_KEY": "local", "MAX_RETRIES": 0}
        )
        settings.enable()
        cls.addClassCleanup(settings.disable)
        cls.addClassCleanup(close_client)


class RunViewsTests(LocalServerMixin, TestCase):
    def test_a_square_starts_its_run_once_the_row_is_committed(self) -> None:
        # TestCase never commits, so the test runs the on-commit callbacks itself.
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            response = self.client.post("/squares", {"number": 7}, content_type="application/json")
        self.assertEqual(len(callbacks), 2)  # the start, then recording its run id
        self.assertEqual(response.status_code, 202)
        square = Square.objects.get()
        self.assertTrue(square.run_id.startswith("trn-"))
        status = self.client.get(f"/runs/{square.run_id}", {"wait": "5"})
        self.assertEqual(status.json()["status"], "succeeded")
        self.assertEqual(status.json()["result"], 49)
        self.assertEqual(self.client.get(f"/squares/{square.pk}").json()["run"]["result"], 49)

    def test_nothing_starts_until_the_commit(self) -> None:
        with self.captureOnCommitCallbacks(execute=False):
            response = self.client.post("/squares", {"number": 3}, content_type="application/json")
        self.assertEqual(response.json()["run"], None)
        self.assertEqual(
            self.client.get(f"/squares/{response.json()['square']}").json()["run"], None
        )

    def test_a_square_that_is_not_an_int_is_refused(self) -> None:
        response = self.client.post("/squares", {"number": "7"}, content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Square.objects.exists())

    def test_start_then_report_a_failed_run(self) -> None:
        started = self.client.post(
            "/runs", {"task": "demo/fail", "input": ["no luck"]}, content_type="application/json"
        )
        self.assertEqual(started.status_code, 202)
        status = self.client.get(f"/runs/{started.json()['id']}", {"wait": "5"})
        self.assertEqual(status.status_code, 200)
        self.assertEqual(status.json()["status"], "failed")
        self.assertIn("no luck", status.json()["error"])

    def test_a_run_still_going_after_the_wait_is_accepted_with_its_status(self) -> None:
        started = self.client.post(
            "/runs", {"task": "demo/slow", "input": [30]}, content_type="application/json"
        )
        run_id = started.json()["id"]
        status = self.client.get(f"/runs/{run_id}", {"wait": "0.2"})
        self.assertEqual(status.status_code, 202)
        self.assertIn(status.json()["status"], ("pending", "running"))

    def test_sdk_errors_become_http_errors(self) -> None:
        bad_task = self.client.post(
            "/runs", {"task": "no slash", "input": []}, content_type="application/json"
        )
        self.assertEqual(bad_task.status_code, 400)
        self.assertEqual(bad_task.json()["error"], "invalid_argument")
        missing = self.client.get("/runs/trn-doesnotexist")
        self.assertEqual(missing.status_code, 404)


class CommittedSquareTests(LocalServerMixin, TransactionTestCase):
    """Real commits: the view's own atomic() block is the outermost transaction."""

    def test_the_run_has_started_by_the_time_the_view_answers(self) -> None:
        response = self.client.post("/squares", {"number": 4}, content_type="application/json")
        self.assertEqual(response.status_code, 202)
        self.assertTrue(response.json()["run"].startswith("trn-"))
        self.assertEqual(Square.objects.get().run_id, response.json()["run"])
