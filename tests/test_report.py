"""Reports: one offline HTML file and a PNG per figure, of runs, experiments and calibrations.

A small world (scale 0.05, 2020-2025) is simulated once per session into a temporary store.
The tests check structure and rendering, never the model's values (they are being tuned).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import matplotlib.image
import numpy as np
import pytest
from typer.testing import CliRunner

from helix.cli import app
from helix.errors import StoreError
from helix.experiments.design import load_experiment
from helix.experiments.executors import backend_for
from helix.experiments.runner import run_experiment
from helix.report import write_report
from helix.report.build import Contents, collect, resolve
from helix.report.experiment import experiment_sections
from helix.report.source import Subject, open_store
from helix.report.values import cell
from helix.runner import run_and_store
from helix.scenario.load import load_scenario, scenario_to_dict
from helix.store import Store, now
from helix.world.simulation import simulate

UNTIL = "2025-12"
SCALE = 0.05
TIME_SERIES = {
    "output_per_city",
    "output_per_sector",
    "births_deaths",
    "vc_per_city",
    "unicorns",
    "rents",
    "vacancy",
    "ip_disputes",
    "talent_net",
    "talent_flows",
    "abroad_share",
    "government_support",
}
OTHERS = {"targets_spread", "corridor_map", "firm_sizes", "growth_rates", "survival"}


@dataclass
class Stored:
    db: Path
    runs: list[str]
    experiment: str
    calibration: str


def _store_experiment_run(
    store: Store, run_id: str, seed: int, ident: str, variant: str, replicate: int, **kw: Any
) -> None:
    scenario = load_scenario(until=UNTIL, scale=SCALE, seed=seed, **kw)
    result = simulate(scenario)
    store.write_run(
        run_id,
        scenario_name=scenario.name,
        scenario_json=scenario_to_dict(scenario),
        seed=scenario.seed,
        started=now(),
        indicators=result.observations.long_form(),
        experiment={"experiment_id": ident, "variant": variant, "replicate": replicate},
    )


def _insert(con: duckdb.DuckDBPyConnection, table: str, **row: Any) -> None:
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))


def _add_summaries(con: duckdb.DuckDBPyConnection, experiment: str, calibration: str) -> None:
    """Rows of the experiment and calibration tables, in the shapes the store defines."""
    _insert(
        con,
        "experiments",
        experiment_id=experiment,
        name="vc test",
        resolved_json='{"name": "vc test", "baseline": "baseline"}',
        created=now(),
    )
    summary = "experiment_summaries"
    for variant, mean in (("baseline", 10.0), ("slow-vc", 8.0)):
        _insert(
            con,
            summary,
            experiment_id=experiment,
            variant=variant,
            outcome="shanghai_output",
            statistic="mean",
            value=mean,
            low=mean - 1,
            high=mean + 1,
            n=2,
            failed=0,
        )
    _insert(
        con,
        summary,
        experiment_id=experiment,
        variant="slow-vc",
        outcome="shanghai_output",
        statistic="difference",
        value=-2.0,
        low=-3.0,
        high=-1.0,
        n=2,
        failed=0,
    )
    for i, parameter in enumerate(["funding.deploy_share", "rents.vacancy_response"]):
        for index, value in (("S1", 0.2 + 0.1 * i), ("ST", 0.3 + 0.1 * i)):
            _insert(
                con,
                summary,
                experiment_id=experiment,
                variant="baseline",
                outcome="shanghai_output",
                statistic=index,
                parameter=parameter,
                value=value,
                low=value - 0.05,
                high=value + 0.05,
                n=8,
                failed=0,
            )
    _insert(
        con,
        "calibrations",
        calibration_id=calibration,
        created=now(),
        scenario_name="shanghai-delta",
        study_name="study-test",
        trials=12,
        fit_seeds="[1, 2, 3]",
        helix_version="0.1.0",
        calibrated_toml="calibrated.toml",
    )
    for target, mean, report, tol, within in (
        ("T1", 0.2, 0.22, 0.02, True),
        ("T2", 30, 43, 6, False),
    ):
        _insert(
            con,
            "calibration_fit",
            calibration_id=calibration,
            target=target,
            simulated_mean=mean,
            simulated_sd=abs(mean) * 0.1,
            report=report,
            tolerance=tol,
            within=within,
        )
    _insert(
        con,
        "calibration_parameters",
        calibration_id=calibration,
        parameter="funding.deploy_share",
        low=0.01,
        high=0.1,
        log_scale=True,
        best=0.03,
        top_q10=0.02,
        top_q90=0.05,
        verdict="identified",
    )
    for value, loss in ((0.01, 9.0), (0.03, 1.0), (0.1, 12.0)):
        _insert(
            con,
            "calibration_profiles",
            calibration_id=calibration,
            parameter="funding.deploy_share",
            value=value,
            loss=loss,
        )


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stored]:
    """Two plain runs, a two-variant experiment and a calibration in one small store."""
    db = tmp_path_factory.mktemp("store") / "runs.duckdb"
    with Store(db) as store:
        runs = [
            run_and_store(load_scenario(until=UNTIL, scale=SCALE, seed=seed), store).run_id
            for seed in (1, 2)
        ]
        for rep in range(2):
            _store_experiment_run(store, f"exp-b{rep}", 10 + rep, "exp1", "baseline", rep)
            _store_experiment_run(
                store,
                f"exp-s{rep}",
                10 + rep,
                "exp1",
                "slow-vc",
                rep,
                overrides=["parameters.funding.deploy_share=0.01"],
            )
        _add_summaries(store.con, "exp1", "cal1")
    yield Stored(db, runs, "exp1", "cal1")


@pytest.fixture(scope="module")
def summaries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding only an experiment's summary and a calibration (no run): fast."""
    db = tmp_path_factory.mktemp("summaries") / "runs.duckdb"
    with Store(db) as store:
        _add_summaries(store.con, "exp1", "cal1")
    return db


