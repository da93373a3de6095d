"""Multimodality figures and outcome labels, measured per start state (docs/design.md section 6).

An evaluation plays each of several start states (the same reset seed) several times. The
figures and the outcome are computed for each start state from its episodes, then summarised
over start states. Only repeated samples of the same input can tell a policy that covers
every good answer from one that commits to a different answer in different scenes.

Figures of one start state, from its episodes' `info["mode"]` (the good answer reached, or
`None`) and `info["between"]` (whether the episode ended in the averaging region: closer to the
average of the good answers than to any of them; environments that do not report it get `nan`):

- `hit_rate`: share of episodes that reached a good answer; `collapse_rate` is `1 - hit_rate`.
- `between_rate`: share of episodes that ended between the good answers.
- `coverage`: distinct good answers reached / good answers declared.
- `mode_entropy`: entropy of the distribution over the good answers reached (among hits),
  divided by `log(number declared)`; in [0, 1].
- `majority_share`: share of the most frequent good answer among the hits (`nan` without any).

The outcome of one start state, the first rule that applies:

1. `averaged` when `between_rate >= 0.5`: most episodes end between the good answers, at
   their mean. Averaging is a claim about where the policy acts, not about missing.
2. When `hit_rate >= 0.25`, from the hits alone: `covering` when `coverage >= 0.95` and
   `mode_entropy >= 0.9`, `committed` when `mode_entropy <= 0.5`, else `mixed`. A point on one
   bale with wide noise misses often but commits; its miss rate is reported beside the label.
   The floor is about twice what uniform random play hits on TwoBales-v0 (0.12): below it the
   hits are too few, and too close to chance, to say which answers the policy prefers.
3. `diffuse` otherwise: few hits and not mostly between (spread out, or lost). Where an
   environment does not report `between`, averaging cannot be told apart and reads `diffuse`.

An environment may declare figures of its own, from the modes of all the episodes of one play
(`figures(modes)`, rlnoise/contract.py: Trap-v0's `escape`, the share ending `"deep"`); the
evaluation keeps them beside these as `env_figures`, and `env_figures_line` prints them.

The run's outcome is the most common per-state outcome when it holds more than half of the
start states, else `mixed`. `outcome_shares` gives the share of start states in each outcome
(with 95% Wilson intervals in `outcome_intervals`), `state_outcomes` the outcome of each start
state in order, and `intervals` a 95% percentile-bootstrap interval over start states for every
figure's mean. The intervals are left out on request (a run's evaluations during training log
means and shares only; its final one, which `evaluation.json` keeps, has them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

AVERAGED_BETWEEN = 0.5
HIT_FLOOR = 0.25
COVERING_COVERAGE = 0.95
COVERING_ENTROPY = 0.9
COMMITTED_ENTROPY = 0.5
RUN_MAJORITY = 0.5
CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 2000
FIGURES = ("hit_rate", "between_rate", "coverage", "mode_entropy", "collapse_rate", "majority_share")
OUTCOMES = ("averaged", "covering", "committed", "mixed", "diffuse")
EVALUATIONS = ("sampled", "deterministic")
"""The two evaluations of a policy: sampling it, and playing its deterministic choice (`Policy.greedy`).

