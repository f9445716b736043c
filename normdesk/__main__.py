"""``python -m normdesk ...``: the same command line as ``normdesk``."""

from multiprocessing import freeze_support

from normdesk.cli import main

if __name__ == "__main__":
    freeze_support()
    raise SystemExit(main())
