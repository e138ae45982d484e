"""The secret filter redacts secrets from log records and never drops a record."""

from __future__ import annotations

import logging

from render_sdk._logging import SecretFilter


def record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("render_sdk", logging.DEBUG, __file__, 1, msg, args, None)


def test_secrets_are_replaced_in_the_formatted_message() -> None:
    entry = record("sending %s with key %s", "GET", "rnd_abc123")

    assert SecretFilter("rnd_abc123").filter(entry)

    assert entry.getMessage() == "sending GET with key ***"


def test_records_without_secrets_are_left_untouched() -> None:
    entry = record("GET %s -> %d", "/v1/task-runs", 200)

    assert SecretFilter("rnd_abc123", "").filter(entry)

    assert (entry.msg, entry.args) == ("GET %s -> %d", ("/v1/task-runs", 200))


def test_an_empty_filter_passes_everything() -> None:
    entry = record("key rnd_abc123")

    assert SecretFilter().filter(entry)
    assert entry.getMessage() == "key rnd_abc123"
