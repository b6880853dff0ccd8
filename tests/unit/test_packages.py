"""Each package states its public names in `__init__.py`; naming them costs no import."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(path.parent.name for path in (PROJECT / "chalicelib").glob("*/__init__.py"))


def test_every_package_under_chalicelib_is_listed_here():
    assert {"platform", "api", "templating", "records", "messages", "sending", "delivery",
            "feedback", "operations"} <= set(PACKAGES)


def test_packages_load_nothing_until_a_public_name_is_used_and_every_name_resolves():
    script = f"""
import importlib, sys
packages = [importlib.import_module("chalicelib." + name) for name in {PACKAGES!r}]
print(sorted(m for m in sys.modules
             if m.count(".") > 1 and m.startswith("chalicelib.")
             and m != "chalicelib.platform.exports"))
for package in packages:
    assert package.__all__, package.__name__ + " states no public names"
    for name in package.__all__:
        getattr(package, name)
"""
    loaded = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True,
                            text=True, check=True).stdout.strip()
    assert loaded == "[]", f"importing the packages loaded {loaded}"


def test_an_unknown_name_is_an_attribute_error_naming_the_package():
    import chalicelib.records as records

    with pytest.raises(AttributeError, match="chalicelib.records"):
        records.NoSuchThing  # noqa: B018
