"""The one branding file: name, identifiers and icons (branding.json) plus the version of the
package (pyproject.toml), for the spec and every installer script.

    python packaging/branding.py json     # everything as JSON
    python packaging/branding.py sh       # BRAND_NAME=... lines, for `eval` in shell scripts
    python packaging/branding.py iss      # #define lines, for the Inno Setup script

Icon paths are absolute in the output (relative to the checkout in branding.json).
"""

from __future__ import annotations

import json
import shlex
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load() -> dict:
    """branding.json with ``version`` (from pyproject.toml), ``root`` and absolute icon paths."""
    brand = json.loads((ROOT / "packaging" / "branding.json").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    brand["version"] = project["version"]
    brand["root"] = str(ROOT)
    brand["icons"] = {kind: str(ROOT / rel) for kind, rel in brand["icons"].items()}
    return brand


def _flat(brand: dict) -> dict[str, str]:
    flat = {key: value for key, value in brand.items() if isinstance(value, str)}
    flat.update({f"icon_{kind}": path for kind, path in brand["icons"].items()})
    return flat


def as_shell(brand: dict) -> str:
    return "".join(f"BRAND_{key.upper()}={shlex.quote(value)}\n" for key, value in _flat(brand).items())


def as_iss(brand: dict) -> str:
    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    # Inno Setup reads "{{" as a literal "{": the AppId GUID must start with two.
    flat = dict(_flat(brand), windows_app_id="{" + brand["windows_app_id"])
    return "".join(f"#define Brand_{key} {quoted(value)}\n" for key, value in flat.items())


def main(argv: list[str]) -> int:
    formats = {"json": lambda b: json.dumps(b, indent=2) + "\n", "sh": as_shell, "iss": as_iss}
    if len(argv) != 1 or argv[0] not in formats:
        print(f"usage: branding.py {{{'|'.join(formats)}}}", file=sys.stderr)
        return 2
    sys.stdout.write(formats[argv[0]](load()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
