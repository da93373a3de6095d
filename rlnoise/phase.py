"""Phase diagrams' analysis: outcomes and figures as functions of the varied settings, beside theory.

For each point of a sweep (one value of every varied setting) and each agent and evaluation
play, `point_summary` gives:

- `seed_shares`: the share of seeds whose run has each outcome, with a 95% Wilson interval
  (scipy, `rlnoise.metrics.share_interval`);
- `state_shares`: the share of start states in each outcome, averaged over seeds, with
  `state_intervals`, a 95% percentile-bootstrap interval over seeds and start states
  (`rlnoise.crossings.share_bootstrap`);
- `figures`: each figure's mean, standard deviation and values over seeds, with `interval`, a
  95% percentile-bootstrap interval of the mean over seeds (`rlnoise.metrics.mean_interval`): it
  stays inside the values' range, as a Student-t interval on a few bounded values does not.

Transitions are measured along the first varied setting, for each value of the others: the
setting at which the share of start states in an outcome crosses one half, interpolated
linearly (in the logarithm for a log range), each crossing with a 95% percentile-bootstrap
interval (`rlnoise.crossings.crossing_interval`: seeds resampled within each point, start states
across all points). Where the environment declares a `rlnoise.contract.Theory` for an agent and
play (sampled or deterministic), the predicted share of start states in its outcome is computed on a fine grid
of the setting, for the sweep's own evaluation start states, and its crossing, located by
bisection, is the predicted transition (`theory_curve`). Beside a theory's order parameter
(`measured_order`), on an environment of two or more good answers, each agent's sampled play has
one that needs no theory (`less_chosen_orders`): the share of its hits on the less-chosen good
answers (`LESS_CHOSEN`). `refined_values` is one round of
`sweep --refine`; `axis_label` and `value_label` name the settings and their values.

`analyse` gathers all of it for sweep.json and sweep.md (`rlnoise.results`) and for the drawing
of `phase.png` (`rlnoise.phase_figure`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from rlnoise.crossings import (
    HALF,
    brackets,
    crossing_interval,
    crossings,
    outcome_states,
    share_bootstrap,
    state_matrix,
)
from rlnoise.grid.spec import ENV, Grid, declaration, numeric, with_settings
from rlnoise.grid.summaries import summarize_cells
from rlnoise.metrics import EVALUATIONS, OUTCOMES, finite_values, mean_interval, share_interval

FINE = 200
"""Values of the setting at which a theory's prediction is computed for its curve and crossing."""
LESS_CHOSEN = "less-chosen share"
"""The order parameter of sampled play that needs no theory: a run's `1 - majority_share`, the share of
its hits on the less-chosen good answers (mean over start states): 0 committed to one answer, 0.5
even over two."""
LESS_CHOSEN_MEASURE = (
    "the share of sampled hits on the less-chosen good answer(s), mean over start states "
    "(0: committed to one answer, 0.5: even over two)"
)
"""What `LESS_CHOSEN` is, as sweep.md says it."""
UNITS = {
    "algo": "training algorithm",
    "sigma": "action units",
    "ent_coef": "bonus per nat of entropy",
    "learning_rate": "Adam step size",
    "total_timesteps": "environment steps",
    "num_envs": "environments",
    "hidden": "units per layer",
    "layers": "hidden layers",
    "bins": "actions per dimension",
    "dropout": "probability",
    "param_noise": "initial scale",
    "param_noise_target": "action-space distance",
    "grad_noise": "initial variance",
    "grad_noise_decay": "exponent",
    "momentum": "SGD's momentum",
    "async_workers": "processes on shared weights",
    "grad_delay": "updates late",
    "weight_noise": "noise over the weights' scale",
    "stochastic_depth": "probability a block is skipped",
    "beta": "weight of the bottleneck's KL",
}


