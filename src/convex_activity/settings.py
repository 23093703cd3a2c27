"""Settings from the environment and ``.env`` (pydantic-settings).

Variables::

    CONVEX_DEPLOYMENT_URL         https://<name>.convex.cloud (http:// only for loopback hosts)
    CONVEX_DEPLOY_KEY             optional; never logged or printed
    CONVEX_ACTIVITY_TIMEZONE      display zone and default --tz (default UTC)
    CONVEX_ACTIVITY_PAGE_SIZE     listSince page size, 1-1000 (default 500)
    CONVEX_ACTIVITY_TIMEOUT       seconds for a whole collection (default 120)
    CONVEX_ACTIVITY_CALL_TIMEOUT  seconds for one call (default 30)
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Any

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError
from .redact import redact, register_secret, safe_url
from .window import zone

__all__ = [
    "KEY_VARIABLE",
    "URL_VARIABLE",
    "Settings",
    "is_loopback_host",
    "load_settings",
    "register_environment_key",
]

URL_VARIABLE = "CONVEX_DEPLOYMENT_URL"
KEY_VARIABLE = "CONVEX_DEPLOY_KEY"
ENV_FILE = ".env"
# Host names (IDN letters allowed), IPv4 and IPv6 literals: no blanks, no punctuation.
_HOST = re.compile(r"[\w.:-]+")


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1``."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """Everything the collector reads from the environment.

    Construct with keyword arguments by field name (``Settings(timeout=2)``) or let it read the
    environment and ``.env``. Use :func:`load_settings` to get a :class:`ConfigError` instead of a
    pydantic ``ValidationError``.
    """

    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    deployment_url: str | None = Field(default=None, validation_alias="CONVEX_DEPLOYMENT_URL")
    deploy_key: SecretStr | None = Field(default=None, validation_alias=KEY_VARIABLE)
    timezone: str = Field(default="UTC", validation_alias="CONVEX_ACTIVITY_TIMEZONE")
    page_size: int = Field(default=500, ge=1, le=1000, validation_alias="CONVEX_ACTIVITY_PAGE_SIZE")
    timeout: float = Field(default=120.0, gt=0, validation_alias="CONVEX_ACTIVITY_TIMEOUT")
    call_timeout: float = Field(default=30.0, gt=0, validation_alias="CONVEX_ACTIVITY_CALL_TIMEOUT")

    @field_validator("deployment_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("deploy_key")
    @classmethod
    def _blank_key_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        return SecretStr(value.get_secret_value().strip())

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)  # raises WindowError (a ValueError) for an unknown zone
        return value

    def model_post_init(self, __context: Any) -> None:
        """Register the deploy key with the redactor as soon as it is known."""
        register_secret(self.deploy_key)

    def require_url(self) -> str:
        """The deployment URL, checked.

        Returns:
            The URL without a trailing slash.

        Raises:
            ConfigError: it is not set, not http(s), or plain http to a non-loopback host.
        """
        url = self.deployment_url
        if not url:
            raise ConfigError(
                f"{URL_VARIABLE} is not configured: set it to your deployment URL "
                "(https://<name>.convex.cloud) in the environment or .env"
            )
        try:
            from urllib.parse import urlsplit

            parts = urlsplit(url)
            host = parts.hostname
        except ValueError as exc:
            raise ConfigError(f"{URL_VARIABLE} is not a valid URL: {safe_url(url)}") from exc
        try:
            _ = parts.port  # parsed lazily; the client would refuse it at the first call
        except ValueError:
            # Not echoed: what follows the host's ":" may be a pasted deploy key.
            raise ConfigError(f"{URL_VARIABLE} is not a valid URL (its port is not a number "
                              "from 0 to 65535)") from None
        if host and not _HOST.fullmatch(host):
            raise ConfigError(f"{URL_VARIABLE} is not a valid URL (host {redact(host)!r} has a "
                              "character a host name cannot have)")
        if parts.scheme not in ("https", "http") or not host:
            raise ConfigError(
                f"{URL_VARIABLE} must be an https:// URL (http:// is allowed only for a "
                f"loopback host: localhost, 127.0.0.0/8, [::1]), got {redact(safe_url(url))!r}"
            )
        if parts.scheme == "http" and not is_loopback_host(host):
            raise ConfigError(
                f"{URL_VARIABLE} must use https:// for a remote host (http:// is allowed only "
                f"for a loopback host: localhost, 127.0.0.0/8, [::1]), got "
                f"{redact(safe_url(url))!r}"
            )
        return url.rstrip("/")


def register_environment_key() -> None:
    """Register the deploy key of the environment (or ``.env``) with the redactor, unvalidated.

    Settings register their key once they validate; this runs before anything can fail, so a
    message about another bad setting, or an echoed command-line value, cannot carry the key.
    """
    register_secret(os.environ.get(KEY_VARIABLE))
    try:
        register_secret(dotenv_values(ENV_FILE).get(KEY_VARIABLE))
    except (OSError, UnicodeDecodeError):
        pass  # an unreadable .env fails later, in Settings, with its own message


def load_settings(**overrides: Any) -> Settings:
    """Build :class:`Settings` from the environment plus ``overrides`` (by field name).

    Raises:
        ConfigError: a value is invalid; the message names the variable and never shows the
            deploy key (a value that contains it is masked).
    """
    register_environment_key()
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "settings"
            problems.append(f"{where}: {error['msg']}")
        raise ConfigError(redact("invalid settings: " + "; ".join(problems))) from None