def _contents(db: Path, run_ids: Sequence[str] = (), **kw: Any) -> Contents:
    with open_store(str(db)) as store:
        return collect(resolve(store, run_ids, **kw), store.con)


def assert_png_not_blank(path: Path) -> None:
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 400, image.shape
    rgb = image[..., :3]
    assert rgb.std() > 0.02, f"{path.name} looks blank"
    ink = (rgb.mean(axis=2) < 0.9).mean()
    assert ink > 0.005, f"{path.name} has almost nothing drawn ({ink:.4f})"


# ------------------------------------------------------------------------------ one run


@pytest.fixture(scope="module")
def one(stored: Stored, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("one")
    return write_report(stored.db, [stored.runs[0]], out_dir=out, pngs=True)


@pytest.fixture(scope="module")
def contents_one(stored: Stored) -> Contents:
    return _contents(stored.db, [stored.runs[0]])


@pytest.mark.slow
def test_one_html_file_and_a_png_per_figure(one: Any) -> None:
    folder = one.html.parent
    assert one.html.name == "report.html"
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".html") == ["report.html"]
    pngs = sorted(folder.glob("*.png"))
    assert len(pngs) == one.figures == len(one.pngs)
    page = one.html.read_text(encoding="utf-8")
    keys = re.findall(r'<figure class="helix-figure" id="figure-([^"]+)"', page)
    assert sorted(f"{k}.png" for k in keys) == [p.name for p in pngs]
    for png in pngs:
        assert_png_not_blank(png)


@pytest.mark.slow
def test_html_is_self_contained(one: Any) -> None:
    page = one.html.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", page), "a script is loaded from elsewhere"
    assert not re.search(r"<link[^>]+href=", page), "a stylesheet is loaded from elsewhere"
    assert not re.search(r"<img[^>]+src=\"https?:", page)
    assert page.count("Plotly.newPlot(") == one.figures
    # plotly.js is embedded once: its bundle banner appears a single time.
    assert len(re.findall(r"plotly\.js v\d", page)) == 1


