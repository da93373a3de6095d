"""The phase diagram drawn (`phase.png`): curves for one varied setting, heatmaps for more.

One varied setting: per agent and play (sampled, deterministic) a row of curves, the shares of start states in
each outcome with their intervals, the theory's prediction dashed, the measured transition with
its interval and the predicted one (`_shares`); the row's order parameters (`_order`): the
theory's where it declares one, and in sampled play the less-chosen share where the environment
has two or more good answers; return, collapse rate and mode entropy with their intervals
(`_figures`); and, where the theory names a property of the scene, each start state's averaged
share against that property with the predicted curve (`_scenes`). Two or more varied settings:
heatmaps of the most common outcome with its share, one per value of the third and later
settings (`_heatmap`). Its text is 8 pt or more, its legends lie beside the axes, the outcomes'
lines are drawn widest first with their own markers so that two at the same share both show, and
a figure that is the same at every value is left out with a note. The analysis it draws is
`rlnoise.phase.analyse`.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from rlnoise.crossings import HALF
from rlnoise.grid.spec import Grid, numeric
from rlnoise.metrics import EVALUATIONS, OUTCOMES
from rlnoise.phase import axis_label, value_label
from rlnoise.pictures.canvas import FONT, new_figure, pixels
from rlnoise.pictures.results import OUTCOME_COLOURS

SHOWN = ("return", "collapse_rate", "mode_entropy")
FIGURE_LABELS = {
    "return": "return (reward per episode)",
    "collapse_rate": "collapse rate (share of episodes)",
    "mode_entropy": "mode entropy (0 to 1)",
}
OUTCOME_STYLES = {
    "averaged": {"marker": "o", "linestyle": "-", "linewidth": 3.5, "markersize": 8},
    "covering": {"marker": "s", "linestyle": "--", "linewidth": 2.8, "markersize": 7},
    "committed": {"marker": "^", "linestyle": "-.", "linewidth": 2.1, "markersize": 6},
    "mixed": {"marker": "D", "linestyle": ":", "linewidth": 1.5, "markersize": 4},
    "diffuse": {"marker": "v", "linestyle": "-", "linewidth": 0.9, "markersize": 3},
}
"""Each outcome's line, drawn widest first, so that two outcomes at the same share both show."""
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "fontsize": FONT, "frameon": False}
"""Legends beside their axes, never over the data."""


def phase_picture(grid: Grid, analysis: dict[str, Any], title: str) -> np.ndarray:
    """`phase_figure` rendered as an RGB image."""
    return pixels(phase_figure(grid, analysis, title))


def phase_figure(grid: Grid, analysis: dict[str, Any], title: str) -> Any:
    """The phase diagram: curves for one varied setting, heatmaps for more; no text smaller than
    `FONT` points, legends beside the axes, a figure constant along the setting left out
    with a note."""
    rows = [(agent, play) for agent in grid.agents for play in EVALUATIONS]
    scene_curves = [curve for curve in analysis["curves"] if "scene" in curve]
    if len(grid.axes) == 1:
        columns = 4 + max(len(row_orders(analysis, agent, play)) for agent, play in rows)
        figure, axes = new_figure(len(rows) + len(scene_curves), columns, (5.0, 3.0), left=0.6, right=0.3)
        for row, (agent, play) in enumerate(rows):
            _curves(axes[row], grid, analysis, agent, play)
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
        for row, (agent, play) in enumerate(rows):
            for column, others in enumerate(combinations):
                _heatmap(axes[row][column], grid, analysis, agent, play, others)
    figure.suptitle(title, fontsize=12)
    figure.tight_layout(rect=(0, 0, 1, 0.97))
    return figure


def row_orders(analysis: dict[str, Any], agent: str, play: str) -> list[dict[str, Any]]:
    """The order parameters of one agent and play: a theory curve's, then those that need no theory."""
    return [
        item
        for item in [*analysis["curves"], *analysis["orders"]]
        if (item["agent"], item["play"]) == (agent, play) and "order" in item
    ]


def _curves(axes: Any, grid: Grid, analysis: dict[str, Any], agent: str, play: str) -> None:
    """One row: the share of start states per outcome (`_shares`), the order parameters
    (`row_orders`, `_order`), then the figures (`_figures`), along the first axis."""
    axis = grid.axes[0]
    xs = [point["settings"][axis.name] for point in analysis["points"]]
    entries = [point["summary"].get(agent, {}).get(play) for point in analysis["points"]]
    shown = [(x, entry) for x, entry in zip(xs, entries, strict=True) if entry is not None]
    positions = [x for x, _ in shown]
    _shares(axes[0], analysis, agent, play, shown)
    ordered = row_orders(analysis, agent, play)
    for ax, item in zip(axes[1:], ordered, strict=False):
        _order(ax, item)
    figure_axes = axes[1 + len(ordered) :]
    varying = _figures(figure_axes, agent, play, shown, axis.name)
    for ax in axes[: len(axes) - len(figure_axes) + len(varying)]:
        if axis.log:
            ax.set_xscale("log")
        ax.set_xlabel(axis_label(axis.name), fontsize=FONT)
        ax.tick_params(labelsize=FONT)
        if not numeric(positions):  # names (algo=reinforce,ppo,bc) side by side
            ax.tick_params(axis="x", labelrotation=30)


