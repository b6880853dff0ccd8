"""Public names of a package, stated in its `__init__.py` and loaded on first use.

A package's `__init__` lists what others may use (`__all__`) without
importing it: cold start pays only for the modules a request touches.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_exports(package: str, where: dict[str, str],
                 submodules: tuple[str, ...] = ()) -> Callable[[str], Any]:
    """A module `__getattr__` (PEP 562) finding each public name in its submodule;
    public submodules are imported on first use as well."""
    def __getattr__(name: str) -> Any:
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{where[name]}"), name)
    return __getattr__


def exported(names_by_module: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """{module: (names...)} as {name: module}, the shape `lazy_exports` reads."""
    return {name: module for module, names in names_by_module.items() for name in names}
