"""Multimodality figures, measured per observation (docs/design.md section 6).

An evaluation plays each of several contexts (the same reset seed) several times; the figures
are computed for each context from the good answers (mode labels) its episodes reached, then
averaged over contexts. Only repeated samples of the same input can tell a policy that covers
every good answer from one that commits to a different answer in different scenes.

- `coverage`: distinct good answers reached / good answers declared.
- `mode_entropy`: entropy of the distribution over the good answers reached, divided by
  `log(number declared)`; in [0, 1].
- `collapse_rate`: share of episodes that reached no good answer.
- `majority_share`: share of the most frequent good answer among episodes that reached one
  (averaged over the contexts where any was reached; `nan` when none was).

The outcome, from the averaged figures:

- `averaged` when `collapse_rate >= 0.5`: most episodes land on no good answer;
- `covering` when not averaged, `coverage >= 0.95` and `mode_entropy >= 0.9`;
- `committed` when not averaged and `mode_entropy <= 0.5`;
- `mixed` otherwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

AVERAGED_COLLAPSE = 0.5
COVERING_COVERAGE = 0.95
COVERING_ENTROPY = 0.9
COMMITTED_ENTROPY = 0.5
FIGURES = ("coverage", "mode_entropy", "collapse_rate", "majority_share")
MODES = ("sampled", "deterministic")
"""The two ways of evaluating a policy: sampling it, and playing its deterministic choice."""


def context_figures(modes: Sequence[str | None], labels: Sequence[str]) -> dict[str, float]:
    """The figures of one context, from the modes its repeated episodes reached."""
    reached = Counter(mode for mode in modes if mode is not None)
    hits = sum(reached.values())
    counts = np.array(list(reached.values()), dtype=np.float64)
    probabilities = counts / hits if hits else counts
    entropy = float(-(probabilities * np.log(probabilities)).sum())
    return {
        "coverage": len(reached) / len(labels),
        "mode_entropy": entropy / np.log(len(labels)) if len(labels) > 1 else float(hits > 0),
        "collapse_rate": 1.0 - hits / len(modes),
        "majority_share": counts.max() / hits if hits else float("nan"),
    }


def outcome(figures: dict[str, float]) -> str:
    """`averaged`, `covering`, `committed` or `mixed`, by the thresholds above."""
    if figures["collapse_rate"] >= AVERAGED_COLLAPSE:
        return "averaged"
    if figures["coverage"] >= COVERING_COVERAGE and figures["mode_entropy"] >= COVERING_ENTROPY:
        return "covering"
    if figures["mode_entropy"] <= COMMITTED_ENTROPY:
        return "committed"
    return "mixed"


def multimodality(modes_per_context: Sequence[Sequence[str | None]], labels: Sequence[str]) -> dict:
    """The figures averaged over contexts, and the outcome they give."""
    if not labels:
        raise ValueError("the environment declares no mode labels")
    per_context = [context_figures(modes, labels) for modes in modes_per_context]
    figures = {}
    for name in FIGURES:
        values = np.array([context[name] for context in per_context])
        figures[name] = float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
    return {**figures, "outcome": outcome(figures)}
