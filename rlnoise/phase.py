"""Phase diagrams: outcomes and figures as functions of the varied settings, beside theory.

For each point of a sweep (one value of every varied setting) and each agent and evaluation
mode, `point_summary` gives:

- `seed_shares`: the share of seeds whose run has each outcome, with a 95% Wilson interval
  (scipy, `rlnoise.metrics.share_interval`);
- `state_shares`: the share of start states in each outcome, averaged over seeds, with
  `state_intervals`, a 95% percentile-bootstrap interval over seeds and start states
  (`share_bootstrap`);
- `figures`: each figure's mean, standard deviation and values over seeds, with `interval`, a
  95% percentile-bootstrap interval of the mean over seeds (`rlnoise.metrics.mean_interval`): it
  stays inside the values' range, as a Student-t interval on a few bounded values does not.

Transitions are measured along the first varied setting, for each value of the others: the
setting at which the share of start states in an outcome crosses one half, interpolated
linearly (in the logarithm for a log range), each crossing with a 95% percentile-bootstrap
interval (`crossing_interval`: seeds resampled within each point, start states across all
points). Where the environment declares a `rlnoise.contract.Theory` for an agent and evaluation
mode, the predicted share of start states in its outcome is computed on a fine grid of the
setting, for the sweep's own evaluation start states, and its crossing is the predicted
transition.

`phase_picture` draws one varied setting as curves (shares of start states with their
intervals, the prediction dashed, the measured transition with its interval and the predicted
one; return, collapse rate and mode entropy with their intervals), and, where the theory names
a property of the scene, each start state's averaged share against that property with the
predicted curve; two or more varied settings as heatmaps of the most common outcome with its
share, one per value of the third and later settings. Its text is 8 pt or more, its legends lie
beside the axes, the outcomes' lines are drawn widest first with their own markers so that two at
the same share both show, and a figure that is the same at every value is left out with a note.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from rlnoise.grid.spec import ENV, Grid, declaration, numeric, with_settings
from rlnoise.grid.summaries import summarize_cells as summarize
from rlnoise.metrics import CONFIDENCE, EVALUATIONS, OUTCOMES, mean_interval, share_interval

HALF = 0.5
FINE = 200
"""Values of the setting at which a theory's prediction is computed for its curve and crossing."""
SHOWN = ("return", "collapse_rate", "mode_entropy")
LABELS = {
    "return": "return (reward per episode)",
    "collapse_rate": "collapse rate (share of episodes)",
    "mode_entropy": "mode entropy (0 to 1)",
}
UNITS = {
    "algo": "training algorithm",
    "sigma": "action units",
    "ent_coef": "bonus per nat of entropy",
    "learning_rate": "Adam step size",
    "total_timesteps": "environment steps",
    "num_envs": "environments",
    "hidden": "units per layer",
    "bins": "actions per dimension",
    "dropout": "probability",
    "param_noise": "initial scale",
    "param_noise_target": "action-space distance",
    "grad_noise": "initial variance",
    "grad_noise_decay": "exponent",
}


def point_summary(records: list[dict[str, Any]], agents: list[str]) -> dict[str, Any]:
    """`rlnoise.sweep.summarize` of one point, with seed shares, state shares and intervals over seeds."""
    summary = summarize(records, agents)
    for agent, modes in summary.items():
        for mode, entry in modes.items():
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
                matrix = outcome_states(records, agent, mode, name)
                entry["state_intervals"][name] = (
                    [None, None] if matrix is None else share_bootstrap([matrix])[:, 0].tolist()
                )
            for figure in entry["figures"].values():
                figure["interval"] = mean_interval(figure["values"])
    return summary


RESAMPLES = 1000
"""Bootstrap resamples of a share of start states and of a crossing."""


def outcome_states(records: list[dict[str, Any]], agent: str, mode: str, outcome: str) -> np.ndarray | None:
    """Whether each start state of each finished run of `agent` has `outcome` (`[runs, states]`)."""
    runs = [item for item in records if item["agent"] == agent and item["status"] == "finished"]
    if not runs:
        return None
    return np.array(
        [[state == outcome for state in item[mode]["state_outcomes"]] for item in runs], dtype=float
    )


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


