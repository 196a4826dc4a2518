"""A real Dask cluster for tests: a scheduler and workers on 127.0.0.1, started and stopped
by PID (each worker with one thread and no nanny, so a test can kill one)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DASK = Path(sys.executable).parent / "dask"


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(DASK), *args], stdout=out, stderr=subprocess.STDOUT, cwd=log.parent
        )


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def start_cluster(folder: Path, workers: int) -> Cluster:
    from distributed import Client

    info = folder / "scheduler.json"
    log = folder / "dask.log"
    scheduler = _start(
        [
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(info),
        ],
        log,
    )
    procs = [scheduler]
    try:
        deadline = time.monotonic() + 60
        while not info.exists():
            assert scheduler.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written in one go, but give it a moment
        address = json.loads(info.read_text())["address"]
        started = [
            _start(
                [
                    "worker",
                    address,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--name",
                    f"w{i}",
                ],
                log,
            )
            for i in range(workers)
        ]
        procs += started
        with Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=90)
        return Cluster(address, scheduler, started)
    except BaseException:
        stop(procs[::-1])
        raise
