"""A report folder holds exactly one report, and a failed write leaves the old one whole.

A report is written into a temporary folder beside its target and swapped in by renaming, so a
full disk or a crash half-way leaves the previous report as it was and no partial
``report.html``. A marker file (:data:`MARKER`) names the files of the report; a folder holding
anything else is not ours to replace, and is refused unless the user forces it, in which case
the report's files are moved in beside the user's and none of theirs is deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helix.errors import StoreError
from helix.version import __version__

MARKER = ".helix-report"
"""The file that marks a folder as a helix report and lists the report's files."""


def report_files(folder: Path) -> set[str] | None:
    """The files of the helix report in ``folder``, or None if it holds anything else.

    A folder written before reports were marked (only ``report.html`` and PNGs) counts as one.
    """
    names = {p.name for p in folder.iterdir()}
    marker = folder / MARKER
    if marker.is_file():
        listed = _listed(marker)
        return listed if listed and names - {MARKER} <= listed else None
    if "report.html" in names and all(n == "report.html" or n.endswith(".png") for n in names):
        return names
    return None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _listed(marker: Path) -> set[str]:
    """The file names a marker lists (none if it is missing or unreadable)."""
    try:
        files = json.loads(marker.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    # Names only: a marker edited to list "../x" must not make us delete outside the folder.
    return {f for f in files if isinstance(f, str) and f == Path(f).name and f != MARKER}


def check_target(target: Path, force: bool) -> set[str] | None:
    """What is in the way at ``target``: the old report's files, or None (nothing or forced)."""
    if not target.exists():
        return set()
    if not target.is_dir():
        raise StoreError("is a file, not a folder", file=str(target), key="--out")
    try:
        if not any(target.iterdir()):
            return set()
        ours = report_files(target)
    except OSError as exc:
        raise StoreError(
            f"cannot read folder ({exc.strerror})", file=str(target), key="--out"
        ) from None
    if ours is None and not force:
        raise StoreError(
            "folder is not empty and holds no helix report: choose another --out, or add"
            " --force to write the report beside its files (none of them is deleted)",
            file=str(target),
            key="--out",
        )
    return ours


@contextmanager
def swapped_in(target: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a fresh folder to write a report into; on success it becomes ``target``.

    On any failure the fresh folder is removed and ``target`` is left as it was.

    Raises:
        StoreError: ``target`` is a file, or a folder holding more than a helix report (and not
            ``force``), or the folder beside it cannot be written.
    """
    ours = check_target(target, force)
    shown = str(target)  # as the user wrote it, in messages
    target = target.absolute()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
        # mkdtemp makes a private folder; a report folder gets the usual permissions.
        fresh.chmod(0o777 & ~_umask())
    except OSError as exc:
        raise StoreError(
            f"cannot create folder ({exc.strerror})", file=shown, key="--out"
        ) from None
    try:
        yield fresh
        files = sorted(p.name for p in fresh.iterdir())
        (fresh / MARKER).write_text(
            json.dumps({"helix": __version__, "files": files}, indent=1), encoding="utf-8"
        )
        if ours is None:
            _move_beside(fresh, target, files)
        else:
            _swap(fresh, target)
    except OSError as exc:
        raise StoreError(f"cannot write report ({exc.strerror})", file=shown, key="--out") from None
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


def _swap(fresh: Path, target: Path) -> None:
    """Replace the report folder ``target`` by ``fresh`` with two renames."""
    if target.exists():
        # rename(2) replaces an empty folder only: move the old report aside first, then
        # delete it once the new one is in place.
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, old / "report")
        try:
            os.rename(fresh, target)
        except OSError:
            # Put the old report back; should that fail too, it stays whole under ``old``.
            os.rename(old / "report", target)
            old.rmdir()
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(fresh, target)


def _move_beside(fresh: Path, target: Path, files: list[str]) -> None:
    """Forced into a folder with other files: move the report's files in, delete nothing else."""
    old = _listed(target / MARKER)
    for name in [*files, MARKER]:
        os.replace(fresh / name, target / name)
    for name in old - {*files, MARKER}:
        (target / name).unlink(missing_ok=True)