def _shares(
    ax: Any, analysis: dict[str, Any], agent: str, play: str, shown: list[tuple[Any, dict[str, Any]]]
) -> None:
    """The share of start states per outcome with bootstrap intervals at each shown point, the
    theory's prediction and the transitions (measured with its interval, predicted)."""
    positions = [x for x, _ in shown]
    for outcome in OUTCOMES:
        if not any(entry["state_shares"][outcome] for _, entry in shown):
            continue
        share = [entry["state_shares"][outcome] for _, entry in shown]
        low, high = zip(*(entry["state_intervals"][outcome] for _, entry in shown), strict=True)
        colour = OUTCOME_COLOURS[outcome]
        ax.plot(positions, share, color=colour, label=outcome, **OUTCOME_STYLES[outcome])
        ax.fill_between(positions, low, high, color=colour, alpha=0.12)
    for curve in analysis["curves"]:
        if (curve["agent"], curve["play"]) == (agent, play):
            ax.plot(curve["values"], curve["shares"], "k--", linewidth=1, label=f"theory: {curve['outcome']}")
    for item in analysis["transitions"]:
        if (item["agent"], item["play"]) != (agent, play):
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
    ax.set_ylabel("share of start states", fontsize=FONT)
    ax.set_title(f"{agent} {play}: outcomes (95% bootstrap)", fontsize=FONT + 1)
    if ax.get_legend_handles_labels()[0]:  # nothing to label when no run of the grid finished
        ax.legend(**LEGEND)


def _figures(
    axes: Any, agent: str, play: str, shown: list[tuple[Any, dict[str, Any]]], setting: str
) -> list[str]:
    """Return, collapse rate and mode entropy with bootstrap intervals at each shown point, one
    per axes; a figure that is the same at every value of `setting` is left out, with a note.
    Return the names of the figures drawn."""
    positions = [x for x, _ in shown]
    varying, notes = [], []
    for name in SHOWN:
        means = np.array([entry["figures"][name]["mean"] for _, entry in shown], dtype=float)
        finite = means[np.isfinite(means)]
        if finite.size and np.ptp(finite) == 0:
            notes.append(f"{name}: {finite[0]:g} at every {setting}")
        else:
            varying.append(name)
    for ax, name in zip(axes, varying, strict=False):
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
        ax.set_ylabel(FIGURE_LABELS[name], fontsize=FONT)
        ax.set_title(f"{agent} {play}: {name}", fontsize=FONT + 1)
        if ax is axes[0]:
            ax.legend(**LEGEND)
    for ax in axes[len(varying) :]:
        ax.axis("off")
    if notes:
        axes[len(varying)].text(
            0, 1, "not drawn, the same everywhere:\n" + "\n".join(notes), fontsize=FONT, va="top",
            transform=axes[len(varying)].transAxes,
        )  # fmt: skip
    return varying


def _order(ax: Any, item: dict[str, Any]) -> None:
    """An order parameter against the setting: the median over seeds with its interval, beside the
    theory's prediction where it makes one."""
    order = item["order"]
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
    if "predicted" in order:
        ax.plot(item["values"], order["predicted"], "k--", linewidth=1, label="theory")
    ax.set_ylabel(order["name"], fontsize=FONT)
    ax.set_title(f"{item['agent']} {item['play']}: {order['name']}", fontsize=FONT + 1)
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
    bar.set_label(f"share of seeds {curve['outcome']}", fontsize=FONT)
    bar.ax.tick_params(labelsize=FONT)
    if axis.log:
        ax.set_yscale("log")
    ax.set_xlabel(f"start state's {scene['name']}", fontsize=FONT)
    ax.set_ylabel(axis_label(axis.name), fontsize=FONT)
    ax.set_title(f"{curve['agent']} {curve['play']}, per start state", fontsize=FONT + 1)
    ax.tick_params(labelsize=FONT)
    ax.legend(loc="upper left", bbox_to_anchor=(1.35, 1.0), fontsize=FONT, frameon=False)


def _heatmap(
    ax: Any, grid: Grid, analysis: dict[str, Any], agent: str, play: str, others: dict[str, Any]
) -> None:
    """The most common outcome over seeds, with its share, for each value of the first two axes."""
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    first, second = grid.axes[0], grid.axes[1]
    firsts, seconds = grid.values()[:2]
    image = np.ones((len(seconds), len(firsts), 3))
    for point in analysis["points"]:
        settings = point["settings"]
        if any(settings[name] != value for name, value in others.items()):
            continue
        entry = point["summary"].get(agent, {}).get(play)
        if entry is None:
            continue
        row, column = seconds.index(settings[second.name]), firsts.index(settings[first.name])
        shares = entry["seed_shares"]
        common = max(OUTCOMES, key=lambda name: shares[name]["share"])
        share = shares[common]["share"]
        image[row, column] = 1 - share * (1 - np.array(to_rgb(OUTCOME_COLOURS[common])))
        ax.text(column, row, f"{common}\n{share:.0%}", ha="center", va="center", fontsize=FONT)
    ax.imshow(image, origin="lower", aspect="auto")
    ax.set_xticks(
        range(len(firsts)),
        [value_label(value) for value in firsts],
        fontsize=FONT,
        rotation=45,
    )
    ax.set_yticks(range(len(seconds)), [value_label(value) for value in seconds], fontsize=FONT)
    ax.set_xlabel(axis_label(first.name), fontsize=FONT)
    ax.set_ylabel(axis_label(second.name), fontsize=FONT)
    where = "".join(f", {name} {value_label(value)}" for name, value in others.items())
    ax.set_title(f"{agent} {play}{where}: most common outcome, share of seeds", fontsize=FONT)
    ax.legend(handles=[Patch(color=OUTCOME_COLOURS[name], label=name) for name in OUTCOMES], **LEGEND)
