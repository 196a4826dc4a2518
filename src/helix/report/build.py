"""Building a report: read the subject from the store, make the figures, write HTML and PNGs.

The subject (:func:`resolve`) is runs, an experiment (:mod:`helix.report.experiment`), a
calibration (:mod:`helix.report.calibration`) or a scenario discovery
(:mod:`helix.report.discovery`); the runs' own figures come first, then the experiment's,
calibration's or discovery's sections.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from helix.report import compare, corridor, firms, page, targets, timeseries
from helix.report.calibration import calibration_sections, calibration_subject
from helix.report.context import world_of
from helix.report.discovery import discovery_sections, discovery_subject
from helix.report.experiment import experiment_sections, experiment_subject
from helix.report.folder import check_target, swapped_in
from helix.report.interactive import html_div, plotly_js
from helix.report.source import Subject, group_runs, latest_run_id, load_runs, open_store
from helix.report.spec import FigureSpec
from helix.store import Store, helix_version
from helix.store.experiments import kept_of_runs

HTML_NAME = "report.html"
TARGETS = "The report's figures"


@dataclass
class Contents:
    """What a report holds before it is drawn."""

    subject: Subject
    figures: list[FigureSpec] = field(default_factory=list)
    tables: list[page.TableBlock] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ReportFiles:
    """What :func:`write_report` wrote.

    Attributes:
        html: The self-contained HTML file.
        pngs: One PNG per figure, when they were asked for; else none.
        subject: What the report is about.
        seconds: Time it took.
        notes: What the reader should know once (a font that lacks some names' glyphs).
        figure_keys: The page's figures.
    """

    html: Path
    pngs: list[Path]
    subject: Subject
    seconds: float
    notes: list[str] = field(default_factory=list)
    figure_keys: list[str] = field(default_factory=list)

    @property
    def figures(self) -> int:
        return len(self.figure_keys)


def targets_table(found: list[targets.Verdict]) -> page.TableBlock:
    rows = [
        [
            v.name,
            f"{v.target.indicator} ({v.target.statistic}, {v.target.city}"
            + (f", {v.target.sector}" if v.target.sector else "")
            + f", {v.target.start[:4]}-{v.target.end[:4]})",
            v.report_text(),
            v.simulated_text(),
            v.agrees,
            v.target.source,
        ]
        for v in found
    ]
    return page.TableBlock(
        section=TARGETS,
        title="",
        header=["target", "measured as", "report", "simulated", "agrees", "source"],
        rows=rows,
        note="Measured from the stored indicators with the same SQL as helix run; each target is "
        "also marked on the figure of its indicator below.",
    )


def resolve(
    store: Store,
    run_ids: Sequence[str] = (),
    *,
    experiment: str | None = None,
    calibration: str | None = None,
    discovery: str | None = None,
) -> Subject:
    """The subject of a report: the runs named, an experiment, a calibration, a discovery, or the
    latest run.

    Raises:
        StoreError: The store is empty, or holds no such run, experiment, calibration or
            discovery.
    """
    if discovery is not None:
        return discovery_subject(store, discovery)
    if experiment is not None:
        return experiment_subject(store, experiment)
    if calibration is not None:
        return calibration_subject(store, calibration)
    ids = list(dict.fromkeys(run_ids)) or [latest_run_id(store)]
    runs = load_runs(store, ids)
    kind = "run" if len(runs) == 1 else "runs"
    label = runs[0].scenario_name if len({r.scenario_name for r in runs}) == 1 else "several worlds"
    return Subject(kind=kind, label=label, runs=runs, groups=group_runs(runs))


def sections(
    con: duckdb.DuckDBPyConnection, subject: Subject
) -> tuple[list[FigureSpec], list[page.TableBlock], dict[str, list[str]]]:
    """The experiment, calibration or discovery section of a report (empty for plain runs)."""
    if subject.ident is None:
        return [], [], {}
    if subject.kind == "experiment":
        return experiment_sections(con, subject)
    if subject.kind == "discovery":
        return discovery_sections(con, subject)
    return calibration_sections(con, subject)


def collect(subject: Subject, con: duckdb.DuckDBPyConnection) -> Contents:
    """Every figure and table of a report."""
    out = Contents(subject)
    if subject.main:
        _run_figures(out, subject, con)
    figures, tables, notes = sections(con, subject)
    out.figures += figures
    out.tables += tables
    for k, v in notes.items():
        out.notes.setdefault(k, []).extend(v)
    out.figures = [f for f in out.figures if not f.is_empty()]
    return out


def _run_figures(out: Contents, subject: Subject, con: duckdb.DuckDBPyConnection) -> None:
    """The figures drawn from the runs themselves: targets, time series, map, firms, variants."""
    w = world_of(con, subject.main)
    partial = kept_note(con, [r.run_id for r in subject.main])
    if partial is not None:
        out.notes.setdefault(TARGETS, []).append(partial)
    found = targets.verdicts(w.con, subject.main)
    if found:
        out.tables.append(targets_table(found))
        out.figures.append(compare.target_spread({subject.main[0].group: found}, TARGETS))
    series = timeseries.time_series(w)
    targets.mark_all(series, found)
    out.figures += series
    network = corridor.corridor_map(w)
    if network is not None:
        out.figures.append(network)
    micro = firms.firm_figures(w)
    out.figures += micro
    if not micro:
        out.notes.setdefault(firms.FIRMS, []).append(
            "These runs were stored without firm-level microdata, so there are no firm "
            "distributions."
        )
    if len(subject.groups) > 1:
        figures, tables = compare.comparison(w.con, subject, w.core)
        out.figures += figures
        out.tables += tables


def kept_note(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> str | None:
    """What runs of an experiment that kept only some indicators lack, or None if they kept
    every one (``keep`` of :mod:`helix.experiments.keep`)."""
    kept = [k for k in kept_of_runs(con, run_ids).values() if k]
    if not kept:
        return None
    names = sorted({str(i) for k in kept for i in k.get("indicators", [])})
    cities = sorted({str(k["city"]) for k in kept if k.get("city")})
    where = f", and every indicator of {', '.join(cities)}" if cities else ""
    return (
        f"These runs kept only the indicators their experiment reads ({', '.join(names)}{where}): "
        'the figures and targets that read others are left out or blank. keep = "all" in the '
        "experiment file stores every indicator (its runs are then run again)."
    )


def _when(subject: Subject) -> str:
    dates = sorted(r.finished for r in subject.runs if r.finished is not None)
    if not dates:
        return "unknown"
    first, last = dates[0].strftime("%Y-%m-%d %H:%M UTC"), dates[-1].strftime("%Y-%m-%d %H:%M UTC")
    return first if first == last else f"{first} to {last}"


def header(subject: Subject, db: str) -> list[tuple[str, str]]:
    """The facts at the top: what was run, with which seeds and version, and when."""
    runs = subject.runs
    if not runs:
        head = [(subject.kind, subject.ident or subject.label), *subject.meta, ("store", db)]
        return head
    scenario = runs[0].scenario
    names = list(dict.fromkeys(r.scenario_name for r in runs))
    versions = list(dict.fromkeys(r.helix_version for r in runs))
    meta = [
        ("scenario", page.joined(names)),
        ("seed" if len(runs) == 1 else "seeds", page.joined([r.seed for r in runs])),
        ("helix version", page.joined(versions) + f" (report by helix {helix_version()})"),
        ("run date", _when(subject)),
        ("run" if len(runs) == 1 else "runs", page.joined([r.run_id for r in runs])),
        ("period", f"{scenario.get('start', '?')} to {scenario.get('end', '?')}"),
        ("scale", f"{scenario.get('scale', 1.0):g}"),
        ("store", db),
    ]
    if subject.ident is not None:
        meta.insert(0, (subject.kind, subject.ident))
        meta += [m for m in subject.meta if m[0] not in dict(meta)]
    if len(subject.groups) > 1:
        meta.append(("compared", page.joined(list(subject.groups))))
    return meta


def _title(subject: Subject) -> str:
    if subject.kind in ("experiment", "calibration", "discovery"):
        return f"helix {subject.kind}: {subject.label}"
    return f"helix report: {subject.label}"


def _subtitle(subject: Subject) -> str:
    if not subject.runs:
        return f"The {subject.kind} as stored: its tables and figures."
    scenario = subject.runs[0].scenario
    text = str(scenario.get("description") or "")
    n = len(subject.runs)
    if n > 1:
        text += f" {n} runs; lines are medians across runs, bands their spread."
    return text.strip()


def write_report(
    db: str | Path,
    run_ids: Sequence[str] = (),
    *,
    experiment: str | None = None,
    calibration: str | None = None,
    discovery: str | None = None,
    out_dir: str | Path = "helix-report",
    pngs: bool = False,
    force: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ReportFiles:
    """Write ``report.html`` (and with ``pngs`` one PNG per figure) into ``out_dir``, replacing
    what was there.

    The report is written beside ``out_dir`` and swapped in (:mod:`helix.report.folder`): the
    folder then holds this report only, and a failure leaves the previous one whole.

    Args:
        db: The results store (DuckDB file).
        run_ids: Runs to show; none means the latest run.
        experiment: An experiment id (its runs, grouped by variant).
        calibration: A calibration id.
        discovery: A scenario discovery's id (``helix discover``).
        out_dir: Folder to write into (created if needed).
        pngs: Also draw every figure as a PNG (matplotlib; about a quarter of a second each).
            Without them the page's figures still save themselves as PNGs (the camera button).
        force: Write into a folder that holds other files than a helix report (beside them).
        progress: Called as ``progress(step, done, total)`` while the report is written.

    Raises:
        StoreError: The store cannot be read, is empty, or lacks what was asked for, or the
            output folder cannot be written, or holds other files (without ``force``).
    """
    clock = time.perf_counter()
    tell = progress or (lambda step, done, total: None)
    out = Path(out_dir)
    check_target(out, force)  # before the slow part: a refused folder is refused at once
    tell("reading the store", 0, 1)
    with open_store(str(db)) as store:
        subject = resolve(
            store, run_ids, experiment=experiment, calibration=calibration, discovery=discovery
        )
        contents = collect(subject, store.con)
    total = 1 + (len(contents.figures) if pngs else 0)
    tell("writing report.html", 0, total)
    divs = [html_div(f, f"plot-{f.key}") for f in contents.figures]
    figure_blocks = list(zip(contents.figures, divs, strict=True))
    blocks = _ordered(contents.tables, figure_blocks)
    doc = page.Page(
        title=_title(subject),
        subtitle=_subtitle(subject),
        meta=header(subject, str(db)),
        blocks=blocks,
        notes=contents.notes,
        footer=f"Written by helix {helix_version()} from {db}. Interactive figures: hover for "
        "values, click a legend entry to hide it, double-click to isolate it.",
    )
    with swapped_in(out, force=force) as fresh:
        (fresh / HTML_NAME).write_text(page.render_page(doc, plotly_js()), encoding="utf-8")
        names, notes = _draw_pngs(contents.figures, fresh, tell, total) if pngs else ([], [])
        tell("done", total, total)
    return ReportFiles(
        out / HTML_NAME,
        [out / n for n in names],
        subject,
        time.perf_counter() - clock,
        notes,
        [f.key for f in contents.figures],
    )


def _draw_pngs(
    figures: list[FigureSpec], folder: Path, tell: Callable[[str, int, int], None], total: int
) -> tuple[list[str], list[str]]:
    """Each figure as a PNG in ``folder``: the files' names, and the notes for the reader."""
    # Imported here: matplotlib takes half a second to load, which a report without PNGs (the
    # default, and every report of the dashboard) does not need.
    from helix.report import static

    names = []
    missing: set[str] = set()
    for i, f in enumerate(figures):
        tell("drawing the figures as PNG", 1 + i, total)
        static.render(f, folder / f"{f.key}.png", missing)
        names.append(f"{f.key}.png")
    return names, [static.MISSING_GLYPHS] if missing else []


def _ordered(
    tables: list[page.TableBlock], figures: list[tuple[FigureSpec, str]]
) -> list[page.TableBlock | tuple[FigureSpec, str]]:
    """Tables first within their section, then the figures; sections in order of first use."""
    sections = list(dict.fromkeys([t.section for t in tables] + [f.section for f, _ in figures]))
    if TARGETS in sections:
        sections.remove(TARGETS)
        sections.insert(0, TARGETS)
    out: list[page.TableBlock | tuple[FigureSpec, str]] = []
    for s in sections:
        out += [t for t in tables if t.section == s]
        out += [f for f in figures if f[0].section == s]
    return out
