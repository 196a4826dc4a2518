"""Where numba keeps the compiled kernels, when it can keep them at all.

numba caches a ``cache=True`` function beside its source (``__pycache__``), else in the user's
cache folder (``~/.cache/numba``), else nowhere, and then refuses to compile it: every command
died at import with ``RuntimeError: cannot cache function '_group_starts': no locator
available`` for a service account with no writable home and a read-only install. Before the
kernels are declared, :func:`cache_on_disk` asks numba itself whether it finds a place for a
function of the kernels' file; if not, the kernels are cached in a private folder under the
system's temporary folder, or, if none is writable, compiled afresh in each process. Either
fallback says so in one warning line. Results do not change: a cache only saves compile time.

A user's ``NUMBA_CACHE_DIR`` is numba's first choice and is left alone.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numba


def _numba_finds_a_place(source_file: str) -> bool:
    """Whether numba's own locators find a writable cache folder for a function of
    ``source_file`` (a probe compiled with that file name, so numba looks where it would look
    for the kernels)."""
    try:
        from numba.core.caching import FunctionCache
    except ImportError:  # numba moved its cache machinery: let it decide as it always did
        return True
    namespace: dict[str, object] = {}
    exec(compile("def _probe():\n    return 0\n", source_file, "exec"), namespace)
    try:
        FunctionCache(namespace["_probe"])
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return False
    return True


def _private_folder() -> Path | None:
    """A cache folder of this user's under the temporary folder, if one can be written."""
    try:
        folder = Path(tempfile.gettempdir()) / f"helix-numba-cache-{os.getuid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except (OSError, FileNotFoundError):
        return None
    return folder


def _warn(text: str) -> None:
    # One line on stderr, as the CLI's warnings are: this runs at import, before any command,
    # and the `warnings` module would print a second line of source.
    sys.stderr.write(f"helix: warning: {text}\n")


def cache_on_disk(source_file: str) -> bool:
    """Whether the kernels of ``source_file`` can be cached (``njit(cache=...)``); points numba
    at a private temporary folder when neither the install nor the home folder is writable."""
    if _numba_finds_a_place(source_file):
        return True
    folder = _private_folder()
    if folder is not None:
        numba.config.CACHE_DIR = str(folder)
        if _numba_finds_a_place(source_file):
            _warn(
                "numba cannot cache compiled kernels beside helix or in the home folder; "
                f"caching them in {folder} (set NUMBA_CACHE_DIR to choose)"
            )
            return True
    _warn(
        "numba finds no writable folder to cache compiled kernels in; they are compiled in "
        "each process (set NUMBA_CACHE_DIR to a writable folder to cache them)"
    )
    return False
