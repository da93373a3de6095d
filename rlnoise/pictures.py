"""Pictures of where a policy acts, chosen from what its environment declares (docs/design.md section 7).

A picture shows a few fixed scenes (the first distinct start states of the evaluation's
contexts, so every run on an environment shows the same ones) in the environment's action
coordinates. What is drawn follows from the declarations alone, never from the environment's id:

- two coordinates (a board's points, a plane): one panel per scene; a choice policy's
  probabilities as a heatmap over the points (a scatter where they form no grid), or a point
  policy's point, its exploration spread (an ellipse of one standard deviation) and the action
  that point plays (the point it rounds to, or is clipped to); the probability of the actions
  that have no coordinates (a pass) in the panel's title. Declared points that form a board are
  numbered from 1 (its rows and columns); a `Box`'s bins are labelled with their values. The axes
  reach past the action range to show a point and its spread outside it (at most `REACH` range
  widths; a point beyond that is drawn at the edge, with its coordinates);
- any other number of coordinates: one strip per scene and coordinate; a choice policy's
  probabilities (summed over the other coordinates), or a point policy's exploration density
  around its point, and the action it plays;
- a `Discrete` space without declared coordinates: its action numbers are the coordinate, so the
  strip is a histogram of the policy's actions.

Everywhere the deterministic action (what the deterministic evaluation plays) is marked, and the
environment's `landmarks(observation)` (the bales, the stones) are drawn over the policy.
matplotlib draws off screen (its Agg canvas) and is imported only when a picture is made.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

from rlnoise.contract import action_coordinates, landmarks
from rlnoise.files import write_bytes

SCENES = 4
DPI = 80
LANDMARK_STYLES = (
    {"color": "black", "edgecolor": "black", "linestyle": "--"},
    {"color": "white", "edgecolor": "black", "linestyle": "-."},
    {"color": "tab:red", "edgecolor": "tab:red", "linestyle": ":"},
    {"color": "tab:purple", "edgecolor": "tab:purple", "linestyle": (0, (1, 3))},
)
PLAYED = {"color": "tab:orange", "label": "deterministic action"}
REACH = 4.0
"""How far past the action range, in range widths, the axes reach to show a point policy's point."""


@dataclass
class View:
    """Where a policy acts in each of a few scenes, in the environment's action coordinates."""

    observations: np.ndarray
    """The scenes' start observations, `[scenes, *observation_shape]`."""
    coordinates: np.ndarray
    """`[choices, dims]`: where each of the policy's choices lands, or each of the environment's
    actions for a point policy on a `Discrete` space (`nan` rows: no coordinates); empty for a
    point policy on a `Box`."""
    low: np.ndarray
    high: np.ndarray
    """The extent of the action coordinates, `[dims]` each."""
    played: np.ndarray
    """`[scenes, dims]`: the coordinates of the deterministic action (`nan`: it has none)."""
    landmarks: list[dict[str, np.ndarray]]
    """Per scene, the environment's named points, each `[points, dims]`."""
    probabilities: np.ndarray | None = None
    """A choice policy's probability of each choice, `[scenes, choices]`."""
    point: np.ndarray | None = None
    """A point policy's point, before clipping or rounding, `[scenes, dims]`."""
    spread: np.ndarray | None = None
    """A point policy's exploration standard deviation, `[scenes, dims]`."""
    indexed: bool = False
    """The coordinate is the action number (the environment declares no coordinates)."""
    numbered: bool = False
    """The coordinates are the environment's declared points (a board's: number its rows and columns)."""


def distinct_scenes(observations: np.ndarray, count: int = SCENES) -> np.ndarray:
    """The first `count` distinct observations (an environment with one start state has one)."""
    scenes: list[np.ndarray] = []
    for observation in observations:
        if not any(np.array_equal(observation, scene) for scene in scenes):
            scenes.append(observation)
        if len(scenes) == count:
            break
    return np.stack(scenes)


