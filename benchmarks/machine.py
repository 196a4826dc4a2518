"""One line on the machine and the libraries a benchmark ran with, for RESULTS.md."""

from __future__ import annotations

import os
import platform
import time
from importlib.metadata import PackageNotFoundError, version


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