def point_summary(records: list[dict[str, Any]], agents: list[str]) -> dict[str, Any]:
    """`summarize_cells` of one point (each figure with its interval over seeds), with seed shares
    and state shares with their intervals."""
    summary = summarize_cells(records, agents)
    for agent, plays in summary.items():
        for play, entry in plays.items():
            outcomes = list(entry["outcomes"].values())
            entry["seed_shares"] = {
                name: {
                    "share": outcomes.count(name) / len(outcomes),
                    "interval": share_interval(outcomes.count(name), len(outcomes)),
                }
                for name in OUTCOMES
            }
            states = list(entry["outcome_shares"].values())
            entry["state_shares"] = {
                name: float(np.mean([shares[name] for shares in states])) for name in OUTCOMES
            }
            entry["state_intervals"] = {}
            for name in OUTCOMES:
                matrix = outcome_states(records, agent, play, name)
                entry["state_intervals"][name] = (
                    [None, None] if matrix is None else share_bootstrap([matrix])[:, 0].tolist()
                )
    return summary


def fine_values(grid: Grid) -> list[Any]:
    """The first axis's values, filled in finely between its ends when they are numbers."""
    axis, given = grid.axes[0], grid.values()[0]
    if not numeric(given):
        return list(given)
    low, high = min(given), max(given)
    values = np.geomspace(low, high, FINE) if axis.log else np.linspace(low, high, FINE)
    return sorted({*map(float, values), *given})


def theory_states(
    grid: Grid, theory: Any, rest: dict[str, Any], xs: Sequence[Any]
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Whether the theory predicts its outcome for each start state at each value `xs` of the first
    axis (`[values, states]`), each start state's scene property (None without one) and the
    predicted order parameter (`[values, states]`, None without one)."""
    from rlnoise.environments import make_env

    rows, orders, scenes, made = [], [], None, {}
    for x in xs:
        config = replace(with_settings(grid.base, {grid.axes[0].name: x, **rest}), agent=theory.agent)
        key = repr(sorted(config.env_kwargs.items()))
        if key not in made:
            env = make_env(config.env_id, config.env_kwargs)
            made[key] = (env, [env.reset(seed=seed)[0] for seed in range(config.eval_contexts)])
        env, observations = made[key]
        settings = asdict(config)
        rows.append(
            [
                theory.predict(env.unwrapped, observation, settings) == theory.outcome
                for observation in observations
            ]
        )
        if theory.order is not None:
            orders.append(
                [theory.order[2](env.unwrapped, observation, settings) for observation in observations]
            )
        if theory.scene is not None:
            scenes = np.array([theory.scene[1](observation) for observation in observations])
    return np.array(rows, dtype=float), scenes, np.array(orders) if orders else None


def median_interval(values: Sequence[float]) -> dict[str, Any]:
    """The median of the finite values (None without any) with its 95% percentile-bootstrap interval."""
    finite = finite_values(values)
    return {
        "median": float(np.median(finite)) if len(finite) else None,
        "interval": mean_interval(finite, np.median),
    }


def measured_order(theory: Any, along: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At each point: the median over seeds of each run's median order parameter over its start
    states (`Theory.order`'s measure of the evaluation's action), with a 95% percentile-bootstrap
    interval over seeds."""
    measure = theory.order[1]
    found = []
    for point in along:
        runs = [
            item[theory.play]
            for item in point["records"]
            if item["agent"] == theory.agent
            and item["status"] == "finished"
            and "state_starts" in item[theory.play]
        ]
        values = [
            float(np.median([measure(np.array(start), np.array(action)) for start, action in states]))
            for states in (zip(run["state_starts"], run["state_actions"], strict=True) for run in runs)
        ]
        found.append(median_interval(values))
    return found


def less_chosen(along: list[dict[str, Any]], agent: str) -> list[dict[str, Any]]:
    """At each point: the median over seeds of the agent's runs' `LESS_CHOSEN` in sampled play, with a
    95% percentile-bootstrap interval over seeds; None where no run hit a good answer."""
    found = []
    for point in along:
        entry = point["summary"].get(agent, {}).get("sampled")
        shares = [] if entry is None else entry["figures"]["majority_share"]["values"]
        found.append(median_interval([np.nan if share is None else 1 - share for share in shares]))
    return found


def less_chosen_orders(grid: Grid, points: list[dict[str, Any]], labels: int) -> list[dict[str, Any]]:
    """Per line along the first axis and agent that hit a good answer, its sampled play's `LESS_CHOSEN`
    shaped as a theory curve's order parameter, without a prediction; none with fewer than two
    good answers (`labels`)."""
    orders = []
    for rest, along in lines_of(grid, points) if labels >= 2 else []:
        for agent in grid.agents:
            measured = less_chosen(along, agent)
            if any(value["median"] is not None for value in measured):
                order = {
                    "name": LESS_CHOSEN,
                    "measure": LESS_CHOSEN_MEASURE,
                    "settings": [point["settings"][grid.axes[0].name] for point in along],
                    "measured": measured,
                }
                orders.append({"agent": agent, "play": "sampled", "at": rest, "order": order})
    return orders


def refined_values(grid: Grid, records: list[dict[str, Any]]) -> list[Any]:
    """One round of `--refine`: the midpoint (geometric on a log range, whole on whole numbers, to
    four significant digits) of each two neighbouring values of the first axis between which the
    share of start states in an outcome crosses one half, for any agent, evaluation and line."""
    axis, xs = grid.axes[0], list(grid.values()[0])
    added = set()
    for rest in lines(grid):
        along = [
            point for point in grid.points() if all(point[name] == value for name, value in rest.items())
        ]
        runs = [[item for item in records if item.get("settings") == point] for point in along]
        for agent, play, outcome in itertools.product(grid.agents, EVALUATIONS, OUTCOMES):
            matrices = [outcome_states(at, agent, play, outcome) for at in runs]
            shares = [None if matrix is None else float(matrix.mean()) for matrix in matrices]
            for i in brackets(shares):
                low, high = along[i][axis.name], along[i + 1][axis.name]
                middle = float(np.sqrt(low * high)) if axis.log else (low + high) / 2
                added.add(round(middle) if all(isinstance(x, int) for x in xs) else float(f"{middle:.4g}"))
    return sorted(added - set(xs))


def lines(grid: Grid) -> list[dict[str, Any]]:
    """Each combination of the second and later axes' values: the rest of a line along the first axis."""
    names = [axis.name for axis in grid.axes[1:]]
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values()[1:])]


