"""API key, base URL and local-development resolution (render_sdk._config)."""

from __future__ import annotations

import platform
import sys

import pytest

from render_sdk._config import (
    DEFAULT_BASE_URL,
    LOCAL_DEV_URL,
    ResolvedConfig,
    is_loopback_host,
    resolve_config,
    user_agent,
)
from render_sdk._version import __version__
from render_sdk.errors import ConfigurationError, RenderError

KEY = "rnd_s3cretKEY"


def test_key_from_environment() -> None:
    config = resolve_config(None, None, environ={"RENDER_API_KEY": KEY})
    assert config == ResolvedConfig(api_url=DEFAULT_BASE_URL + "/v1", api_key=KEY, local=False)


def test_explicit_key_wins_over_environment() -> None:
    assert resolve_config("rnd_mine", None, environ={"RENDER_API_KEY": KEY}).api_key == "rnd_mine"


@pytest.mark.parametrize("environ", [{}, {"RENDER_API_KEY": ""}, {"RENDER_USE_LOCAL_DEV": "no"}])
def test_missing_key_outside_local_mode_is_a_configuration_error(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_config(None, None, environ=environ)
    assert "RENDER_API_KEY" in str(info.value)
    assert "RENDER_USE_LOCAL_DEV" in str(info.value)
    assert isinstance(info.value, RenderError)


@pytest.mark.parametrize("value", ["1", "t", "T", "true", "TRUE", "True"])
def test_truthy_local_dev_values_select_the_local_server(value: str) -> None:
    config = resolve_config(None, None, environ={"RENDER_USE_LOCAL_DEV": value})
    assert config == ResolvedConfig(api_url=LOCAL_DEV_URL + "/v1", api_key=None, local=True)


@pytest.mark.parametrize("value", ["", "0", "f", "false", "False", "yes", "on", "y", " true", "2"])
def test_other_local_dev_values_are_not_truthy(value: str) -> None:
    environ = {"RENDER_USE_LOCAL_DEV": value, "RENDER_API_KEY": KEY}
    config = resolve_config(None, None, environ=environ)
    assert config.local is False
    assert config.api_url == "https://api.render.com/v1"


def test_local_dev_url_overrides_the_default_and_empty_is_ignored() -> None:
    env = {"RENDER_USE_LOCAL_DEV": "true", "RENDER_LOCAL_DEV_URL": "http://127.0.0.1:9000/"}
    assert resolve_config(None, None, environ=env).api_url == "http://127.0.0.1:9000/v1"
    env["RENDER_LOCAL_DEV_URL"] = ""
    assert resolve_config(None, None, environ=env).api_url == "http://localhost:8120/v1"


def test_local_dev_url_is_ignored_outside_local_mode() -> None:
    env = {"RENDER_LOCAL_DEV_URL": "http://127.0.0.1:9000", "RENDER_API_KEY": KEY}
    assert resolve_config(None, None, environ=env).api_url == "https://api.render.com/v1"


def test_key_is_optional_but_used_in_local_mode() -> None:
    env = {"RENDER_USE_LOCAL_DEV": "1", "RENDER_API_KEY": KEY}
    assert resolve_config(None, None, environ=env).api_key == KEY


def test_explicit_base_url_wins_over_local_dev() -> None:
    env = {"RENDER_USE_LOCAL_DEV": "1"}
    assert (
        resolve_config(None, "http://localhost:1/", environ=env).api_url == "http://localhost:1/v1"
    )


@pytest.mark.parametrize(
    ("base_url", "api_url"),
    [
        ("https://api.render.com", "https://api.render.com/v1"),
        ("https://api.render.com/", "https://api.render.com/v1"),
        ("https://api.render.com/v1", "https://api.render.com/v1"),
        ("https://api.render.com/v1/", "https://api.render.com/v1"),
        ("  https://api.render.com  ", "https://api.render.com/v1"),
        ("https://proxy.example/render", "https://proxy.example/render/v1"),
        ("https://h:8443", "https://h:8443/v1"),
    ],
)
def test_base_url_gets_exactly_one_v1(base_url: str, api_url: str) -> None:
    assert resolve_config(KEY, base_url, environ={}).api_url == api_url


@pytest.mark.parametrize(
    "base_url",
    [
        "",
        "api.render.com",
        "ftp://api.render.com",
        "https://",
        "https:///v1",
        "https://api.render.com?x=1",
        "https://api.render.com#frag",
        "http://[::1",
        "https://h:99999",
        "https://h:port",
        "https://api render.com",
        "https://api.render.com/\nx",
        5,
        b"https://api.render.com",
    ],
)
def test_bad_base_urls_are_configuration_errors(base_url: object) -> None:
    with pytest.raises(ConfigurationError, match="base_url must"):
        resolve_config(KEY, base_url, environ={})  # type: ignore[arg-type]


def test_http_with_a_key_to_a_remote_host_is_refused_unless_allowed() -> None:
    with pytest.raises(ConfigurationError, match="clear text") as info:
        resolve_config(KEY, "http://api.example.com", environ={})
    assert "allow_insecure_http=True" in str(info.value)
    assert KEY not in str(info.value)
    config = resolve_config(KEY, "http://api.example.com", allow_insecure_http=True, environ={})
    assert config.api_url == "http://api.example.com/v1"


def test_http_without_a_key_to_a_remote_host_is_allowed() -> None:
    env = {"RENDER_USE_LOCAL_DEV": "1"}
    assert resolve_config(None, "http://10.0.0.5:8120", environ=env).api_key is None


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8120",
        "http://localhost",
        "http://[::1]:8120",
        "http://127.8.9.1",
        "http://a.localhost",
    ],
)
def test_http_to_loopback_with_a_key_is_fine(base_url: str) -> None:
    assert resolve_config(KEY, base_url, environ={}).api_key == KEY


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("[::1]", True),
        ("::1", True),
        ("localhost.evil.com", False),
        ("127.0.0.1.nip.io", False),
        ("10.0.0.1", False),
        ("", False),
    ],
)
def test_is_loopback_host(host: str, expected: bool) -> None:
    assert is_loopback_host(host) is expected


@pytest.mark.parametrize("api_key", ["", "   ", 123])
def test_empty_or_non_string_keys_are_refused(api_key: object) -> None:
    with pytest.raises(ConfigurationError, match="non-empty string"):
        resolve_config(api_key, None, environ={})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "api_key", [KEY + "\n", " " + KEY, "rnd_a b", "rnd_\x00", "rnd_ключ", KEY + "\r\nX-Evil: 1"]
)
def test_keys_with_whitespace_or_control_characters_are_refused_without_echoing(
    api_key: str,
) -> None:
    with pytest.raises(ConfigurationError, match="whitespace, control") as info:
        resolve_config(api_key, None, environ={})
    assert api_key.strip() not in str(info.value)


def test_the_key_never_appears_in_the_repr() -> None:
    config = resolve_config(KEY, None, environ={})
    assert KEY not in repr(config)
    assert KEY not in str(config)
    assert "api_url='https://api.render.com/v1'" in repr(config)


def test_user_agent_names_the_sdk_version_python_and_platform() -> None:
    python = ".".join(map(str, sys.version_info[:3]))
    agent = user_agent()
    assert agent == (
        f"render-workflows-sdk/{__version__} (render_sdk; Python {python}; "
        f"{platform.system() or sys.platform} {platform.machine()})"
    )
    assert agent.isascii()
