"""The engine and the queue are usable without Qt: checked by importing them in a clean process."""

import subprocess
import sys
from pathlib import Path

import pytest

FORBIDDEN = {
    "normdesk.engine": ["PySide6", "shiboken6", "diskcache", "boto3", "botocore", "keyring"],
    "normdesk.jobs": ["PySide6", "shiboken6"],
    "normdesk.sync": ["PySide6", "shiboken6"],
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_no_forbidden_module(package):
    code = (
        f"import sys, importlib, pkgutil; import {package} as p\n"
        "for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    for name in FORBIDDEN[package]:
        assert not {m for m in loaded if m == name or m.startswith(name + ".")}, f"{package} imports {name}"


def test_import_linter_contracts_hold():
    """The static contracts in pyproject.toml (import-linter) pass, so the rule is checked twice."""
    result = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
