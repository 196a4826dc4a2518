"""Validation: regularities of firm dynamics and venture finance the model is not fitted to.

Each :class:`Fact` names a statistic computed from a run's firms (yearly December snapshots
and firm events), the published value with its citation, a tolerance chosen *before* looking at
the model (and why), and how the two are compared. ``helix validate`` runs a world over several
seeds, computes each statistic per seed and reports its mean and spread beside the published
value, pass or fail. A failure is reported, never hidden: tolerances are not tuned to pass.

The statistic functions are plain functions of arrays, tested on synthetic samples with known
answers (tests/test_validation.py).

The package: :mod:`.statistics` (the estimators), :mod:`.facts` (the published values),
:mod:`.job` (:func:`validate`, run on the experiments' backends: local processes or a Dask
cluster) and :mod:`.tables`.
"""

from helix.experiments.validation.facts import FACT_IDS, FACTS, FOLLOW_UP_MONTHS, Fact
from helix.experiments.validation.job import (
    FactResult,
    ValidationResult,
    firm_statistics,
    summarise,
    validate,
    validation_run,
)
from helix.experiments.validation.statistics import (
    annual_growth,
    coefficient_of_variation,
    funnel_shares,
    hill_alpha,
    laplace_minus_gauss_loglik,
    subbotin_shape,
    survival_share,
    volatility_size_slope,
)
from helix.experiments.validation.tables import (
    VALIDATION_HEADER,
    validation_markdown,
    validation_rows,
)

__all__ = [
    "FACTS",
    "FACT_IDS",
    "FOLLOW_UP_MONTHS",
    "VALIDATION_HEADER",
    "Fact",
    "FactResult",
    "ValidationResult",
    "annual_growth",
    "coefficient_of_variation",
    "firm_statistics",
    "funnel_shares",
    "hill_alpha",
    "laplace_minus_gauss_loglik",
    "subbotin_shape",
    "summarise",
    "survival_share",
    "validate",
    "validation_markdown",
    "validation_rows",
    "validation_run",
    "volatility_size_slope",
]