def view(policy: Any, adapter: Any, env: Any, observations: np.ndarray, device: str = "cpu") -> View:
    """Where `policy`, connected to `env` by `adapter`, acts in the scenes `observations`."""
    import torch

    from rlnoise.evaluation import observation_tensor

    space = env.action_space
    declared = None if isinstance(space, spaces.Box) else action_coordinates(env)
    indexed = isinstance(space, spaces.Discrete) and declared is None
    if isinstance(space, spaces.Box):
        low, high = space.low.astype(np.float64).ravel(), space.high.astype(np.float64).ravel()
        coordinates = adapter.points if policy.output == "choice" else np.empty((0, low.size))
    else:
        coordinates = np.arange(space.n, dtype=np.float64)[:, None] if indexed else declared
        finite = coordinates[~np.isnan(coordinates).any(axis=1)]
        half_step = np.array([_half_step(finite[:, axis]) for axis in range(finite.shape[1])])
        low, high = finite.min(axis=0) - half_step, finite.max(axis=0) + half_step

    def where(actions: np.ndarray) -> np.ndarray:
        """The coordinates of environment actions."""
        if isinstance(space, spaces.Box):
            return actions.reshape(len(actions), -1).astype(np.float64)
        return coordinates[actions - int(space.start)]

    with torch.no_grad():
        inputs = observation_tensor(observations, device)
        distribution = policy.distribution(inputs)
        mode = policy.mode(inputs).cpu().numpy()
    result = View(
        observations=observations,
        coordinates=coordinates,
        low=low,
        high=high,
        played=where(adapter.to_env(mode)),
        landmarks=[
            {name: points.reshape(-1, low.size) for name, points in landmarks(env, scene).items()}
            for scene in observations
        ],
        indexed=indexed,
        numbered=declared is not None,
    )
    if policy.output == "choice":
        result.probabilities = distribution.probs.cpu().numpy().astype(np.float64)
    else:
        result.point = mode.reshape(len(mode), -1).astype(np.float64)
        result.spread = distribution.stddev.cpu().numpy().reshape(len(mode), -1).astype(np.float64)
    return result


def _half_step(values: np.ndarray) -> float:
    """Half the smallest gap between distinct values (0.5 when there is only one)."""
    gaps = np.diff(np.unique(values))
    return float(gaps.min()) / 2 if gaps.size else 0.5


def picture(
    policy: Any, adapter: Any, env: Any, observations: np.ndarray, title: str, device: str = "cpu"
) -> np.ndarray:
    """The picture of where the policy acts in the first distinct scenes of `observations`."""
    return draw(view(policy, adapter, env, distinct_scenes(observations), device), title)


def draw(view: View, title: str) -> np.ndarray:
    """The picture of a view: an RGB image, `[height, width, 3]` uint8 (TensorBoard's HWC)."""
    dims = view.played.shape[1]
    scenes = len(view.observations)
    if dims == 2:
        figure, axes = figure_grid(1, scenes, (3.6, 3.5), left=0.5, right=1.0)
        vmax = None if view.probabilities is None else float(view.probabilities.max())
        shown = [_board(ax, view, scene, vmax) for scene, ax in enumerate(axes[0])]
        if vmax is not None:
            figure.colorbar(shown[0], ax=list(axes[0]), fraction=0.2 / scenes, pad=0.03, label="probability")
    else:
        figure, axes = figure_grid(dims, 1, (6.6, 0.6 * scenes + 0.5), left=1.7, right=0.3)
        for axis, ax in enumerate(axes[:, 0]):
            _ridges(ax, view, axis)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.suptitle(title, fontsize=10)
    columns = max(1, min(len(labels), int(figure.get_figwidth() / 1.7)))
    legend = figure.legend(handles, labels, loc="lower center", ncol=columns, fontsize=8, frameon=False)
    for handle in legend.legend_handles:
        if hasattr(handle, "set_sizes"):
            handle.set_sizes([50])
    return pixels(figure)


def figure_grid(rows: int, columns: int, cell: tuple[float, float], left: float, right: float):
    """An off-screen figure with a grid of axes, margins in inches, room for a title and a legend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    top, bottom = 0.45, 0.95
    width, height = cell[0] * columns + left + right, cell[1] * rows + top + bottom
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, columns, squeeze=False)
    figure.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        hspace=0.5,
        wspace=0.25,
    )
    return figure, axes


def pixels(figure: Any) -> np.ndarray:
    """The figure rendered as an RGB array."""
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()


def _scene_title(view: View, scene: int) -> str:
    """A scene's name: its number, its observation when short, the mass of uncoordinated actions."""
    observation = np.asarray(view.observations[scene]).ravel()
    title = f"scene {scene}"
    if observation.size <= 4:
        title += " [" + ", ".join(f"{value:.2f}" for value in observation) + "]"
    if view.probabilities is not None:
        unplaced = np.isnan(view.coordinates).any(axis=1)
        if unplaced.any():
            title += f"\nno-coordinate action (pass): {view.probabilities[scene, unplaced].sum():.1%}"
    return title


