"""Checking framework settings and turning them into Client arguments."""

from __future__ import annotations

from typing import Any

import pytest

from render_sdk import ConfigurationError, RetryPolicy, Timeout
from render_sdk.contrib._settings import OPTIONS, client_options


def django_style(values: dict[str, Any]) -> dict[str, Any]:
    return client_options(
        values, describe=lambda key: f"settings.RENDER_SDK[{key!r}]", reject_unknown=True
    )


def flask_style(values: dict[str, Any]) -> dict[str, Any]:
    return client_options(
        values,
        prefix="RENDER_",
        describe=lambda key: f"app.config[{key!r}]",
        reject_unknown=False,
    )


def test_every_setting_becomes_its_client_argument() -> None:
    policy = RetryPolicy(max_retries=1)
    options = django_style(
        {
            "API_KEY": "rnd_x",
            "BASE_URL": "http://127.0.0.1:9",
            "TIMEOUT": [2, 20],
            "MAX_RETRIES": 0,
            "RETRY_POLICY": policy,
            "WAIT_STRATEGY": "poll",
            "EVENT_IDLE_TIMEOUT": 5,
            "DEFAULT_HEADERS": {"X-App": "shop"},
            "MAX_INPUT_BYTES": 1024,
            "ALLOW_INSECURE_HTTP": False,
            "LOCAL": True,
            "RATE_LIMIT_PACING": False,
        }
    )
    assert options == {
        "api_key": "rnd_x",
        "base_url": "http://127.0.0.1:9",
        "timeout": Timeout(connect=2, read=20),
        "max_retries": 0,
        "retry_policy": policy,
        "wait_strategy": "poll",
        "event_idle_timeout": 5.0,
        "default_headers": {"X-App": "shop"},
        "max_input_bytes": 1024,
        "allow_insecure_http": False,
        "local": True,
        "rate_limit_pacing": False,
    }


def test_none_means_not_set_so_the_environment_and_defaults_apply() -> None:
    assert django_style({"API_KEY": None, "TIMEOUT": None}) == {}


def test_an_unknown_key_names_the_closest_setting_and_lists_the_accepted_ones() -> None:
    with pytest.raises(ConfigurationError) as raised:
        django_style({"API_KEYS": "rnd_x"})
    message = str(raised.value)
    assert "settings.RENDER_SDK['API_KEYS'] is not a setting" in message
    assert "did you mean 'API_KEY'?" in message
    assert all(option.name in message for option in OPTIONS)


@pytest.mark.parametrize(
    ("key", "value", "accepted"),
    [
        ("TIMEOUT", -1, "a positive number of seconds"),
        ("TIMEOUT", "10", "a positive number of seconds"),
        ("MAX_RETRIES", True, "an int of 0 or more"),
        ("MAX_RETRIES", -1, "an int of 0 or more"),
        ("BASE_URL", "api.render.com", "an http(s) URL"),
        ("WAIT_STRATEGY", "sse", "one of 'auto', 'events', 'poll'"),
        ("EVENT_IDLE_TIMEOUT", 0, "a positive number of seconds"),
        ("DEFAULT_HEADERS", {"X-N": 1}, "a dict of str header names to str values"),
        ("MAX_INPUT_BYTES", 0, "an int of 1 or more"),
        ("ALLOW_INSECURE_HTTP", "yes", "True or False"),
        ("LOCAL", "true", "True or False"),
        ("RATE_LIMIT_PACING", 1, "True or False"),
        ("RETRY_POLICY", {"max_retries": 1}, "a render_sdk.RetryPolicy"),
    ],
)
def test_a_bad_value_says_which_key_what_it_got_and_what_is_accepted(
    key: str, value: object, accepted: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        django_style({key: value})
    message = str(raised.value)
    assert message.startswith(f"settings.RENDER_SDK[{key!r}] must be {accepted}")
    assert f"got {value!r}" in message


def test_a_bad_api_key_is_never_echoed() -> None:
    with pytest.raises(ConfigurationError) as raised:
        django_style({"API_KEY": ["rnd_secret"]})
    assert "rnd_secret" not in str(raised.value)
    assert "RENDER_API_KEY" in str(raised.value)


def test_flask_keys_carry_the_prefix_and_other_config_is_left_alone() -> None:
    options = flask_style({"RENDER_API_KEY": "rnd_x", "RENDER_TIMEOUT": 3, "SECRET_KEY": "s"})
    assert options == {"api_key": "rnd_x", "timeout": Timeout(connect=3, read=3)}
    with pytest.raises(ConfigurationError, match=r"app.config\['RENDER_MAX_RETRIES'\]"):
        flask_style({"RENDER_MAX_RETRIES": "3"})
