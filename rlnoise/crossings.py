"""Shares of start states in an outcome and where they cross one half, with bootstrap intervals.

A sweep's runs say, per start state, which outcome each reached; `outcome_states` stacks them into
a `[runs, states]` matrix per point, `state_matrix` averages it over seeds. The share of start
states in an outcome gets a 95% percentile-bootstrap interval over seeds and start states
(`share_bootstrap`: seeds resampled within each point, start states once for all points);
`crossings` finds where a curve of shares crosses one half, interpolated linearly (in the logarithm
for a log range), and `crossing_interval` the 95% percentile-bootstrap interval of such a crossing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rlnoise.metrics import CONFIDENCE

HALF = 0.5
RESAMPLES = 1000
"""Bootstrap resamples of a share of start states and of a crossing."""


def outcome_states(records: list[dict[str, Any]], agent: str, play: str, outcome: str) -> np.ndarray | None:
    """Whether each start state of each finished run of `agent` has `outcome` (`[runs, states]`)."""
    runs = [item for item in records if item["agent"] == agent and item["status"] == "finished"]
    if not runs:
        return None
    return np.array(
        [[state == outcome for state in item[play]["state_outcomes"]] for item in runs], dtype=float
    )


def state_matrix(points: list[dict[str, Any]], agent: str, play: str, outcome: str) -> np.ndarray | None:
    """The share of seeds in which each start state has `outcome`, at each point (`[points, states]`)."""
    matrices = [outcome_states(point["records"], agent, play, outcome) for point in points]
    if any(matrix is None for matrix in matrices):
        return None
    return np.array([matrix.mean(axis=0) for matrix in matrices])


def resampled_shares(matrices: Sequence[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """One bootstrap resample of the share of start states at each point (`matrices`, `[runs,
    states]` each): the runs (seeds) drawn again within each point, the start states drawn again
    once for all points when every point has the same ones (they are the same evaluation's)."""
    counts = {matrix.shape[1] for matrix in matrices}
    joint = rng.integers(0, counts.pop(), matrices[0].shape[1]) if len(counts) == 1 else None
    shares = []
    for matrix in matrices:
        runs, states = matrix.shape
        columns = joint if joint is not None else rng.integers(0, states, states)
        shares.append(matrix[rng.integers(0, runs, runs)][:, columns].mean())
    return np.array(shares)


def share_bootstrap(matrices: list[np.ndarray]) -> np.ndarray:
    """The 95% percentile-bootstrap interval (over seeds and start states) of the share of start
    states at each point (`[2, points]`): inside [0, 1] as every share is. Where every start
    state of every run is alike (a share of 0 or 1), every resample is too: no resampling."""
    if all(np.ptp(matrix) == 0 for matrix in matrices):
        shares = [float(matrix.flat[0]) for matrix in matrices]
        return np.array([shares, shares])
    rng = np.random.default_rng(0)
    shares = np.array([resampled_shares(matrices, rng) for _ in range(RESAMPLES)])
    return np.percentile(shares, [100 * (1 - CONFIDENCE) / 2, 100 * (1 + CONFIDENCE) / 2], axis=0)


def crossing_interval(
    xs: Sequence[float], matrices: Sequence[np.ndarray], log: bool, measured: float
) -> list[float]:
    """The 95% percentile-bootstrap interval of the crossing of one half nearest `measured`, over
    seeds and start states (`resampled_shares`); a resample whose shares do not cross lies beyond
    the grid on the side it does not reach, and counts as the grid's end there."""
    rng = np.random.default_rng(0)
    rising = float(matrices[0].mean()) < HALF
    found = []
    for _ in range(RESAMPLES):
        shares = resampled_shares(matrices, rng)
        crossed = crossings(xs, shares, log)
        if crossed:
            found.append(min(crossed, key=lambda value: abs(value - measured)))
        else:
            found.append(xs[0] if bool((shares >= HALF).all()) == rising else xs[-1])
    values = np.log(found) if log else np.array(found)
    low, high = np.percentile(values, [100 * (1 - CONFIDENCE) / 2, 100 * (1 + CONFIDENCE) / 2])
    return [float(np.exp(low)), float(np.exp(high))] if log else [float(low), float(high)]


def brackets(ys: Sequence[float | None]) -> list[int]:
    """Each `i` at which the curve `ys` crosses one half between its points `i` and `i + 1`."""
    return [
        i
        for i in range(len(ys) - 1)
        if None not in (ys[i], ys[i + 1]) and (ys[i] >= HALF) != (ys[i + 1] >= HALF)
    ]


def crossings(xs: Sequence[float], ys: Sequence[float | None], log: bool) -> list[float]:
    """Where the curve through `(xs, ys)` crosses one half, interpolated (in log x for a log range)."""
    positions = np.log(np.asarray(xs, dtype=float)) if log else np.asarray(xs, dtype=float)
    found = []
    for i in brackets(ys):
        fraction = (HALF - ys[i]) / (ys[i + 1] - ys[i])
        position = positions[i] + fraction * (positions[i + 1] - positions[i])
        found.append(float(np.exp(position) if log else position))
    return found
