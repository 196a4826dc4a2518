"""Will a run fit in memory? An estimate made before anything is built, and the memory free.

``--scale`` multiplies every firm count, and the schema accepts up to 10,000; at ``--scale 1000``
the shipped world needs hundreds of GB and used to fail after half a minute with NumPy's
``Unable to allocate``, leaving a failed run in the store. A run is refused at once instead,
naming the estimate and what is available.

The estimate, per firm at the start (the world's firm counts × scale):

- the state: every column of :class:`helix.world.state.Firms` (its bytes per row read from the
  dtypes), times :data:`WORKING_COPIES` (the columns grow by doubling, and a month's mechanisms
  hold firm-sized temporaries);
- what a run records of its firms, per month: events and yearly snapshots, and the firms the
  world adds as it grows (:data:`RECORD_BYTES_PER_FIRM_MONTH`);

plus the observation arrays (every indicator, each month, per city × sector, city or district).
The two constants were measured on the shipped worlds (peak RSS of runs at several scales:
shanghai-delta 2020-2035 ~6.6 kB per starting firm, tiny-corridor 2020-2024 ~1.6 kB); the estimate
sits a little under the first, so what it refuses cannot fit, and within 20% of the second.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from helix.errors import ScenarioError
from helix.scenario.schema import Scenario
from helix.world.catalogue import INDICATORS
from helix.world.state import Firms

WORKING_COPIES = 3.5
"""Bytes in use per byte of firm state: doubling columns plus a month's temporaries (measured:
~490 B per firm in short runs of shanghai-delta at scales 3 to 10, over 139 B of columns)."""

RECORD_BYTES_PER_FIRM_MONTH = 24.0
"""Bytes per starting firm and simulated month: events, yearly snapshots and the firms added as
the world grows (measured: ~32 B on shanghai-delta 2020-2035, ~18 B on tiny-corridor)."""

GIB = 1024**3


def firm_state_bytes() -> int:
    """Bytes of one firm's row, summed over the columns of the firm table."""
    firms = Firms()
    return sum(getattr(firms, name).dtype.itemsize for name in firms.columns())


def run_memory_bytes(scenario: Scenario, *, keep_firms: bool = True) -> int:
    """About how many bytes a run of ``scenario`` needs at its peak (see the module's note)."""
    firms = sum(city.firms for city in scenario.cities.values()) * scenario.scale
    months = scenario.months
    state = firms * firm_state_bytes() * WORKING_COPIES
    records = firms * months * RECORD_BYTES_PER_FIRM_MONTH if keep_firms else 0.0
    cells = {
        "city_sector": len(scenario.cities) * len(scenario.sectors),
        "city": len(scenario.cities),
        "district": len(scenario.districts),
    }
    observations = months * 8 * sum(cells.get(i.dims, 0) for i in INDICATORS.values())
    return int(state + records + observations)


@dataclass(frozen=True)
class Available:
    """Memory a new run may use, in bytes, and where the figure comes from."""

    bytes: int
    source: str


def _meminfo_available(meminfo: Path) -> int | None:
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # the figure is in kB
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room(cgroup: Path) -> int | None:
    """What is left under a cgroup v2 limit (``memory.max`` less ``memory.current``)."""
    try:
        limit = (cgroup / "memory.max").read_text().strip()
        if limit == "max":
            return None
        current = int((cgroup / "memory.current").read_text().strip())
        return max(int(limit) - current, 0)
    except (OSError, ValueError):
        return None


def available_memory(
    meminfo: Path = Path("/proc/meminfo"), cgroup: Path = Path("/sys/fs/cgroup")
) -> Available | None:
    """Memory available now: the machine's (``MemAvailable``, else free pages) or the room
    left under this process's cgroup limit, whichever is smaller; None if neither is known."""
    found: list[Available] = []
    machine = _meminfo_available(meminfo)
    if machine is None:
        try:
            machine = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            machine = None
    if machine is not None:
        found.append(Available(machine, "available"))
    room = _cgroup_room(cgroup)
    if room is not None:
        found.append(Available(room, "left under the cgroup limit"))
    return min(found, key=lambda a: a.bytes) if found else None


def check_memory(
    scenario: Scenario,
    *,
    keep_firms: bool = True,
    label: str | None = None,
    available: Available | None = None,
) -> None:
    """Refuse a run that cannot fit: one :class:`ScenarioError` on ``scale`` with the estimate
    and the memory available. Nothing is refused when the available memory is unknown."""
    room = available if available is not None else available_memory()
    if room is None:
        return
    needed = run_memory_bytes(scenario, keep_firms=keep_firms)
    if needed > room.bytes:
        raise ScenarioError(
            f"a run of {scenario.name} at scale {scenario.scale:g} needs about "
            f"{needed / GIB:,.1f} GiB of memory, and {room.bytes / GIB:,.1f} GiB is {room.source}; "
            "use a smaller --scale",
            file=label,
            key="scale",
        )
