"""The DuckDB results store: the only place that holds SQL.

One module per subject: ``runs`` (the schema, runs and their indicators, events and snapshots),
and, beside it, experiments, calibrations and the readers reports use.
"""

from helix.store.runs import Store, helix_version, indicator_rows, new_run_id, now

__all__ = ["Store", "helix_version", "indicator_rows", "new_run_id", "now"]
