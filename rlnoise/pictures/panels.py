"""Drawing a run's picture: the boards and points of two action coordinates, strips of any other."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlnoise.pictures.canvas import CARD_WIDTH, DPI, FONT, new_figure, pixels, scene_figure
from rlnoise.pictures.view import View, half_step

LANDMARK_STYLES = (
    {"color": "black", "edgecolor": "black", "linestyle": "--"},
    {"color": "white", "edgecolor": "black", "linestyle": "-."},
    {"color": "tab:red", "edgecolor": "tab:red", "linestyle": ":"},
    {"color": "tab:purple", "edgecolor": "tab:purple", "linestyle": (0, (1, 3))},
)
PLAYED = {"color": "tab:orange", "label": "deterministic action"}
REACH = 4.0
"""How far past the action range, in range widths, the axes reach to show a point policy's point."""


def draw(view: View, title: str) -> np.ndarray:
    """The picture of a view, `CARD_WIDTH` pixels wide: an RGB image, `[height, width, 3]` uint8
    (TensorBoard's HWC)."""
    dims = view.played.shape[1]
    scenes = len(view.observations)
    width = CARD_WIDTH / DPI
    if dims == 2:
        columns = min(scenes, 2)
        rows = -(-scenes // columns)
        cell = (width - 0.5) / columns
        lines = max(_scene_title(view, scene).count("\n") + 1 for scene in range(scenes))
        figure, axes = new_figure(
            rows, columns, (cell, cell + 0.25), left=0.35, right=0.15, top=0.3 + 0.14 * lines, bottom=1.0
        )
        vmax = None if view.probabilities is None else float(view.probabilities.max())
        shown = [_board(ax, view, scene, vmax) for scene, ax in enumerate(axes.flat[:scenes])]
        for ax in axes.flat[scenes:]:
            ax.axis("off")
        if vmax is not None:
            bar = figure.colorbar(shown[0], ax=list(axes.flat), location="bottom", fraction=0.04, pad=0.12)
            bar.set_label("probability", fontsize=FONT)
            bar.ax.tick_params(labelsize=FONT)
    else:
        height = 0.65 * scenes + 0.35
        figure, axes = new_figure(dims, 1, (width - 0.3, height), left=0.15, right=0.15, top=0.3, bottom=0.95)
        for axis, ax in enumerate(axes[:, 0]):
            _ridges(ax, view, axis)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.suptitle(title, fontsize=FONT)
    legend = figure.legend(handles, labels, loc="lower center", ncol=2, fontsize=FONT, frameon=False)
    for handle in legend.legend_handles:
        if hasattr(handle, "set_sizes"):
            handle.set_sizes([20])
    return pixels(figure)


def draw_card(view: View, scene: int, title: str) -> np.ndarray:
    """One scene of a view, `SCENE_SIZE` pixels, the size a TensorBoard Time Series card shows at its
    own size: a board with its colour bar and legend beside it, or a strip with its legend below."""
    from dataclasses import replace

    def one(values: np.ndarray | None) -> np.ndarray | None:
        return None if values is None else values[scene : scene + 1]

    view = replace(view, observations=one(view.observations), played=one(view.played),
                   landmarks=view.landmarks[scene : scene + 1], probabilities=one(view.probabilities),
                   point=one(view.point), spread=one(view.spread), density=one(view.density),
                   first=view.first + scene)  # fmt: skip
    figure, width, height = scene_figure()
    if view.played.shape[1] == 2:
        lines = _scene_title(view, 0).count("\n") + 2  # the run's title, then the scene's
        beside = 0.38 + 0.08 + (0.55 if view.probabilities is not None else 0) + 1.5  # bar, legend
        bottom, side = 0.3, min(height - 0.3 - 0.15 * lines - 0.1, width - beside)
        ax = figure.add_axes((0.38 / width, bottom / height, side / width, side / height))
        shown = _board(ax, view, 0, None if view.probabilities is None else float(view.probabilities.max()))
        right = 0.38 + side + 0.08
        if shown is not None:
            bar = figure.colorbar(
                shown, cax=figure.add_axes((right / width, bottom / height, 0.08 / width, side / height))
            )
            bar.ax.tick_params(labelsize=FONT)
            right += 0.55
        legend = {"loc": "center left", "bbox_to_anchor": (right / width, 0.45), "ncol": 1}
    else:
        ax = figure.add_axes((0.15 / width, 0.95 / height, (width - 0.3) / width, (height - 1.3) / height))
        _ridges(ax, view, 0)
        legend = {"loc": "lower center", "ncol": 2}
    handles, labels = ax.get_legend_handles_labels()
    figure.suptitle(title, fontsize=FONT, y=0.99)
    shown_legend = figure.legend(handles, labels, fontsize=FONT, frameon=False, handlelength=1.2, **legend)
    for handle in shown_legend.legend_handles:
        if hasattr(handle, "set_sizes"):
            handle.set_sizes([20])
    return pixels(figure)


def _scene_title(view: View, scene: int) -> str:
    """A scene's name: its number, its observation (by the declared names) when short, the mass of
    uncoordinated actions."""
    observation = np.asarray(view.observations[scene]).ravel()
    title = f"scene {view.first + scene}"
    if view.observation_names:
        title += ": " + ", ".join(
            f"{name}={value:.2f}" for name, value in zip(view.observation_names, observation, strict=True)
        )
    elif observation.size <= 4:
        title += ": observation [" + ", ".join(f"{value:.2f}" for value in observation) + "]"
    if view.probabilities is not None:
        unplaced = np.isnan(view.coordinates).any(axis=1)
        if unplaced.any():
            title += f"\nno-coordinate action (pass): {view.probabilities[scene, unplaced].sum():.1%}"
    return title


def _board(ax: Any, view: View, scene: int, vmax: float | None) -> Any:
    """One scene over two coordinates: heatmap or point and spread, landmarks, the action played."""
    placed = ~np.isnan(view.coordinates).any(axis=1)
    points = view.coordinates[placed]
    grid = _grid(points) if len(points) else None
    low, high = _board_axes(ax, view, points, grid)
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
        low, high = _point(ax, view, scene)
    _board_marks(ax, view, scene, points)
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_aspect("equal")
    ax.set_title(_scene_title(view, scene), fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    return shown


def _board_axes(
    ax: Any, view: View, points: np.ndarray, grid: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """The extent of a board's axes, and its ticks: cells centred on the points, a board's numbered
    from 1, a `Box`'s bins labelled with their values."""
    if grid is None:
        return view.low, view.high
    values = [np.unique(points[:, axis]) for axis in range(2)]
    half = np.array([half_step(axis_values) for axis_values in values])
    low, high = (
        np.minimum(view.low, points.min(axis=0) - half),
        np.maximum(view.high, points.max(axis=0) + half),
    )
    if max(grid.shape) <= (19 if view.numbered else 11):
        for set_ticks, axis_values in zip((ax.set_xticks, ax.set_yticks), values, strict=True):
            labels = [
                str(number) if view.numbered else np.format_float_positional(value, 3, trim="-")
                for number, value in enumerate(axis_values, 1)
            ]
            set_ticks(axis_values, labels)
    return low, high


def _point(ax: Any, view: View, scene: int) -> tuple[np.ndarray, np.ndarray]:
    """A point policy's point and exploration spread in one scene (the action range dashed when the
    axes reach past it); the axes' extent."""
    from matplotlib.patches import Ellipse, Rectangle

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
    ellipse = Ellipse(tuple(centre), 2 * spread[0], 2 * spread[1], color="tab:blue", alpha=0.25)
    ellipse.set_label("exploration (1 sd)")
    ax.add_patch(ellipse)
    shown_at = np.clip(centre, low, high)
    ax.plot(*shown_at, "x", color="tab:blue", markersize=9, label="point", clip_on=False)
    if not np.array_equal(shown_at, centre):  # beyond the axes' reach: at the edge, with its coordinates
        ax.annotate(
            f"point ({centre[0]:.3g}, {centre[1]:.3g})",
            shown_at,
            xytext=(low + high) / 2,
            fontsize=FONT,
            color="tab:blue",
            arrowprops={"arrowstyle": "->", "color": "tab:blue"},
        )
    return low, high


def _board_marks(ax: Any, view: View, scene: int, points: np.ndarray) -> None:
    """The scene's landmarks and the deterministic action, sized to the board's cells."""
    columns = len(np.unique(points[:, 0])) if len(points) else 8
    size = (ax.get_window_extent().width * 72 / DPI / max(columns, 2)) ** 2
    for (name, marks), style in zip(view.landmarks[scene].items(), LANDMARK_STYLES, strict=False):
        ax.scatter(
            marks[:, 0],
            marks[:, 1],
            s=0.3 * size,
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


def _reach(view: View) -> tuple[np.ndarray, np.ndarray]:
    """A point policy's axes: the action range, the landmarks and every scene's point with its spread
    (and a margin), reaching at most `REACH` range widths past the range."""
    width = view.high - view.low
    marks = [points for scene in view.landmarks for points in scene.values()]
    shown = np.concatenate(
        [view.point - view.spread, view.point + view.spread, view.low[None], view.high[None], *marks]
    )
    low, high = shown.min(axis=0) - 0.05 * width, shown.max(axis=0) + 0.05 * width
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


def _ridges(ax: Any, view: View, axis: int, height: float = 0.62) -> None:
    """Every scene along one coordinate, one ridge each, scene 0 on top; each ridge scaled to its peak.

    A choice policy's ridge is its probabilities (summed over the other coordinates), a point
    policy's its exploration density around the point; landmarks and the action played on each.
    """
    scenes = len(view.observations)
    for scene in range(scenes):
        base, first = scenes - 1 - scene, scene == 0
        ridge = _choice_ridge if view.probabilities is not None else _point_ridge
        scale = ridge(ax, view, scene, axis, base, height, first)
        for (name, marks), style in zip(view.landmarks[scene].items(), LANDMARK_STYLES, strict=False):
            ax.vlines(
                marks[:, axis],
                base,
                base + 0.7,
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
        ax.text(
            0.01,
            base + 0.97,
            f"{_scene_title(view, scene)}; {scale}",
            transform=ax.get_yaxis_transform(),
            fontsize=FONT,
            va="top",
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 0.5},
        )
    if view.indexed and len(view.coordinates) <= 20:
        ax.set_xticks(view.coordinates[:, 0])
    ax.set_yticks([])
    ax.set_xlim(view.low[axis], view.high[axis])
    ax.set_ylim(-0.15, scenes)
    ax.set_xlabel("action" if view.played.shape[1] == 1 else f"action coordinate {axis}", fontsize=FONT)
    ax.tick_params(axis="x", labelsize=FONT)


def _choice_ridge(ax: Any, view: View, scene: int, axis: int, base: float, height: float, first: bool) -> str:
    """A choice policy's probabilities along one coordinate, as stairs; its scale."""
    placed = ~np.isnan(view.coordinates).any(axis=1)
    values, index = np.unique(view.coordinates[placed, axis], return_inverse=True)
    mass = np.bincount(index, weights=view.probabilities[scene, placed], minlength=len(values))
    half = half_step(values)
    edges = np.concatenate([[values[0] - half], (values[1:] + values[:-1]) / 2, [values[-1] + half]])
    ax.stairs(
        base + height * mass / mass.max(),
        edges,
        baseline=base,
        fill=True,
        color="tab:green",
        label="probability" if first else None,
    )
    return f"peak probability {mass.max():.3f}"


def _point_ridge(ax: Any, view: View, scene: int, axis: int, base: float, height: float, first: bool) -> str:
    """A point policy's point and exploration density along one coordinate; its scale."""
    centre, spread = view.point[scene, axis], view.spread[scene, axis]
    grid = np.linspace(view.low[axis], view.high[axis], 200)
    density = np.exp(-0.5 * ((grid - centre) / spread) ** 2)
    if view.density is not None:  # the policy's own density, whatever its shape
        grid = np.linspace(view.low[axis], view.high[axis], view.density.shape[1])
        peak = view.density[scene].max()  # 0 or nan for a policy whose density vanished: none drawn
        density = view.density[scene] / peak if peak > 0 else np.zeros_like(view.density[scene])
    ax.fill_between(
        grid,
        base,
        base + height * density,
        color="tab:blue",
        alpha=0.25,
        label="exploration density" if first else None,
    )
    ax.vlines(centre, base, base + height, color="tab:blue", label="point" if first else None)
    return f"exploration sd {spread:.2f}"