Named apart from the good answers (`mode_labels`, `info["mode"]`), which metrics calls modes."""


def context_figures(
    modes: Sequence[str | None], labels: Sequence[str], between: Sequence[bool | None] | None = None
) -> dict[str, float]:
    """The figures of one start state, from the good answers and averaging flags of its episodes."""
    reached = Counter(mode for mode in modes if mode is not None)
    hits = sum(reached.values())
    counts = np.array(list(reached.values()), dtype=np.float64)
    probabilities = counts / hits if hits else counts
    entropy = float(-(probabilities * np.log(probabilities)).sum())
    declared = between is not None and all(flag is not None for flag in between)
    return {
        "hit_rate": hits / len(modes),
        "between_rate": float(np.mean(np.asarray(between, dtype=bool))) if declared else float("nan"),
        "coverage": len(reached) / len(labels),
        "mode_entropy": entropy / np.log(len(labels)) if len(labels) > 1 else float(hits > 0),
        "collapse_rate": 1.0 - hits / len(modes),
        "majority_share": counts.max() / hits if hits else float("nan"),
    }


def outcome(figures: dict[str, float]) -> str:
    """The outcome of one start state, by the rules above."""
    if figures["between_rate"] >= AVERAGED_BETWEEN:
        return "averaged"
    if figures["hit_rate"] < HIT_FLOOR:
        return "diffuse"
    if figures["coverage"] >= COVERING_COVERAGE and figures["mode_entropy"] >= COVERING_ENTROPY:
        return "covering"
    if figures["mode_entropy"] <= COMMITTED_ENTROPY:
        return "committed"
    return "mixed"


def run_outcome(shares: dict[str, float]) -> str:
    """The most common per-state outcome when it holds more than half of the start states, else `mixed`."""
    common = max(OUTCOMES, key=lambda name: shares[name])
    return common if shares[common] > RUN_MAJORITY else "mixed"


def finite_values(values: Sequence[float]) -> np.ndarray:
    """The finite values, as float64."""
    array = np.asarray(values, dtype=np.float64)
    return array[np.isfinite(array)]


def finite_mean(values: Sequence[float]) -> float:
    """The mean of the finite values (NaN when there are none)."""
    finite = finite_values(values)
    return float(finite.mean()) if len(finite) else float("nan")


def mean_interval(values: Sequence[float], statistic: Any = np.mean) -> list[float | None]:
    """The 95% percentile-bootstrap interval of the mean (or `statistic`) of the finite values
    (`None` ends without data)."""
    from scipy.stats import bootstrap

    finite = finite_values(values)
    if len(finite) == 0:
        return [None, None]
    if len(finite) == 1 or np.all(finite == finite[0]):
        return [float(finite[0])] * 2
    result = bootstrap(
        (finite,),
        statistic,
        confidence_level=CONFIDENCE,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        rng=np.random.default_rng(0),
    )
    interval = result.confidence_interval
    return [float(interval.low), float(interval.high)]


def share_interval(count: int, total: int) -> list[float]:
    """The 95% Wilson interval of a share `count / total`."""
    from scipy.stats import binomtest

    interval = binomtest(count, total).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return [float(interval.low), float(interval.high)]


def summarise(
    per_state: dict[str, Sequence[float]], outcomes: Sequence[str], intervals: bool = True
) -> dict[str, Any]:
    """Means of per-state figures, the outcome shares, and the run's outcome; with `intervals`,
    the 95% intervals of the means and shares beside them (the bootstrap is most of the cost)."""
    summary: dict[str, Any] = {name: finite_mean(values) for name, values in per_state.items()}
    counts = Counter(outcomes)
    shares = {name: counts[name] / len(outcomes) for name in OUTCOMES}
    summary["outcome_shares"] = shares
    if intervals:
        summary["intervals"] = {name: mean_interval(values) for name, values in per_state.items()}
        total = len(outcomes)
        summary["outcome_intervals"] = {name: share_interval(counts[name], total) for name in OUTCOMES}
    summary["state_outcomes"] = list(outcomes)
    summary["outcome"] = run_outcome(shares)
    return summary


def multimodality(
    modes_per_state: Sequence[Sequence[str | None]],
    labels: Sequence[str],
    between_per_state: Sequence[Sequence[bool | None]] | None = None,
    returns_per_state: Sequence[Sequence[float]] | None = None,
    intervals: bool = True,
) -> dict[str, Any]:
    """Every figure and outcome of a set of start states, each played several times.

    With `returns_per_state`, the mean episode `return` is summarised beside the figures; with
    `intervals`, every mean and share has its interval (`summarise`).
    """
    if not labels:
        raise ValueError("the environment declares no mode labels")
    betweens = between_per_state if between_per_state is not None else [None] * len(modes_per_state)
    per_state = [
        context_figures(modes, labels, between)
        for modes, between in zip(modes_per_state, betweens, strict=True)
    ]
    returns = {} if returns_per_state is None else {"return": [np.mean(r) for r in returns_per_state]}
    return summarise(
        {**returns, **{name: [state[name] for state in per_state] for name in FIGURES}},
        [outcome(state) for state in per_state],
        intervals,
    )


def env_figures_line(results: dict[str, dict[str, Any]]) -> list[str]:
    """The environment's own figures of both plays (`env_figures`), as the commands print them: one
    line (`escape: sampled 0.380, deterministic 1.000`), none when the environment declares none."""
    names = dict.fromkeys(name for way in EVALUATIONS for name in results[way].get("env_figures", {}))
    parts = [
        f"{name}: " + ", ".join(f"{way} {results[way]['env_figures'][name]:.3f}" for way in EVALUATIONS)
        for name in names
    ]
    return ["; ".join(parts)] if parts else []
