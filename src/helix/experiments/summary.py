"""Summaries the user can act on, read from the store with SQL.

Each outcome is measured on every finished run of the experiment from the ``indicators`` table
(one query per outcome), then summarised per variant:

- ``mean``: the mean over replicates (and sweep points), with the 5% and 95% quantiles as the
  90% band (``low``, ``high``);
- ``difference``: the mean difference from the baseline variant, paired by replicate and sweep
  point (the runs share their seeds), with a Student-t confidence interval at the file's
  ``confidence`` level;
- for a ``sobol`` sweep, ``S1`` and ``ST`` (and ``S2`` with ``second_order``) per parameter;
  for a ``morris`` sweep, ``mu_star``, ``mu`` and ``sigma``; computed by SALib on the mean over
  replicates of each sweep point; ``low``/``high`` is the index plus or minus its confidence.

The rows go to ``experiment_outcomes`` (one value per run and outcome) and
``experiment_summaries`` (one row per variant, outcome, statistic and parameter).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import numpy as np

from helix.experiments.design import Experiment, Outcome, outcome_window, salib_problem
from helix.experiments.targets import INTENSIVE
from helix.world.indicators import UNITS

BAND = (0.05, 0.95)


@dataclass(frozen=True)
class OutcomeValue:
    """One outcome of one run."""

    run_id: str
    variant: str
    replicate: int
    sweep_point: int
    outcome: str
    value: float


@dataclass(frozen=True)
class SummaryRow:
    """One line of the summary (the ``experiment_summaries`` table, less the experiment id)."""

    variant: str
    outcome: str
    statistic: str
    parameter: str | None
    value: float | None
    low: float | None
    high: float | None
    n: int
    failed: int


@dataclass
class Summary:
    """The experiment's summary, with notes on what could not be computed."""

    rows: list[SummaryRow]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"rows": [asdict(r) for r in self.rows], "notes": list(self.notes)}


# -------------------------------------------------------------------------------- outcomes

_MONTH_STATS = {
    "final": "arg_max(v, date)",
    "mean": "avg(v ORDER BY date)",
    "total": "sum(v ORDER BY date)",
    "max": "max(v)",
    "min": "min(v)",
}
_YEAR_STATS = {
    "final_year": "arg_max(a, year)",
    "change": "arg_max(a, year) - arg_min(a, year)",
    "growth": "CASE WHEN arg_min(a, year) > 0 THEN arg_max(a, year) / arg_min(a, year) - 1 END",
    "cagr": "CASE WHEN arg_min(a, year) > 0 AND max(year) > min(year) THEN "
    "pow(arg_max(a, year) / arg_min(a, year), 1.0 / (max(year) - min(year))) - 1 END",
}


def outcome_query(outcome: Outcome, run_start: str, run_end: str) -> tuple[str, list[Any]]:
    """SQL giving (run_id, value) of one outcome for each finished run of an experiment.

    The experiment id is the first parameter. Sums are ordered, so the result does not depend
    on DuckDB's threads.
    """
    agg = "AVG" if outcome.indicator in INTENSIVE else "SUM"
    flow = UNITS[outcome.indicator][0].endswith("/month")
    start, end = outcome_window(outcome, run_start, run_end)
    filters = ""
    params: list[Any] = [outcome.indicator]
    for column in ("city", "sector", "district"):
        value = getattr(outcome, column)
        if value is not None:
            filters += f" AND i.{column} = ?"
            params.append(value)
    params += [start, end]
    monthly = (
        f"SELECT i.run_id, i.date, {agg}(i.value ORDER BY i.city, i.district, i.sector) AS v"
        " FROM indicators i"
        " JOIN runs r ON r.run_id = i.run_id"
        " WHERE r.experiment_id = ? AND r.status = 'done' AND i.indicator = ?"
        f"{filters} AND i.date BETWEEN ? AND ? GROUP BY i.run_id, i.date"
    )
    if outcome.statistic in _MONTH_STATS:
        sql = (
            f"WITH m AS ({monthly}) SELECT run_id, {_MONTH_STATS[outcome.statistic]} FROM m"
            " GROUP BY run_id"
        )
    else:
        yearly = (
            "SELECT run_id, CAST(substr(date, 1, 4) AS INTEGER) AS year, "
            f"{'SUM' if flow else 'AVG'}(v ORDER BY date) AS a FROM m GROUP BY run_id, year"
        )
        sql = (
            f"WITH m AS ({monthly}), y AS ({yearly}) "
            f"SELECT run_id, {_YEAR_STATS[outcome.statistic]} FROM y GROUP BY run_id"
        )
    return sql, params


