"""One line on the machine and the libraries a benchmark ran with, for RESULTS.md; and the
source of another commit, for a benchmark that times it side by side with this checkout."""

from __future__ import annotations

import io
import os
import platform
import subprocess
import tarfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_name() -> str:
    """The processor's model name (Linux's /proc/cpuinfo), else what ``platform`` says."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def describe(*distributions: str) -> str:
    """CPUs, load, Python and the given distributions' versions, and the time."""
    libraries = []
    for name in distributions:
        try:
            libraries.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            libraries.append(f"{name} (not installed)")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return ", ".join(
        [
            f"{os.cpu_count()} CPUs ({cpu_name()})",
            f"load {load}",
            f"Python {platform.python_version()}",
            *libraries,
            time.strftime("%Y-%m-%d %H:%M %Z"),
        ]
    )


def extract_source(rev: str, into: Path) -> Path:
    """``src/`` of commit ``rev`` of this repository (``git archive``), written under ``into``.

    Put on ``PYTHONPATH``, it runs that commit's helix with this interpreter and packages.
    """
    tar = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "src"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    return into / "src"


def with_source(env: dict[str, str], src: Path | None) -> dict[str, str]:
    """``env`` with ``src`` first on ``PYTHONPATH`` (unchanged for None: this checkout)."""
    if src is None:
        return env
    return dict(
        env, PYTHONPATH=os.pathsep.join([str(src), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    )