def measured_order(theory: Any, along: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At each point: the median over seeds of each run's median order parameter over its start
    states (`Theory.order`'s measure of the evaluation's action), with a 95% percentile-bootstrap
    interval over seeds."""
    measure = theory.order[1]
    found = []
    for point in along:
        runs = [
            item[theory.mode]
            for item in point["records"]
            if item["agent"] == theory.agent
            and item["status"] == "finished"
            and "state_starts" in item[theory.mode]
        ]
        values = [
            float(np.median([measure(np.array(start), np.array(action)) for start, action in states]))
            for states in (zip(run["state_starts"], run["state_actions"], strict=True) for run in runs)
        ]
        found.append(
            {
                "median": float(np.median(values)) if values else None,
                "interval": mean_interval(values, np.median),
            }
        )
    return found


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
        for agent, mode, outcome in itertools.product(grid.agents, EVALUATIONS, OUTCOMES):
            matrices = [outcome_states(at, agent, mode, outcome) for at in runs]
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


def declared_theories(grid: Grid) -> list[Any]:
    """The theories the environment declares for agents of the grid."""
    from rlnoise.contract import theories
    from rlnoise.environments import make_env

    return [
        theory
        for theory in theories(make_env(grid.base.env_id, grid.base.env_kwargs))
        if theory.agent in grid.agents
    ]


def state_matrix(points: list[dict[str, Any]], agent: str, mode: str, outcome: str) -> np.ndarray | None:
    """The share of seeds in which each start state has `outcome`, at each point (`[points, states]`)."""
    matrices = [outcome_states(point["records"], agent, mode, outcome) for point in points]
    if any(matrix is None for matrix in matrices):
        return None
    return np.array([matrix.mean(axis=0) for matrix in matrices])


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
        "mode": theory.mode,
        "outcome": theory.outcome,
        "at": rest,
        "values": fine,
        "shares": shares.tolist(),
    }
    if orders is not None:
        curve["order"] = {
            "name": theory.order[0],
            "predicted": np.median(orders, axis=1).tolist(),
            "settings": xs,
            "measured": measured_order(theory, along),
        }
    states = state_matrix(along, theory.agent, theory.mode, theory.outcome)
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
    """The sweep's points with their summaries, the transitions along the first axis, the theories' curves."""
    points = []
    for point in grid.points():
        mine = [item for item in records if item.get("settings") == point]
        points.append({"settings": point, "records": mine, "summary": point_summary(mine, grid.agents)})
    axis = grid.axes[0]
    transitions, curves = [], []
    theories = {(theory.agent, theory.mode): theory for theory in declared_theories(grid)}
    for rest in lines(grid):
        along = [
            point for point in points if all(point["settings"][name] == value for name, value in rest.items())
        ]
        xs = [point["settings"][axis.name] for point in along]
        for agent, mode in itertools.product(grid.agents, EVALUATIONS):
            summaries = [point["summary"].get(agent, {}).get(mode) for point in along]
            theory = theories.get((agent, mode)) if numeric(xs) else None  # no theory along names
            for outcome in OUTCOMES:
                ys = [None if entry is None else entry["state_shares"][outcome] for entry in summaries]
                measured = crossings(xs, ys, axis.log) if numeric(xs) else []
                if not measured and (theory is None or theory.outcome != outcome):
                    continue
                base = {"agent": agent, "mode": mode, "outcome": outcome, "along": axis.name, "at": rest}
                predicted: list[float] = []
                if theory is not None and theory.outcome == outcome:
                    predicted, curve = theory_curve(grid, theory, rest, along, xs)
                    curves.append(curve)
                    base["theory"] = theory.statement
                matrices = [outcome_states(point["records"], agent, mode, outcome) for point in along]
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
    return {"points": points, "transitions": transitions, "curves": curves}


def axis_label(name: str) -> str:
    """A varied setting's name with its unit or meaning."""
    if name.startswith(ENV):
        return f"{name} (environment argument)"
    return f"{name} ({UNITS.get(name, declaration(name)[2].split(' (')[0])})"


def format_value(value: Any) -> str:
    """A setting's value as a short label."""
    return f"{value:g}" if isinstance(value, float) else str(value)


SMALLEST = 8
"""The smallest text of a phase diagram, in points at its saved size."""
OUTCOME_STYLES = {
    "averaged": {"marker": "o", "linestyle": "-", "linewidth": 3.5, "markersize": 8},
    "covering": {"marker": "s", "linestyle": "--", "linewidth": 2.8, "markersize": 7},
    "committed": {"marker": "^", "linestyle": "-.", "linewidth": 2.1, "markersize": 6},
    "mixed": {"marker": "D", "linestyle": ":", "linewidth": 1.5, "markersize": 4},
    "diffuse": {"marker": "v", "linestyle": "-", "linewidth": 0.9, "markersize": 3},
}
"""Each outcome's line, drawn widest first, so that two outcomes at the same share both show."""
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "fontsize": SMALLEST, "frameon": False}
"""Legends beside their axes, never over the data."""