@pytest.mark.slow
def test_header_says_what_was_run(stored: Stored, one: Any) -> None:
    page = one.html.read_text(encoding="utf-8")
    header = page.split("</header>")[0]
    with Store(stored.db, read_only=True) as store:
        run = store.run(stored.runs[0])
    for text in (
        run["scenario_name"],
        str(run["seed"]),
        run["helix_version"],
        run["finished"].strftime("%Y-%m-%d"),
        stored.runs[0],
    ):
        assert text in header, text
    for label in ("scenario", "seed", "helix version", "run date"):
        assert f"<dt>{label}</dt>" in header


@pytest.mark.slow
def test_every_figure_the_issue_asks_for(contents_one: Contents) -> None:
    keys = {f.key for f in contents_one.figures}
    assert keys >= TIME_SERIES | OTHERS
    assert any(k.startswith("recovery_") for k in keys)


@pytest.mark.slow
def test_figures_have_title_units_legend_and_caption(contents_one: Contents) -> None:
    for f in contents_one.figures:
        assert f.title and f.x_label and f.y_label, f.key
        assert f.caption.endswith(".") and len(f.caption) > 30, f.key
        assert any(s.show_legend for s in f.series), f.key
        if f.key in TIME_SERIES:
            assert "(" in f.y_label, f"{f.key}: no unit in {f.y_label!r}"
            assert f.x_label in ("year", "month")


@pytest.mark.slow
def test_interactive_figures_are_valid_plotly(stored: Stored, contents_one: Contents) -> None:
    """The figures are built as plain Plotly JSON, unvalidated on the page (for speed); here
    each one of a run's and an experiment's report must pass Plotly's own
    validation, with the template graph objects would have set."""
    import plotly.graph_objects as go

    from helix.report import interactive

    specs = list(contents_one.figures) + _contents(stored.db, experiment=stored.experiment).figures
    assert len(specs) > 20
    for spec in specs:
        fig = interactive.figure(spec)
        checked = go.Figure(fig)  # raises on an unknown or mistyped property
        assert checked.layout.template.layout.plot_bgcolor == "white", spec.key
        assert len(checked.data) == len(fig["data"]), spec.key


def test_every_target_is_tabled_and_marked(contents_one: Contents) -> None:
    c = contents_one
    targets = load_scenario(until=UNTIL, scale=SCALE).targets
    table = next(t for t in c.tables if t.header[0] == "target")
    assert [r[0] for r in table.rows] == list(targets)
    marked = set()
    for f in c.figures:
        for label in [s.name for s in f.series] + [s.label for s in f.shades]:
            m = re.match(r"(T\d) report: ", label)
            if m:
                marked.add(m.group(1))
                assert re.search(r"\((meets|misses|mixed)\)$", label), label
    assert marked == set(targets)


@pytest.mark.slow
def test_corridor_map_places_cities_by_coordinates(contents_one: Contents) -> None:
    c = contents_one
    world = load_scenario(until=UNTIL, scale=SCALE)
    spec = next(f for f in c.figures if f.key == "corridor_map")
    labels = next(s for s in spec.series if s.show_text)
    for name, lon, lat in zip(labels.text or [], labels.x, labels.y, strict=True):
        assert (lon, lat) == pytest.approx((world.cities[name].lon, world.cities[name].lat))
    assert "Shanghai" in (labels.text or [])
    links = [s for s in spec.series if s.group == "links"]
    assert links and all(s.text for s in links)
    widths = [s.width for s in links]
    assert widths == sorted(widths, reverse=True), "closer links are drawn thicker"


# ---------------------------------------------------------------------------- several runs


@pytest.mark.slow
def test_several_runs_are_drawn_as_bands(stored: Stored, tmp_path: Path) -> None:
    files = write_report(stored.db, stored.runs, out_dir=tmp_path, pngs=False)
    header = files.html.read_text(encoding="utf-8").split("</header>")[0]
    assert "seeds" in header and all(r in header for r in stored.runs)
    c = _contents(stored.db, stored.runs)
    spec = next(f for f in c.figures if f.key == "output_per_city")
    banded = [s for s in spec.series if s.key == "Shanghai"]
    assert banded and banded[0].low is not None and banded[0].high is not None
    assert np.all(banded[0].low <= banded[0].high + 1e-9)


