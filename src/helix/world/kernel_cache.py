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

:class:`Compiled` lets a group of kernels be compiled beside a run instead of before it: while
the cache lacks them, the run uses their NumPy references and a detached helper process
(:func:`compile_elsewhere`) compiles them on another core. This module, like numba's cache, is
about where compiled code lives, never about the model: no result depends on it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


def cached(dispatchers: Sequence[Any]) -> bool:
    """Whether numba's disk cache holds compiled code of each of ``dispatchers`` (``njit``
    functions with ``cache=True``) for its source as it is now."""
    try:
        return all(d._cache._cache_file._load_index() for d in dispatchers)
    except Exception:  # numba moved its cache machinery: compile here, as always
        return True


LOCK_MINUTES = 10.0
"""How long a helper's lock holds: after that it is taken for dead."""


def _lock(dispatchers: Sequence[Any]) -> Path:
    return Path(dispatchers[0]._cache._cache_path) / "helix-compiling.lock"


def compiling(dispatchers: Sequence[Any]) -> bool:
    """Whether a helper (:func:`compile_elsewhere`) is compiling ``dispatchers`` now."""
    try:
        lock = _lock(dispatchers)
        return lock.exists() and time.time() - lock.stat().st_mtime < 60 * LOCK_MINUTES
    except Exception:  # numba moved its cache machinery
        return False


def compile_elsewhere(dispatchers: Sequence[Any], code: str) -> bool:
    """Run ``code`` (Python that calls ``dispatchers`` with the arguments the model gives them,
    so that numba compiles and caches them) in a detached helper process on another core.

    One helper at a time per cache folder: a lock file there, removed by the helper when it is
    done (or ignored after :data:`LOCK_MINUTES`, if a helper died). The helper's output goes
    nowhere: if it fails, the kernels are compiled where they are first needed, as without it.
    Returns whether a helper was started or is at work already.
    """
    if compiling(dispatchers):
        return True
    try:
        lock = _lock(dispatchers)
        lock.parent.mkdir(parents=True, exist_ok=True)
        lock.unlink(missing_ok=True)
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except Exception:  # no folder to lock in: compile where needed
        return False
    helix_root = str(Path(__file__).resolve().parents[2])  # the helix this process runs
    script = f"try:\n    {code}\nfinally:\n    import os\n    os.remove({str(lock)!r})\n"
    # No empty entry: it would put the working folder on the helper's path.
    path = [helix_root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    try:
        subprocess.Popen(
            [sys.executable, "-c", script],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    except OSError:
        lock.unlink(missing_ok=True)
        return False
    return True


class Compiled:
    """Whether a group of ``cache=True`` functions may run compiled now (else their NumPy
    references run: the same numbers).

    Yes once numba's disk cache has every one of them. Until then (the first run after an
    install, or after their source changed) one helper process per cache folder runs
    ``warm_up`` (:func:`compile_elsewhere`), which compiles them on another core while the
    process that asked goes on with the references; it switches to the compiled functions in
    the month the cache has them. Whatever the helper could not compile (or everything, with no
    disk cache) is compiled in the process when first called. Looks at the cache at most twice
    a second.
    """

    def __init__(self, passes: Sequence[Any], warm_up: str, cache: bool) -> None:
        self.passes = passes
        self.warm_up = warm_up
        self.cache = cache
        self.state: dict[str, Any] = {"ready": False, "asked": -1.0, "helped": False}

    def __call__(self, enabled: bool) -> bool:
        state = self.state
        if state["ready"]:
            return True
        if not enabled:
            return False
        now = time.monotonic()
        if now - state["asked"] < 0.5:
            return False
        state["asked"] = now
        if not self.cache or cached(self.passes):
            state["ready"] = True
        elif not state["helped"]:
            state["helped"] = True
            state["ready"] = not compile_elsewhere(self.passes, self.warm_up)
        elif not compiling(self.passes):  # the helper is done or gone: compile the rest here
            state["ready"] = True
        return bool(state["ready"])
