"""What each package takes in a frozen app folder: its files under ``_internal/`` (the package folder,
``NAME.libs``, a top-level ``_NAME*.so``, its metadata) plus its Python modules, compressed, in the
executable's archive (PYZ). Sizes in MiB (2**20 bytes), symlinks not followed.

    python benchmarks/frozen_size.py dist/normdesk numpy pyarrow scipy duckdb splink sqlglot
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PyInstaller.archive.readers import PKG_ITEM_PYZ, CArchiveReader

MIB = 2**20


def files_size(paths) -> int:
    return sum(p.stat().st_size for p in paths if p.is_file() and not p.is_symlink())


def tree_size(path: Path) -> int:
    return files_size(path.rglob("*")) if path.is_dir() else files_size([path])


def module_sizes(executable: Path) -> dict[str, int]:
    """Compressed size of every module in the executable's PYZ archive, by module name."""
    pkg = CArchiveReader(str(executable))
    (pyz_name,) = [name for name, entry in pkg.toc.items() if entry[-1] == PKG_ITEM_PYZ]
    return {name: length for name, (_, _, length) in pkg.open_embedded_archive(pyz_name).toc.items()}


def package_size(internal: Path, modules: dict[str, int], name: str) -> tuple[int, int]:
    """(bytes on disk, bytes of modules in the PYZ) of one top-level package."""
    owned = [p for p in internal.iterdir()
             if p.name in (name, f"{name}.libs") or p.name.startswith((f"_{name}.", f"{name}-"))]
    in_pyz = sum(size for mod, size in modules.items()
                 if mod.split(".")[0] in (name, f"_{name}"))
    return sum(tree_size(p) for p in owned), in_pyz


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("app", type=Path, help="the app folder (dist/normdesk)")
    parser.add_argument("packages", nargs="*", help="top-level package names")
    args = parser.parse_args(argv)
    executable = args.app / args.app.name
    modules = module_sizes(executable)
    print(f"app folder: {tree_size(args.app) / MIB:.1f} MiB (executable {executable.stat().st_size / MIB:.1f} MiB)")
    for name in args.packages:
        disk, in_pyz = package_size(args.app / "_internal", modules, name)
        print(f"{name:<12} {(disk + in_pyz) / MIB:6.1f} MiB  (files {disk / MIB:.1f}, modules {in_pyz / MIB:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