def phase_picture(grid: Grid, analysis: dict[str, Any], title: str) -> np.ndarray:
    """`phase_figure` rendered as an RGB image."""
    from rlnoise.pictures.panels import pixels

    return pixels(phase_figure(grid, analysis, title))


def phase_figure(grid: Grid, analysis: dict[str, Any], title: str) -> Any:
    """The phase diagram: curves for one varied setting, heatmaps for more; no text smaller than
    `SMALLEST` points, legends beside the axes, a figure constant along the setting left out
    with a note."""
    from rlnoise.pictures.panels import new_figure

    rows = [(agent, mode) for agent in grid.agents for mode in EVALUATIONS]
    scene_curves = [curve for curve in analysis["curves"] if "scene" in curve]
    if len(grid.axes) == 1:
        columns = 5 if any("order" in curve for curve in analysis["curves"]) else 4
        figure, axes = new_figure(len(rows) + len(scene_curves), columns, (5.0, 3.0), left=0.6, right=0.3)
        for row, (agent, mode) in enumerate(rows):
            _curves(axes[row], grid, analysis, agent, mode)
        for row, curve in enumerate(scene_curves, start=len(rows)):
            _scenes(axes[row][0], grid, curve)
            for ax in axes[row][1:]:
                ax.axis("off")
    else:
        names = [axis.name for axis in grid.axes[2:]]
        combinations = [
            dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values()[2:])
        ]
        figure, axes = new_figure(len(rows), len(combinations), (6.5, 3.6), left=0.8, right=1.2)
        for row, (agent, mode) in enumerate(rows):
            for column, others in enumerate(combinations):
                _heatmap(axes[row][column], grid, analysis, agent, mode, others)
    figure.suptitle(title, fontsize=12)
    figure.tight_layout(rect=(0, 0, 1, 0.97))
    return figure


