"""helix and the EMA Workbench (an optional extra: ``pip install 'helix[ema]'``).

- :mod:`helix.ema.bridge`: an experiment file as an EMA model whose function runs helix
  (:func:`experiment_model`), the file's own design as EMA's scenarios and policies
  (:func:`experiment_design`), and a stored experiment as EMA's ``(experiments, outcomes)``
  pair (:func:`stored_results`);
- :mod:`helix.ema.discovery`: scenario discovery (``helix discover``), EMA's PRIM over a stored
  experiment for a rule on one outcome;
- :mod:`helix.ema.workbench`: the lazy import of ``ema_workbench`` and where its versions
  differ.

Nothing here imports ``ema_workbench`` until it is used, so ``import helix.ema`` works without
it; using it then raises :class:`~helix.ema.workbench.MissingWorkbenchError` naming the extra.
"""

from typing import TYPE_CHECKING

from helix.ema.workbench import EXTRA, MissingWorkbenchError
from helix.lazy import loader

if TYPE_CHECKING:
    from helix.ema.bridge import experiment_design, experiment_model, stored_results
    from helix.ema.discovery import Discovery, Rule, discover, parse_rule

# Loaded on first use (``helix.lazy``): the bridge and discovery load the experiment layer.
_WHERE = {
    **dict.fromkeys(
        ["experiment_design", "experiment_model", "stored_results"], "helix.ema.bridge"
    ),
    **dict.fromkeys(["Discovery", "Rule", "discover", "parse_rule"], "helix.ema.discovery"),
}

__all__ = [
    "EXTRA",
    "Discovery",
    "MissingWorkbenchError",
    "Rule",
    "discover",
    "experiment_design",
    "experiment_model",
    "parse_rule",
    "stored_results",
]

__getattr__, __dir__ = loader(__name__, globals(), _WHERE)
