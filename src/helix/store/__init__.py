"""The DuckDB results store: the only place that holds SQL.

One module per subject: ``runs`` (the schema, runs and their indicators, events and snapshots),
``experiments`` (designs, their runs' outcomes and summaries) and ``calibrations`` (fits,
parameters, correlations, profiles), and, beside them, the readers reports use.
"""

from helix.store.runs import Store, helix_version, indicator_rows, new_run_id, now, observations

__all__ = ["Store", "helix_version", "indicator_rows", "new_run_id", "now", "observations"]
