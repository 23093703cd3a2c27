"""Keep deploy keys and URL credentials out of logs, errors and output.

A deploy key gives full read and write access to a deployment, so every message that may leave
the process (log line, exception text, result JSON) passes through :func:`redact` first.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

__all__ = ["REDACTED", "forget_secrets", "redact", "register_secret", "safe_url"]

REDACTED = "***"

# Convex deploy keys look like "prod:happy-animal-123|<token>" (also dev:, preview:, project:).
_DEPLOY_KEY = re.compile(r"\b(?:prod|dev|preview|project):[A-Za-z0-9_.-]+\|[A-Za-z0-9+/=_.-]+")
# An Authorization header: whatever follows the scheme is a token.
_AUTH_HEADER = re.compile(r"(?i)\b(authorization\s*[:=]\s*(?:Convex|Bearer)\s+)\S+")
# A bare "Convex <key>" / "Bearer <jwt>": only a token-shaped word (16+ characters with a digit or
# "|"), so prose such as "not a Convex snapshot export" stays readable.
_SCHEME_TOKEN = re.compile(r"\b(Convex|Bearer)\s+(?=\S*[0-9|])[A-Za-z0-9+/=_.|:-]{16,}")

_lock = threading.Lock()
_registered: set[str] = set()


def register_secret(secret: str | SecretStr | None) -> None:
    """Remember a secret so every later :func:`redact` call masks it, even without being told."""
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if value and len(value) >= 4:
        with _lock:
            _registered.add(value)
            # The token after "|" is the secret part of a deploy key: mask it on its own too,
            # even a short one (masking a short word in an error line costs nothing).
            token = value.rpartition("|")[2]
            if token != value and len(token) >= 4:
                _registered.add(token)
            # Without base64 padding too: "--<token>==" parses as option "--<token>" and "=".
            bare = token.rstrip("=")
            if bare != token and len(bare) >= 4:
                _registered.add(bare)


def forget_secrets() -> None:
    """Drop every registered secret (tests)."""
    with _lock:
        _registered.clear()


def redact(text: str, secrets: Iterable[str | SecretStr | None] = ()) -> str:
    """Return ``text`` with secrets replaced by ``***``.

    Masks the given ``secrets``, every secret registered with :func:`register_secret`, anything
    shaped like a Convex deploy key and the token of an Authorization header.

    Args:
        text: any message.
        secrets: extra secret values to mask.

    Returns:
        The masked text.
    """
    values: set[str] = set()
    for secret in secrets:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if value:
            values.add(value)
    with _lock:
        values |= _registered
    # Longest first, so a secret containing another is masked whole. Case is ignored: a key
    # pasted into a URL's host comes back lowercased from urlsplit.
    for value in sorted(values, key=len, reverse=True):
        text = re.sub(re.escape(value), REDACTED, text, flags=re.IGNORECASE)
    text = _DEPLOY_KEY.sub(REDACTED, text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return _SCHEME_TOKEN.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def safe_url(url: str) -> str:
    """The URL without user info, query or fragment (``https://x.convex.cloud/path``), redacted.

    Redacted too, because a key pasted into the path would otherwise be printed wherever the
    deployment is named.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparseable URL>"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    return redact(urlunsplit((parts.scheme, netloc, parts.path, "", "")))
