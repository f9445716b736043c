"""normdesk: detect and normalize the contact columns of CSV and Excel files."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("normdesk")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