def _curves(axes: Any, grid: Grid, analysis: dict[str, Any], agent: str, mode: str) -> None:
    """One row: the share of start states per outcome with bootstrap intervals, the theory's
    prediction and the transitions (measured with its interval, predicted), then the figures with
    bootstrap intervals; a figure that is the same at every value is left out, with a note."""
    from rlnoise.pictures.results import OUTCOME_COLOURS

    axis = grid.axes[0]
    xs = [point["settings"][axis.name] for point in analysis["points"]]
    entries = [point["summary"].get(agent, {}).get(mode) for point in analysis["points"]]
    shown = [(x, entry) for x, entry in zip(xs, entries, strict=True) if entry is not None]
    positions = [x for x, _ in shown]
    ax = axes[0]
    for outcome in OUTCOMES:
        if not any(entry["state_shares"][outcome] for _, entry in shown):
            continue
        share = [entry["state_shares"][outcome] for _, entry in shown]
        low, high = zip(*(entry["state_intervals"][outcome] for _, entry in shown), strict=True)
        colour = OUTCOME_COLOURS[outcome]
        ax.plot(positions, share, color=colour, label=outcome, **OUTCOME_STYLES[outcome])
        ax.fill_between(positions, low, high, color=colour, alpha=0.12)
    for curve in analysis["curves"]:
        if (curve["agent"], curve["mode"]) == (agent, mode):
            ax.plot(curve["values"], curve["shares"], "k--", linewidth=1, label=f"theory: {curve['outcome']}")
    for item in analysis["transitions"]:
        if (item["agent"], item["mode"]) != (agent, mode):
            continue
        if item["predicted"] is not None:
            ax.axvline(
                item["predicted"], color="black", linestyle=":", linewidth=1, label="predicted transition"
            )
        if item["measured"] is not None:
            low, high = item["measured_interval"]
            ax.errorbar(
                item["measured"], HALF, xerr=[[item["measured"] - low], [high - item["measured"]]], fmt="kx",
                markersize=7, capsize=3, label=f"measured {item['outcome']} transition (95%)",
            )  # fmt: skip
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("share of start states", fontsize=SMALLEST)
    ax.set_title(f"{agent} {mode}: outcomes (95% bootstrap)", fontsize=SMALLEST + 1)
    if ax.get_legend_handles_labels()[0]:  # nothing to label when no run of the grid finished
        ax.legend(**LEGEND)
    ordered = [
        curve
        for curve in analysis["curves"]
        if (curve["agent"], curve["mode"]) == (agent, mode) and "order" in curve
    ]
    figure_axes = axes[1:]
    if ordered:
        _order(axes[1], ordered[0])
        figure_axes = axes[2:]
    varying, notes = [], []
    for name in SHOWN:
        means = np.array([entry["figures"][name]["mean"] for _, entry in shown], dtype=float)
        finite = means[np.isfinite(means)]
        if finite.size and np.ptp(finite) == 0:
            notes.append(f"{name}: {finite[0]:g} at every {axis.name}")
        else:
            varying.append(name)
    for ax, name in zip(figure_axes, varying, strict=False):
        means = [entry["figures"][name]["mean"] for _, entry in shown]
        intervals = [entry["figures"][name]["interval"] for _, entry in shown]
        low = [
            mean if interval[0] is None else interval[0]
            for mean, interval in zip(means, intervals, strict=True)
        ]
        high = [
            mean if interval[1] is None else interval[1]
            for mean, interval in zip(means, intervals, strict=True)
        ]
        ax.plot(positions, means, "o-", color="C0", markersize=4, label="mean over seeds")
        ax.fill_between(positions, low, high, color="C0", alpha=0.2, label="95% interval (bootstrap)")
        ax.set_ylabel(LABELS[name], fontsize=SMALLEST)
        ax.set_title(f"{agent} {mode}: {name}", fontsize=SMALLEST + 1)
        if ax is figure_axes[0]:
            ax.legend(**LEGEND)
    for ax in figure_axes[len(varying) :]:
        ax.axis("off")
    if notes:
        figure_axes[len(varying)].text(
            0, 1, "not drawn, the same everywhere:\n" + "\n".join(notes), fontsize=SMALLEST, va="top",
            transform=figure_axes[len(varying)].transAxes,
        )  # fmt: skip
    for ax in axes[: len(axes) - len(figure_axes) + len(varying)]:
        if axis.log:
            ax.set_xscale("log")
        ax.set_xlabel(axis_label(axis.name), fontsize=SMALLEST)
        ax.tick_params(labelsize=SMALLEST)
        if not numeric(positions):  # names (algo=reinforce,ppo,bc) side by side
            ax.tick_params(axis="x", labelrotation=30)


def _order(ax: Any, curve: dict[str, Any]) -> None:
    """The order parameter against the setting: the median over seeds with its interval, beside
    the theory's prediction."""
    order = curve["order"]
    measured = [
        (x, value)
        for x, value in zip(order["settings"], order["measured"], strict=True)
        if value["median"] is not None
    ]
    if measured:
        xs = [x for x, _ in measured]
        low, high = zip(*(value["interval"] for _, value in measured), strict=True)
        ax.plot(
            xs,
            [value["median"] for _, value in measured],
            "o-",
            color="C0",
            markersize=4,
            label="median over seeds",
        )
        ax.fill_between(xs, low, high, color="C0", alpha=0.2, label="95% interval (bootstrap)")
    ax.plot(curve["values"], order["predicted"], "k--", linewidth=1, label="theory")
    ax.set_ylabel(order["name"], fontsize=SMALLEST)
    ax.set_title(f"order parameter: {order['name']}", fontsize=SMALLEST + 1)
    ax.legend(**LEGEND)


