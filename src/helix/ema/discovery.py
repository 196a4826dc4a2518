"""Scenario discovery: under which conditions does an outcome fail? PRIM boxes over a stored
experiment.

The user writes a rule on one outcome (``shanghai_growth < 0.08``); each run of the experiment
is a case, of interest when the rule holds. PRIM (the patient rule induction method; Friedman &
Fisher 1999, as used for scenario discovery by Bryant & Lempert 2010) peels the space of the
swept parameters, a few cases at a time, towards a box where cases of interest are dense. Each
step of its **peeling trajectory** is a box with

- **coverage**: the share of all cases of interest that lie in the box;
- **density**: the share of the box's cases that are of interest;
- **mass**: the share of all cases in the box;
- **restricted dimensions**: how many parameters the box limits;

and each limit of a box has a quasi-p value (Bryant & Lempert 2010): the chance that a limit
this good arises by chance, small for a limit that matters. Coverage falls and density rises
along the trajectory: which box to read is a trade-off, shown by the report's figure. By
default helix reads, among the boxes whose density is at least ``threshold`` (0.8, as in the
EMA Workbench's own PRIM examples), the one with the highest coverage (then the highest
density, then the fewest restrictions); ``box`` picks one by its index instead. Feature scores
(extra trees; Jaxa-Rozen & Kwakkel 2018) say how much each parameter tells cases of interest
apart, box or no box.

PRIM and the feature scores are the EMA Workbench's (:mod:`helix.ema.workbench`); this module
only decides what the cases are and which box to read. The cases are the runs of one variant
(the baseline by default): each replicate at each sweep point is one case, and a run whose
outcome could not be measured, or that is not done, is left out (and counted).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from helix.ema.bridge import ema_name, stored_results
from helix.ema.workbench import (
    DEFAULT_THRESHOLD,
    feature_scores,
    prim_box,
    quasi_p_values,
    version,
)
from helix.errors import ExperimentError, HelixError, StoreError
from helix.experiments.design import Experiment
from helix.scenario.suggest import did_you_mean
from helix.store import Store
from helix.store.discoveries import StoredDiscovery, write_discovery

COMPARISONS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_RULE = re.compile(rf"^\s*(?P<outcome>[^\s<>=]+)\s*(?P<op><=|>=|<|>)\s*(?P<value>{_NUMBER})\s*$")


@dataclass(frozen=True)
class Rule:
    """A condition on one outcome: the runs where it holds are the cases of interest."""

    outcome: str
    comparison: str
    value: float

    def __str__(self) -> str:
        return f"{self.outcome} {self.comparison} {self.value:g}"

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Where the rule holds, value by value."""
        return np.asarray(COMPARISONS[self.comparison](values, self.value), dtype=bool)


def parse_rule(text: str, outcomes: Sequence[str], file: str | None = None) -> Rule:
    """A rule ``OUTCOME (<|<=|>|>=) NUMBER`` on one of ``outcomes``.

    Raises:
        HelixError: the text is not such a rule, or names no outcome of the experiment
            (key ``--rule``).
    """
    match = _RULE.match(text)
    if match is None:
        raise HelixError(
            f"{text.strip()!r} is not a rule OUTCOME (<|<=|>|>=) NUMBER, e.g. "
            f"'{(list(outcomes) or ['output'])[0]} < 0.08'",
            key="--rule",
        )
    name = match["outcome"]
    if name not in outcomes:
        known = ", ".join(outcomes)
        raise HelixError(
            f"unknown outcome {name!r}{did_you_mean(name, list(outcomes))}; the experiment's "
            f"outcomes: {known}",
            file=file,
            key="--rule",
        )
    return Rule(name, match["op"], float(match["value"]))


@dataclass(frozen=True)
class Box:
    """One box of the peeling trajectory.

    Attributes:
        index: Its place on the trajectory (0: every case).
        coverage: Share of the cases of interest inside it.
        density: Share of its cases that are of interest.
        mass: Share of all cases inside it.
        limits: Parameter -> (low, high): the box on each parameter; a side it does not
            restrict is the range swept.
        restricted: The parameters it limits (narrower than the cases' range), most
            significant (lowest quasi-p value) first.
        quasi_p: Restricted parameter -> quasi-p values of its (low, high) limits, None for a
            limit left at the cases' range.
    """

    index: int
    coverage: float
    density: float
    mass: float
    limits: dict[str, tuple[float, float]]
    restricted: list[str]
    quasi_p: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class SweptRange:
    """A parameter of the discovery: the file's range and what the cases span."""

    name: str
    role: str
    key: str
    low: float
    high: float
    score: float