def measure_outcomes(con: duckdb.DuckDBPyConnection, exp: Experiment) -> list[OutcomeValue]:
    """Every outcome of every finished run of the experiment."""
    runs = con.execute(
        "SELECT run_id, variant, replicate, sweep_point FROM runs"
        " WHERE experiment_id = ? AND status = 'done' ORDER BY variant, sweep_point, replicate",
        [exp.experiment_id],
    ).fetchall()
    position = {r[0]: r[1:] for r in runs}
    run_start = exp.base["start"]
    run_end = exp.spec.until or exp.base["end"]
    out: list[OutcomeValue] = []
    for name, outcome in exp.outcomes.items():
        sql, params = outcome_query(outcome, run_start, run_end)
        values = dict(con.execute(sql, [exp.experiment_id, *params]).fetchall())
        for rid, (variant, rep, point) in position.items():
            v = values.get(rid)
            out.append(
                OutcomeValue(
                    rid,
                    variant,
                    int(rep),
                    int(point),
                    name,
                    float("nan") if v is None else float(v),
                )
            )
    return out


# ------------------------------------------------------------------------------- summaries


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def variant_rows(
    values: list[OutcomeValue], exp: Experiment, failed: dict[str, int]
) -> list[SummaryRow]:
    """Mean and 90% band per variant and outcome; paired difference from the baseline.

    Values are taken in the design's order, so the sums do not depend on the order runs came
    back in.
    """
    from scipy import stats

    by: dict[tuple[str, str], dict[tuple[int, int], float]] = defaultdict(dict)
    for v in values:
        by[(v.variant, v.outcome)][(v.replicate, v.sweep_point)] = v.value
    rows: list[SummaryRow] = []
    for outcome in exp.outcomes:
        base = by.get((exp.baseline, outcome), {})
        for variant in exp.variants:
            cell = by.get((variant, outcome), {})
            x = np.array([cell[k] for k in sorted(cell) if np.isfinite(cell[k])])
            nf = failed.get(variant, 0)
            if len(x):
                lo, hi = (float(q) for q in np.quantile(x, BAND))
                rows.append(
                    SummaryRow(variant, outcome, "mean", None, float(x.mean()), lo, hi, len(x), nf)
                )
            else:
                rows.append(SummaryRow(variant, outcome, "mean", None, None, None, None, 0, nf))
            if variant == exp.baseline:
                continue
            d = np.array(
                [
                    cell[k] - base[k]
                    for k in sorted(cell)
                    if k in base and np.isfinite(cell[k]) and np.isfinite(base[k])
                ]
            )
            mean = _finite(d.mean()) if len(d) else None
            lo_ci = hi_ci = None
            if len(d) >= 2 and mean is not None:
                half = (
                    stats.t.ppf(0.5 + exp.spec.confidence / 2, len(d) - 1)
                    * d.std(ddof=1)
                    / np.sqrt(len(d))
                )
                lo_ci, hi_ci = _finite(mean - half), _finite(mean + half)
            rows.append(
                SummaryRow(variant, outcome, "difference", None, mean, lo_ci, hi_ci, len(d), nf)
            )
    return rows


def sensitivity_rows(
    values: list[OutcomeValue], exp: Experiment, failed: dict[str, int]
) -> tuple[list[SummaryRow], list[str]]:
    """Sobol or Morris indices per variant, outcome and parameter, through SALib."""
    sweep = exp.spec.sweep
    if not exp.parameters or sweep is None or sweep.design not in ("sobol", "morris"):
        return [], []
    problem = salib_problem(exp.parameters)
    sums: dict[tuple[str, str], np.ndarray] = {}
    counts: dict[tuple[str, str], np.ndarray] = {}
    for v in values:
        key = (v.variant, v.outcome)
        if key not in sums:
            sums[key] = np.zeros(exp.points)
            counts[key] = np.zeros(exp.points)
        if np.isfinite(v.value):
            sums[key][v.sweep_point] += v.value
            counts[key][v.sweep_point] += 1
    rows: list[SummaryRow] = []
    notes: list[str] = []
    for variant in exp.variants:
        for outcome in exp.outcomes:
            key = (variant, outcome)
            if key not in sums or (counts[key] == 0).any():
                missing = exp.points if key not in counts else int((counts[key] == 0).sum())
                notes.append(
                    f"{sweep.design} indices of {outcome} ({variant}) need every sweep point;"
                    f" {missing} of {exp.points} have no finished run"
                )
                continue
            y = sums[key] / counts[key]
            nf = failed.get(variant, 0)
            if float(np.ptp(y)) == 0.0:
                notes.append(f"{outcome} ({variant}) does not vary over the sweep")
                continue
            rows += _indices(problem, exp, y, variant, outcome, nf)
    return rows, notes