def _board(ax: Any, view: View, scene: int, vmax: float | None) -> Any:
    """One scene over two coordinates: heatmap or point and spread, landmarks, the action played."""
    from matplotlib.patches import Ellipse, Rectangle

    placed = ~np.isnan(view.coordinates).any(axis=1)
    points = view.coordinates[placed]
    grid = _grid(points) if len(points) else None
    low, high = view.low, view.high
    if grid is not None:  # cells centred on the points; a board's numbered from 1, bins by their values
        values = [np.unique(points[:, axis]) for axis in range(2)]
        half = np.array([_half_step(axis_values) for axis_values in values])
        low, high = np.minimum(low, points.min(axis=0) - half), np.maximum(high, points.max(axis=0) + half)
        if max(grid.shape) <= (19 if view.numbered else 11):
            for set_ticks, axis_values in zip((ax.set_xticks, ax.set_yticks), values, strict=True):
                labels = [
                    str(number) if view.numbered else np.format_float_positional(value, 3, trim="-")
                    for number, value in enumerate(axis_values, 1)
                ]
                set_ticks(axis_values, labels)
    shown = None
    if view.probabilities is not None:
        probabilities = view.probabilities[scene, placed]
        if grid is None:
            shown = ax.scatter(
                points[:, 0], points[:, 1], c=probabilities, cmap="viridis", vmin=0, vmax=vmax, s=40
            )
        else:
            extent = (low[0], high[0], low[1], high[1])
            shown = ax.imshow(
                probabilities[grid], origin="lower", extent=extent, cmap="viridis", vmin=0, vmax=vmax
            )
    else:
        if len(points):
            ax.scatter(points[:, 0], points[:, 1], s=4, color="0.7")
        centre, spread = view.point[scene], view.spread[scene]
        low, high = _reach(view)
        if (low < view.low).any() or (high > view.high).any():
            ax.add_patch(
                Rectangle(
                    tuple(view.low),
                    *(view.high - view.low),
                    fill=False,
                    edgecolor="0.3",
                    linestyle="--",
                    label="action range",
                )
            )
        spread_ellipse = Ellipse(
            tuple(centre),
            2 * spread[0],
            2 * spread[1],
            color="tab:blue",
            alpha=0.25,
            label="exploration (1 sd)",
        )
        ax.add_patch(spread_ellipse)
        shown_at = np.clip(centre, low, high)
        ax.plot(*shown_at, "x", color="tab:blue", markersize=9, label="point", clip_on=False)
        if not np.array_equal(shown_at, centre):  # beyond the axes' reach: at the edge, with its coordinates
            ax.annotate(
                f"point ({centre[0]:.3g}, {centre[1]:.3g})",
                shown_at,
                xytext=(low + high) / 2,
                fontsize=7,
                color="tab:blue",
                arrowprops={"arrowstyle": "->", "color": "tab:blue"},
            )
    columns = len(np.unique(points[:, 0])) if len(points) else 8
    size = (ax.get_window_extent().width * 72 / DPI / max(columns, 2)) ** 2
    for (name, marks), style in zip(view.landmarks[scene].items(), LANDMARK_STYLES, strict=False):
        ax.scatter(
            marks[:, 0],
            marks[:, 1],
            s=0.5 * size,
            c=style["color"],
            edgecolors=style["edgecolor"],
            label=name,
        )
    if not np.isnan(view.played[scene]).any():
        ax.scatter(
            *view.played[scene],
            s=0.8 * size,
            marker="s",
            facecolors="none",
            edgecolors=PLAYED["color"],
            linewidths=2,
            label=PLAYED["label"],
        )
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_aspect("equal")
    ax.set_title(_scene_title(view, scene), fontsize=9)
    return shown


