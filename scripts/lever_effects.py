"""What each lever does, measured: docs/model.md's section "What the levers do".

    .venv/bin/python scripts/lever_effects.py                      # run, record, rewrite
    .venv/bin/python scripts/lever_effects.py --scale 0.05 --replicates 4   # a quick pass
    .venv/bin/python scripts/lever_effects.py --only vc-downturn   # one example again
    .venv/bin/python scripts/lever_effects.py --render             # rewrite from the record
    .venv/bin/python scripts/lever_effects.py --check              # docs as recorded? (exit 1)

Measuring runs the eight lever examples of examples/ (:data:`EXAMPLES`) with ``helix
experiment``'s machinery at one scale and number of replicates, each variant paired with the
baseline seed by seed (common random numbers). For each example it records every outcome's
paired effect with its 95% interval and relative effect (as ``helix experiment`` summarises
them) and the channel trace of :mod:`helix.experiments.channels` in the focus city. Everything
goes to docs/lever_effects.json; docs/model.md's text between the markers
``<!-- lever-effects:start -->`` and ``<!-- lever-effects:end -->`` is then written from that
record. Each example's interpretation, between ``<!-- interpretation:NAME -->`` and
``<!-- /interpretation -->``, is written by hand and kept across regenerations.

The default of 100 replicates at scale 0.3 is what the VC downturn's effect on Shanghai's 2035
output needs on the model of commit f007ac8: the paired differences' s.d. is about 27% of the
baseline (mostly a few seeds in which one arm grew a giant AI firm), and 40 pairs measured
-5.3% ± 8.8%, so resolving -5% needs about (2.0 × 27 / 5.3)² ≈ 100 pairs; an effect of -10%
would need about 30. The interval narrows as one over the root of the replicates; at scale 0.3
a run takes 3-13 s on one core (quiet to loaded machine), so 200 runs an example take 10-25
minutes on two. Scale 1 is not less noisy (the issue's 8 pairs at scale 1: s.d. about 33%).
tests/test_lever_effects.py checks, without simulating, that the section is what
this script writes from the record and that the record was made from the shipped world and the
example files as they are now.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "docs" / "lever_effects.json"
MODEL_MD = ROOT / "docs" / "model.md"
EXAMPLES_DIR = ROOT / "examples"
EXAMPLES = (
    "vc-downturn",
    "support-withdrawn",
    "no-tax-break",
    "visas-off",
    "shared-labs-doubled",
    "fast-rail",
    "rent-cap",
    "second-export-control",
    "tech-transfer-reform",
    "hefei-research-doubled",
    "zhangjiang-joint-lab",
)
"""The levers issues 11 and 12 ask about, one example file each."""
SCALE = 0.3
REPLICATES = 100
START, END = "<!-- lever-effects:start -->", "<!-- lever-effects:end -->"
NOTE = re.compile(
    r"<!-- interpretation:(?P<name>[a-z0-9-]+) -->\n?(?P<text>.*?)<!-- /interpretation -->", re.S
)
NO_NOTE = "_Interpretation to be written._\n"
SHOWN = 8
"""Links named per example beyond its expected channel."""


# --------------------------------------------------------------------------- the record


def world_fingerprint() -> str:
    """A hash of the shipped world as it runs: a changed world makes the record stale.

    The world's ``[targets]`` (how the report's figures are read) and ``[calibration]`` (the
    ranges searched) do not enter a run, so changing them leaves the lever effects as they were;
    everything else does (comments and layout excepted: the parsed tables are hashed).
    """
    import tomllib

    from helix.scenario.load import read_default_text

    world = tomllib.loads(read_default_text())
    runs = {k: v for k, v in world.items() if k not in ("targets", "calibration")}
    text = json.dumps(runs, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def example_hashes() -> dict[str, str]:
    """A hash of each example file: an edited example makes the record stale."""
    return {
        name: hashlib.sha256((EXAMPLES_DIR / f"{name}.toml").read_bytes()).hexdigest()[:16]
        for name in EXAMPLES
    }


def _outcome(row: dict[str, Any], outcome: Any) -> dict[str, Any]:
    where = " ".join(x for x in (outcome.city, outcome.sector, outcome.district) if x)
    return {
        "indicator": outcome.indicator,
        "where": where or "all cities",
        "statistic": outcome.statistic,
        "start": outcome.start,
        "end": outcome.end,
        **row,
    }


def measure_example(
    name: str, scale: float, replicates: int, db: Path, workers: int | None
) -> dict[str, Any]:
    """Run one example and record its paired effects and channel trace."""
    from helix.experiments.channels import trace_experiment
    from helix.experiments.design import load_experiment
    from helix.experiments.executors import LocalPool
    from helix.experiments.runner import run_experiment
    from helix.store import Store
    from helix.store.experiments import outcome_values

    # Every indicator kept: the trace finds where the runs part in any city, as recorded so far
    # (by default an experiment keeps the channel city's indicators and its outcomes' only).
    exp = load_experiment(
        EXAMPLES_DIR / f"{name}.toml", scale=scale, replicates=replicates, keep="all"
    )
    clock = time.perf_counter()
    with Store(db) as store, LocalPool(workers) as pool:
        report = run_experiment(exp, store, pool)
        traces = trace_experiment(
            store.con, exp.experiment_id, exp.spec.channel, exp.spec.channel_city
        )
        values = outcome_values(store.con, exp.experiment_id)
    seconds = time.perf_counter() - clock
    rows = report.summary.rows
    variants = [v for v in exp.variants if v != exp.baseline]
    effects = []
    for variant in variants:
        for key, outcome in exp.outcomes.items():
            stats = {
                r.statistic: r
                for r in rows
                if (r.variant, r.outcome) == (variant, key) and r.parameter is None
            }
            base = next(
                (
                    r
                    for r in rows
                    if (r.variant, r.outcome, r.statistic) == (exp.baseline, key, "mean")
                ),
                None,
            )
            diff, rel = stats.get("difference"), stats.get("relative")
            spread = _pairs(values, exp.baseline, variant, key)
            effects.append(
                _outcome(
                    {
                        "variant": variant,
                        "outcome": key,
                        "baseline": base.value if base else None,
                        "effect": diff.value if diff else None,
                        "low": diff.low if diff else None,
                        "high": diff.high if diff else None,
                        "relative": rel.value if rel else None,
                        "relative_low": rel.low if rel else None,
                        "relative_high": rel.high if rel else None,
                        "pairs": diff.n if diff else 0,
                        **spread,
                    },
                    outcome,
                )
            )
    return {
        "name": name,
        "description": exp.spec.description,
        "experiment_id": exp.experiment_id,
        "runs": report.done,
        "ran": report.ran,  # runs simulated now (the others were in --db already)
        "failed": report.failed,
        "seconds": round(seconds, 1),
        "effects": effects,
        "traces": [_slim(t.to_json()) for t in traces],
    }


def _pairs(values: list[Any], baseline: str, variant: str, outcome: str) -> dict[str, Any]:
    """How the paired differences spread: their median, and the share of their sum carried by
    the two pairs that differ most (a mean made by one or two seeds' outliers shows here)."""
    runs: dict[str, dict[int, float]] = {baseline: {}, variant: {}}
    for v in values:
        if v.outcome == outcome and v.variant in runs and v.sweep_point == 0:
            runs[v.variant][v.replicate] = v.value
    keys = sorted(set(runs[baseline]) & set(runs[variant]))
    d = np.array([runs[variant][k] - runs[baseline][k] for k in keys])
    d = d[np.isfinite(d)]
    if len(d) < 3 or d.sum() == 0:
        return {"median": float(np.median(d)) if len(d) else None, "top2_share": None}
    top2 = d[np.argsort(-np.abs(d))[:2]].sum()
    return {"median": float(np.median(d)), "top2_share": float(top2 / d.sum())}


def _slim(trace: dict[str, Any]) -> dict[str, Any]:
    """A trace with its expected links and those that moved (the rest did not move)."""
    links = [lk for lk in trace["links"] if lk["expected"] or lk["first_year"] is not None]
    still = [lk["indicator"] for lk in trace["links"] if lk not in links]
    return {**trace, "links": links, "still": still}


def measure(scale: float, replicates: int, workers: int | None, db: Path | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "world": world_fingerprint(),
        "examples": example_hashes(),
        "scale": scale,
        "replicates": replicates,
        "levers": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = db or Path(tmp) / "levers.duckdb"
        for name in EXAMPLES:
            print(f"lever_effects: {name} ...", file=sys.stderr, flush=True)
            record["levers"].append(measure_example(name, scale, replicates, path, workers))
    return record


def remeasure(
    record: dict[str, Any], names: list[str], workers: int | None, db: Path | None
) -> dict[str, Any]:
    """The record with ``names`` measured again, at the record's scale and replicates.

    The other examples' entries stay: they were measured on the same world at the same
    settings, and an example edited since then stays stale (its hash is not updated).
    """
    fresh = dict(record, levers=list(record["levers"]), examples=dict(record["examples"]))
    hashes = example_hashes()
    with tempfile.TemporaryDirectory() as tmp:
        path = db or Path(tmp) / "levers.duckdb"
        for name in names:
            print(f"lever_effects: {name} ...", file=sys.stderr, flush=True)
            lever = measure_example(name, record["scale"], record["replicates"], path, workers)
            fresh["levers"][EXAMPLES.index(name)] = lever
            fresh["examples"][name] = hashes[name]
    return fresh


# --------------------------------------------------------------------------- the words


def _window(e: dict[str, Any]) -> str:
    """An outcome's months when it names them: ", 2026-01..2027-12", ", to 2028-12"."""
    start, end = e.get("start"), e.get("end")
    if start and end:
        return f", {start}..{end}"
    if start or end:
        return f", from {start}" if start else f", to {end}"
    return ""


def _num(x: float | None) -> str:
    """A figure to three significant digits, with a thin unit-free suffix for its size."""
    if x is None:
        return "—"
    if abs(x) < 1e-9:  # a median of integers at real-world size, up to rounding
        x = 0.0
    for size, suffix in ((1e12, " tn"), (1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}"


def _signed(x: float | None) -> str:
    if x is not None and abs(x) < 1e-9:
        x = 0.0
    return "—" if x is None else ("+" if x > 0 else "") + _num(x).replace("-", "−")


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:+.1f}%".replace("-", "−")


def _share(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}".replace("-", "−")


def _interval(low: float | None, high: float | None, show: Any = _signed) -> str:
    return "—" if low is None or high is None else f"[{show(low)}, {show(high)}]"


def _verdict(e: dict[str, Any]) -> str:
    low, high = e["low"], e["high"]
    if low is None or high is None:
        return "not measured"
    if e["effect"] == 0 and low == high:
        return "none (identical runs)"
    return "resolved" if low > 0 or high < 0 else "not resolved"


def _table(lever: dict[str, Any]) -> list[str]:
    lines = [
        "| variant | outcome | baseline | effect | 95% CI | relative | 95% CI | | median "
        "difference | two largest pairs' share |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in lever["effects"]:
        what = f"`{e['indicator']}` {e['where']} ({e['statistic']}{_window(e)})"
        lines.append(
            f"| {e['variant']} | {what} | {_num(e['baseline'])} | {_signed(e['effect'])} | "
            f"{_interval(e['low'], e['high'])} | {_pct(e['relative'])} | "
            f"{_interval(e['relative_low'], e['relative_high'], _pct)} | {_verdict(e)} | "
            f"{_signed(e['median'])} | {_share(e['top2_share'])} |"
        )
    return lines


def _channel(trace: dict[str, Any]) -> str:
    """The traced channel in one or two sentences."""
    head = f"**Channel of {trace['variant']}** in {trace['city']} ({trace['pairs']} paired seeds)"
    if trace["parted"] is None:
        return f"{head}: the runs never part from the baseline; the lever acts on nothing."
    by = {lk["indicator"]: lk for lk in trace["links"]}
    expected = [by[c] for c in trace["channel"] if c in by]
    others = [lk for lk in trace["links"] if not lk["expected"] and lk["first_year"] is not None]

    def step(lk: dict[str, Any]) -> str:
        first, last = lk["at_first"], lk["at_last"]
        text = f"`{lk['indicator']}` ({lk['mechanism']}"
        if first is not None:
            text += f", from {lk['first_month']}: {_pct(first['relative'])} in {lk['first_year']}"
        return text + f"; {_pct(last['relative'])} in {lk['last_year']})"

    moved = [lk for lk in expected if lk["first_year"] is not None]
    text = f"{head}: the runs part in {trace['parted']}."
    if trace["channel"]:
        chain = " → ".join(step(lk) for lk in moved)
        text += (
            f" Expected links that moved, in order: {chain}."
            if moved
            else (" None of the expected links moved beyond noise.")
        )
        if trace["missing"]:
            text += " Did not move: " + ", ".join(f"`{m}`" for m in trace["missing"]) + "."
    if others:
        named = ", ".join(step(lk) for lk in others[:SHOWN])
        more = f" and {len(others) - SHOWN} more" if len(others) > SHOWN else ""
        text += f" {'Also moved' if trace['channel'] else 'Moved, in order'}: {named}{more}."
    elif not trace["channel"]:
        text += " No indicator moved beyond noise."
    return text


def section(record: dict[str, Any], notes: dict[str, str]) -> str:
    """The text between the markers, from the record and the kept interpretations."""
    out = [
        "",
        "_Generated by `scripts/lever_effects.py` from docs/lever_effects.json: "
        f"{record['replicates']} replicates per variant at scale {record['scale']:g}, "
        "each variant paired seed by seed with the baseline (common random numbers). Effects are "
        "the mean paired difference at real-world size, with its Student-t 95% interval; "
        "relative effects are that difference over the baseline's mean; the median paired "
        "difference and the share of the summed differences carried by the two pairs that "
        "differ most show whether a few seeds' outliers make the mean. A channel link moved in "
        "the first year whose paired interval excludes zero and still does the year after (its "
        "month: the first whose year-to-date value does); percentages in the channel are "
        "relative to the baseline in that year and in the last year. Only the "
        "interpretations are written by hand._",
        "",
    ]
    for lever in record["levers"]:
        name = lever["name"]
        out += [f"#### `{name}`: {lever['description']}", ""]
        out += [*_table(lever), ""]
        for trace in lever["traces"]:
            out += [_channel(trace), ""]
        out += [
            f"<!-- interpretation:{name} -->",
            notes.get(name, NO_NOTE).rstrip("\n"),
            "<!-- /interpretation -->",
            "",
        ]
    return "\n".join(out)


def interpretations(text: str) -> dict[str, str]:
    """The hand-written interpretations now in docs/model.md's section."""
    return {m["name"]: m["text"] for m in NOTE.finditer(_between(text))}


def _between(text: str) -> str:
    if text.count(START) != 1 or text.count(END) != 1:
        raise SystemExit(f"{MODEL_MD}: needs one {START} and one {END}")
    return text[text.index(START) + len(START) : text.index(END)]


def rewrite(text: str, record: dict[str, Any]) -> str:
    """docs/model.md with the section written from the record, interpretations kept."""
    body = section(record, interpretations(text))
    return text[: text.index(START) + len(START)] + body + text[text.index(END) :]


# --------------------------------------------------------------------------- the command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=SCALE)
    parser.add_argument("--replicates", type=int, default=REPLICATES)
    parser.add_argument("--workers", type=int, default=None, help="local processes")
    parser.add_argument("--db", type=Path, default=None, help="keep the runs in this store")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=EXAMPLES,
        default=None,
        help="remeasure these examples and keep the record of the others (same world and settings)",
    )
    parser.add_argument("--render", action="store_true", help="rewrite docs from the record")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs are stale")
    args = parser.parse_args(argv)
    if args.check or args.render:
        record = json.loads(RECORD.read_text(encoding="utf-8"))
    elif args.only:
        record = json.loads(RECORD.read_text(encoding="utf-8"))
        settings = (record["world"], record["scale"], record["replicates"])
        if settings != (world_fingerprint(), args.scale, args.replicates):
            print(
                f"{RECORD}: recorded for world {record['world']} at scale {record['scale']} with "
                f"{record['replicates']} replicates; --only needs the same (rerun them all)",
                file=sys.stderr,
            )
            return 2
        record = remeasure(record, args.only, args.workers, args.db)
        RECORD.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    else:
        record = measure(args.scale, args.replicates, args.workers, args.db)
        RECORD.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    # Read the document only now: measuring takes many minutes, and edits made to the rest of
    # docs/model.md meanwhile must not be overwritten by the copy read before.
    text = MODEL_MD.read_text(encoding="utf-8")
    new = rewrite(text, record)
    if args.check:
        stale = new != text or record["world"] != world_fingerprint()
        stale = stale or record["examples"] != example_hashes()
        print("stale: rerun scripts/lever_effects.py" if stale else "up to date")
        return 1 if stale else 0
    MODEL_MD.write_text(new, encoding="utf-8")
    for lever in record["levers"]:
        done = f"{lever['runs']} runs ({lever['ran']} simulated now) in {lever['seconds']} s"
        print(f"{lever['name']}: {done}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
