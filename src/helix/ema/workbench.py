"""The EMA Workbench, imported when it is first needed, and the few places its versions differ.

ema-workbench is an optional extra (``pip install 'helix[ema]'``): ``import helix`` and every
command but ``helix discover`` work without it, and it costs seconds to import (scikit-learn,
statsmodels, seaborn), so it is imported here, on first use, never at the top of a module.

Versions: 3.0 needs Python 3.12 and renamed ``Scenario`` and ``Policy`` to ``Sample``; 2.5.3 is
the last release for Python 3.11. Their PRIM differs in one argument (see :func:`prim_box`).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import warnings
from types import ModuleType
from typing import Any

from helix.errors import HelixError

EXTRA = "pip install 'helix[ema]'"
"""What to install for the bridge and for scenario discovery."""

DEFAULT_THRESHOLD = 0.8
"""The density a PRIM box must reach to be read by default (the threshold of the EMA
Workbench's own PRIM examples, e.g. its Bryant & Lempert replication)."""


class MissingWorkbenchError(HelixError):
    """ema-workbench is not installed."""


@functools.cache
def workbench() -> ModuleType:
    """The ``ema_workbench`` package (imported once).

    Raises:
        MissingWorkbenchError: it is not installed; the message names the extra to install.
    """
    try:
        with warnings.catch_warnings():
            # It warns on import about optional evaluators it cannot offer (ipyparallel, MPI):
            # helix uses none of them, and a warning per command would only alarm.
            warnings.simplefilter("ignore")
            module = importlib.import_module("ema_workbench")
            importlib.import_module("ema_workbench.analysis.prim")
            importlib.import_module("ema_workbench.analysis.feature_scoring")
    except ImportError as exc:
        raise MissingWorkbenchError(
            f"the EMA Workbench bridge needs ema-workbench ({exc.name or exc} is missing): {EXTRA}",
            key="ema",
        ) from None
    return module


def version() -> str:
    """The installed ema-workbench's version."""
    return str(getattr(workbench(), "__version__", "unknown"))


def sample(name: str, **values: Any) -> Any:
    """A point of EMA's design: a ``Sample`` (3.x), or a ``Scenario`` (2.x)."""
    ema = workbench()
    kind = getattr(ema, "Sample", None) or ema.Scenario
    return kind(name, **values)


def policy(name: str, **values: Any) -> Any:
    """A policy of EMA's design: a ``Sample`` (3.x), or a ``Policy`` (2.x)."""
    ema = workbench()
    kind = getattr(ema, "Sample", None) or ema.Policy
    return kind(name, **values)


ANY_DENSITY = 1e-12
"""EMA 2.x's PRIM replaces a box whose density is below its ``threshold`` by the whole data
set, and counts as cases of interest those at or above it: a threshold just above zero keeps
every peeled box and counts the cases where the rule holds (y = 1), as EMA 3.x does."""


def prim_box(x: Any, y: Any) -> Any:
    """EMA's PRIM run once over ``x`` (a DataFrame of floats) and ``y`` (booleans): its box,
    with the whole peeling and pasting trajectory (``peeling_trajectory``, ``box_lims``,
    ``qp``). helix chooses the box on the trajectory itself, so PRIM is asked for no density."""
    from ema_workbench.analysis import prim

    workbench()
    kwargs: dict[str, Any] = {}
    if "threshold" in inspect.signature(prim.Prim.__init__).parameters:
        kwargs["threshold"] = ANY_DENSITY
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' FutureWarnings from inside EMA
        return prim.Prim(x, y, **kwargs).find_box()


def feature_scores(x: Any, y: Any, seed: int) -> dict[str, float]:
    """EMA's extra-trees feature scores of ``x`` for the classification ``y`` (Jaxa-Rozen &
    Kwakkel 2018): each parameter's share of the forest's impurity decrease, summing to 1."""
    from ema_workbench.analysis import feature_scoring

    workbench()
    with warnings.catch_warnings():
        # With a few dozen cases some trees' out-of-bag sets are empty: scikit-learn says so.
        warnings.simplefilter("ignore")
        scores, _ = feature_scoring.get_ex_feature_scores(
            x,
            y,
            mode=feature_scoring.RuleInductionType.CLASSIFICATION,
            # EMA's own default (a third of the parameters), but never none: with one or two
            # parameters its rounding gives 0, which scikit-learn refuses.
            max_features=max(1, round(x.shape[1] / 3)),
            random_state=seed % 2**32,
        )
    column = scores.columns[0]
    return {str(name): float(value) for name, value in scores[column].items()}


def quasi_p_values(box: Any) -> list[dict[str, list[float]]]:
    """Per box of the trajectory, each restricted parameter's quasi-p values of its lower and
    upper limit (Bryant & Lempert 2010; -1 where the limit is not restricted): EMA 3 calls
    them ``p_values``, EMA 2 ``qp``."""
    return list(box.p_values if hasattr(box, "p_values") else box.qp)
