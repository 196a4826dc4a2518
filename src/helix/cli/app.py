"""The ``helix`` application: its consoles, the options commands share, and error handling.

Any :class:`~helix.errors.HelixError` a command raises becomes one line on stderr and exit
code 2, in one place (:func:`handles_errors`), so a command's body is only what it does.
"""

from __future__ import annotations

import functools
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from helix.errors import HelixError
from helix.version import __version__

app = typer.Typer(
    help="helix: simulate a city's innovation ecosystem and ask it what-if questions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click passes these on to every subcommand's context: `helix run -h` works as well.
    context_settings={"help_option_names": ["-h", "--help"]},
)

out = Console()
err = Console(stderr=True)


def _print_version(asked: bool) -> None:
    if asked:
        out.print(f"helix {__version__}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version of helix and exit.",
        ),
    ] = False,
) -> None:
    """helix: simulate a city's innovation ecosystem and ask it what-if questions."""


def said(text: object) -> str:
    """User text (a scenario, city or variant name, a path) made safe for Rich markup.

    Names come from files anyone may write: ``delta [v2]`` would otherwise lose ``[v2]`` as a
    tag and ``rich [/] close [bold`` would raise a MarkupError after the run is stored.
    """
    return escape(str(text))


ScenarioArg = Annotated[
    Path | None,
    typer.Argument(
        help="Scenario TOML file, or the name of a shipped world (default: the shipped world)."
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Set KEY.PATH=VALUE (repeatable): a field of the world, or an entry, new or not, "
        "of a named collection such as shocks.NAME; an inline table merges.",
    ),
]
DbOpt = Annotated[Path, typer.Option("--db", help="DuckDB file to write results to.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object only.")]
PngOpt = Annotated[
    bool,
    typer.Option(
        "--png",
        help="Also draw every figure as a PNG beside report.html (a few seconds; each figure's "
        "camera button saves one from the page).",
    ),
]
WorkersOpt = Annotated[int | None, typer.Option(help="Worker processes. (default: all cores)")]
ClusterOpt = Annotated[
    str | None,
    typer.Option("--cluster", help="Dask scheduler, tcp://HOST:PORT (default: this machine)."),
]

DB = Path("helix-runs.duckdb")
REPORT_DIR = Path("helix-report")

P = ParamSpec("P")
R = TypeVar("R")


def fail(exc: HelixError) -> NoReturn:
    """Print ``exc`` as one line on stderr and exit with code 2."""
    err.print(f"helix: error: {exc.line()}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so that a :class:`HelixError` it raises is :func:`fail`ed.

    Put it under ``@app.command()``; the command closes its own resources in ``finally``.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except HelixError as exc:
            fail(exc)

    return wrapper


def fmt(value: Any, *, compact: bool = False) -> str:
    """A value in a table cell: numbers to 3 significant digits, a dash for none or NaN.

    Args:
        value: A number, a dict of them (``key: value, ...``), None or anything printable.
        compact: Thousands and up as ``k``, ``M`` and ``bn`` (narrow columns); otherwise as
            whole numbers with thousands separators.
    """
    if value is None:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {fmt(v, compact=compact)}" for k, v in value.items())
    if compact and isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            return "—"
        for size, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
            if abs(value) >= size:
                return f"{value / size:.3g}{suffix}"
        return f"{value:.3g}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


class LazyProgress:
    """A progress bar on stderr that appears only once a command has taken over a second.

    Called as ``progress(done, total)`` by the simulation or a batch; :meth:`stage` names what
    the command does next (storing, writing the report), so the bar never sits silent at 100%.
    """

    def __init__(self, label: str, enabled: bool = True, after: str | None = None) -> None:
        """``after``: what the command does once the bar is full (e.g. storing the run)."""
        self.label = label
        self.after = after
        self.enabled = enabled and err.is_terminal
        self.start = time.perf_counter()
        self.bar: Progress | None = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if done >= total and self.after is not None:
            self.stage(self.after)
            return
        self.stage(self.label, done, total)

    def stage(self, label: str, done: int = 0, total: int | None = None) -> None:
        """Show ``label`` with a bar of ``done`` of ``total`` (a pulsing bar if total is None)."""
        if not self.enabled:
            return
        if self.bar is None:
            if time.perf_counter() - self.start < 1.0:
                return
            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                # Elapsed as well as remaining: a batch that reports seldom (validate's seeds
                # finish together) still shows that it is working.
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(said(label), total=total)
        # The label holds user text (a scenario's name): the column reads markup.
        self.bar.update(self.task, description=said(label), completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def report_stages(progress: LazyProgress) -> Callable[[str, int, int], None]:
    """The callback :func:`helix.report.write_report` reports its steps to, on ``progress``."""

    def tell(step: str, done: int, total: int) -> None:
        progress.stage(f"report: {step}", done, total)

    return tell


def warn(line: str | None) -> None:
    """Print ``line`` (if any) as one warning on stderr: the command goes on."""
    if line:
        err.print(f"helix: warning: {line}", markup=False, highlight=False, soft_wrap=True)


def interrupted(line: str) -> NoReturn:
    """Ctrl-C during a long command: print ``line`` (what is kept, how to resume), exit 130."""
    err.print(line, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(130)


def main() -> None:
    """The console script ``helix``."""
    try:
        app()
    except HelixError as exc:  # raised outside a command, e.g. while parsing its options
        err.print(f"helix: error: {exc.line()}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
