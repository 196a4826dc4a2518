"""``helix dashboard``: start the what-if dashboard on this machine.

The whole command lives here, so the CLI registers it in a few lines. It binds 127.0.0.1
unless told otherwise, and prints a warning when told: the dashboard has no login, and anyone
who can reach the address can run simulations and read the store.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from helix.dashboard.backend import load_scenario
from helix.errors import HelixError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
INSTALL_HINT = "the dashboard needs its extra: pip install 'helix[dashboard]'"


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_warning(host: str) -> str | None:
    if is_loopback(host):
        return None
    return (
        f"helix: warning: binding {host}, not 127.0.0.1: anyone who can reach this address can "
        "run simulations and read the store (the dashboard has no login)"
    )


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port the system says is free now (for tests and ``--port 0``)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def check_port(host: str, port: int) -> None:
    """A port already taken is one line, not the server's traceback after the address is shown."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            s.bind((host, port))
    except OSError as exc:
        raise HelixError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc})", key="--port"
        ) from None


def dashboard(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    db: Path = Path("helix-runs.duckdb"),
    scenario: str | None = None,
    workers: int | None = None,
    say: Callable[[str], None] = print,
    warn: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> None:
    """Serve the dashboard until Ctrl-C.

    Args:
        host: Address to bind (127.0.0.1 unless told; another address is warned about).
        port: Port to bind (0: any free port).
        db: The DuckDB store what-ifs are written to and past results read from.
        scenario: The world shown first (a scenario file, or None for the shipped world).
        workers: Simulation processes (default: all cores).
        say: Prints the address.
        warn: Prints the warning about a non-loopback address.

    Raises:
        HelixError: the extra is not installed, or the world cannot be read.
    """
    # The server's packages are an optional extra: imported here, so that without them the
    # command says how to install them instead of failing at `import helix.cli`.
    try:
        import uvicorn

        from helix.dashboard.app import Settings, create_app
    except ImportError:
        raise HelixError(INSTALL_HINT, key="dashboard") from None

    load_scenario(scenario)  # a bad world is one line now, not an error page later
    warning = bind_warning(host)
    if warning:
        warn(warning)
    if port == 0:
        port = free_port(host)
    else:
        check_port(host, port)
    loopback_names = ["127.0.0.1", "localhost", "[::1]", "::1", host]
    app = create_app(
        Settings(
            db=db,
            scenario=scenario,
            workers=workers,
            allowed_hosts=loopback_names if is_loopback(host) else None,
        )
    )
    shown = f"[{host}]" if ":" in host else host
    say(f"helix dashboard on http://{shown}:{port}/ (store {db}); Ctrl-C stops it")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
