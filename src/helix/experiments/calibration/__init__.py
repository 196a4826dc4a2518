"""Calibration: simulated method of moments over replicates, searched with optuna's TPE.

A scenario marks its free parameters in ``[calibration]`` (dotted path -> ``{low, high}``) and
the report's figures in ``[targets]``. A *candidate* is one value per free parameter. It is
run over a fixed list of seeds (the same seeds for every candidate: common random numbers), each
run's targets are measured from its indicators exactly as :mod:`helix.experiments.targets` does
for a stored run, and the candidate's loss is

    L = sum over targets of term(target)

    within:   ((mean over seeds - observed) / tolerance)^2
    at_most:  mean over seeds of (max(0, value - observed) / tolerance)^2   + 4 x share failing
    falls:    mean over seeds of (max(0, value) / tolerance)^2              + 4 x share failing
    crosses:  mean over seeds of (max(0, first - observed) / tolerance)^2
                               + (max(0, observed - last) / tolerance)^2   + 4 x share failing

A target a run cannot measure (no data, a division by zero) adds 25 (five tolerances) times the
share of seeds where it is missing; a recovery that does not happen inside its window counts as
one month more than the window.

The search is behind the :class:`Calibrator` protocol (``propose``/``observe``); the shipped one
is :class:`OptunaCalibrator`, whose study lives in a journal file beside the DuckDB store
(``<db>.optuna.log``), named by a hash of the world and the calibration spec, so rerunning the
same command resumes it. docs/calibration.md says why optuna, and how ABC-SMC or a surrogate
plugs in. The candidates' runs go through the experiments' backends (local processes or a Dask
cluster, ``cluster="tcp://host:port"``), with the same recovery from lost workers.

The package, by responsibility: :mod:`.free` (free parameters), :mod:`.loss` (one run's
targets and a candidate's loss), :mod:`.search` (the calibrator and the evaluator),
:mod:`.identifiability`, :mod:`.job` (:func:`calibrate`), :mod:`.tables` (tables for the
terminal) and :mod:`.markdown` (docs/calibration.md). Its SQL is in
:mod:`helix.store.calibrations`.
"""

from helix.experiments.calibration.free import (
    FreeParameter,
    free_parameters,
    typed_values,
    with_values,
)
from helix.experiments.calibration.identifiability import (
    MIN_TRIALS_IDENTIFIABILITY,
    PROFILE_BINS,
    PROFILE_DELTA,
    TOP_SHARE,
    ParameterSummary,
    identifiability,
    profile_from_points,
    profile_interval,
)
from helix.experiments.calibration.job import (
    FIT_SEED_OFFSET,
    QUICK_SCALE,
    QUICK_SEEDS,
    QUICK_TRIALS,
    CalibrationResult,
    calibrate,
    calibrated_toml,
    calibrated_world,
    quick_scale,
    store_calibration,
)
from helix.experiments.calibration.loss import (
    DIRECTION_FAIL_PENALTY,
    LOSS_VERSION,
    MISSING_PENALTY,
    TargetFit,
    fit_targets,
    simulate_targets,
    target_scalars,
    total_loss,
)
from helix.experiments.calibration.markdown import (
    calibration_markdown,
    markdown_table,
    parameter_rows_markdown,
    replace_generated,
)
from helix.experiments.calibration.search import (
    BATCH,
    Calibrator,
    Candidate,
    Evaluated,
    Evaluator,
    OptunaCalibrator,
    run_search,
    spec_hash,
    study_file,
)
from helix.experiments.calibration.tables import (
    FIT_HEADER,
    PARAM_HEADER,
    fit_rows,
    parameter_rows,
    short_name,
)
from helix.store.calibrations import latest_calibration

__all__ = [
    "BATCH",
    "DIRECTION_FAIL_PENALTY",
    "FIT_HEADER",
    "FIT_SEED_OFFSET",
    "LOSS_VERSION",
    "MIN_TRIALS_IDENTIFIABILITY",
    "MISSING_PENALTY",
    "PARAM_HEADER",
    "PROFILE_BINS",
    "PROFILE_DELTA",
    "QUICK_SCALE",
    "QUICK_SEEDS",
    "QUICK_TRIALS",
    "TOP_SHARE",
    "CalibrationResult",
    "Calibrator",
    "Candidate",
    "Evaluated",
    "Evaluator",
    "FreeParameter",
    "OptunaCalibrator",
    "ParameterSummary",
    "TargetFit",
    "calibrate",
    "calibrated_toml",
    "calibrated_world",
    "calibration_markdown",
    "fit_rows",
    "fit_targets",
    "free_parameters",
    "identifiability",
    "latest_calibration",
    "markdown_table",
    "parameter_rows",
    "parameter_rows_markdown",
    "profile_from_points",
    "profile_interval",
    "quick_scale",
    "replace_generated",
    "run_search",
    "short_name",
    "simulate_targets",
    "spec_hash",
    "store_calibration",
    "study_file",
    "target_scalars",
    "total_loss",
    "typed_values",
    "with_values",
]