def _reach(view: View) -> tuple[np.ndarray, np.ndarray]:
    """A point policy's axes: the action range and every scene's point with its spread (and a margin),
    reaching at most `REACH` range widths past the range."""
    width = view.high - view.low
    low = np.minimum(view.low, (view.point - view.spread).min(axis=0) - 0.05 * width)
    high = np.maximum(view.high, (view.point + view.spread).max(axis=0) + 0.05 * width)
    return np.maximum(low, view.low - REACH * width), np.minimum(high, view.high + REACH * width)


def _grid(points: np.ndarray) -> np.ndarray | None:
    """Where each point lies on the regular grid they form (`[rows (y), columns (x)]` of point
    indices), or None when they form none."""
    xs, column = np.unique(points[:, 0], return_inverse=True)
    ys, row = np.unique(points[:, 1], return_inverse=True)
    if len(xs) * len(ys) != len(points) or not (_even(xs) and _even(ys)):
        return None
    grid = np.full((len(ys), len(xs)), -1)
    grid[row, column] = np.arange(len(points))
    return None if (grid < 0).any() else grid


def _even(values: np.ndarray) -> bool:
    """Whether sorted values are evenly spaced."""
    gaps = np.diff(values)
    return bool(np.allclose(gaps, gaps[0])) if gaps.size else True


def _ridges(ax: Any, view: View, axis: int, height: float = 0.8) -> None:
    """Every scene along one coordinate, one ridge each, scene 0 on top; each ridge scaled to its peak.

    A choice policy's ridge is its probabilities (summed over the other coordinates), a point
    policy's its exploration density around the point; landmarks and the action played on each.
    """
    scenes = len(view.observations)
    names = []
    for scene in range(scenes):
        base, first = scenes - 1 - scene, scene == 0
        if view.probabilities is not None:
            placed = ~np.isnan(view.coordinates).any(axis=1)
            values, index = np.unique(view.coordinates[placed, axis], return_inverse=True)
            mass = np.bincount(index, weights=view.probabilities[scene, placed], minlength=len(values))
            half = _half_step(values)
            edges = np.concatenate([[values[0] - half], (values[1:] + values[:-1]) / 2, [values[-1] + half]])
            ax.stairs(
                base + height * mass / mass.max(),
                edges,
                baseline=base,
                fill=True,
                color="tab:green",
                label="probability" if first else None,
            )
            scale = f"peak probability {mass.max():.3f}"
        else:
            centre, spread = view.point[scene, axis], view.spread[scene, axis]
            grid = np.linspace(view.low[axis], view.high[axis], 200)
            density = np.exp(-0.5 * ((grid - centre) / spread) ** 2)
            ax.fill_between(
                grid,
                base,
                base + height * density,
                color="tab:blue",
                alpha=0.25,
                label="exploration density" if first else None,
            )
            ax.vlines(centre, base, base + height, color="tab:blue", label="point" if first else None)
            scale = f"exploration sd {spread:.2f}"
        for (name, marks), style in zip(view.landmarks[scene].items(), LANDMARK_STYLES, strict=False):
            ax.vlines(
                marks[:, axis],
                base,
                base + 0.95,
                color="black" if style["color"] == "white" else style["color"],
                linestyles=style["linestyle"],
                label=name if first else None,
            )
        if not np.isnan(view.played[scene, axis]):
            ax.plot(
                view.played[scene, axis],
                base,
                "^",
                color=PLAYED["color"],
                markersize=9,
                clip_on=False,
                label=PLAYED["label"] if first else None,
            )
        names.append(f"{_scene_title(view, scene)}\n{scale}")
    if view.indexed and len(view.coordinates) <= 20:
        ax.set_xticks(view.coordinates[:, 0])
    ax.set_yticks(np.arange(scenes)[::-1] + height / 2, names, fontsize=7)
    ax.set_xlim(view.low[axis], view.high[axis])
    ax.set_ylim(-0.15, scenes)
    ax.set_xlabel("action" if view.played.shape[1] == 1 else f"action coordinate {axis}", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)


def save_png(image: np.ndarray, path: str | Path) -> None:
    """Write an RGB image as a PNG file, atomically (`rlnoise.files`)."""
    from matplotlib.image import imsave

    png = io.BytesIO()
    imsave(png, image, format="png")
    write_bytes(path, png.getvalue())