@dataclass
class Discovery:
    """What ``helix discover`` found: the cases, the trajectory, the box read, the scores."""

    discovery_id: str
    experiment_id: str
    experiment: str
    file: str
    variant: str
    rule: Rule
    cases: int
    of_interest: int
    left_out: int
    threshold: float
    chosen: int
    why: str
    parameters: list[SweptRange]
    boxes: list[Box]
    ema_version: str

    @property
    def box(self) -> Box:
        """The box read."""
        return self.boxes[self.chosen]

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["rule"] = str(self.rule)
        out["outcome"] = self.rule.outcome
        out["box"] = asdict(self.box)
        out["boxes"] = [
            {k: v for k, v in asdict(b).items() if k in ("index", "coverage", "density", "mass")}
            | {"restricted_dimensions": len(b.restricted)}
            for b in self.boxes
        ]
        return out


def check_discoverable(exp: Experiment, variant: str | None = None) -> str:
    """The variant whose runs are the cases (the baseline by default), once the experiment is
    known to sweep uncertainties.

    Raises:
        ExperimentError: no uncertainties, or no such variant.
    """
    if not any(p.role == "uncertainty" for p in exp.parameters):
        raise ExperimentError(
            "scenario discovery needs uncertainties swept by a [sweep]: this experiment has "
            "none ([uncertainties.NAME] with key, low and high)",
            file=exp.file,
            key="uncertainties",
        )
    chosen = variant or exp.baseline
    if chosen not in exp.variants:
        raise ExperimentError(
            f"no variant named {chosen!r}{did_you_mean(chosen, list(exp.variants))}",
            file=exp.file,
            key="--variant",
        )
    return chosen


def check_choice(threshold: float, box: int | None) -> None:
    """A density threshold in (0, 1] and a box index that is not negative.

    Raises:
        HelixError: either is out of range.
    """
    if not (math.isfinite(threshold) and 0 < threshold <= 1):
        raise HelixError(f"must be in (0, 1], got {threshold:g}", key="--threshold")
    if box is not None and box < 0:
        raise HelixError(f"must be 0 or more, got {box}", key="--box")


def discovery_id(exp: Experiment, variant: str, rule: Rule) -> str:
    """The discovery's id: the same rule on the same variant of the same experiment is the same
    discovery (found again, it replaces the one stored)."""
    text = f"{exp.experiment_id}/{variant}/{rule.outcome} {rule.comparison} {rule.value!r}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def discover(
    store: Store,
    exp: Experiment,
    rule: Rule,
    *,
    variant: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    box: int | None = None,
) -> Discovery:
    """PRIM over the finished runs of one variant of a stored experiment.

    Args:
        store: The store that holds the experiment's runs.
        exp: The experiment.
        rule: The condition that makes a run a case of interest.
        variant: Whose runs are the cases (default: the baseline).
        threshold: The density a box must reach to be read by default.
        box: The index of the box to read instead.

    Raises:
        ExperimentError: the experiment sweeps no uncertainties, or has no such variant.
        StoreError: the store holds no finished run of it.
        HelixError: no case meets the rule, or every case does (nothing to tell apart), or
            ``box`` is past the end of the trajectory.
    """
    chosen_variant = check_discoverable(exp, variant)
    check_choice(threshold, box)
    x, y, left_out, values = _cases(store, exp, chosen_variant, rule)
    where = f"{exp.name}, variant {chosen_variant}"
    if not len(y):
        raise StoreError(
            f"no run of {where} has a value of {rule.outcome} (not run, failed, or not measurable)",
            file=store.path,
        )
    span = f"{rule.outcome} ranges from {np.min(values):.4g} to {np.max(values):.4g}"
    if not y.any():
        raise HelixError(f"no run of {where} meets {rule} ({span})", key="--rule")
    if y.all():
        raise HelixError(
            f"every run of {where} meets {rule} ({span}): there is nothing to tell apart",
            key="--rule",
        )
    found = prim_box(x, y)
    boxes = _trajectory(found, {p.name: (p.low, p.high) for p in exp.parameters})
    chosen, why = choose_box(boxes, threshold, box)
    scores = feature_scores(x, y, exp.seed)
    parameters = [
        SweptRange(p.name, p.role, p.key, p.low, p.high, scores.get(p.name, math.nan))
        for p in exp.parameters
    ]
    return Discovery(
        discovery_id=discovery_id(exp, chosen_variant, rule),
        experiment_id=exp.experiment_id,
        experiment=exp.name,
        file=exp.file,
        variant=chosen_variant,
        rule=rule,
        cases=len(y),
        of_interest=int(y.sum()),
        left_out=left_out,
        threshold=threshold,
        chosen=chosen,
        why=why,
        parameters=parameters,
        boxes=boxes,
        ema_version=version(),
    )


