"""nameparser imports its locales (and deprecated config names) with importlib by name; its word
lists are compiled into config/_compiled.py, so no data file is read at run time."""

from PyInstaller.utils.hooks import collect_submodules

hiddenimports = collect_submodules("nameparser", filter=lambda name: ".tests" not in name)
