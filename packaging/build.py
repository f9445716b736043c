"""Build normdesk for this platform, prove the frozen app works, then make the installer.

    python packaging/build.py                  # dist/normdesk (or .app) + the installer
    python packaging/build.py --file-keyring   # a build machine without an OS keyring (CI)

Steps: ``pyinstaller normdesk.spec`` -> the frozen binary's ``--self-test`` -> a real
normalization of resources/sample_contacts.csv with the frozen binary -> the installer:
Linux: the AppDir, an AppImage when appimagetool is on PATH, and a tarball with install.sh
(packaging/linux/make_linux.sh); Windows: the Inno Setup installer (packaging/windows/
normdesk.iss, needs ISCC on PATH); macOS: a .dmg (packaging/macos/make_dmg.sh).

The smoke tests run headless (QT_QPA_PLATFORM=offscreen) on a temporary data folder. The
self-test's keyring check needs a real backend: ``--file-keyring`` points keyring at
keyrings.alt's file backend in a temporary folder, for machines without one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import branding  # noqa: E402

ROOT = branding.ROOT


def frozen_binary(dist: Path, brand: dict) -> Path:
    """The executable to run from a terminal (console build on Windows)."""
    if sys.platform == "win32":
        return dist / brand["name"] / f"{brand['cli_name_windows']}.exe"
    if sys.platform == "darwin":
        return dist / f"{brand['display_name']}.app" / "Contents" / "MacOS" / brand["name"]
    return dist / brand["name"] / brand["name"]


def headless_env(home: Path, file_keyring: bool) -> dict[str, str]:
    """The environment for the smoke tests: offscreen Qt, a temporary data folder, and, when
    asked, keyrings.alt's plain-text file backend under ``home`` (never the user's keyring)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NORMDESK_HOME=str(home / "data"))
    if file_keyring:
        env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
        env["XDG_DATA_HOME"] = env["LOCALAPPDATA"] = str(home / "keyring")  # where that backend writes
    return env


def build(dist: Path, work: Path) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                    "--distpath", str(dist), "--workpath", str(work), str(ROOT / "normdesk.spec")],
                   check=True, cwd=ROOT)
    return time.monotonic() - started


def smoke_test(binary: Path, env: dict[str, str], out_dir: Path) -> None:
    """The frozen app's self-test, then the bundled sample normalized by the frozen app."""
    subprocess.run([str(binary), "--self-test"], check=True, env=env, timeout=300)
    output = out_dir / "sample_contacts.normalized.csv"
    subprocess.run([str(binary), "run", str(ROOT / "resources" / "sample_contacts.csv"), "-o", str(output)],
                   check=True, env=env, timeout=300)
    if not output.is_file() or output.stat().st_size == 0:
        raise SystemExit(f"build: the frozen app wrote no output at {output}")


def make_installer(dist: Path, brand: dict) -> None:
    if sys.platform.startswith("linux"):
        subprocess.run(["bash", str(ROOT / "packaging" / "linux" / "make_linux.sh"), str(dist)], check=True,
                       env=dict(os.environ, PYTHON=sys.executable))
    elif sys.platform == "darwin":
        subprocess.run(["bash", str(ROOT / "packaging" / "macos" / "make_dmg.sh"), str(dist)], check=True,
                       env=dict(os.environ, PYTHON=sys.executable))
    elif sys.platform == "win32":
        iscc = shutil.which("iscc") or shutil.which("ISCC.exe")
        if iscc is None:
            raise SystemExit("build: Inno Setup's ISCC is not on PATH (https://jrsoftware.org/isinfo.php)")
        include = ROOT / "build" / "branding.iss"
        include.parent.mkdir(parents=True, exist_ok=True)
        include.write_text(branding.as_iss(brand), encoding="utf-8")
        subprocess.run([iscc, f"/DBrandingFile={include}", f"/DSourceDir={dist / brand['name']}", f"/DOutputDir={dist}",
                        str(ROOT / "packaging" / "windows" / "normdesk.iss")], check=True)
    else:
        raise SystemExit(f"build: no installer for {sys.platform}")


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's work folder (default: build/pyinstaller)")
    parser.add_argument("--file-keyring", action="store_true",
                        help="smoke-test with keyrings.alt's file backend in a temporary folder (no OS keyring)")
    parser.add_argument("--no-installer", action="store_true", help="stop after the smoke tests")
    args = parser.parse_args(argv)
    brand = branding.load()
    dist = args.dist.resolve()

    build_s = build(dist, args.work.resolve())
    binary = frozen_binary(dist, brand)
    app_folder = dist / brand["name"]
    print(f"build: {binary} in {build_s:.0f} s, {folder_size(app_folder) / 2**20:.0f} MiB", flush=True)
    with tempfile.TemporaryDirectory(prefix="normdesk-build-") as tmp:
        smoke_test(binary, headless_env(Path(tmp), args.file_keyring), Path(tmp))
    print("build: the frozen app passed its self-test and normalized the sample", flush=True)
    if not args.no_installer:
        make_installer(dist, brand)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
