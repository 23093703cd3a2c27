"""convex-activity: collect a time window of Convex activity, correctly, cheaply and visibly."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("convex-activity")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

from .collect import collect_24h_activity, collect_activity  # noqa: E402
from .result import ActivityResult  # noqa: E402
from .settings import Settings  # noqa: E402
from .window import Window  # noqa: E402

__all__ = [
    "ActivityResult",
    "Settings",
    "Window",
    "__version__",
    "collect_24h_activity",
    "collect_activity",
]