def lines_of(grid: Grid, points: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each line along the first axis (`lines`) with its points, in order along the axis."""
    found = []
    for rest in lines(grid):
        along = [
            point for point in points if all(point["settings"][name] == value for name, value in rest.items())
        ]
        found.append((rest, along))
    return found


def theory_curve(
    grid: Grid, theory: Any, rest: dict[str, Any], along: list[dict[str, Any]], xs: list[Any]
) -> tuple[list[float], dict[str, Any]]:
    """The theory's crossings along the first axis at `rest`, and its curve: the predicted share
    of start states on a fine grid, and per start state where the theory names a scene property."""
    axis = grid.axes[0]
    fine = fine_values(grid)
    predicted, scenes, orders = theory_states(grid, theory, rest, fine)
    shares = predicted.mean(axis=1)
    curve = {
        "agent": theory.agent,
        "play": theory.play,
        "outcome": theory.outcome,
        "at": rest,
        "values": fine,
        "shares": shares.tolist(),
    }
    if orders is not None:
        curve["order"] = {
            "name": theory.order[0],
            "measure": "each run's median over its start states",
            "predicted": np.median(orders, axis=1).tolist(),
            "settings": xs,
            "measured": measured_order(theory, along),
        }
    states = state_matrix(along, theory.agent, theory.play, theory.outcome)
    if theory.scene is not None and scenes is not None and states is not None and np.ptp(scenes) > 0:
        curve["scene"] = {
            "name": theory.scene[0],
            "values": scenes.tolist(),
            "measured_shares": states.tolist(),
            "measured": [crossings(xs, states[:, i], axis.log)[:1] for i in range(states.shape[1])],
            "predicted": [crossings(fine, predicted[:, i], axis.log)[:1] for i in range(predicted.shape[1])],
        }
    bisected = [
        predicted_crossing(grid, theory, rest, fine[i], fine[i + 1], axis.log)
        for i in brackets(shares.tolist())
    ]
    return bisected, curve


BISECTIONS = 12
"""Halvings of a fine-grid bracket that locate a predicted crossing (to 1/4096 of the bracket)."""


def predicted_crossing(
    grid: Grid, theory: Any, rest: dict[str, Any], low: float, high: float, log: bool
) -> float:
    """Where the theory's predicted share of start states crosses one half between `low` and
    `high`, by bisection (a step in the share, as at a fixed scene, is located exactly)."""

    def middle(a: float, b: float) -> float:
        return float(np.sqrt(a * b)) if log else (a + b) / 2

    below = theory_states(grid, theory, rest, [low])[0].mean() < HALF
    for _ in range(BISECTIONS):
        x = middle(low, high)
        if (theory_states(grid, theory, rest, [x])[0].mean() < HALF) == below:
            low = x
        else:
            high = x
    return middle(low, high)


def analyse(grid: Grid, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The sweep's points with their summaries, the transitions along the first axis, the theories'
    curves and the order parameters that need no theory (`less_chosen_orders`)."""
    from rlnoise.contract import mode_labels, theories
    from rlnoise.environments import make_env

    points = []
    for point in grid.points():
        mine = [item for item in records if item.get("settings") == point]
        points.append({"settings": point, "records": mine, "summary": point_summary(mine, grid.agents)})
    env = make_env(grid.base.env_id, grid.base.env_kwargs)
    axis = grid.axes[0]
    transitions, curves = [], []
    declared = {(theory.agent, theory.play): theory for theory in theories(env)}
    for rest, along in lines_of(grid, points):
        xs = [point["settings"][axis.name] for point in along]
        for agent, play in itertools.product(grid.agents, EVALUATIONS):
            summaries = [point["summary"].get(agent, {}).get(play) for point in along]
            theory = declared.get((agent, play)) if numeric(xs) else None  # no theory along names
            for outcome in OUTCOMES:
                ys = [None if entry is None else entry["state_shares"][outcome] for entry in summaries]
                measured = crossings(xs, ys, axis.log) if numeric(xs) else []
                if not measured and (theory is None or theory.outcome != outcome):
                    continue
                base = {"agent": agent, "play": play, "outcome": outcome, "along": axis.name, "at": rest}
                predicted: list[float] = []
                if theory is not None and theory.outcome == outcome:
                    predicted, curve = theory_curve(grid, theory, rest, along, xs)
                    curves.append(curve)
                    base["theory"] = theory.statement
                matrices = [outcome_states(point["records"], agent, play, outcome) for point in along]
                for value in measured or [None]:
                    item = {**base, "measured": value, "measured_interval": None, "predicted": None}
                    kept = [(x, matrix) for x, matrix in zip(xs, matrices, strict=True) if matrix is not None]
                    if value is not None:
                        item["measured_interval"] = crossing_interval(
                            *zip(*kept, strict=True), axis.log, value
                        )
                    if predicted:
                        near = value if value is not None else predicted[0]
                        item["predicted"] = min(predicted, key=lambda crossing: abs(crossing - near))
                    transitions.append(item)
    orders = less_chosen_orders(grid, points, len(mode_labels(env)))
    return {"points": points, "transitions": transitions, "curves": curves, "orders": orders}


def axis_label(name: str) -> str:
    """A varied setting's name with its unit or meaning."""
    if name.startswith(ENV):
        return f"{name} (environment argument)"
    return f"{name} ({UNITS.get(name, declaration(name)[2].split(' (')[0])})"


def value_label(value: Any) -> str:
    """A setting's value as a short label."""
    return f"{value:g}" if isinstance(value, float) else str(value)
