"""Names of a package loaded on first use (PEP 562), so that importing the package is cheap.

A package's ``__init__`` lists where each public name lives and hands :func:`loader`'s pair to
the module: ``__getattr__, __dir__ = loader(__name__, globals(), WHERE)``. ``from package import
name`` and ``package.name`` then import the defining module when first asked, and a command that
needs none of the names does not pay for their imports (numba's kernels, Dask, optuna).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def loader(
    package: str, namespace: dict[str, Any], where: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` whose public names live in ``where``."""

    def get(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where[name]), name)
        namespace[name] = value  # once loaded, a plain attribute of the package
        return value

    def listing() -> list[str]:
        return sorted({*namespace, *where})

    return get, listing
