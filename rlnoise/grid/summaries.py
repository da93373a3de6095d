"""A grid's summary over seeds: per agent and play (sampled or deterministic), each figure (and the
environment's own, `env_figures`, where it declares any) over the finished seeds (mean, standard
deviation, the mean's 95% percentile-bootstrap interval, values) and every seed's outcome.

It reads the runs' records as the grid's JSON file holds them (`CellRecord.as_json`);
`rlnoise.phase` turns the summaries of a sweep's points into the phase diagram.
"""

from __future__ import annotations

import math
from typing import Any

from rlnoise import metrics
from rlnoise.metrics import EVALUATIONS

SUMMARY_FIGURES = ("return", *metrics.FIGURES)
"""The figures a grid's summary gives over seeds: the return, then each of `rlnoise.metrics.FIGURES`."""
RUN_FIGURES = (
    "parameters",
    "bits_stored",
    "held_out_bits",
    "bits_per_param",
    "table_stored",
    "bottleneck_kl_bits",
    "converged",
    "unit_spread",
)
"""The figures of a run as a whole, beside its evaluations' (`evaluation.json`): its parameter
count, on an env with a table the capacity figures (`rlnoise.capacity`), and with `--init
symmetric` how far its units have come apart (`rlnoise.noise.unit_spread`)."""


def run_figures(result: dict[str, Any]) -> dict[str, Any]:
    """A run's own figures from its final results: `RUN_FIGURES` where measured, and `NAME_step`
    for each of the env's own figures, the step it first reached one half (None: never)."""
    figures = {name: result[name] for name in RUN_FIGURES if name in result}
    figures.update({f"{name}_step": step for name, step in result.get("reached", {}).items()})
    return figures


def seed_spread(values: list[float | None]) -> dict[str, Any]:
    """Mean, standard deviation and `interval` (the mean's 95% percentile-bootstrap interval,
    `rlnoise.metrics.mean_interval`) of the finite values, and all the values."""
    finite = metrics.finite_values(values)  # a None is NaN
    mean = float(finite.mean()) if finite.size else math.nan
    std = float(finite.std()) if finite.size else math.nan
    return {"mean": mean, "std": std, "interval": metrics.mean_interval(finite), "values": values}


def env_figures_spread(evaluations: list[dict[str, Any]]) -> dict[str, Any]:
    """The environment's own figures (`env_figures`, Trap-v0's escape) over the seeds' evaluations
    of one play, each as `seed_spread`; nothing when the environment declares none."""
    names = dict.fromkeys(name for figures in evaluations for name in figures.get("env_figures", {}))
    spread = {
        name: seed_spread([figures.get("env_figures", {}).get(name) for figures in evaluations])
        for name in names
    }
    return {"env_figures": spread} if spread else {}


def summarize_cells(records: list[dict[str, Any]], agents: list[str]) -> dict[str, Any]:
    """Per agent and play (sampled or deterministic): each figure over the finished seeds, and
    every seed's outcome."""
    summary: dict[str, Any] = {}
    for agent in agents:
        finished = [item for item in records if item["agent"] == agent and item["status"] == "finished"]
        if finished:
            summary[agent] = {
                play: {
                    "figures": {
                        name: seed_spread([item[play][name] for item in finished]) for name in SUMMARY_FIGURES
                    },
                    "outcomes": {str(item["seed"]): item[play]["outcome"] for item in finished},
                    "outcome_shares": {str(item["seed"]): item[play]["outcome_shares"] for item in finished},
                    **env_figures_spread([item[play] for item in finished]),
                }
                for play in EVALUATIONS
            }
    return summary