def results_picture(
    pictures: Mapping[str, np.ndarray],
    summary: Mapping[str, Mapping[str, Mapping[str, Any]]],
    title: str,
) -> np.ndarray:
    """Each agent's picture side by side, above its figures over seeds (mean, std, each seed).

    `summary[agent][mode]["figures"][figure]` holds `mean`, `std` and `values` (one per seed).
    The return, in the environment's own units, gets its own axes beside the others, in [0, 1].
    """
    from matplotlib.gridspec import GridSpec

    columns = max(len(pictures), 1)
    widths = [image.shape[1] / DPI for image in pictures.values()] or [8.0]
    top = max([image.shape[0] / DPI for image in pictures.values()] or [0.1])
    width = max(sum(widths) + 0.4, 10.0)
    figure, _ = figure_grid(1, 1, (width, top + 4.2), left=0, right=0)  # each picture at its own size
    figure.clear()
    layout = GridSpec(2, columns, figure=figure, height_ratios=(top + 0.3, 3.5), width_ratios=widths)
    for column, (agent, image) in enumerate(pictures.items()):
        ax = figure.add_subplot(layout[0, column])
        ax.imshow(image)
        ax.set_title(agent, fontsize=11)
        ax.axis("off")
    bars = [(agent, mode) for agent in summary for mode in summary[agent]]
    names = list(summary[bars[0][0]][bars[0][1]]["figures"])
    figures_layout = layout[1, :].subgridspec(
        1, 3, width_ratios=(1, len(names) - 1, 0.4 * len(bars)), wspace=0.25
    )
    axes = [figure.add_subplot(figures_layout[i]) for i in range(3)]
    for ax, shown in zip(axes[:2], (names[:1], names[1:]), strict=True):
        _figure_bars(ax, summary, bars, shown)
    axes[1].set_ylim(0, 1.05)
    axes[1].set_title("mean ± std over seeds (dots: each seed)", fontsize=9)
    _outcome_bars(axes[2], summary, bars)
    handles, labels = axes[1].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(bars), fontsize=9, frameon=False)
    figure.suptitle(title, fontsize=12)
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    return pixels(figure)


OUTCOME_COLOURS = {
    "averaged": "#d62728",
    "diffuse": "#7f7f7f",
    "committed": "#1f77b4",
    "mixed": "#bcbd22",
    "covering": "#2ca02c",
}


def _outcome_bars(ax: Any, summary: Mapping[str, Any], bars: list[tuple[str, str]]) -> None:
    """Stacked bars: the share of start states in each outcome, averaged over seeds, per agent and mode."""
    bottoms = np.zeros(len(bars))
    for outcome, colour in OUTCOME_COLOURS.items():
        shares = np.array(
            [np.mean([s[outcome] for s in summary[a][m]["outcome_shares"].values()]) for a, m in bars]
        )
        ax.bar(np.arange(len(bars)), shares, 0.7, bottom=bottoms, color=colour, label=outcome)
        bottoms += shares
    ax.set_xticks(np.arange(len(bars)), [f"{agent}\n{mode}" for agent, mode in bars], fontsize=7)
    ax.set_ylim(0, 1.0)
    ax.set_ylabel("share of start states", fontsize=8)
    ax.set_title("outcome per start state", fontsize=9)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, frameon=False)


def _figure_bars(ax: Any, summary: Mapping[str, Any], bars: list[tuple[str, str]], names: list[str]) -> None:
    """Bars of figures' means with their std over seeds, and a dot per seed; one bar per agent and mode."""
    width = 0.8 / len(bars)
    for number, (agent, mode) in enumerate(bars):
        figures = summary[agent][mode]["figures"]
        offsets = np.arange(len(names)) + (number - (len(bars) - 1) / 2) * width
        ax.bar(
            offsets,
            [figures[name]["mean"] for name in names],
            width,
            yerr=[figures[name]["std"] for name in names],
            capsize=3,
            color=f"C{list(summary).index(agent)}",
            alpha=1.0 if mode == "sampled" else 0.45,
            label=f"{agent} {mode}",
        )
        for offset, name in zip(offsets, names, strict=True):
            values = figures[name]["values"]
            ax.plot([offset] * len(values), values, ".", color="black", markersize=3)
    ax.set_xticks(np.arange(len(names)), names, fontsize=9)
    ax.axhline(0, color="black", linewidth=0.5)
