"""The frozen app's entry point: multiprocessing first, then the normal command line.

``freeze_support()`` must run before anything else: the engine's worker processes are spawned
by re-running this executable with ``--multiprocessing-fork`` (or ``-c`` for the resource
tracker), and those children must run their task and exit, never open a window.

On Windows the windowed ``normdesk.exe`` has no console (``sys.stdout`` is None). When it is
given command-line arguments it attaches to the console of the shell that started it, so
``normdesk.exe detect ...`` still prints; ``normdesk-cli.exe`` (console build) is the
recommended command for scripts, since a shell does not wait for a windowed program.
"""

import multiprocessing
import sys


def _attach_parent_console() -> None:
    """Windows, windowed build, started with arguments: print to the parent's console if any."""
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
        sys.stdout = open("CONOUT$", "w", encoding="utf-8", errors="replace")
        sys.stderr = open("CONOUT$", "w", encoding="utf-8", errors="replace")
    else:  # started without a console (e.g. from Explorer with a file): output goes nowhere
        import os

        sys.stdout = sys.stdout or open(os.devnull, "w")
        sys.stderr = sys.stderr or open(os.devnull, "w")


if __name__ == "__main__":
    multiprocessing.freeze_support()
    if sys.platform == "win32" and sys.stdout is None and len(sys.argv) > 1:
        _attach_parent_console()
    from normdesk.cli import main

    sys.exit(main())
