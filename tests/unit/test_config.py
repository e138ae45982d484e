"""API key, base URL and local-development resolution (render_sdk._config)."""

from __future__ import annotations

import platform
import sys
import warnings

import pytest

from render_sdk._config import (
    DEFAULT_BASE_URL,
    LOCAL_DEV_FALSE,
    LOCAL_DEV_TRUE,
    LOCAL_DEV_URL,
    ResolvedConfig,
    is_loopback_host,
    local_dev_setting,
    local_server_hint,
    resolve_config,
    user_agent,
)
from render_sdk._version import __version__
from render_sdk.errors import ConfigurationError, MissingAPIKeyError, RenderError, RenderWarning

KEY = "rnd_s3cretKEY"


def test_key_from_environment() -> None:
    config = resolve_config(None, None, environ={"RENDER_API_KEY": KEY})
    assert config == ResolvedConfig(api_url=DEFAULT_BASE_URL + "/v1", api_key=KEY, local=False)


def test_explicit_key_wins_over_environment() -> None:
    assert resolve_config("rnd_mine", None, environ={"RENDER_API_KEY": KEY}).api_key == "rnd_mine"


@pytest.mark.parametrize("environ", [{}, {"RENDER_API_KEY": ""}, {"RENDER_USE_LOCAL_DEV": "0"}])
def test_missing_key_outside_local_mode_is_a_configuration_error(environ: dict[str, str]) -> None:
    with pytest.raises(MissingAPIKeyError) as info:
        resolve_config(None, None, environ=environ)
    assert "RENDER_API_KEY" in str(info.value)
    assert "RENDER_USE_LOCAL_DEV" in str(info.value)
    assert isinstance(info.value, RenderError)


@pytest.mark.parametrize("value", ["1", "t", "T", "true", "TRUE", "True"])
def test_truthy_local_dev_values_select_the_local_server(value: str) -> None:
    config = resolve_config(None, None, environ={"RENDER_USE_LOCAL_DEV": value})
    assert config == ResolvedConfig(api_url=LOCAL_DEV_URL + "/v1", api_key=None, local=True)


@pytest.mark.parametrize("value", ["", "0", "f", "F", "false", "FALSE", "False"])
def test_empty_and_false_local_dev_values_keep_local_mode_off_silently(value: str) -> None:
    environ = {"RENDER_USE_LOCAL_DEV": value, "RENDER_API_KEY": KEY}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = resolve_config(None, None, environ=environ)
    assert config.local is False
    assert config.api_url == "https://api.render.com/v1"


@pytest.mark.parametrize("value", ["yes", "on", "y", " true", "2", "no", "tRUE"])
def test_unrecognized_local_dev_values_warn_and_count_as_false(value: str) -> None:
    environ = {"RENDER_USE_LOCAL_DEV": value, "RENDER_API_KEY": KEY}
    with pytest.warns(RenderWarning) as caught:
        config = resolve_config(None, None, environ=environ)
    assert config.local is False
    assert config.api_url == "https://api.render.com/v1"
    message = str(caught[0].message)
    assert repr(value) in message
    assert "1, t, T, true, TRUE, True" in message


# Render's rule as a table: environment -> the local server's URL (None: local mode off).
# A non-empty RENDER_LOCAL_DEV_URL alone turns local mode on, whatever the flag says.
LOCAL_DEV_TABLE: list[tuple[dict[str, str], str | None]] = [
    ({}, None),
    ({"RENDER_LOCAL_DEV_URL": ""}, None),
    ({"RENDER_LOCAL_DEV_URL": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000"),
    (
        {"RENDER_LOCAL_DEV_URL": "http://127.0.0.1:9000", "RENDER_USE_LOCAL_DEV": "false"},
        "http://127.0.0.1:9000",
    ),
    (
        {"RENDER_LOCAL_DEV_URL": "http://127.0.0.1:9000", "RENDER_USE_LOCAL_DEV": "yes"},
        "http://127.0.0.1:9000",
    ),
    ({"RENDER_LOCAL_DEV_URL": "", "RENDER_USE_LOCAL_DEV": "true"}, LOCAL_DEV_URL),
    *(({"RENDER_USE_LOCAL_DEV": value}, LOCAL_DEV_URL) for value in LOCAL_DEV_TRUE),
    *(({"RENDER_USE_LOCAL_DEV": value}, None) for value in LOCAL_DEV_FALSE),
    ({"RENDER_USE_LOCAL_DEV": "yes"}, None),
]


@pytest.mark.parametrize(("environ", "url"), LOCAL_DEV_TABLE)
def test_local_dev_setting_follows_renders_rule(environ: dict[str, str], url: str | None) -> None:
    setting = local_dev_setting(environ)
    assert setting.url == url
    warned = url is None and environ.get("RENDER_USE_LOCAL_DEV") == "yes"
    assert (setting.warning is not None) == warned


@pytest.mark.parametrize(("environ", "url"), LOCAL_DEV_TABLE)
def test_resolve_config_applies_the_table(environ: dict[str, str], url: str | None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        config = resolve_config(None, None, environ={**environ, "RENDER_API_KEY": KEY})
    assert config.local is (url is not None)
    assert config.api_url == (url or DEFAULT_BASE_URL) + "/v1"


def test_local_dev_url_alone_needs_no_key() -> None:
    config = resolve_config(None, None, environ={"RENDER_LOCAL_DEV_URL": "http://127.0.0.1:9000/"})
    assert config == ResolvedConfig(api_url="http://127.0.0.1:9000/v1", api_key=None, local=True)


def test_a_bad_local_dev_url_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match=r"^RENDER_LOCAL_DEV_URL: base_url must be"):
        resolve_config(None, None, environ={"RENDER_LOCAL_DEV_URL": "localhost:8120"})


def test_explicit_local_wins_over_the_environment() -> None:
    on = resolve_config(None, None, local=True, environ={"RENDER_USE_LOCAL_DEV": "false"})
    assert (on.local, on.api_url) == (True, LOCAL_DEV_URL + "/v1")
    here = resolve_config(
        None, None, local=True, environ={"RENDER_LOCAL_DEV_URL": "http://127.0.0.1:7/"}
    )
    assert here.api_url == "http://127.0.0.1:7/v1"
    env = {"RENDER_LOCAL_DEV_URL": "http://127.0.0.1:7", "RENDER_API_KEY": KEY}
    off = resolve_config(None, None, local=False, environ=env)
    assert (off.local, off.api_url) == (False, DEFAULT_BASE_URL + "/v1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an explicit choice makes the variable irrelevant
        resolve_config(None, None, local=True, environ={"RENDER_USE_LOCAL_DEV": "yes"})
    with pytest.raises(ConfigurationError, match="local must be True, False or None"):
        resolve_config(KEY, None, local="yes", environ={})  # type: ignore[arg-type]


def test_local_server_hint_names_the_url_and_the_dev_command() -> None:
    hint = local_server_hint("http://localhost:8120/v1")
    assert "http://localhost:8120?" in hint
    assert "render-sdk dev" in hint


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