@pytest.mark.slow
def test_latest_run_is_the_default(stored: Stored) -> None:
    with open_store(str(stored.db)) as store:
        latest = store.latest_run()
        assert resolve(store).run_ids == [latest]


# ---------------------------------------------------------------------- experiment, calibration


@pytest.mark.slow
def test_experiment_report_compares_variants(stored: Stored, tmp_path: Path) -> None:
    files = write_report(stored.db, experiment=stored.experiment, out_dir=tmp_path, pngs=True)
    assert files.subject.kind == "experiment"
    assert list(files.subject.groups) == ["baseline", "slow-vc"]
    c = _contents(stored.db, experiment=stored.experiment)
    keys = {f.key for f in c.figures}
    assert {"variants_output", "experiment_outcome_0", "experiment_difference"} <= keys
    assert sorted(k for k in keys if "difference" in k) == ["experiment_difference"], (
        "one difference from the baseline, the experiment's mean with its CI"
    )
    assert "sensitivity_0" in keys
    assert not {"firm_sizes", "survival"} & keys, "no microdata was stored for these runs"
    page = files.html.read_text(encoding="utf-8")
    assert "vc test" in page and "Variants side by side" in page and "Outcomes by variant" in page
    for png in files.pngs:
        assert_png_not_blank(png)


def test_the_experiment_section_shows_one_difference_with_its_ci(summaries: Path) -> None:
    """Outcomes by variant, then the summary's paired difference (mean, CI) and nothing else."""
    subject = Subject(
        kind="experiment",
        label="vc test",
        runs=[],
        ident="exp1",
        groups={"baseline": [], "slow-vc": []},
    )
    with open_store(str(summaries)) as store:
        figures, tables, _ = experiment_sections(store.con, subject)
    assert [f.key for f in figures] == [
        "experiment_outcome_0",
        "experiment_difference",
        "sensitivity_0",
    ]
    difference = figures[1]
    assert [s.name for s in difference.series] == ["slow-vc"]
    np.testing.assert_allclose(difference.series[0].y, [-20.0])  # -2 of a baseline of 10, in %
    np.testing.assert_allclose(difference.series[0].low, [-30.0])
    np.testing.assert_allclose(difference.series[0].high, [-10.0])
    rows = {r[1]: r for r in tables[0].rows}
    assert rows["slow-vc"][4] == "-2 (-3 to -1)"
    assert rows["baseline"][4] == "—"


@pytest.mark.slow
def test_several_worlds_side_by_side_draw_no_difference_figure(stored: Stored) -> None:
    """Without an experiment's paired summary there is no difference from the baseline to
    show: the groups are drawn side by side, and no second measure of their gap is made up."""
    exp_runs = ["exp-b0", "exp-s0"]
    c = _contents(stored.db, exp_runs)
    keys = {f.key for f in c.figures}
    assert "variants_output" in keys
    assert not [k for k in keys if "difference" in k]


@pytest.mark.slow
def test_an_experiment_written_by_its_runner_reads_back_in_the_report(tmp_path: Path) -> None:
    """The experiment's real writers (helix experiment), then the report's readers: the
    difference the report tables is the summary's, with its confidence interval."""
    city = load_scenario().focus_city
    file = tmp_path / "exp.toml"
    file.write_text(
        'name = "readback"\nreplicates = 2\n'
        "[variants.slow-vc]\n"
        "scenario.parameters.funding.deploy_share = 0.01\n"
        "[outcomes.firms]\n"
        f'indicator = "firms"\ncity = "{city}"\nstatistic = "final"\n'
    )
    exp = load_experiment(file, until="2021-06", scale=0.02)
    db = tmp_path / "runs.duckdb"
    backend = backend_for(None, 1)
    try:
        with Store(db) as store:
            done = run_experiment(exp, store, backend)
    finally:
        backend.close()
    diff = next(r for r in done.summary.rows if r.statistic == "difference")
    c = _contents(db, experiment=exp.experiment_id)
    table = next(t for t in c.tables if t.title == "Outcomes by variant")
    row = next(r for r in table.rows if r[1] == "slow-vc")
    assert row[4] == f"{cell(diff.value)} ({cell(diff.low)} to {cell(diff.high)})"
    figure = next(f for f in c.figures if f.key == "experiment_difference")
    assert [s.name for s in figure.series] == ["slow-vc"]


