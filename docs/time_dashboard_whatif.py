"""Time a what-if through the dashboard: seconds to its first result, first difference, and end.

Starts ``helix dashboard`` with a fresh store in a temporary folder, waits for its worker
processes to be warm, submits a what-if (default: scale 0.2, 4 seeds a side, the world's whole
span, one parameter moved) through the JSON API the page uses, and polls it. Prints the load
average beside each figure, since on a shared machine it decides them (docs/dashboard.md).

    .venv/bin/python docs/time_dashboard_whatif.py [--scale 0.2] [--replicates 4]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

WARM_S = 15.0  # the server starts its worker processes at once; give them time to import


def call(base: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.2)
    parser.add_argument("--replicates", type=int, default=4)
    parser.add_argument("--until", default=None)
    parser.add_argument("--lever", default="parameters.founding.team_size=4")
    args = parser.parse_args()
    key, _, value = args.lever.partition("=")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [sys.executable, "-c", "from helix.cli import main; main()", "dashboard",
             "--port", str(port), "--db", str(Path(folder) / "runs.duckdb")],
            cwd=folder,
        )  # fmt: skip
        try:
            time.sleep(WARM_S)
            body = {
                "scale": args.scale,
                "replicates": args.replicates,
                "until": args.until,
                "changes": {key: json.loads(value)},
            }
            print(f"submitting at {load()}")
            clock = time.monotonic()
            job = call(base, "/api/whatif", body)
            if "error" in job:
                raise SystemExit(job["error"])
            first = pair = None
            while True:
                view = call(base, f"/api/jobs/{job['job']}")
                if view["done"] > 0 and pair is None:
                    city = call(base, "/api/world")["focus_city"]
                    series = call(
                        base,
                        f"/api/experiments/{view['experiment_id']}/series"
                        f"?indicator=output&city={city}",
                    )
                    now = time.monotonic() - clock
                    if first is None:
                        first = now
                        print(f"first result after {now:.1f} s ({load()})")
                    if series["difference"]:
                        pair = now
                        print(f"first difference after {now:.1f} s ({load()})")
                if view["state"] in ("done", "failed", "cancelled"):
                    print(
                        f"{view['state']} after {time.monotonic() - clock:.1f} s ({load()}): "
                        f"{view['message']}"
                    )
                    break
                time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
