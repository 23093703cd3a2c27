"""Text that can always be written: no lone surrogates, and (for the brief) no control characters.

A JSON string in an export or on the wire may hold a lone UTF-16 surrogate (``"\\ud800"``);
Python decodes it into a ``str`` that cannot be encoded as UTF-8. Outputs pass through these
functions at the point where text becomes bytes, so one odd document can neither crash a run nor
produce invalid UTF-8. The replacement character U+FFFD marks where something was replaced.
"""

from __future__ import annotations

import re

__all__ = ["REPLACEMENT", "displayable", "without_surrogates"]

REPLACEMENT = "\ufffd"

_SURROGATE = re.compile("[\ud800-\udfff]")
# Surrogates, C0 controls other than tab/newline/carriage return, DEL and C1 controls: they
# drive terminals (ESC sequences) and are parse errors in HTML.
_UNDISPLAYABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (always encodable as UTF-8)."""
    return _SURROGATE.sub(REPLACEMENT, text)


def displayable(text: str) -> str:
    """``text`` for a human-facing document: lone surrogates and control characters → U+FFFD.

    Tab, newline and carriage return are kept.
    """
    return _UNDISPLAYABLE.sub(REPLACEMENT, text)