@pytest.mark.slow
def test_latest_experiment(stored: Stored) -> None:
    c = _contents(stored.db, experiment="latest")
    assert c.subject.ident == stored.experiment


def test_calibration_report_shows_fit_and_identifiability(summaries: Path, tmp_path: Path) -> None:
    files = write_report(summaries, calibration="cal1", out_dir=tmp_path, pngs=True)
    assert files.subject.runs == []
    keys = {p.stem for p in files.pngs}
    assert keys == {"calibration_fit", "calibration_parameters", "calibration_profiles"}
    page = files.html.read_text(encoding="utf-8")
    header = page.split("</header>")[0]
    assert "study-test" in header and "calibrated.toml" in header
    assert "Fit per target" in page and "Free parameters" in page
    for png in files.pngs:
        assert_png_not_blank(png)


@pytest.mark.slow
def test_store_without_experiment_tables(tmp_path: Path) -> None:
    """A store written before experiments and calibrations existed still gives a report."""
    db = tmp_path / "old.duckdb"
    with Store(db) as store:
        run_and_store(load_scenario(until="2021-12", scale=SCALE), store)
        keep = {"runs", "indicators", "firm_events", "firm_snapshots"}
        for name, kind in store.con.execute(
            "SELECT table_name, table_type FROM information_schema.tables"
        ).fetchall():
            if name not in keep:
                store.con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")
    files = write_report(db, out_dir=tmp_path / "out")
    assert files.figures > 10
    with pytest.raises(StoreError, match="no calibration"):
        write_report(db, calibration="latest", out_dir=tmp_path / "out")


# ------------------------------------------------------------------------------ the CLI


