"""Which sweep points of ``examples/can-the-boom-end.toml`` end the boom (docs/model.md §1.5).

Reads an experiment store and prints, per sweep point, Shanghai's output growth 2020-25 and its
2025-35 growth in each variant, with the point's uncertainties, slowest points first; then the
rank correlation of each uncertainty with the 2025-35 growth over all runs.

usage: .venv/bin/python scripts/boom_points.py boom.duckdb
"""

from __future__ import annotations

import sys

import duckdb
import pandas as pd

EARLY, LATE = "shanghai_growth_2020_25", "shanghai_growth_2025_35"


def main(path: str) -> None:
    with duckdb.connect(path, read_only=True) as con:
        outcomes = con.execute(
            "SELECT variant, sweep_point, outcome, value FROM experiment_outcomes "
            "WHERE outcome IN (?, ?)",
            [EARLY, LATE],
        ).df()
        points = con.execute("SELECT sweep_point, parameter, value FROM experiment_points").df()
    late = outcomes[outcomes.outcome == LATE].pivot_table(
        index="sweep_point", columns="variant", values="value"
    )
    early = outcomes[(outcomes.outcome == EARLY) & (outcomes.variant == "baseline")]
    late.insert(0, "2020-25", early.set_index("sweep_point")["value"])
    params = points.pivot_table(index="sweep_point", columns="parameter", values="value")
    order = late.drop(columns="2020-25").mean(axis=1).sort_values().index
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 40)
    print("Shanghai output growth a year, 2025-35 by variant (2020-25: the baseline's)")
    print(late.loc[order].round(3).to_string())
    print("\nUncertainties at those points")
    print(params.loc[order].round(2).to_string())
    runs = outcomes[outcomes.outcome == LATE].join(params, on="sweep_point")
    corr = runs[params.columns].corrwith(runs["value"], method="spearman")
    print("\nSpearman correlation with 2025-35 growth, all runs")
    print(corr.sort_values().round(2).to_string())


if __name__ == "__main__":
    main(sys.argv[1])