def _scenes(ax: Any, grid: Grid, curve: dict[str, Any]) -> None:
    """Each start state's measured share of seeds in the theory's outcome, against its scene property."""
    axis = grid.axes[0]
    scene = curve["scene"]
    xs = list(grid.values()[0])
    values = np.array(scene["values"])
    shares = np.array(scene["measured_shares"])
    grid_x, grid_y = np.meshgrid(values, xs)
    points = ax.scatter(grid_x, grid_y, c=shares, cmap="Reds", vmin=0, vmax=1, s=18, edgecolors="none")
    order = np.argsort(values)
    predicted = [scene["predicted"][i][0] if scene["predicted"][i] else np.nan for i in order]
    ax.plot(values[order], predicted, "k-", linewidth=1.2, label="theory: transition per start state")
    measured = [(values[i], found[0]) for i, found in enumerate(scene["measured"]) if found]
    if measured:
        ax.plot(*zip(*measured, strict=True), "kx", markersize=5, label="measured: share crosses 0.5")
    bar = ax.figure.colorbar(points, ax=ax)
    bar.set_label(f"share of seeds {curve['outcome']}", fontsize=SMALLEST)
    bar.ax.tick_params(labelsize=SMALLEST)
    if axis.log:
        ax.set_yscale("log")
    ax.set_xlabel(f"start state's {scene['name']}", fontsize=SMALLEST)
    ax.set_ylabel(axis_label(axis.name), fontsize=SMALLEST)
    ax.set_title(f"{curve['agent']} {curve['mode']}, per start state", fontsize=SMALLEST + 1)
    ax.tick_params(labelsize=SMALLEST)
    ax.legend(loc="upper left", bbox_to_anchor=(1.35, 1.0), fontsize=SMALLEST, frameon=False)


def _heatmap(
    ax: Any, grid: Grid, analysis: dict[str, Any], agent: str, mode: str, others: dict[str, Any]
) -> None:
    """The most common outcome over seeds, with its share, for each value of the first two axes."""
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    from rlnoise.pictures.results import OUTCOME_COLOURS

    first, second = grid.axes[0], grid.axes[1]
    firsts, seconds = grid.values()[:2]
    image = np.ones((len(seconds), len(firsts), 3))
    for point in analysis["points"]:
        settings = point["settings"]
        if any(settings[name] != value for name, value in others.items()):
            continue
        entry = point["summary"].get(agent, {}).get(mode)
        if entry is None:
            continue
        row, column = seconds.index(settings[second.name]), firsts.index(settings[first.name])
        shares = entry["seed_shares"]
        common = max(OUTCOMES, key=lambda name: shares[name]["share"])
        share = shares[common]["share"]
        image[row, column] = 1 - share * (1 - np.array(to_rgb(OUTCOME_COLOURS[common])))
        ax.text(column, row, f"{common}\n{share:.0%}", ha="center", va="center", fontsize=SMALLEST)
    ax.imshow(image, origin="lower", aspect="auto")
    ax.set_xticks(
        range(len(firsts)),
        [format_value(value) for value in firsts],
        fontsize=SMALLEST,
        rotation=45,
    )
    ax.set_yticks(range(len(seconds)), [format_value(value) for value in seconds], fontsize=SMALLEST)
    ax.set_xlabel(axis_label(first.name), fontsize=SMALLEST)
    ax.set_ylabel(axis_label(second.name), fontsize=SMALLEST)
    where = "".join(f", {name} {format_value(value)}" for name, value in others.items())
    ax.set_title(f"{agent} {mode}{where}: most common outcome, share of seeds", fontsize=SMALLEST)
    ax.legend(handles=[Patch(color=OUTCOME_COLOURS[name], label=name) for name in OUTCOMES], **LEGEND)