def _cli(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_one_line_error(result: Any, *parts: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("helix: error: ")
    for part in parts:
        assert part in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.slow
def test_cli_report_writes_the_files(stored: Stored, tmp_path: Path) -> None:
    out = tmp_path / "rep"
    result = _cli("report", stored.runs[1], "--db", stored.db, "--out", out, "--png")
    assert result.exit_code == 0, result.stderr
    assert str(out / "report.html") in result.stdout
    assert (out / "report.html").exists() and list(out.glob("*.png"))


@pytest.mark.slow
def test_the_pngs_are_drawn_on_request_and_the_page_saves_each_figure(
    stored: Stored, tmp_path: Path
) -> None:
    """Without --png the folder holds the page alone; each figure's camera button then saves
    it as a PNG named after the figure (plotly.js draws it in the browser, offline)."""
    out = tmp_path / "rep"
    result = _cli("report", stored.runs[1], "--db", stored.db, "--out", out, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["pngs"] == []
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["report.html"]
    page = (out / "report.html").read_text(encoding="utf-8")
    keys = re.findall(r'<figure class="helix-figure" id="figure-([^"]+)"', page)
    assert keys
    for key in keys:
        assert f'"toImageButtonOptions": {{"format": "png", "filename": "{key}"' in page


@pytest.mark.slow
def test_cli_missing_run_is_one_line(stored: Stored, tmp_path: Path) -> None:
    result = _cli("report", "no-such-run", "--db", stored.db, "--out", tmp_path / "r")
    assert_one_line_error(result, "no-such-run")
    assert not (tmp_path / "r").exists()


def test_cli_empty_store_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(_cli("report", "--db", tmp_path / "none.duckdb"), "none.duckdb")
    bare = tmp_path / "bare.duckdb"
    duckdb.connect(str(bare)).close()
    assert_one_line_error(_cli("report", "--db", bare), "no runs")
    Store(tmp_path / "schema.duckdb").close()
    assert_one_line_error(_cli("report", "--db", tmp_path / "schema.duckdb"), "no finished run")


def test_cli_unknown_experiment_is_one_line(summaries: Path) -> None:
    assert_one_line_error(_cli("report", "--experiment", "nope", "--db", summaries), "nope")
    assert_one_line_error(_cli("report", "--calibration", "nope", "--db", summaries), "nope")


@pytest.mark.slow
def test_run_points_to_its_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ("run", "--until", "2020-06", "--scale", "0.05", "--db", "runs.duckdb")
    result = _cli(*args)
    assert result.exit_code == 0, result.stderr
    assert "helix-report/report.html" in result.stdout
    assert (tmp_path / "helix-report" / "report.html").exists()


def test_run_no_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ("run", "--until", "2020-06", "--scale", "0.05", "--db", "runs.duckdb", "--no-report")
    result = _cli(*args)
    assert result.exit_code == 0, result.stderr
    assert "helix-report" not in result.stdout
    assert not (tmp_path / "helix-report").exists()


def test_a_point_outside_its_band_and_crowded_categories_still_draw(tmp_path: Path) -> None:
    """A calibration's best value can lie outside the 10-90% range of its top trials: both the
    PNG and the interactive figure draw it (no negative error bar), and eleven long category
    names are drawn without failing."""
    from helix.report import interactive, static
    from helix.report.spec import FigureSpec, Series

    names = [f"parameters.section.a_rather_long_parameter_name_{i}" for i in range(11)]
    spec = FigureSpec(
        key="outside",
        section="Calibration",
        title="A point above its band",
        x_label="parameter",
        y_label="position",
        caption="The first point lies above its band.",
        x_kind="category",
        categories=names,
        series=[
            Series(
                name="best",
                x=names,
                y=np.full(11, 0.9),
                low=np.full(11, 0.2),
                high=np.r_[0.8, np.full(10, 0.95)],
                mode="markers",
            )
        ],
    )
    png = static.render(spec, tmp_path / "outside.png")
    assert matplotlib.image.imread(png).shape[:2] == (520, 1300)
    bars = interactive._error(spec.series[0])
    assert bars is not None
    assert bars["array"][0] == 0.0 and min(bars["array"]) >= 0 and min(bars["arrayminus"]) > 0
    assert "plot-outside" in interactive.html_div(spec, "plot-outside")


def test_a_figure_drawn_again_or_in_another_thread_is_the_same_file(tmp_path: Path) -> None:
    """The PNGs of one thread share an Agg renderer per size (and so their measures of text):
    a figure is the same file, byte for byte, whatever was drawn before it and in whichever
    thread, and an opaque RGBA image of the figure's size."""
    import threading

    from helix.report import static
    from helix.report.spec import FigureSpec, Series, Shade

    def spec(key: str, title: str, equal_aspect: float = 0.0) -> FigureSpec:
        months = [f"2020-{m:02d}" for m in range(1, 13)]
        return FigureSpec(
            key=key,
            section="Time series",
            title=title,
            x_label="month",
            y_label="firms",
            caption="What to look at, in a sentence long enough to wrap. " * 4,
            series=[
                Series(name="Shanghai", x=months, y=np.linspace(1.0, 2.0, 12)),
                Series(name="Hangzhou", x=months, y=np.linspace(2.0, 1.5, 12), dash=True),
            ],
            shades=[Shade(x0="2020-03", x1="2020-05", label="a shock")],
            equal_aspect=equal_aspect,
        )

    first = static.render(spec("a", "Firms per city"), tmp_path / "first.png").read_bytes()
    static.render(spec("b", "Another title, other text", 1.0), tmp_path / "b.png")
    static.render(spec("c", "A third, of the same size"), tmp_path / "c.png")
    again = static.render(spec("a", "Firms per city"), tmp_path / "again.png").read_bytes()
    thread = threading.Thread(
        target=static.render, args=(spec("a", "Firms per city"), tmp_path / "thread.png")
    )
    thread.start()
    thread.join()
    assert first == again == (tmp_path / "thread.png").read_bytes()
    image = matplotlib.image.imread(tmp_path / "first.png")
    assert image.shape == (520, 1300, 4) and image[..., 3].min() == 1.0
    assert matplotlib.image.imread(tmp_path / "b.png").shape == (600, 1300, 4)
