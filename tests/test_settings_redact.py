"""Settings (env, .env, bounds, URL rules) and redaction of deploy keys."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import W24
from convex_activity.cli import main
from convex_activity.collect import collect_activity
from convex_activity.errors import ConfigError
from convex_activity.redact import redact, register_secret, safe_url
from convex_activity.settings import Settings, load_settings
from fakes import FakeConvex, build_documents, raise_on

KEY = "prod:happy-otter-123|eyJ2MiI6ImFiY2RlZjAxMjM0NTY3ODkifQ=="


def test_defaults() -> None:
    settings = load_settings()
    assert settings.deployment_url is None and settings.deploy_key is None
    assert settings.timezone == "UTC" and settings.page_size == 500
    assert settings.timeout == 120.0 and settings.call_timeout == 30.0


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "CONVEX_DEPLOYMENT_URL=https://happy-otter-123.convex.cloud\n"
        "CONVEX_ACTIVITY_PAGE_SIZE=250\n", encoding="utf-8")
    monkeypatch.setenv("CONVEX_ACTIVITY_TIMEOUT", "7.5")
    settings = load_settings()
    assert settings.require_url() == "https://happy-otter-123.convex.cloud"
    assert settings.page_size == 250 and settings.timeout == 7.5


@pytest.mark.parametrize("value", ["0", "1001", "many"])
def test_page_size_bounds(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CONVEX_ACTIVITY_PAGE_SIZE", value)
    with pytest.raises(ConfigError, match="CONVEX_ACTIVITY_PAGE_SIZE"):
        load_settings()


@pytest.mark.parametrize("url", [
    "https://happy-otter-123.convex.cloud", "http://127.0.0.1:3210", "http://localhost:3210",
    "http://[::1]:3210", "http://127.5.6.7:80",
])
def test_accepted_urls(url: str) -> None:
    assert Settings(deployment_url=url).require_url() == url


@pytest.mark.parametrize("url, message", [
    ("http://happy-otter-123.convex.cloud", "must use https://"),
    ("http://10.0.0.5:3210", "must use https://"),
    ("ftp://x.convex.cloud", "must be an https:// URL"),
    ("happy-otter-123.convex.cloud", "must be an https:// URL"),
    ("127.0.0.1:3210", r"^CONVEX_DEPLOYMENT_URL must be an https:// URL \(http:// is allowed only "
                       r"for a loopback host: localhost, 127\.0\.0\.0/8, \[::1\]\), got "
                       r"'127.0.0.1:3210'$"),
])
def test_rejected_urls(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        Settings(deployment_url=url).require_url()
    assert "CONVEX_DEPLOYMENT_URL" in str(info.value)


def test_missing_url_names_the_variable() -> None:
    with pytest.raises(ValueError, match="^CONVEX_DEPLOYMENT_URL is not configured"):
        Settings().require_url()


def test_deploy_key_is_secret_in_repr_and_registered() -> None:
    settings = Settings(deploy_key=KEY)
    assert KEY not in repr(settings) and KEY not in str(settings.model_dump())
    assert redact(f"auth failed for {KEY}") == "auth failed for ***"
    token = KEY.rpartition("|")[2]
    assert redact(f"bad token {token}") == "bad token ***"


def test_redact_patterns_and_explicit_secrets() -> None:
    assert redact(f"key={KEY}") == "key=***"
    assert redact("Authorization: Convex abcdefghijkl") == "Authorization: Convex ***"
    assert redact("token s3cr3t-value here", ["s3cr3t-value"]) == "token *** here"
    assert redact("nothing secret") == "nothing secret"
    assert redact("authorization=Bearer abc") == "authorization=Bearer ***"
    assert redact("sent Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx") == "sent Bearer ***"
    # Prose next to the word Convex is not a token.
    assert redact("not a Convex snapshot export: no _tables/") == (
        "not a Convex snapshot export: no _tables/")


def test_safe_url_drops_userinfo_and_query() -> None:
    assert safe_url("https://user:pw@x.convex.cloud:443/api?token=abc#f") == (
        "https://x.convex.cloud:443/api")
    assert safe_url("http://[::1]:3210") == "http://[::1]:3210"


def test_deploy_key_never_reaches_errors_logs_or_output(caplog: pytest.LogCaptureFixture) -> None:
    register_secret(KEY)
    fake = FakeConvex(build_documents({"crimeReports": [{"_id": "rep_1"}]}), faults={
        "tips:listSince": raise_on([1, 2, 3, 4, 5, 6], lambda: ConnectionError(
            f"connection refused while authenticating with {KEY}")),
    })
    with caplog.at_level(logging.DEBUG):
        result = collect_activity(fake, W24, settings=Settings(timeout=3))
    text = result.to_json()
    assert result.complete is False
    assert "***" in result.sources["tips"]["error"]
    assert KEY not in text and KEY not in caplog.text
    assert "eyJ2MiI6" not in text and "eyJ2MiI6" not in caplog.text


@pytest.mark.parametrize("where", ["environment", ".env"])
def test_a_key_in_another_setting_is_masked_before_settings_validate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, where: str
) -> None:
    # The key pasted into the wrong variable: the zone error echoes the value, and the key is not
    # registered yet, because the settings never validated.
    if where == "environment":
        monkeypatch.setenv("CONVEX_DEPLOY_KEY", KEY)
        monkeypatch.setenv("CONVEX_ACTIVITY_TIMEZONE", KEY)
    else:
        monkeypatch.chdir(tmp_path)
        (tmp_path / ".env").write_text(
            f"CONVEX_DEPLOY_KEY={KEY}\nCONVEX_ACTIVITY_TIMEZONE={KEY}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == (
        "invalid settings: CONVEX_ACTIVITY_TIMEZONE: Value error, unknown time zone '***'")


def test_registered_key_is_masked_whatever_its_case() -> None:
    register_secret(KEY)
    token = KEY.rpartition("|")[2]
    # urlsplit lowercases a host: a key pasted there comes back lowercased.
    assert redact(f"host {token.lower()}.invalid") == "host ***.invalid"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["collect", "--since", "TOKEN", "--until", "2019-01-01T00:00:00Z"],
         "Error: '***' is not an ISO 8601 date-time"),
        (["collect", "--export", "/nope/TOKEN", "--hours", "1"],
         "Error: Invalid value for '--export': Path '/nope/***' does not exist."),
        (["collect", "--TOKEN"], "Error: No such option '--***'."),
        (["report", "--tz", "TOKEN", "--export", "x"],
         "Error: Invalid value for '--export': Path 'x' does not exist."),
        (["collect", "--day", "2019-09-14", "--tz", "TOKEN"],
         "Error: unknown time zone '***'"),
    ],
)
def test_cli_never_echoes_the_key_in_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, args: list[str], line: str
) -> None:
    monkeypatch.setenv("CONVEX_DEPLOY_KEY", KEY)
    token = KEY.rpartition("|")[2]
    result = CliRunner().invoke(main, [a.replace("TOKEN", token) for a in args])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == line
    assert token not in result.stderr and token not in result.stdout