def _indices(
    problem: dict[str, Any], exp: Experiment, y: np.ndarray, variant: str, outcome: str, nf: int
) -> list[SummaryRow]:
    sweep = exp.spec.sweep
    assert sweep is not None
    names = problem["names"]
    n = len(y)
    rows: list[SummaryRow] = []

    def add(stat: str, param: str, value: float, conf: float | None) -> None:
        v = _finite(value)
        c = _finite(conf) if conf is not None else None
        low = v - c if v is not None and c is not None else None
        high = v + c if v is not None and c is not None else None
        rows.append(SummaryRow(variant, outcome, stat, param, v, low, high, n, nf))

    if sweep.design == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(
            problem,
            y,
            calc_second_order=sweep.second_order,
            conf_level=exp.spec.confidence,
            seed=exp.seed % 2**32,
        )
        for i, p in enumerate(names):
            add("S1", p, res["S1"][i], res["S1_conf"][i])
            add("ST", p, res["ST"][i], res["ST_conf"][i])
        if sweep.second_order:
            for i, a in enumerate(names):
                for j in range(i + 1, len(names)):
                    add("S2", f"{a},{names[j]}", res["S2"][i, j], res["S2_conf"][i, j])
    else:
        from SALib.analyze import morris

        res = morris.analyze(
            problem,
            exp.samples,
            y,
            conf_level=exp.spec.confidence,
            num_levels=sweep.levels,
            seed=exp.seed % 2**32,
        )
        for i, p in enumerate(names):
            add("mu_star", p, res["mu_star"][i], res["mu_star_conf"][i])
            add("mu", p, res["mu"][i], None)
            add("sigma", p, res["sigma"][i], None)
    return rows


def failed_by_variant(con: duckdb.DuckDBPyConnection, experiment_id: str) -> dict[str, int]:
    rows = con.execute(
        "SELECT variant, count(*) FROM runs WHERE experiment_id = ? AND status = 'failed'"
        " GROUP BY variant",
        [experiment_id],
    ).fetchall()
    return {str(v): int(n) for v, n in rows}


def summarise(
    con: duckdb.DuckDBPyConnection, exp: Experiment
) -> tuple[Summary, list[OutcomeValue]]:
    """Measure the outcomes of the experiment's finished runs and summarise them."""
    values = measure_outcomes(con, exp)
    failed = failed_by_variant(con, exp.experiment_id)
    rows = variant_rows(values, exp, failed)
    sensitivity, notes = sensitivity_rows(values, exp, failed)
    if failed:
        notes.insert(0, f"{sum(failed.values())} run(s) failed and are left out of the summary")
    return Summary(rows + sensitivity, notes), values


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, list[Any]]) -> None:
    """Insert columns (names as in the table) in one statement; NaN and None become NULL."""
    frame = {  # noqa: F841 - read by DuckDB's replacement scan below
        k: np.array([np.nan if x is None else x for x in v], dtype=float)
        if k in _DOUBLES
        else np.array(v, dtype=object if k not in _INTEGERS else np.int64)
        for k, v in columns.items()
    }
    select = ", ".join(
        f"CASE WHEN isnan({k}) THEN NULL ELSE {k} END AS {k}"
        if k in _DOUBLES
        else (f"CAST({k} AS VARCHAR) AS {k}" if k not in _INTEGERS else k)
        for k in columns
    )
    con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM frame")


_DOUBLES = frozenset({"value", "low", "high"})
_INTEGERS = frozenset({"replicate", "sweep_point", "n", "failed"})


def store_summary(
    con: duckdb.DuckDBPyConnection, exp: Experiment, summary: Summary, values: list[OutcomeValue]
) -> None:
    """Replace the experiment's rows in ``experiment_outcomes`` and ``experiment_summaries``."""
    eid = exp.experiment_id
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM experiment_outcomes WHERE experiment_id = ?", [eid])
        con.execute("DELETE FROM experiment_summaries WHERE experiment_id = ?", [eid])
        if values:
            _insert(
                con,
                "experiment_outcomes",
                {
                    "experiment_id": [eid] * len(values),
                    "run_id": [v.run_id for v in values],
                    "variant": [v.variant for v in values],
                    "replicate": [v.replicate for v in values],
                    "sweep_point": [v.sweep_point for v in values],
                    "outcome": [v.outcome for v in values],
                    "value": [v.value for v in values],
                },
            )
        if summary.rows:
            rows = summary.rows
            _insert(
                con,
                "experiment_summaries",
                {
                    "experiment_id": [eid] * len(rows),
                    **{
                        k: [getattr(r, k) for r in rows]
                        for k in (
                            "variant",
                            "outcome",
                            "statistic",
                            "parameter",
                            "value",
                            "low",
                            "high",
                            "n",
                            "failed",
                        )
                    },
                },
            )
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
