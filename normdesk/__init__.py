"""normdesk: detect and normalize the contact columns of CSV and Excel files."""

from typing import Any


def __getattr__(name: str) -> Any:
    """``__version__``, read from the installed metadata on first use (importlib.metadata is slow to import)."""
    if name != "__version__":
        raise AttributeError(f"module 'normdesk' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("normdesk")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0"