def _cases(
    store: Store, exp: Experiment, variant: str, rule: Rule
) -> tuple[Any, np.ndarray, int, np.ndarray]:
    """The variant's runs as cases: the swept parameters (a DataFrame of floats: EMA's PRIM
    fails on integer columns under pandas 3, EMAworkbench #448), whether the rule holds, how
    many runs were left out, and the outcome's values."""
    experiments, outcomes = stored_results(store, exp)
    mine = (experiments["policy"] == variant).to_numpy()
    values = outcomes[ema_name(rule.outcome)][mine]
    replicates = values.shape[1]
    columns = {ema_name(p.name): p.name for p in exp.parameters}
    x = experiments.loc[mine, list(columns)].rename(columns=columns).astype(float)
    x = x.loc[np.repeat(x.index.to_numpy(), replicates)].reset_index(drop=True)
    flat = values.reshape(-1)
    known = np.isfinite(flat)
    x = x.loc[known].reset_index(drop=True)
    return x, rule.holds(flat[known]), int((~known).sum()), flat[known]


def _trajectory(found: Any, swept: dict[str, tuple[float, float]]) -> list[Box]:
    """Every box of PRIM's peeling and pasting trajectory, as plain data.

    PRIM starts from the range the cases span; a limit still there restricts nothing, and is
    given as the range swept (``swept``), so that a box reads as the conditions it sets
    ("alder_firms at most 204"), not as the corners of a sample.
    """
    init = found.prim.box_init
    table = found.peeling_trajectory
    p_values = quasi_p_values(found)
    boxes = []
    for i, lims in enumerate(found.box_lims):
        limits: dict[str, tuple[float, float]] = {}
        restricted = []
        for c in lims.columns:
            low, high = float(lims[c].iloc[0]), float(lims[c].iloc[1])
            raised, lowered = low > float(init[c].iloc[0]), high < float(init[c].iloc[1])
            name = str(c)
            limits[name] = (
                low if raised else swept[name][0],
                high if lowered else swept[name][1],
            )
            if raised or lowered:
                restricted.append(name)
        qp = {
            str(c): tuple(None if v is None or v < 0 else float(v) for v in pair)
            for c, pair in (p_values[i] if i < len(p_values) else {}).items()
        }
        restricted.sort(key=lambda c: min((v for v in qp.get(c, ()) if v is not None), default=1))
        row = table.iloc[i]
        boxes.append(
            Box(
                index=i,
                coverage=float(row["coverage"]),
                density=float(row["density"]),
                mass=float(row["mass"]),
                limits=limits,
                restricted=restricted,
                quasi_p={c: qp[c] for c in restricted if c in qp},  # type: ignore[misc]
            )
        )
    return boxes


def choose_box(boxes: list[Box], threshold: float, box: int | None) -> tuple[int, str]:
    """The index of the box to read, and why it is that one.

    Raises:
        HelixError: ``box`` is past the end of the trajectory.
    """
    if box is not None:
        if box >= len(boxes):
            raise HelixError(
                f"the trajectory has boxes 0 to {len(boxes) - 1}, not {box}", key="--box"
            )
        return box, "chosen with --box"
    dense = [b for b in boxes if b.density >= threshold]
    if dense:
        best = max(dense, key=lambda b: (b.coverage, b.density, -len(b.restricted), -b.index))
        return best.index, (
            f"the highest coverage among the boxes of density at least {threshold:g}"
        )
    best = max(boxes, key=lambda b: (b.density, b.coverage, -b.index))
    return best.index, f"no box reaches density {threshold:g}: the densest box"


def store_discovery(store: Store, found: Discovery) -> None:
    """Write the discovery to the store in one transaction (replacing one of the same id)."""
    write_discovery(
        store,
        StoredDiscovery(
            discovery_id=found.discovery_id,
            experiment_id=found.experiment_id,
            experiment=found.experiment,
            file=found.file,
            variant=found.variant,
            rule=str(found.rule),
            outcome=found.rule.outcome,
            comparison=found.rule.comparison,
            value=found.rule.value,
            cases=found.cases,
            of_interest=found.of_interest,
            left_out=found.left_out,
            threshold=found.threshold,
            chosen_box=found.chosen,
            why=found.why,
            ema_version=found.ema_version,
        ),
        boxes=[
            {
                "box": b.index,
                "coverage": b.coverage,
                "density": b.density,
                "mass": b.mass,
                "restricted": len(b.restricted),
            }
            for b in found.boxes
        ],
        limits=[
            {
                "box": b.index,
                "parameter": name,
                "low": low,
                "high": high,
                "restricted": name in b.restricted,
                "quasi_p_low": b.quasi_p.get(name, (None, None))[0],
                "quasi_p_high": b.quasi_p.get(name, (None, None))[1],
            }
            for b in found.boxes
            for name, (low, high) in b.limits.items()
        ],
        parameters=[asdict(p) | {"parameter": p.name} for p in found.parameters],
    )
